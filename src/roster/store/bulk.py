"""Bulk loading for seeds and imports: rows with their keys already computed, written by the
engine's fastest path (`Conn.copy_rows`), with no per-user round trips.
Into an empty store (`load`), indexes and derived tables are built once after the rows.

Primary keys are assigned here rather than by the database, so tag, metadata, block and friend
rows can name their users without reading them back.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from roster.store import schema_aside
from roster.store import sqlite_grams_levels as grams_levels
from roster.store import sqlite_virtual_columns as virtual_columns
from roster.store.database import Conn, Database

USER_COLUMNS = (
    "pk", "app_id", "uid", "uid_key", "name", "name_key", "avatar", "metadata", "role",
    "is_bot", "online", "active", "deactivated_at", "created_at",
)  # fmt: skip
TAG_COLUMNS = ("user_pk", "app_id", "tag", "pos", "active", "name_key", "uid")
META_COLUMNS = ("user_pk", "app_id", "key", "value", "active", "uid")
_TABLES = ("users", "user_tags", "user_meta")


@dataclass(slots=True)
class BulkUser:
    """A validated user with its folded keys (see roster.model.folding)."""

    uid: str
    uid_key: str
    name: str
    name_key: str
    role: str
    avatar: str | None = None
    metadata: str | None = None  # JSON text, stored as given
    meta_entries: list[tuple[str, str]] = field(default_factory=list)  # indexed items
    tags: list[str] = field(default_factory=list)
    is_bot: bool = False
    online: bool = False
    active: bool = True


@dataclass(slots=True)
class Rows:
    """A batch of users with their tag and metadata rows, as tuples in the `*_COLUMNS` orders.

    Pks ascend and are above every stored one. A seed of millions builds these directly: a
    BulkUser per user costs about as much as inserting it.
    """

    users: list[tuple[Any, ...]] = field(default_factory=list)
    tags: list[tuple[Any, ...]] = field(default_factory=list)
    meta: list[tuple[Any, ...]] = field(default_factory=list)

    def tables(self) -> list[tuple[str, Sequence[str], list[tuple[Any, ...]]]]:
        return [
            ("users", USER_COLUMNS, self.users),
            ("user_tags", TAG_COLUMNS, self.tags),
            ("user_meta", META_COLUMNS, self.meta),
        ]


def rows_of(app_id: str, users: Sequence[BulkUser], now: int, first_pk: int) -> Rows:
    rows = Rows()
    for pk, user in enumerate(users, first_pk):
        active = int(user.active)
        rows.users.append(
            (
                pk, app_id, user.uid, user.uid_key, user.name, user.name_key, user.avatar,
                user.metadata, user.role, int(user.is_bot), int(user.online), active,
                None if active else now, now,
            )
        )  # fmt: skip
        for pos, tag in enumerate(user.tags):
            rows.tags.append((pk, app_id, tag, pos, active, user.name_key, user.uid))
        for key, value in user.meta_entries:
            rows.meta.append((pk, app_id, key, value, active, user.uid))
    return rows


# Per-row triggers cost more than the rest of a bulk insert together (an FTS5 insert per row on
# SQLite, a PL/pgSQL call per row on PostgreSQL), so bulk loads pause them and do their work
# once per range. Pausing is DDL inside the load's transaction: nobody sees the gap.
_PAUSED = {
    "sqlite": ("user_grams_insert", "user_counts_insert"),
    "postgres": ("user_counts_change",),
}
_COUNT_RANGE = (
    "INSERT INTO user_counts (app_id, active, slot, n)"
    " SELECT app_id, active, pk % 8, COUNT(*) FROM users WHERE pk BETWEEN ? AND ?"
    " GROUP BY app_id, active, pk % 8"
    " ON CONFLICT (app_id, active, slot) DO UPDATE SET n = user_counts.n + excluded.n"
)
# A trigram id is a bucket of the folded name's first 6 characters plus the pk (migration 7).
# Its generated expression costs ~2 µs a row, 2.3 of the 3.6 s a million-user fill took; the
# names of a store share far fewer 6-character prefixes than it has users (311 in the seed),
# so a fill reads the bucket off one user per prefix and adds the pk for the rest (0.6 s).
# `grams_id - pk` depends on nothing but `substr(name_key, 1, 6)`: the expression looks at
# characters 1 to 6 alone (tests/test_bulk_load.py checks the ids against the column).
# Rows go in in the index's own id order: FTS5 writes out a segment whenever a rowid goes
# backwards.
_GRAMS_BUCKETS = (
    "CREATE TEMP TABLE grams_buckets (prefix TEXT PRIMARY KEY, bucket INTEGER NOT NULL)"
    " WITHOUT ROWID"
)
_GRAMS_BUCKET_PER_PREFIX = (
    "INSERT INTO temp.grams_buckets (prefix, bucket)"
    " SELECT substr(name_key, 1, 6), grams_id - pk FROM users WHERE pk IN"
    " (SELECT min(pk) FROM users WHERE pk BETWEEN ? AND ? GROUP BY substr(name_key, 1, 6))"
)
_GRAMS_FILL = (
    "INSERT INTO user_grams (rowid, name_key, uid_key)"
    " SELECT b.bucket + u.pk, u.name_key, u.uid_key FROM users u"
    " JOIN temp.grams_buckets b ON b.prefix = substr(u.name_key, 1, 6)"
    " WHERE u.pk BETWEEN ? AND ? ORDER BY 1"
)


async def _add_grams(conn: Conn, first_pk: int, last_pk: int) -> None:
    """The trigrams of users first_pk..last_pk, with the row trigger that adds them paused."""
    await conn.execute(_GRAMS_BUCKETS)
    await conn.execute(_GRAMS_BUCKET_PER_PREFIX, (first_pk, last_pk))
    await conn.execute(_GRAMS_FILL, (first_pk, last_pk))
    await conn.execute("DROP TABLE temp.grams_buckets")


@asynccontextmanager
async def _row_triggers_paused(conn: Conn) -> AsyncIterator[None]:
    names = _PAUSED[conn.engine]
    if conn.engine == "postgres":
        changes = [
            (f"ALTER TABLE users DISABLE TRIGGER {n}", f"ALTER TABLE users ENABLE TRIGGER {n}")
            for n in names
        ]
    else:
        clause, args = conn.in_list("name", names)
        found = await conn.fetch(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND {clause}", args
        )
        changes = [(f"DROP TRIGGER {name}", sql) for name, sql in found]
    async with schema_aside.suspended(conn, changes):
        yield


async def next_pk(conn: Conn) -> int:
    row = await conn.fetchone("SELECT COALESCE(MAX(pk), 0) + 1 FROM users")
    return int(row[0]) if row else 1


async def insert_users(
    conn: Conn, app_id: str, users: Sequence[BulkUser], now: int, first_pk: int
) -> None:
    """Insert users as pks first_pk, first_pk + 1, ..., with their tags and metadata index."""
    await insert_rows(conn, rows_of(app_id, users, now, first_pk))


async def insert_rows(conn: Conn, rows: Rows) -> None:
    """One batch into a store that may already hold users, indexes kept up to date row by row."""
    if not rows.users:
        return
    first_pk, last_pk = rows.users[0][0], rows.users[-1][0]
    async with _row_triggers_paused(conn):
        await conn.copy_rows("users", USER_COLUMNS, rows.users)
        # What the paused triggers do row by row, done once for the whole range.
        await conn.execute(_COUNT_RANGE, (first_pk, last_pk))
        if conn.engine == "sqlite":
            await _add_grams(conn, first_pk, last_pk)
    await conn.copy_rows("user_tags", TAG_COLUMNS, rows.tags)
    await conn.copy_rows("user_meta", META_COLUMNS, rows.meta)
    if conn.engine == "postgres":
        # Explicit pks bypass the identity sequence; move it past them.
        await conn.execute("SELECT setval(pg_get_serial_sequence('users', 'pk'), ?)", (last_pk,))


async def load(db: Database, batches: Iterable[Rows]) -> None:
    """Every batch in one transaction.

    Into empty tables, the secondary indexes, the trigram index and the counters are built once
    at the end instead of row by row: sorting a million keys once is several times cheaper than
    a million b-tree inserts at random places. Their definitions are read from the catalog and
    put back as they were, inside the same transaction, so a failed load leaves the store as it
    found it. Into a store that holds users, each batch goes through `insert_rows`.
    """
    async with db.reader() as conn:
        fresh = await _empty(conn)
    async with _sqlite_tuned(db, fresh), db.transaction() as conn:
        # Checked again: someone may have written between the first look and the transaction.
        if fresh and await _empty(conn):
            await _fresh_load(conn, batches)
        else:
            for rows in batches:
                await insert_rows(conn, rows)


async def _empty(conn: Conn) -> bool:
    found = await conn.fetchone(
        " UNION ALL ".join(f"SELECT 1 FROM (SELECT 1 FROM {table} LIMIT 1) t" for table in _TABLES)
    )
    return found is None


# A fresh SQLite load writes only pages past the end of the file, which a rollback journal
# does not copy, while WAL writes every page twice (log, then checkpoint). These settings of
# the load's connection change only outside a transaction; they are put back after it.
# Leaving WAL needs the file to itself: while another connection holds the log open (the
# checkpoint thread, another process), the load stays in WAL, slower but just as correct.
# Index sorts spill to temporary files: kept in memory (the server's temp_store=MEMORY, for its
# small savepoint journals) they made a million-user load 4 s slower.
_SQLITE_LOAD = {
    "synchronous": "OFF",
    "threads": "2",
    "journal_mode": "DELETE",
    "temp_store": "DEFAULT",
    "foreign_keys": "OFF",  # checked once, after the rows (_foreign_keys_paused)
}
# The index sorts work in runs the size of the page cache: runs of 2 MB stay in the CPU's
# caches and are sorted on the `threads` helpers, several times faster than one run of a
# million keys in a 1 GB cache.
_SORT_CACHE_KB = 2000


@asynccontextmanager
async def _sqlite_tuned(db: Database, fresh: bool) -> AsyncIterator[None]:
    if db.engine != "sqlite" or not fresh:
        yield
        return
    saved = {}
    async with db.reader() as conn:
        for name, value in _SQLITE_LOAD.items():
            row = await conn.fetchone(f"PRAGMA {name}")
            saved[name] = row[0] if row else value
            try:
                await conn.fetchone(f"PRAGMA {name}={value}")
            except sqlite3.OperationalError:  # "database is locked": the log is in use
                continue
    try:
        yield
    finally:
        async with db.reader() as conn:
            for name, value in saved.items():
                await conn.fetchone(f"PRAGMA {name}={value}")


@asynccontextmanager
async def _small_cache(conn: Conn) -> AsyncIterator[None]:
    row = await conn.fetchone("PRAGMA cache_size")
    await conn.execute(f"PRAGMA cache_size=-{_SORT_CACHE_KB}")
    try:
        yield
    finally:
        await conn.execute(f"PRAGMA cache_size={row[0] if row else -2000}")


_SECONDARY_INDEXES = {
    "sqlite": (
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        " AND tbl_name IN ('users', 'user_tags', 'user_meta')"
    ),
    # Constraint indexes (primary keys) stay: the COPY checks them anyway.
    "postgres": (
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
        " WHERE i.indrelid IN ('users'::regclass, 'user_tags'::regclass, 'user_meta'::regclass)"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
    ),
}
_ADD_COUNTS = (
    "INSERT INTO user_counts (app_id, active, slot, n) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (app_id, active, slot) DO UPDATE SET n = user_counts.n + excluded.n"
)


@asynccontextmanager
async def _virtual_columns_aside(conn: Conn) -> AsyncIterator[None]:
    if conn.engine != "sqlite":
        yield
        return
    async with virtual_columns.set_aside(conn, "users"):
        yield


# PostgreSQL checks a foreign key with a query per inserted row that also locks the row it
# finds (users.app_id -> apps, tags and metadata -> users): 3.5 million of them at a million
# users. Put back afterwards, each key is checked by one join over the whole table (34.5 ->
# 24.3-25.4 s for a million users). SQLite's row-by-row checks are cheaper, 0.7 s of a
# million users' load, and one `foreign_key_check` per table afterwards takes 0.3 s; its
# checks are off for a fresh load's connection (_SQLITE_LOAD), as the setting cannot change
# inside a transaction.
_FOREIGN_KEYS = (
    "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)"
    " FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid = ANY(?::regclass[])"
    " ORDER BY c.conname"
)


@asynccontextmanager
async def _foreign_keys_paused(conn: Conn, tables: Sequence[str]) -> AsyncIterator[None]:
    """Foreign keys of `tables` checked once for all their rows, after the block.

    On SQLite the fresh load's connection runs with them off (_SQLITE_LOAD); on any other
    SQLite connection they were checked row by row already and this adds nothing."""
    if conn.engine == "sqlite":
        yield
        row = await conn.fetchone("PRAGMA foreign_keys")
        if row is not None and row[0] == 0:
            for table in tables:
                if await conn.fetchone(f"PRAGMA foreign_key_check({table})"):
                    raise sqlite3.IntegrityError(f"FOREIGN KEY constraint failed: {table}")
        return
    keys = await conn.fetch(_FOREIGN_KEYS, (list(tables),))
    changes = [
        (
            f'ALTER TABLE {table} DROP CONSTRAINT "{name}"',
            f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}',
        )
        for table, name, definition in keys
    ]
    async with schema_aside.suspended(conn, changes):
        yield


async def _fresh_load(conn: Conn, batches: Iterable[Rows]) -> None:
    indexes = await conn.fetch(_SECONDARY_INDEXES[conn.engine])
    for name, _sql in indexes:
        await conn.execute(f"DROP INDEX {name}")
    counts: Counter[tuple[str, int, int]] = Counter()
    last_pk = 0
    async with _foreign_keys_paused(conn, _TABLES), _row_triggers_paused(conn):
        async with _virtual_columns_aside(conn):
            for rows in batches:
                for table, columns, part in rows.tables():
                    await conn.copy_rows(table, columns, part)
                counts.update((user[1], user[11], user[0] % 8) for user in rows.users)
                if rows.users:
                    last_pk = rows.users[-1][0]
        if conn.engine == "sqlite":
            async with _small_cache(conn):
                for _name, sql in indexes:
                    await conn.execute(sql)
                await _fill_grams(conn, last_pk)
        else:
            # Each index is sorted (GIN: gathered) in up to this much memory, not in batches.
            await conn.execute("SET LOCAL maintenance_work_mem = '1GB'")
            for _name, sql in indexes:
                await conn.execute(sql)
        await conn.executemany(_ADD_COUNTS, [(*key, n) for key, n in sorted(counts.items())])
    if conn.engine == "postgres" and last_pk:
        await conn.execute("SELECT setval(pg_get_serial_sequence('users', 'pk'), ?)", (last_pk,))


# Terms FTS5 gathers in memory before writing them as one segment: 1 MB by default, which at
# a million users writes thousands of small segments and merges them again and again.
_GRAMS_HASH = 64 << 20
_DEFAULT_GRAMS_HASH = 1 << 20


async def refill_grams(conn: Conn) -> None:
    """Every user's trigrams into the empty index that migration 9 made (migration 10)."""
    await _fill_grams(conn, await next_pk(conn) - 1)


async def _fill_grams(conn: Conn, last_pk: int) -> None:
    """Every user's trigrams in one pass, with FTS5's stored settings put back as they were,
    the index then lifted out of the reach of later writes' merges (sqlite_grams_levels)."""
    await grams_levels.stack_levels(conn)
    stored = await conn.fetchone("SELECT v FROM user_grams_config WHERE k = 'hashsize'")
    setting = "INSERT INTO user_grams (user_grams, rank) VALUES ('hashsize', ?)"
    await conn.execute(setting, (_GRAMS_HASH,))
    await _add_grams(conn, 0, last_pk)
    await grams_levels.unstack(conn)
    await conn.execute(setting, (stored[0] if stored else _DEFAULT_GRAMS_HASH,))
    if stored is None:
        await conn.execute("DELETE FROM user_grams_config WHERE k = 'hashsize'")
    # The fill leaves a few large segments, all on level 0 (each pulls smaller ones down to
    # its level): merged in place onto level 1 (1 s at 1M), then lifted (1 s more).
    await conn.execute("INSERT INTO user_grams (user_grams) VALUES ('optimize')")
    await grams_levels.lift(conn)


async def insert_relations(
    conn: Conn, app_id: str, table: str, pairs: Sequence[tuple[int, int]], now: int
) -> None:
    """Blocks (blocker, blocked) or friendships (user, friend), as pairs of pks. Their two
    foreign keys are checked once at the end (on PostgreSQL, 1.5 of the 1.9 s that 120,000
    friendships took went to checking each row). For seeds and imports only: on PostgreSQL
    the check holds off writes to users until the transaction ends, and reads the whole
    table of relations however few pairs were added."""
    columns = {"blocks": ("blocker_pk", "blocked_pk"), "friends": ("user_pk", "friend_pk")}
    async with _foreign_keys_paused(conn, (table,)):
        await conn.copy_rows(
            table,
            ("app_id", *columns[table], "created_at"),
            [(app_id, a, b, now) for a, b in pairs],
        )
