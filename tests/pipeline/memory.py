"""A deterministic in-memory Source for pipeline tests: fixed pages, expirable cursors, counters."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from convosift.domain import (
    Analysis,
    Classification,
    ClassificationStatus,
    Conversation,
    ListedItem,
    Message,
    Page,
    Skipped,
    ThemeMatch,
    Window,
)
from convosift.errors import InvalidCursorError, SourceRetriableError

BASE_TIME = 1_700_000_000


def make_conversation(index: int, *, updated_at: int | None = None, short: bool = False) -> Conversation:
    text = "ok" if short else f"My invoice number {index} shows the wrong amount, please help me fix it"
    return Conversation(
        id=f"c{index:05d}",
        created_at=BASE_TIME + index * 60,
        updated_at=updated_at if updated_at is not None else BASE_TIME + index * 60 + 30,
        author_type="user",
        subject=f"conversation {index}",
        opener=text,
        messages=(Message(id=f"m{index}", part_type="comment", author_type="user", body="thanks"),),
    )


def make_inbox(count: int, *, short_every: int = 5) -> list[Conversation]:
    return [make_conversation(i, short=short_every > 0 and i % short_every == 0) for i in range(count)]


class MemorySource:
    """Pages of ``page_size`` over conversations in the window; cursors encode an offset and a generation."""

    name = "memory"

    def __init__(
        self,
        conversations: Sequence[Conversation],
        *,
        page_size: int = 7,
        broken: frozenset[str] = frozenset(),
        fail_on_detail_call: int | None = None,
    ) -> None:
        self.conversations = {c.id: c for c in conversations}
        self.page_size = page_size
        self.broken = broken
        self.generation = 0
        self.search_calls = 0
        self.detail_calls = 0
        self.fetched: list[str] = []
        self.fail_on_detail_call = fail_on_detail_call
        self.expire_after_pages: int | None = None

    def update(self, conversation: Conversation) -> None:
        self.conversations[conversation.id] = conversation

    def expire_cursors(self) -> None:
        self.generation += 1

    def _listing(self, window: Window) -> list[ListedItem]:
        chosen = [c for c in self.conversations.values() if window.since <= c.updated_at < window.until]
        chosen.sort(key=lambda c: c.id)
        return [ListedItem(id=c.id, updated_at=c.updated_at, created_at=c.created_at) for c in chosen]

    async def pages(self, window: Window, cursor: str | None = None) -> AsyncIterator[Page]:
        offset = 0
        if cursor is not None:
            generation, _, at = cursor.partition(":")
            if int(generation) != self.generation:
                raise InvalidCursorError(f"cursor {cursor} expired")
            offset = int(at)
        served = 0
        while True:
            if cursor is not None and int(cursor.partition(":")[0]) != self.generation:
                raise InvalidCursorError(f"cursor {cursor} expired")
            self.search_calls += 1
            items = self._listing(window)
            chunk = tuple(items[offset : offset + self.page_size])
            end = offset + self.page_size
            next_cursor = f"{self.generation}:{end}" if end < len(items) else None
            yield Page(items=chunk, cursor=cursor, next_cursor=next_cursor)
            served += 1
            if self.expire_after_pages is not None and served >= self.expire_after_pages:
                self.expire_after_pages = None
                self.expire_cursors()
            if next_cursor is None:
                return
            cursor, offset = next_cursor, end

    async def details(self, ids: Sequence[str]) -> list[Conversation | Skipped]:
        self.detail_calls += 1
        if self.fail_on_detail_call is not None and self.detail_calls == self.fail_on_detail_call:
            raise SourceRetriableError("the help desk answered 503 too many times")
        self.fetched.extend(ids)
        out: list[Conversation | Skipped] = []
        for conversation_id in ids:
            if conversation_id in self.broken:
                out.append(Skipped(id=conversation_id, reason="malformed", detail="no source"))
            else:
                out.append(self.conversations[conversation_id])
        return out

    async def aclose(self) -> None:
        return None


class CountingAnalyzer:
    """Classifies everything as billing_question; counts every conversation it is asked about."""

    name = "counting"

    def __init__(self) -> None:
        self.calls = 0
        self.seen: list[str] = []

    async def analyze(self, conversations: Sequence[Conversation]) -> list[Analysis]:
        self.calls += len(conversations)
        self.seen.extend(c.id for c in conversations)
        return [
            Analysis(
                classification=Classification(
                    status=ClassificationStatus.CLASSIFIED,
                    category="billing_question",
                    confidence=0.9,
                    classifier=self.name,
                    prompt_tokens=10,
                    completion_tokens=2,
                ),
                theme=ThemeMatch(signature="invoice_wrong_amount" if int(c.id[1:]) % 2 else None, score=0.7),
            )
            for c in conversations
        ]

    async def aclose(self) -> None:
        return None
