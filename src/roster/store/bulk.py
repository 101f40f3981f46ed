"""Bulk loading for seeds and imports: rows with their keys already computed, written by the
engine's fastest path (SQLite executemany, PostgreSQL COPY), with no per-user round trips.

Primary keys are assigned here rather than by the database, so tag, metadata, block and friend
rows can name their users without reading them back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from roster.store.database import Conn

_USER_COLUMNS = (
    "pk", "app_id", "uid", "uid_key", "name", "name_key", "avatar", "metadata", "role",
    "is_bot", "online", "active", "deactivated_at", "created_at",
)  # fmt: skip


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
_GRAMS_RANGE = (
    "INSERT INTO user_grams (rowid, name_key, uid_key)"
    " SELECT pk, name_key, uid_key FROM users WHERE pk BETWEEN ? AND ?"
)


@asynccontextmanager
async def _row_triggers_paused(conn: Conn) -> AsyncIterator[None]:
    names = _PAUSED[conn.engine]
    if conn.engine == "postgres":
        for name in names:
            await conn.execute(f"ALTER TABLE users DISABLE TRIGGER {name}")
        yield
        for name in names:
            await conn.execute(f"ALTER TABLE users ENABLE TRIGGER {name}")
        return
    clause, args = conn.in_list("name", names)
    found = await conn.fetch(
        f"SELECT sql FROM sqlite_master WHERE type = 'trigger' AND {clause}", args
    )
    for name in names:
        await conn.execute(f"DROP TRIGGER {name}")
    yield
    for (sql,) in found:
        await conn.execute(sql)


async def next_pk(conn: Conn) -> int:
    row = await conn.fetchone("SELECT COALESCE(MAX(pk), 0) + 1 FROM users")
    return int(row[0]) if row else 1


async def insert_users(
    conn: Conn, app_id: str, users: Sequence[BulkUser], now: int, first_pk: int
) -> None:
    """Insert users as pks first_pk, first_pk + 1, ..., with their tags and metadata index."""
    rows = []
    tags = []
    meta = []
    for pk, user in enumerate(users, first_pk):
        active = int(user.active)
        rows.append(
            (
                pk, app_id, user.uid, user.uid_key, user.name, user.name_key, user.avatar,
                user.metadata, user.role, int(user.is_bot), int(user.online), active,
                None if active else now, now,
            )
        )  # fmt: skip
        for pos, tag in enumerate(user.tags):
            tags.append((pk, app_id, tag, pos, active, user.name_key, user.uid))
        for key, value in user.meta_entries:
            meta.append((pk, app_id, key, value, active, user.uid))
    if not rows:
        return
    async with _row_triggers_paused(conn):
        await conn.copy_rows("users", _USER_COLUMNS, rows)
        # What the paused triggers do row by row, done once for the whole range.
        await conn.execute(_COUNT_RANGE, (first_pk, pk))
        if conn.engine == "sqlite":
            await conn.execute(_GRAMS_RANGE, (first_pk, pk))
    tag_columns = ("user_pk", "app_id", "tag", "pos", "active", "name_key", "uid")
    await conn.copy_rows("user_tags", tag_columns, tags)
    meta_columns = ("user_pk", "app_id", "key", "value", "active", "uid")
    await conn.copy_rows("user_meta", meta_columns, meta)
    if conn.engine == "postgres":
        # Explicit pks bypass the identity sequence; move it past them.
        await conn.execute("SELECT setval(pg_get_serial_sequence('users', 'pk'), ?)", (pk,))


async def insert_relations(
    conn: Conn, app_id: str, table: str, pairs: Sequence[tuple[int, int]], now: int
) -> None:
    """Blocks (blocker, blocked) or friendships (user, friend), as pairs of pks."""
    columns = {"blocks": ("blocker_pk", "blocked_pk"), "friends": ("user_pk", "friend_pk")}
    await conn.copy_rows(
        table, ("app_id", *columns[table], "created_at"), [(app_id, a, b, now) for a, b in pairs]
    )
