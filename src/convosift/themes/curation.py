"""Curation: accept, rename, merge and retire themes without re-classifying anything.

Each decision rewrites the vocabulary file (appending the decision to its ``decisions`` list),
re-points the stored theme matches it affects with one UPDATE, and records a row in
``theme_decisions``, all inside one database transaction: the vocabulary file is replaced
atomically just before the commit, so a failed update leaves both the file and the rows as they were.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from convosift.config import Settings
from convosift.errors import ConfigurationError, ConflictError, NotFoundError
from convosift.store import Connection, Store
from convosift.store import curation as stored
from convosift.store.proposals import (
    DISMISSED,
    PROPOSED,
    Proposal,
    close_proposal,
    get_proposal,
    proposal_signatures,
    rename_proposal,
)
from convosift.store.queries import UNMATCHED
from convosift.themes.request import unshown
from convosift.themes.text import distinct_quotes
from convosift.themes.vocabulary import (
    Decision,
    Theme,
    Vocabulary,
    check_signature,
    load_vocabulary_to_curate,
    save_vocabulary,
)

CURATION_MATCHER = stored.CURATION_MATCHER
_MAX_EXAMPLES = 8
MAX_TITLE_CHARS = 120


@dataclass(frozen=True)
class Outcome:
    action: str
    signature: str
    target: str | None
    matches_changed: int
    note: str | None = None
    """What else changed ("title 'Card declined'")."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "signature": self.signature,
            "target": self.target,
            "matches_changed": self.matches_changed,
            "note": self.note,
        }


def themes_outside(store: Store, vocabulary: Vocabulary, path: Path) -> str | None:
    """A warning when stored conversations carry themes the vocabulary file does not hold (another
    file's accepts: CONVOSIFT_VOCABULARY points at a new file in a new shell or folder); None when
    every stored theme is in it. Runs with this file match none of those themes."""
    from convosift.store.themes import themed_signatures

    with store.read() as conn:
        outside = {s: n for s, n in themed_signatures(conn).items() if vocabulary.find(s) is None}
    if not outside:
        return None
    names = sorted(outside, key=lambda s: (-outside[s], s))
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return (
        f"{sum(outside.values())} stored conversations carry themes that {path} does not hold ({shown}): "
        "runs with this file match none of them. Is CONVOSIFT_VOCABULARY the file your earlier accepts wrote? (A "
        "theme taken out of the file by hand keeps its stored conversations until put back and retired.)"
    )


def curator_for(settings: Settings, store: Store) -> Curator:
    """The curator of the configured vocabulary file (which the first accept creates)."""
    if settings.vocabulary_path is None:
        raise ConfigurationError(
            "curation writes the theme vocabulary, and none is configured",
            hint="set CONVOSIFT_VOCABULARY=vocabulary.yaml; the first accept creates the file",
        )
    return Curator(store, settings.vocabulary_path)


def open_proposal(store: Store, proposal_id: str) -> Proposal:
    """The proposal, still open for a decision: NotFoundError when unknown, ConflictError when decided."""
    with store.read() as conn:
        return _open_proposal(conn, proposal_id)


class Curator:
    """Applies curation decisions to one vocabulary file and one store."""

    def __init__(
        self, store: Store, vocabulary_file: Path, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.vocabulary_file = vocabulary_file
        self.clock = clock

    # --- decisions ---------------------------------------------------------------------------

    def accept(self, name: str, *, signature: str | None = None, title: str | None = None) -> Outcome:
        """Make a discovered proposal (by id) or a ``proposed`` theme of the file an active theme."""
        vocabulary = load_vocabulary_to_curate(self.vocabulary_file)
        with self.store.write() as conn:
            proposal = _proposal(conn, name)
            if proposal is None:
                return self._accept_listed(conn, vocabulary, name, signature, title)
            new_signature = _valid(signature or proposal.signature)
            if vocabulary.find(new_signature) is not None:
                raise ConfigurationError(
                    f"theme {new_signature!r} already exists",
                    hint=f"choose another signature, or merge the proposal into it: convosift themes merge "
                    f"{name} {new_signature} (POST /api/proposals/{name}/merge in the API)",
                )
            # Customers often write the same words: an example repeated teaches the matcher nothing.
            quotes = distinct_quotes((unshown(item["quote"]) for item in proposal.evidence), _MAX_EXAMPLES)
            theme = Theme(
                signature=new_signature,
                title=title or proposal.title,
                keywords=tuple(proposal.key_phrases),
                examples=tuple(quotes),
                description=f"Accepted from discovered proposal {name}.",
            )
            changed = _point_members(conn, proposal, new_signature, theme.examples)
            close_proposal(conn, name, "accepted", new_signature, self.clock())
            return self._commit(
                conn,
                vocabulary=vocabulary,
                themes=[*vocabulary.themes, theme],
                action="accept",
                signature=new_signature,
                target=None,
                changed=changed,
                note=f"proposal {name}",
            )

    def _accept_listed(
        self, conn: Connection, vocabulary: Vocabulary, name: str, signature: str | None, title: str | None
    ) -> Outcome:
        theme = vocabulary.find(name)
        if theme is None:
            raise NotFoundError(
                f"no proposal or theme named {name!r}",
                hint="list proposals with: convosift themes proposals",
            )
        if theme.status != "proposed":
            raise ConfigurationError(f"theme {name!r} is {theme.status}, not proposed")
        new_signature = _valid(signature or name)
        if new_signature != name and vocabulary.find(new_signature) is not None:
            raise ConfigurationError(f"theme {new_signature!r} already exists")
        accepted = theme.model_copy(
            update={"signature": new_signature, "status": "active", "title": title or theme.title}
        )
        # An LLM matcher stores its suggestion as proposed_signature on unmatched rows: adopt them.
        changed = stored.adopt_proposed_signature(conn, name, new_signature)
        themes = [accepted if t.signature == name else t for t in vocabulary.themes]
        return self._commit(
            conn,
            vocabulary=vocabulary,
            themes=themes,
            action="accept",
            signature=new_signature,
            target=None,
            changed=changed,
        )

    def rename(self, old: str, new: str | None = None, *, title: str | None = None) -> Outcome:
        """Give a theme another signature (in every stored match too), another title, or both."""
        vocabulary = load_vocabulary_to_curate(self.vocabulary_file)
        vocabulary.get(old)
        if new is None and title is None:
            raise ConfigurationError("nothing to rename", hint="give a new signature, a --title, or both")
        new = old if new is None else _valid(new)
        if new != old and vocabulary.find(new) is not None:
            raise ConfigurationError(f"theme {new!r} already exists", hint="use merge to combine two themes")
        update: dict[str, Any] = {"signature": new}
        if title is not None:
            update["title"] = _valid_title(title)
        themes = []
        for theme in vocabulary.themes:
            renamed = theme.model_copy(update=update) if theme.signature == old else theme
            if renamed.merged_into == old:
                renamed = renamed.model_copy(update={"merged_into": new})
            themes.append(renamed)
        with self.store.write() as conn:
            changed = _repoint(conn, old, new) if new != old else 0
            return self._commit(
                conn,
                vocabulary=vocabulary,
                themes=themes,
                action="rename",
                signature=old,
                target=new,
                changed=changed,
                note=None if title is None else f"title {update['title']!r}",
            )

    def merge(self, name: str, into: str) -> Outcome:
        """Merge a theme, or a discovered proposal (by id), into an active theme."""
        vocabulary = load_vocabulary_to_curate(self.vocabulary_file)
        target = vocabulary.get(into)
        if target.status != "active":
            raise ConfigurationError(f"cannot merge into {into!r}: it is {target.status}, not active")
        with self.store.write() as conn:
            proposal = _proposal(conn, name)
            if proposal is not None:
                changed = _point_members(conn, proposal, into, target.examples or (target.title,))
                close_proposal(conn, name, "merged", into, self.clock())
                return self._commit(
                    conn,
                    vocabulary=vocabulary,
                    themes=vocabulary.themes,
                    action="merge",
                    signature=name,
                    target=into,
                    changed=changed,
                    note=f"proposal {name}",
                )
            if name == into:
                raise ConfigurationError("a theme cannot be merged into itself")
            vocabulary.get(name)
            themes = [
                t.model_copy(update={"status": "merged", "merged_into": into})
                if t.signature == name
                else t.model_copy(update={"merged_into": into})
                if t.merged_into == name
                else t
                for t in vocabulary.themes
            ]
            changed = _repoint(conn, name, into)
            return self._commit(
                conn,
                vocabulary=vocabulary,
                themes=themes,
                action="merge",
                signature=name,
                target=into,
                changed=changed,
            )

    def retire(self, signature: str) -> Outcome:
        """Stop matching a theme; its stored conversations become unmatched (discovery sees them again)."""
        vocabulary = load_vocabulary_to_curate(self.vocabulary_file)
        if vocabulary.get(signature).status == "retired":
            raise ConfigurationError(f"theme {signature!r} is already retired")
        themes = [
            t.model_copy(update={"status": "retired"}) if t.signature == signature else t
            for t in vocabulary.themes
        ]
        with self.store.write() as conn:
            changed = _repoint(conn, signature, None)
            return self._commit(
                conn,
                vocabulary=vocabulary,
                themes=themes,
                action="retire",
                signature=signature,
                target=None,
                changed=changed,
            )

    def rename_proposal(
        self, proposal_id: str, *, title: str | None = None, signature: str | None = None
    ) -> Outcome:
        """Give an open proposal another title and/or suggested signature before it is accepted.

        The vocabulary does not change (the proposal is not a theme yet); the decision is recorded.
        """
        title = _valid_title(title) if title is not None else None
        new_signature = _valid(signature) if signature is not None else None
        if title is None and new_signature is None:
            raise ConfigurationError("nothing to rename", hint="give a new title, a new signature, or both")
        vocabulary = load_vocabulary_to_curate(self.vocabulary_file)
        with self.store.write() as conn:
            proposal = _open_proposal(conn, proposal_id)
            if new_signature not in (None, proposal.signature) and _taken(conn, vocabulary, new_signature):
                raise ConfigurationError(
                    f"signature {new_signature!r} is already taken", hint="choose another signature"
                )
            now = self.clock()
            rename_proposal(conn, proposal_id, title=title, signature=new_signature, now=now)
            target = new_signature or proposal.signature
            self._record(conn, "rename", proposal_id, target, note=f"proposal {proposal_id}", at=now)
            return Outcome("rename", proposal_id, target, 0, None if title is None else f"title {title!r}")

    def dismiss(self, proposal_id: str) -> Outcome:
        """Close an open proposal without making it a theme; its conversations stay unmatched."""
        with self.store.write() as conn:
            _open_proposal(conn, proposal_id)
            now = self.clock()
            close_proposal(conn, proposal_id, DISMISSED, None, now)
            self._record(conn, "dismiss", proposal_id, None, note=f"proposal {proposal_id}", at=now)
            return Outcome("dismiss", proposal_id, None, 0)

    def reopen(self, proposal_id: str) -> Outcome:
        """Open a dismissed proposal again (a dismissal made by mistake); it is proposed as before."""
        with self.store.write() as conn:
            proposal = get_proposal(conn, proposal_id)
            if proposal is None or proposal.status == PROPOSED:
                _open_proposal(conn, proposal_id)  # not found: says so
                raise ConflictError(
                    f"proposal {proposal_id} is open already", hint="convosift themes proposals"
                )
            if proposal.status != DISMISSED:
                raise ConflictError(
                    f"proposal {proposal_id} is {proposal.status}", hint=_closed_hint(proposal)
                )
            now = self.clock()
            close_proposal(conn, proposal_id, PROPOSED, None, now)
            self._record(conn, "reopen", proposal_id, None, note=f"proposal {proposal_id}", at=now)
            return Outcome("reopen", proposal_id, None, 0)

    # --- bookkeeping -------------------------------------------------------------------------

    def _record(
        self, conn: Connection, action: str, signature: str, target: str | None, *, note: str, at: float
    ) -> None:
        """A decision that leaves the vocabulary as it is: only the decision log records it."""
        stored.record_decision(
            conn,
            at=at,
            action=action,
            signature=signature,
            target=target,
            matches_changed=0,
            detail={"note": note},
        )

    def _commit(
        self,
        conn: Connection,
        *,
        vocabulary: Vocabulary,
        themes: Sequence[Theme],
        action: str,
        signature: str,
        target: str | None,
        changed: int,
        note: str | None = None,
    ) -> Outcome:
        now = self.clock()
        at = datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds")
        decision = Decision.model_validate(
            {"action": action, "signature": signature, "target": target, "at": at, "note": note}
        )
        updated = vocabulary.replace_themes(themes, decision)
        stored.record_decision(
            conn,
            at=now,
            action=action,
            signature=signature,
            target=target,
            matches_changed=changed,
            detail={"note": note, "vocabulary_hash": updated.content_hash},
        )
        save_vocabulary(updated, self.vocabulary_file)
        return Outcome(action, signature, target, changed, note)


def decision_history(store: Store, limit: int = 100) -> list[dict[str, Any]]:
    """Curation decisions, newest first."""
    with store.read() as conn:
        decisions = stored.decision_history(conn, limit=limit)
    return [
        {
            "id": d.id,
            "at": datetime.fromtimestamp(d.at, UTC).isoformat(timespec="seconds"),
            "action": d.action,
            "signature": d.signature,
            "target": d.target,
            "matches_changed": d.matches_changed,
            "detail": d.detail,
        }
        for d in decisions
    ]


RESERVED_SIGNATURES = frozenset({UNMATCHED})
"""Words the filters read as "no theme": a theme named so could not be told from the unthemed."""


def _valid(signature: str) -> str:
    try:
        checked = check_signature(signature)
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from None
    if checked in RESERVED_SIGNATURES:
        raise ConfigurationError(
            f"{checked!r} cannot name a theme: filters read it as conversations without one",
            hint="choose another signature",
        )
    return checked


def _valid_title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise ConfigurationError("a title cannot be empty")
    if len(cleaned) > MAX_TITLE_CHARS:
        raise ConfigurationError(f"a title has at most {MAX_TITLE_CHARS} characters")
    return cleaned


def _taken(conn: Connection, vocabulary: Vocabulary, signature: str | None) -> bool:
    """A theme of the vocabulary or another proposal already uses the signature."""
    return signature is not None and (
        vocabulary.find(signature) is not None or signature in proposal_signatures(conn)
    )


def _open_proposal(conn: Connection, proposal_id: str) -> Proposal:
    proposal = get_proposal(conn, proposal_id)
    if proposal is None:
        raise NotFoundError(
            f"no proposal with id {proposal_id}",
            hint="list open proposals: convosift themes proposals, or GET /api/proposals",
        )
    if proposal.status != PROPOSED:
        raise ConflictError(
            f"proposal {proposal_id} is already {proposal.status}", hint=_closed_hint(proposal)
        )
    return proposal


def _repoint(conn: Connection, old: str, new: str | None) -> int:
    # Rows left unmatched by a decision say so, so nobody mistakes them for the matcher's verdict.
    return stored.repoint_matches(conn, old, new, matcher=CURATION_MATCHER if new is None else None)


def _proposal(conn: Connection, proposal_id: str) -> Proposal | None:
    proposal = get_proposal(conn, proposal_id)
    if proposal is not None and proposal.status != "proposed":
        raise ConfigurationError(
            f"proposal {proposal_id} is already {proposal.status}", hint=_closed_hint(proposal)
        )
    return proposal


def _closed_hint(proposal: Proposal) -> str:
    if proposal.status == "gone":
        return (
            "a later discovery no longer found this cluster, or every conversation of it has a theme "
            "now; the open proposals: convosift themes proposals"
        )
    if proposal.status == DISMISSED:
        return f"open it again with: convosift themes reopen {proposal.id}"
    return (
        f"it became theme {proposal.decided_signature!r}"
        if proposal.decided_signature
        else "see: convosift themes history"
    )


def _point_members(conn: Connection, proposal: Proposal, signature: str, examples: Sequence[str]) -> int:
    """Give the proposal's still-unmatched conversations the theme, with their evidence quote and,
    as their score, how close that quote is to the theme's ``examples`` (:func:`_closeness`)."""
    quotes = {(q["source"], q["conversation_id"]): q["quote"] for q in proposal.evidence}
    closeness = _closeness(quotes, examples)
    # A member without a quote has no measure: 0, rather than a score it got for another theme.
    scores = {
        (source, conversation_id): closeness.get((source, conversation_id), 0.0)
        for source, conversation_id in proposal.members
    }
    return stored.assign_unmatched(
        conn, proposal.members, signature, matcher=CURATION_MATCHER, evidence=quotes, scores=scores
    )


def _closeness(quotes: dict[tuple[str, str], str], examples: Sequence[str]) -> dict[tuple[str, str], float]:
    """Cosine similarity of each quote's sentence vector to the mean vector of the theme's examples.

    A conversation a person gave a theme keeps no model's score (the one stored before is the best
    theme's near miss, often of another theme). Reports and the dashboard quote a theme's
    highest-scored conversations, so without a score of its own the accepted members, the very
    ones the person looked at, would be quoted last."""
    import numpy as np

    from convosift.ml import embed

    keys = [key for key, quote in quotes.items() if quote]
    if not keys or not examples:
        return {}
    vectors = embed([unshown(quotes[key]) for key in keys])
    centre = embed(list(examples)).mean(axis=0)
    centre /= max(float(np.linalg.norm(centre)), 1e-9)
    similarities = np.clip(vectors @ centre, 0.0, 1.0)
    return {key: round(float(value), 4) for key, value in zip(keys, similarities, strict=True)}
