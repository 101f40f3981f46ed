"""SQLite engine: stdlib sqlite3, one connection per process, WAL, called inline.

Calls never suspend the event loop, so a transaction's statements run back to back with no other
request interleaved on the shared connection. A page query is a fraction of a millisecond;
a thread hop would cost more than it saves (see ARCHITECTURE.md).
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from itertools import chain
from typing import Any

from roster.memo import Memo
from roster.store import migrations
from roster.store.database import MEMO_ENTRIES, GramsWindow, Row, UniqueViolation
from roster.store.sqlite_checkpoints import BACKSTOP_PAGES, Checkpointer
from roster.store.sqlite_group_commit import GroupCommit

_ROWS_PER_INSERT = 100
# Pages are read from a memory map of the file's first MMAP_BYTES instead of copied in by a
# system call each: a list page in name order reads ~100 table pages scattered over the file,
# and at a million users most miss the page cache (a random page: 400-650 µs of SQL without,
# ~310 µs with; 256 MB gained nothing more). Writes still go through the log. The mapped pages
# count in a worker's resident size once touched, hence the bound (docs/operations.md).
MMAP_BYTES = 128 << 20


def _grams_query(columns: Sequence[str], text: str) -> str:
    """An FTS5 phrase on the trigram table: it matches exactly the rows holding `text`."""
    phrase = '"' + text.replace('"', '""') + '"'
    return f"{{{' '.join(columns)}}} : {phrase}"


# The pk's bits in a trigram id (migration 7); the bits above them order ids by name.
_PK_MASK = (1 << 33) - 1


class SqliteConn:
    engine = "sqlite"
    grams_in_name_order = True

    def __init__(self, raw: sqlite3.Connection) -> None:
        self.raw = raw
        self.memo: Memo[Any, Any] = Memo(MEMO_ENTRIES)

    async def fetch(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        return self.raw.execute(sql, args).fetchall()

    async def fetchone(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        row: Row | None = self._run(sql, args).fetchone()
        return row

    async def execute(self, sql: str, args: Sequence[Any] = ()) -> int:
        return self._run(sql, args).rowcount

    def _run(self, sql: str, args: Sequence[Any]) -> sqlite3.Cursor:
        try:
            return self.raw.execute(sql, args)
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" in str(exc):
                raise UniqueViolation(str(exc)) from exc
            raise

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.raw.executemany(sql, rows)

    async def copy_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        # SQLite runs one statement per row of an executemany; one statement per 100 rows
        # (multi-row VALUES) spends a third less on binding and stepping.
        head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        marks = "(" + ", ".join("?" * len(columns)) + ")"
        whole = len(rows) - len(rows) % _ROWS_PER_INSERT
        if whole:
            flat = chain.from_iterable
            self.raw.executemany(
                head + ", ".join([marks] * _ROWS_PER_INSERT),
                [
                    list(flat(rows[i : i + _ROWS_PER_INSERT]))
                    for i in range(0, whole, _ROWS_PER_INSERT)
                ],
            )
        self.raw.executemany(head + marks, rows[whole:])

    def in_list(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        return f"{column} IN ({','.join('?' * len(values))})", list(values)

    def has_substring(self, columns: Sequence[str], text: str) -> tuple[str, list[Any]]:
        tests = [f"instr(u.{column}, ?) > 0" for column in columns]
        return f"({' OR '.join(tests)})", [text] * len(columns)

    def grams_match(
        self, columns: Sequence[str], text: str, window: GramsWindow | None = None
    ) -> tuple[str, list[Any]]:
        matched = f"SELECT rowid & {_PK_MASK} FROM user_grams WHERE user_grams MATCH ?"
        args: list[Any] = [_grams_query(columns, text)]
        if window is not None:
            if window.end is None:
                matched += " AND rowid >= ?"
                args.append(window.start)
            else:
                matched += " AND rowid BETWEEN ? AND ?"
                args += [window.start, window.end]
        return f"u.pk IN ({matched})", args

    async def grams_window(
        self, app_id: str, columns: Sequence[str], text: str, after_name: str | None, reach: int
    ) -> GramsWindow:
        # Ids hold a bucket of the name key above the pk (migration 7). The window starts at
        # the bucket of a name at or before `after_name` (buckets follow name order, so no
        # later name is in an earlier one) and ends with the bucket of the reach-th match
        # from there: a later bucket only holds later names.
        start = 0
        if after_name is not None:
            last = await self._last_below(app_id, after_name, "<=")
            start = 0 if last is None else last & ~_PK_MASK
        row = await self.fetchone(
            f"SELECT g.rowid, (SELECT name_key FROM users WHERE pk = g.rowid & {_PK_MASK})"
            " FROM user_grams g WHERE user_grams MATCH ? AND g.rowid >= ?"
            " ORDER BY g.rowid LIMIT 1 OFFSET ?",
            (_grams_query(columns, text), start, reach - 1),
        )
        if row is None:
            return GramsWindow(start, None)
        return GramsWindow(start, row[0] | _PK_MASK, row[1])

    async def grams_below(self, app_id: str, name_key: str) -> int | None:
        last = await self._last_below(app_id, name_key, "<")
        return None if last is None else last | _PK_MASK

    async def _last_below(self, app_id: str, name_key: str, compare: str) -> int | None:
        """The trigram id of the app's last name key before (or at) `name_key`."""
        row = await self.fetchone(
            "SELECT grams_id FROM users INDEXED BY users_by_name_all"
            f" WHERE app_id = ? AND name_key {compare} ? ORDER BY name_key DESC LIMIT 1",
            (app_id, name_key),
        )
        return None if row is None else int(row[0])

    async def grams_count(self, columns: Sequence[str], text: str, cap: int) -> int:
        row = self.raw.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM user_grams WHERE user_grams MATCH ? LIMIT ?)",
            (_grams_query(columns, text), cap),
        ).fetchone()
        return int(row[0])

    def fenced(self, select: str) -> str:
        # SQLite already starts from the FTS5 subquery in `grams_match`; the wrapper is only
        # so that both engines order the result by bare column names.
        return f"SELECT * FROM ({select}) fenced"

    def index_hint(self, index: str | None) -> str:
        return f"INDEXED BY {index}" if index else ""


class _Reader:
    """The one connection, lent for reads: a plain object, where a generator-based context
    manager cost a list request a generator, its frames and three calls to enter and leave."""

    __slots__ = ("_conn",)

    def __init__(self, conn: SqliteConn) -> None:
        self._conn = conn

    async def __aenter__(self) -> SqliteConn:
        return self._conn

    async def __aexit__(self, *_exc: object) -> None:
        return None


class SqliteDatabase:
    engine = "sqlite"

    def __init__(self, path: str) -> None:
        raw = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=NORMAL")
        raw.execute("PRAGMA foreign_keys=ON")
        raw.execute("PRAGMA busy_timeout=5000")
        raw.execute("PRAGMA cache_size=-65536")
        raw.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        raw.execute("PRAGMA temp_store=MEMORY")
        raw.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
        self._conn = SqliteConn(raw)
        self._reader = _Reader(self._conn)
        self._receivers: list[Callable[[str], None]] = []
        self._checkpoints = Checkpointer(path)
        self._group = GroupCommit(raw, self._checkpoints.gate)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteConn]:
        # Concurrent writers share one COMMIT; see sqlite_group_commit.
        async with self._group.unit():
            yield self._conn

    def reader(self) -> _Reader:
        return self._reader

    async def migrate(self) -> int:
        raw = self._conn.raw
        raw.execute("BEGIN IMMEDIATE")
        try:
            raw.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations"
                " (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)"
            )
            done = {row[0] for row in raw.execute("SELECT version FROM schema_migrations")}
            version = max(done, default=0)
            for number, statements in migrations.load("sqlite"):
                if number in done:
                    continue
                step = migrations.STEPS.get(number)
                if step is not None:
                    await step(self._conn)
                for statement in statements:
                    raw.execute(statement)
                raw.execute(
                    "INSERT INTO schema_migrations VALUES (?, strftime('%s','now'))", (number,)
                )
                version = max(version, number)
        except BaseException:
            raw.execute("ROLLBACK")
            raise
        raw.execute("COMMIT")
        raw.execute("PRAGMA optimize")
        return version

    async def close(self) -> None:
        self._group.flush()
        self._checkpoints.stop()
        self._conn.raw.close()

    # Pub/sub stays inside this process: several SQLite workers do not share events.
    async def publish(self, message: str) -> None:
        for receiver in self._receivers:
            receiver(message)

    async def subscribe(self, receiver: Callable[[str], None]) -> None:
        self._receivers.append(receiver)
