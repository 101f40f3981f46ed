"""The bulk load (`bulk.load`, used by the benchmark seed) on both engines.

Into empty tables it drops the secondary indexes and the per-row triggers, loads, and builds
everything once; these tests check that the store it leaves is the one row-by-row inserts
would have left: the same catalog as a freshly migrated store, counters equal to the rows,
trigram matches equal to a row-by-row substring test (and, on SQLite, an index that holds the
users' rows and nothing else), and a working store for later writes.
The seed's fast row builder is checked against a plain per-user transcription of the data set.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bench import seed
from roster.app import open_database
from roster.model.folding import fold
from roster.settings import Settings
from roster.store import bulk, sqlite_virtual_columns
from roster.store.database import Conn, Database
from tests.fts5_structure import grams_levels

N = 2_000
PATTERNS = ["lex", "ann", "ser-1", "o'b", "ngu", "xyl", "user-19", "zzz"]


async def catalog(conn: Conn) -> dict[str, Any]:
    """Index and trigger definitions of the store (and the trigram index's settings; on
    SQLite, where the load sets generated columns aside, the tables' too)."""
    if conn.engine == "sqlite":
        rows = await conn.fetch("SELECT type, name, tbl_name, sql FROM sqlite_master")
        config = await conn.fetch("SELECT k, v FROM user_grams_config ORDER BY k")
        return {"objects": sorted(map(tuple, rows)), "grams_config": [tuple(r) for r in config]}
    indexes = await conn.fetch(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
    )
    triggers = await conn.fetch(
        "SELECT tgname, tgenabled, pg_get_triggerdef(oid) FROM pg_trigger"
        " WHERE NOT tgisinternal AND tgrelid::regclass::text IN ('users', 'user_tags', 'user_meta')"
    )
    # The load drops the foreign keys of users, tags and metadata and adds them back.
    constraints = await conn.fetch(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE connamespace = current_schema()::regnamespace"
    )
    return {
        "indexes": sorted(map(tuple, indexes)),
        "triggers": sorted(map(tuple, triggers)),
        "constraints": sorted(map(tuple, constraints)),
    }


async def migrated_catalog(settings: Settings) -> dict[str, Any]:
    db = await open_database(settings)
    try:
        await db.migrate()
        async with db.reader() as conn:
            return await catalog(conn)
    finally:
        await db.close()


async def check_store(db: Database, users: int) -> None:
    """Counters, trigram index and tag/metadata copies agree with the users rows."""
    async with db.reader() as conn:
        assert (await conn.fetchone("SELECT COUNT(*) FROM users"))[0] == users  # type: ignore[index]
        counted = await conn.fetch(
            "SELECT app_id, active, SUM(n) FROM user_counts GROUP BY app_id, active"
            " HAVING SUM(n) <> 0 ORDER BY app_id, active"
        )
        actual = await conn.fetch(
            "SELECT app_id, active, COUNT(*) FROM users GROUP BY app_id, active"
            " ORDER BY app_id, active"
        )
        assert [tuple(r) for r in counted] == [tuple(r) for r in actual]
        columns = ("name_key", "uid_key")
        for text in PATTERNS:
            grams, grams_args = conn.grams_match(columns, text)
            rows, rows_args = conn.has_substring(columns, text)
            by_index = await conn.fetch(f"SELECT pk FROM users u WHERE {grams}", grams_args)
            by_rows = await conn.fetch(f"SELECT pk FROM users u WHERE {rows}", rows_args)
            assert {r[0] for r in by_index} == {r[0] for r in by_rows}, text
        if conn.engine == "sqlite":
            # Compared with the users rows themselves: fails (as a corrupt table) if the index
            # holds anything else, such as the rows the load writes to place it among levels.
            await conn.execute(
                "INSERT INTO user_grams (user_grams, rank) VALUES ('integrity-check', 1)"
            )
        for table in ("user_tags", "user_meta"):
            stale = await conn.fetchone(
                f"SELECT COUNT(*) FROM {table} t JOIN users u ON u.pk = t.user_pk"
                " WHERE t.active <> u.active OR t.uid <> u.uid"
            )
            assert stale is not None and stale[0] == 0


async def load_then_check(settings: Settings) -> None:
    fresh = await migrated_catalog(settings)
    await seed.load_users(settings, N, seed=3)
    db = await open_database(settings)
    try:
        async with db.reader() as conn:
            assert await catalog(conn) == fresh
            assert (await conn.fetchone("SELECT COUNT(*) FROM user_tags"))[0] > N // 3  # type: ignore[index]
            assert (await conn.fetchone("SELECT COUNT(*) FROM user_meta"))[0] > N  # type: ignore[index]
        await check_store(db, N)
        # A second load finds users already there and takes the row-by-row path.
        async with db.reader() as conn:
            first_pk = await bulk.next_pk(conn) - N
        rnd = random.Random(5)
        await bulk.load(
            db, [seed._rows(rnd, N, 700, first_pk, 2), seed._rows(rnd, N + 700, 300, first_pk, 2)]
        )
        async with db.reader() as conn:
            assert await catalog(conn) == fresh
        await check_store(db, N + 1000)
        # The triggers are back: a plain insert is counted and indexed.
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO users (app_id, uid, uid_key, name, name_key, role, created_at)"
                " VALUES ('a', 'late', 'late', 'Qwxyz Late', 'qwxyz late', 'default', 3)"
            )
        await check_store(db, N + 1001)
        async with db.reader() as conn:
            grams, args = conn.grams_match(("name_key",), "qwxyz")
            found = await conn.fetch(f"SELECT uid FROM users u WHERE {grams}", args)
            assert [r[0] for r in found] == ["late"]
    finally:
        await db.close()


def test_load_into_empty_then_non_empty_store(settings: Settings) -> None:
    asyncio.run(load_then_check(settings))


@asynccontextmanager
async def app_store(settings: Settings) -> AsyncIterator[tuple[Database, dict[str, Any]]]:
    """A migrated store holding app `a` and no users, with its catalog as migrated."""
    fresh = await migrated_catalog(settings)
    db = await open_database(settings)
    try:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO apps (app_id, name, created_at) VALUES ('a', 'a', 0)")
        yield db, fresh
    finally:
        await db.close()


async def failing_load(settings: Settings) -> None:
    async with app_store(settings) as (db, fresh):

        def batches() -> Iterator[bulk.Rows]:
            yield seed._rows(random.Random(1), 0, 500, 1, 1)
            raise RuntimeError("source failed")

        with pytest.raises(RuntimeError, match="source failed"):
            await bulk.load(db, batches())
        async with db.reader() as conn:
            assert await catalog(conn) == fresh
            if conn.engine == "sqlite":
                settings_now = [
                    (await conn.fetchone(f"PRAGMA {name}"))[0]  # type: ignore[index]
                    for name in (
                        "journal_mode",
                        "synchronous",
                        "cache_size",
                        "threads",
                        "foreign_keys",
                    )
                ]
                assert settings_now == ["wal", 1, -65536, 0, 1]
        await check_store(db, 0)
        await bulk.load(db, [seed._rows(random.Random(1), 0, 500, 1, 1)])
        await check_store(db, 500)


def test_failed_load_leaves_the_store_as_it_was(settings: Settings) -> None:
    """Everything, the dropped indexes and triggers included, is one transaction."""
    asyncio.run(failing_load(settings))


async def load_beside_open_log(path: str) -> None:
    db = await open_database(Settings(db=path))
    other = sqlite3.connect(path, isolation_level=None)
    try:
        await db.migrate()
        other.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()  # now holds the log open
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO apps (app_id, name, created_at) VALUES ('a', 'a', 0)")
        await bulk.load(db, [seed._rows(random.Random(2), 0, 800, 1, 1)])
        await check_store(db, 800)
        async with db.reader() as conn:
            assert await conn.fetchone("PRAGMA journal_mode") == ("wal",)
        assert other.execute("SELECT COUNT(*) FROM users").fetchone() == (800,)
    finally:
        other.close()
        await db.close()


def test_sqlite_load_while_another_connection_holds_the_log(tmp_path: Path) -> None:
    """The load cannot leave WAL then, and stays in it."""
    asyncio.run(load_beside_open_log(str(tmp_path / "shared.db")))


def reference_users(rnd: random.Random, start: int, size: int) -> list[bulk.BulkUser]:
    """The data set spelled out user by user (the seed inlines this for speed)."""
    users = []
    roll = [rnd.random() for _ in range(size * 5)]
    for j, i in enumerate(range(start, start + size)):
        name = seed.name_of(i)
        r_tag, r_meta, r_active, r_online, r_bot = roll[j * 5 : j * 5 + 5]
        entries = []
        if r_meta < 0.6:
            color = seed.COLORS[int(r_meta * 100) % 10]
            entries = [("font_color", color), ("plan", seed.PLANS[i % 3])]
            if i % 4 == 0:
                entries.append(("city", seed.CITIES[i % 6]))
        metadata = "{" + ",".join(f'"{k}":"{v}"' for k, v in entries) + "}" if entries else None
        users.append(
            bulk.BulkUser(
                uid=f"user-{i}",
                uid_key=f"user-{i}",
                name=name,
                name_key=fold(name),
                role=seed.ROLES[i % 10],
                avatar=f"https://img.example.com/{i}.png" if i % 3 else None,
                metadata=metadata,
                meta_entries=entries,
                tags=[seed.TAGS[int(r_tag * 100)]] if r_tag < 0.5 else [],
                is_bot=r_bot < 0.01,
                online=r_online < 0.05,
                active=r_active >= 0.05 or i == 0,
            )
        )
    return users


def test_seed_rows_match_the_data_set_user_by_user() -> None:
    fast, plain = random.Random(9), random.Random(9)
    for start, size in [(0, 3_000), (3_000, 1_000), (39_990, 40)]:  # 40_007: the rare name
        rows = seed._rows(fast, start, size, 11, 5)
        expected = bulk.rows_of(seed.APP_ID, reference_users(plain, start, size), 5, 11 + start)
        assert rows == expected
    assert fast.random() == plain.random()


def test_sqlite_load_lifts_the_filled_index_above_merges(tmp_path: Path) -> None:
    """FTS5 merges a level once it holds 16 segments (migration 5); single writes add one
    segment each. The filled index must sit several levels up, or it is rewritten after a
    few thousand creates and every create pays for it. Checked on the index's own record."""
    path = str(tmp_path / "lifted.db")
    asyncio.run(seed.load_users(Settings(db=path), N, seed=3))
    levels = grams_levels(path)
    assert sum(levels) == 1 and levels.index(1) >= 5, levels


def virtual_columns(raw: sqlite3.Connection) -> list[str]:
    return [row[1] for row in raw.execute("PRAGMA table_xinfo(users)") if row[6] == 2]


async def load_watching_columns(path: str) -> list[list[str]]:
    """The users table's virtual columns before a fresh load, as each batch is asked for
    (inside the load's transaction, on its connection), and after."""
    async with app_store(Settings(db=path)) as (db, _fresh):
        raw = db._conn.raw  # type: ignore[attr-defined]
        seen = [virtual_columns(raw)]
        rnd = random.Random(4)

        def batches() -> Iterator[bulk.Rows]:
            for start in (0, 400):
                seen.append(virtual_columns(raw))
                yield seed._rows(rnd, start, 400, 1, 1)

        await bulk.load(db, batches())
        seen.append(virtual_columns(raw))
        await check_store(db, 800)
        return seen


def test_sqlite_fresh_load_inserts_without_virtual_columns(tmp_path: Path) -> None:
    """SQLite computes virtual generated columns on every insert (grams_id: half of a
    million-user load's insert time); the load drops them while rows go in and puts them back
    as they were (the catalog test above checks the definitions), with the triggers naming
    them. The trigram index, filled from grams_id afterwards, must still agree with the rows."""
    seen = asyncio.run(load_watching_columns(str(tmp_path / "aside.db")))
    assert seen == [["grams_id"], [], [], ["grams_id"]]


def test_column_definitions_split_on_top_level_commas_only() -> None:
    create = """CREATE TABLE t (
    a INTEGER PRIMARY KEY, -- a comment, with a comma (and a paren
    "b c" TEXT DEFAULT 'x, (y',
    d NUMERIC(10, 2) CHECK (d IN (1, 2)),
    PRIMARY KEY (a, d)
, g INTEGER GENERATED ALWAYS AS (max(a, 2) + coalesce(d, 0)) VIRTUAL)"""
    found = sqlite_virtual_columns.column_definitions(create)
    assert list(found) == ["a", "b c", "d", "PRIMARY", "g"]
    assert found["b c"] == """"b c" TEXT DEFAULT 'x, (y'"""
    assert found["d"] == "d NUMERIC(10, 2) CHECK (d IN (1, 2))"
    assert found["g"] == "g INTEGER GENERATED ALWAYS AS (max(a, 2) + coalesce(d, 0)) VIRTUAL"


# Folded names around the 6 characters a trigram id's bucket reads: equal up to the 6th and
# different after it, different at the 6th only, shorter than 6, empty, and outside a-z/space.
EDGE_NAMES = [
    "abcdea", "abcdez", "abcdeaq", "abcdeaz", "abcde", "abcd", "a", "", "ab cd ef", "ab cdef",
    "abcdeé", "abcdeè", "ábcdef", "日本語の名前", "日本語の名", "zz top", "zz to", "9lives",
    "\tx", "abc'de", "ǅabcde",
]  # fmt: skip


async def load_edge_names(path: str) -> list[tuple[int, int, int]]:
    async with app_store(Settings(db=path)) as (db, _fresh):
        users = [
            # Uids of 3 characters or more: every user has trigrams, so every id is checked.
            bulk.BulkUser(uid=f"edge{i}", uid_key=f"edge{i}", name=k or "-", name_key=k, role="r")
            for i, k in enumerate(EDGE_NAMES * 3)
        ]
        await bulk.load(db, [bulk.rows_of("a", users, 1, 1)])
        await check_store(db, len(users))
        async with db.reader() as conn:
            rows = await conn.fetch("SELECT pk, grams_id, grams_id - pk FROM users ORDER BY pk")
            return [tuple(r) for r in rows]


def test_sqlite_fill_gives_every_user_its_trigram_id(tmp_path: Path) -> None:
    """The fill reads each 6-character prefix's bucket off one of its users and adds the pk
    for the rest (bulk._GRAMS_FILL). The integrity check in check_store reads every indexed
    user back by its trigram id: had the fill given any user another id, or had the id's
    expression come to depend on more than those 6 characters, it fails. The buckets
    differ where the 6 characters do, so the names do test something."""
    rows = asyncio.run(load_edge_names(str(tmp_path / "edges.db")))
    buckets = {EDGE_NAMES[(pk - 1) % len(EDGE_NAMES)]: bucket for pk, _id, bucket in rows}
    assert buckets["abcdea"] == buckets["abcdeaq"] == buckets["abcdeaz"]
    assert len({buckets[k] for k in ("abcdea", "abcdez", "abcde", "abcd", "a", "")}) == 6


async def load_dangling(settings: Settings) -> None:
    async with app_store(settings) as (db, fresh):
        rows = seed._rows(random.Random(1), 0, 300, 1, 1)
        rows.meta.append((999, "a", "plan", "pro", 1, "nobody"))  # no user has pk 999
        with pytest.raises((sqlite3.IntegrityError, asyncpg.ForeignKeyViolationError)):
            await bulk.load(db, [rows])
        async with db.reader() as conn:
            assert await catalog(conn) == fresh
        await check_store(db, 0)


def test_load_refuses_rows_of_missing_users(settings: Settings) -> None:
    """A metadata row naming no user fails the load on both engines, and the load leaves
    nothing behind. Both check foreign keys after the rows, not as they go in: SQLite with
    `foreign_key_check`, PostgreSQL by adding back the keys the load dropped."""
    asyncio.run(load_dangling(settings))


async def relations_then_dangling(settings: Settings) -> None:
    async with app_store(settings) as (db, fresh):
        await bulk.load(db, [seed._rows(random.Random(1), 0, 50, 1, 1)])
        async with db.transaction() as conn:
            await bulk.insert_relations(conn, "a", "friends", [(1, 2), (2, 1), (3, 50)], 1)
        for table, pairs in (("blocks", [(1, 2), (4, 51)]), ("friends", [(51, 4)])):
            with pytest.raises((sqlite3.IntegrityError, asyncpg.ForeignKeyViolationError)):
                async with db.transaction() as conn:
                    await bulk.insert_relations(conn, "a", table, pairs, 1)
        async with db.reader() as conn:
            assert await catalog(conn) == fresh
            found = await conn.fetch("SELECT user_pk, friend_pk FROM friends ORDER BY 1, 2")
            assert [tuple(r) for r in found] == [(1, 2), (2, 1), (3, 50)]
            assert await conn.fetch("SELECT * FROM blocks") == []


def test_relations_of_missing_users_are_refused(settings: Settings) -> None:
    """Pairs naming a user that does not exist (pk 51 of 50) fail the whole batch, which
    leaves nothing, and the foreign keys are in place afterwards on both engines."""
    asyncio.run(relations_then_dangling(settings))
