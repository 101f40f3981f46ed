"""The small surface both engines offer; everything above it writes SQL once.

SQL uses `?` placeholders; the PostgreSQL engine rewrites them to `$n` once per text.
The only other engine difference the SQL needs, membership in a list, is `in_list`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, NamedTuple, Protocol

from roster.memo import Memo

Row = Sequence[Any]


class GramsWindow(NamedTuple):
    """A stretch of the trigram index in its own id order."""

    start: int
    end: int | None  # None: to the index's end
    # The name key of the match that fixed `end` (the reach-th from `start`), None with `end`.
    reached: str | None = None


MEMO_ENTRIES = 4096


class Conn(Protocol):
    """A connection lent for one read or one transaction."""

    engine: str
    # Whether the trigram index hands matches back in name order (see `grams_window`).
    grams_in_name_order: bool
    # Per database, shared by all its connections: memos that must not outlive the store
    # (user_listing keeps its strategy choices and first-page SQL here), of MEMO_ENTRIES.
    memo: Memo[Any, Any]

    async def fetch(self, sql: str, args: Sequence[Any] = ()) -> list[Row]: ...

    async def fetchone(self, sql: str, args: Sequence[Any] = ()) -> Row | None: ...

    async def execute(self, sql: str, args: Sequence[Any] = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    async def copy_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Insert many rows by the engine's fastest path (PostgreSQL: COPY)."""
        ...

    def in_list(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        """`column IN (values)` as SQL and arguments, in the engine's best form."""
        ...

    def has_substring(self, columns: Sequence[str], text: str) -> tuple[str, list[Any]]:
        """Any of `columns` contains `text` literally, tested row by row (no index)."""
        ...

    def grams_match(
        self, columns: Sequence[str], text: str, window: GramsWindow | None = None
    ) -> tuple[str, list[Any]]:
        """The same test answered from the trigram index (`text` of 3 characters or more).

        `columns` are among `name_key` and `uid_key`; the clause reads `u` as the users row.
        `window` (from `grams_window`) narrows it to the matches of a stretch of name order.
        """
        ...

    async def grams_window(
        self, app_id: str, columns: Sequence[str], text: str, after_name: str | None, reach: int
    ) -> GramsWindow | None:
        """Where in the trigram index the next `reach` matches after the name key `after_name`
        lie, when the index keeps its matches in name order (SQLite); None where it does not.

        Matches are counted over every app and user, so the window may hold fewer than `reach`
        of a filtered list: callers ask again with a longer reach.
        """
        ...

    async def grams_below(self, app_id: str, name_key: str) -> int | None:
        """The highest trigram id a name key below `name_key` can have in this app (None if
        the app has no such name), where ids follow name order (`grams_in_name_order`)."""
        ...

    async def grams_count(self, columns: Sequence[str], text: str, cap: int) -> int:
        """How many users (of any app) hold `text` in any of `columns`, counting up to `cap`
        from the trigram index alone."""
        ...

    def fenced(self, select: str) -> str:
        """`select` (no ORDER BY) as a subquery the planner must run whole before ordering it.

        For reading a few trigram matches and sorting them: left free, PostgreSQL's planner
        walks the list's index testing each row instead, and misjudges how far (150 ms at a
        million users for a common trigram, against 48 ms for the matches sorted).
        """
        ...

    def index_hint(self, index: str | None) -> str:
        """Text after a table name that pins its index where the engine allows it ('' if not).

        Only SQLite takes hints; PostgreSQL's statistics see a key range's size by themselves.
        """
        ...


class Database(Protocol):
    engine: str

    def transaction(self) -> AbstractAsyncContextManager[Conn]:
        """A write transaction; it commits on normal exit and rolls back on an exception."""
        ...

    def reader(self) -> AbstractAsyncContextManager[Conn]:
        """A connection for reads (several statements may share it)."""
        ...

    async def migrate(self) -> int:
        """Apply pending numbered migrations; returns the schema version."""
        ...

    async def close(self) -> None: ...

    async def publish(self, message: str) -> None:
        """Send a message to every process's subscribers (this one included)."""
        ...

    async def subscribe(self, receiver: Callable[[str], None]) -> None:
        """Call `receiver` with every published message from now on."""
        ...


class UniqueViolation(Exception):
    """An insert hit a unique key: the engines' own exceptions are mapped to this one."""
