"""PostgreSQL engine: asyncpg pool with prepared statements.

Any number of Roster processes may share one database; migrations take an advisory lock so
that processes starting together apply each migration once.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from roster.memo import Memo
from roster.store import migrations
from roster.store.database import MEMO_ENTRIES, GramsWindow, Row, UniqueViolation

_PLACEHOLDER = re.compile(r"\?")
_MIGRATION_LOCK = 0x526F73746572  # "Roster"
_rewritten: dict[str, str] = {}
_REWRITTEN_MAX = 10_000


def to_dollar(sql: str) -> str:
    """`?` placeholders to `$1..$n`, cached per SQL text."""
    done = _rewritten.get(sql)
    if done is None:
        counter = iter(range(1, 1_000_000))
        done = _PLACEHOLDER.sub(lambda _m: f"${next(counter)}", sql)
        if len(_rewritten) >= _REWRITTEN_MAX:
            _rewritten.clear()  # texts with inlined search patterns must not grow it forever
        _rewritten[sql] = done
    return done


def _literal(text: str) -> str:
    """`text` as a SQL string constant: an E'' string (its meaning does not depend on
    standard_conforming_strings), with `?` spelled chr(63) so that placeholder rewriting leaves
    it alone; the planner folds the concatenation back into one constant."""
    parts = text.replace("\\", "\\\\").replace("'", "\\'").split("?")
    return " || chr(63) || ".join(f"E'{part}'" for part in parts)


class PostgresConn:
    engine = "postgres"
    grams_in_name_order = False

    def __init__(
        self, raw: asyncpg.Connection | PoolConnectionProxy, memo: Memo[Any, Any] | None = None
    ) -> None:
        self.raw = raw
        self.memo = Memo(MEMO_ENTRIES) if memo is None else memo

    async def fetch(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        rows: list[Any] = await self.raw.fetch(to_dollar(sql), *args)
        return rows

    async def fetchone(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        try:
            row: Row | None = await self.raw.fetchrow(to_dollar(sql), *args)  # type: ignore[assignment]
        except asyncpg.UniqueViolationError as exc:
            raise UniqueViolation(str(exc)) from exc
        return row

    async def execute(self, sql: str, args: Sequence[Any] = ()) -> int:
        try:
            status = await self.raw.execute(to_dollar(sql), *args)
        except asyncpg.UniqueViolationError as exc:
            raise UniqueViolation(str(exc)) from exc
        tail = status.rsplit(" ", 1)[-1]
        return int(tail) if tail.isdigit() else 0

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        await self.raw.executemany(to_dollar(sql), rows)

    async def copy_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        await self.raw.copy_records_to_table(table, records=rows, columns=list(columns))

    def in_list(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        if len(values) == 1:
            return f"{column} = ?", [values[0]]  # `= ANY` would hide the index order
        kind = "bigint" if values and isinstance(values[0], int) else "text"
        return f"{column} = ANY(?::{kind}[])", [list(values)]

    def has_substring(self, columns: Sequence[str], text: str) -> tuple[str, list[Any]]:
        tests = [f"strpos(u.{column}, ?) > 0" for column in columns]
        return f"({' OR '.join(tests)})", [text] * len(columns)

    def grams_match(
        self, columns: Sequence[str], text: str, window: GramsWindow | None = None
    ) -> tuple[str, list[Any]]:
        # LIKE '%text%' is what pg_trgm's GIN index answers; the wildcards in text are escaped.
        # The pattern is written into the SQL, not bound: bound, PostgreSQL switches the
        # prepared statement to a generic plan after five runs, blind to how rare the pattern
        # is, and that plan took 135 ms where the pattern's own plan takes 5 (1M users).
        if "\x00" in text:
            return "FALSE", []  # no stored key holds U+0000, and PostgreSQL cannot compare it
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        literal = _literal(pattern)
        tests = [f"u.{column} LIKE {literal}" for column in columns]
        return f"({' OR '.join(tests)})", []

    async def grams_count(self, columns: Sequence[str], text: str, cap: int) -> int:
        clause, args = self.grams_match(columns, text)
        # The cap is written in too: with a bound LIMIT the generic plan is a sequential scan.
        row = await self.fetchone(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM users u WHERE {clause} LIMIT {int(cap)}) s", args
        )
        return int(row[0]) if row is not None else 0

    async def grams_window(
        self, app_id: str, columns: Sequence[str], text: str, after_name: str | None, reach: int
    ) -> GramsWindow | None:
        return None  # a GIN index has no order to read matches in

    async def grams_below(self, app_id: str, name_key: str) -> int | None:
        return None  # never asked: see grams_window

    def fenced(self, select: str) -> str:
        return f"SELECT * FROM ({select} OFFSET 0) fenced"  # OFFSET 0: never pulled up

    def index_hint(self, index: str | None) -> str:
        return ""


async def _keep_session(_conn: asyncpg.Connection) -> None:
    """What a connection does on its way back to the pool, after asyncpg has rolled back any
    transaction left open: nothing.

    asyncpg's default sends a reset query (unlock advisory locks, close cursors, unlisten,
    RESET ALL) on every release: one more round trip to the server per request, 0.1-0.2 ms
    here. Roster leaves none of that behind on a pooled connection: its settings are
    `SET LOCAL`, its lock is transaction-scoped, it reads no cursors, and it listens on a
    connection of its own.
    """


class PostgresDatabase:
    engine = "postgres"

    def __init__(
        self, pool: asyncpg.Pool, channel: str, url: str, settings: dict[str, str]
    ) -> None:
        self._pool = pool
        self._channel = channel
        self._url = url
        self._settings = settings
        self._listener: asyncpg.Connection | None = None
        self._receivers: list[Callable[[str], None]] = []
        self._memo: Memo[Any, Any] = Memo(MEMO_ENTRIES)
        self._gate = asyncio.Semaphore(pool.get_max_size())

    @classmethod
    async def connect(
        cls, url: str, *, schema: str | None = None, max_size: int
    ) -> PostgresDatabase:
        # Named, so that an operator can tell Roster's connections apart in pg_stat_activity.
        settings = {"application_name": "roster"}
        if schema:
            settings["search_path"] = schema
        pool = await asyncpg.create_pool(
            url,
            min_size=1,
            max_size=max_size,
            server_settings=settings,
            reset=_keep_session,
        )
        # One NOTIFY channel per schema, so stores sharing a server do not hear each other.
        channel = f"roster_events_{schema or 'public'}"[:63]
        return cls(pool, channel, url, settings)

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[PoolConnectionProxy]:
        """A pooled connection, given to requests in the order they asked.

        asyncpg's pool hands a released connection to whoever asks next, even ahead of those
        already waiting: a woken waiter that finds it taken queues again at the back. With more
        requests than connections some waited many turns (one worker, pool of 4, c=16: first
        pages' 99th percentile 38-60 ms against 6.7-8.5 ms through this gate). The semaphore
        (first come, first served) lets no more requests reach the pool than it has
        connections, so the pool never has a queue of its own.
        """
        async with self._gate, self._pool.acquire() as raw:
            yield raw

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresConn]:
        async with self._connection() as raw, raw.transaction():
            yield PostgresConn(raw, self._memo)

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[PostgresConn]:
        async with self._connection() as raw:
            yield PostgresConn(raw, self._memo)

    async def migrate(self) -> int:
        async with self._connection() as raw, raw.transaction():
            await raw.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
            await raw.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations"
                " (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            done = {row[0] for row in await raw.fetch("SELECT version FROM schema_migrations")}
            version = max(done, default=0)
            for number, statements in migrations.load("postgres"):
                if number in done:
                    continue
                step = migrations.STEPS.get(number)
                if step is not None:
                    await step(PostgresConn(raw))
                for statement in statements:
                    await raw.execute(statement)
                await raw.execute("INSERT INTO schema_migrations (version) VALUES ($1)", number)
                version = max(version, number)
        return version

    async def close(self) -> None:
        if self._listener is not None:
            await self._listener.close()
            self._listener = None
        await self._pool.close()

    async def publish(self, message: str) -> None:
        """NOTIFY every process listening on this store, this one included."""
        async with self._connection() as raw:
            await raw.execute("SELECT pg_notify($1, $2)", self._channel, message)

    async def subscribe(self, receiver: Callable[[str], None]) -> None:
        self._receivers.append(receiver)
        if self._listener is None:
            self._listener = await asyncpg.connect(self._url, server_settings=self._settings)
            await self._listener.add_listener(self._channel, self._deliver)

    def _deliver(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        for receiver in self._receivers:
            receiver(str(payload))
