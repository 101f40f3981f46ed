"""Bulk loading for seeds and imports: many users per statement, no per-user round trips."""

from __future__ import annotations

from collections.abc import Sequence

from roster.model.users import NewUser
from roster.store.database import Conn
from roster.store.user_rows import INSERT_META, INSERT_TAG


async def insert_users(
    conn: Conn,
    app_id: str,
    users: Sequence[tuple[NewUser, tuple[str, str]]],
    now: int,
    *,
    deactivated: Sequence[bool] | None = None,
    online: Sequence[bool] | None = None,
    bots: Sequence[bool] | None = None,
    meta: Sequence[Sequence[tuple[str, str]]] | None = None,
) -> None:
    """Insert validated users (with their (uid_key, name_key)), their tags and metadata index."""
    rows = []
    for index, (user, (uid_key, name_key)) in enumerate(users):
        off = bool(deactivated and deactivated[index])
        rows.append(
            (
                app_id,
                user.uid,
                uid_key,
                user.name,
                name_key,
                user.avatar,
                user.link,
                user.metadata,
                user.status_message,
                user.role,
                int(user.is_bot or bool(bots and bots[index])),
                int(bool(online and online[index])),
                0 if off else 1,
                now if off else None,
                now,
            )
        )
    await conn.executemany(
        "INSERT INTO users (app_id, uid, uid_key, name, name_key, avatar, link, metadata,"
        " status_message, role, is_bot, online, active, deactivated_at, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    tagged = [user for user, _keys in users if user.tags]
    described = [(users[i][0].uid, entries) for i, entries in enumerate(meta or []) if entries]
    if not tagged and not described:
        return
    wanted = [u.uid for u in tagged] + [uid for uid, _entries in described]
    clause, args = conn.in_list("uid", wanted)
    pks = dict(
        (uid, pk)
        for pk, uid in await conn.fetch(
            f"SELECT pk, uid FROM users WHERE app_id = ? AND {clause}", (app_id, *args)
        )
    )
    if tagged:
        await conn.executemany(
            INSERT_TAG,
            [(tag, pos, pks[u.uid]) for u in tagged for pos, tag in enumerate(u.tags)],
        )
    if described:
        await conn.executemany(
            INSERT_META,
            [(key, value, pks[uid]) for uid, entries in described for key, value in entries],
        )
