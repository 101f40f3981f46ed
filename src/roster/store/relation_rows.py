"""Blocks and friendships between users of one app."""

from __future__ import annotations

from collections.abc import Sequence

from roster.store.database import Conn


async def insert_blocks(
    conn: Conn, app_id: str, blocker_pk: int, blocked_pks: Sequence[int], now: int
) -> None:
    """Block each target; an existing block keeps its original time."""
    await conn.executemany(
        "INSERT INTO blocks (app_id, blocker_pk, blocked_pk, created_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (blocker_pk, blocked_pk) DO NOTHING",
        [(app_id, blocker_pk, pk, now) for pk in blocked_pks],
    )


async def delete_blocks(conn: Conn, blocker_pk: int, blocked_pks: Sequence[int]) -> set[int]:
    """Remove blocks; returns the targets that were blocked."""
    if not blocked_pks:
        return set()
    clause, args = conn.in_list("blocked_pk", blocked_pks)
    rows = await conn.fetch(
        f"DELETE FROM blocks WHERE blocker_pk = ? AND {clause} RETURNING blocked_pk",
        (blocker_pk, *args),
    )
    return {int(r[0]) for r in rows}


async def blocks_between(
    conn: Conn, viewer_pk: int, pks: Sequence[int]
) -> dict[int, tuple[int | None, int | None]]:
    """For each user: (when the viewer blocked them, when they blocked the viewer), in one query."""
    found: dict[int, tuple[int | None, int | None]] = {}
    if not pks:
        return found
    mine, mine_args = conn.in_list("blocked_pk", pks)
    theirs, theirs_args = conn.in_list("blocker_pk", pks)
    rows = await conn.fetch(
        f"SELECT blocker_pk, blocked_pk, created_at FROM blocks"
        f" WHERE (blocker_pk = ? AND {mine}) OR (blocked_pk = ? AND {theirs})",
        (viewer_pk, *mine_args, viewer_pk, *theirs_args),
    )
    for blocker, blocked, at in rows:
        if blocker == viewer_pk:
            previous = found.get(blocked, (None, None))
            found[blocked] = (at, previous[1])
        if blocked == viewer_pk:
            previous = found.get(blocker, (None, None))
            found[blocker] = (previous[0], at)
    return found


async def insert_friends(
    conn: Conn, app_id: str, user_pk: int, friend_pks: Sequence[int], now: int
) -> None:
    """Both directions of each friendship."""
    rows = [(app_id, user_pk, pk, now) for pk in friend_pks]
    rows += [(app_id, pk, user_pk, now) for pk in friend_pks]
    await conn.executemany(
        "INSERT INTO friends (app_id, user_pk, friend_pk, created_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (user_pk, friend_pk) DO NOTHING",
        rows,
    )


async def friend_pks(conn: Conn, user_pk: int, among: Sequence[int]) -> set[int]:
    if not among:
        return set()
    clause, args = conn.in_list("friend_pk", among)
    rows = await conn.fetch(
        f"SELECT friend_pk FROM friends WHERE user_pk = ? AND {clause}", (user_pk, *args)
    )
    return {int(r[0]) for r in rows}


async def count_friends(conn: Conn, user_pk: int) -> int:
    row = await conn.fetchone("SELECT COUNT(*) FROM friends WHERE user_pk = ?", (user_pk,))
    return int(row[0]) if row else 0


async def delete_friends(conn: Conn, user_pk: int, friend_pks: Sequence[int]) -> None:
    if not friend_pks:
        return
    clause, args = conn.in_list("friend_pk", friend_pks)
    await conn.execute(f"DELETE FROM friends WHERE user_pk = ? AND {clause}", (user_pk, *args))
    clause, args = conn.in_list("user_pk", friend_pks)
    await conn.execute(f"DELETE FROM friends WHERE friend_pk = ? AND {clause}", (user_pk, *args))
