"""What a filter on stored conversations can name, and what to say when it names nothing known.

A filter value that no stored conversation has and the settings do not name is most often a typo
("acount_issue"); answered with an empty list it reads as "none of those". :func:`filter_problem`
says what is wrong instead, with the closest known values first. It looks at the store only for a
value the settings do not name, so a filter that finds something costs nothing more.
"""

from __future__ import annotations

import difflib

from convosift.classify.taxonomy import load_taxonomy
from convosift.config import Settings
from convosift.errors import ConfigurationError
from convosift.filtering import REASONS
from convosift.store import Store, queries
from convosift.themes.vocabulary import load_vocabulary_for

SHOWN_CHOICES = 6
"""Known values an unknown one's message lists when none is close to it."""


def filter_problem(store: Store, chosen: queries.ConversationFilter, settings: Settings) -> str | None:
    """Each field of ``chosen`` whose value is unknown, in words ("theme: unknown theme
    'login_fail', did you mean login_fails?", or the first known values when none is close), or
    None when every value is known."""
    problems: list[str] = []
    for field, configured in configured_values(settings).items():
        value = getattr(chosen, field)
        if value is None or value in configured:
            continue
        with store.read() as conn:
            stored = queries.stored_values(conn, field)
        if value in stored:
            continue
        choices = sorted(set(configured) | set(stored))
        close = difflib.get_close_matches(value, choices, n=3)
        if close:
            problems.append(f"{field}: unknown {field} {value!r}, did you mean {' or '.join(close)}?")
            continue
        more = len(choices) - SHOWN_CHOICES
        shown = ", ".join(choices[:SHOWN_CHOICES]) + (f" and {more} more" if more > 0 else "")
        problems.append(f"{field}: unknown {field} {value!r} (known: {shown})")
    return "; ".join(problems) or None


def configured_values(settings: Settings) -> dict[str, set[str]]:
    """Per filter field, the values the settings name, stored or not: the taxonomy's categories,
    the vocabulary's themes, the configured sources (the named ones, else the single source's
    kind) and every quality outcome."""
    try:
        categories = set(load_taxonomy(settings.taxonomy_path).names)
    except ConfigurationError:
        categories = set()  # what is stored still counts; the taxonomy's own error shows elsewhere
    try:
        themes = {theme.signature for theme in load_vocabulary_for(settings).themes}
    except ConfigurationError:
        themes = set()
    return {
        "category": categories | set(queries.NON_CATEGORY_STATUSES),
        "theme": themes | {queries.UNMATCHED},
        "source": set(settings.sources) or {settings.source},
        "quality": set(REASONS) | {"kept", "filtered"},
    }


def source_problem(store: Store, name: str, settings: Settings) -> str | None:
    """What is wrong with a ``source`` filter of ``name`` (as :func:`filter_problem` says it), or
    None when the settings name that source or conversations of it are stored."""
    return filter_problem(store, queries.ConversationFilter(source=name), settings)
