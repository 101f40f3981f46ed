"""Presence leases: who is connected, kept alive by the process holding the connection."""

from __future__ import annotations

from collections.abc import Sequence

from roster.store.database import Conn


async def open_lease(
    conn: Conn, conn_id: str, app_id: str, user_pk: int, process_id: str, now: int, expires: int
) -> bool:
    """Record a connection; True when it makes the user online (their first live one)."""
    await conn.execute(
        "INSERT INTO presence_leases (conn_id, app_id, user_pk, process_id, seen_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (conn_id, app_id, user_pk, process_id, now, expires),
    )
    changed = await conn.execute(
        "UPDATE users SET online = 1, has_ever_logged_in = 1 WHERE pk = ? AND online = 0",
        (user_pk,),
    )
    return changed > 0


async def close_lease(conn: Conn, conn_id: str, now: int) -> tuple[int, bool] | None:
    """Forget a connection; (user pk, whether the user went offline), or None if it was gone."""
    row = await conn.fetchone(
        "DELETE FROM presence_leases WHERE conn_id = ? RETURNING user_pk", (conn_id,)
    )
    if row is None:
        return None
    user_pk = int(row[0])
    return user_pk, await _offline_if_idle(conn, user_pk, now, now)


async def refresh(conn: Conn, process_id: str, now: int, expires: int) -> set[str]:
    """Extend every lease of this process; returns the connections whose leases still exist."""
    await conn.execute(
        "UPDATE presence_leases SET seen_at = ?, expires_at = ? WHERE process_id = ?",
        (now, expires, process_id),
    )
    rows = await conn.fetch(
        "SELECT conn_id FROM presence_leases WHERE process_id = ?", (process_id,)
    )
    return {str(r[0]) for r in rows}


async def reap(conn: Conn, now: int) -> list[tuple[str, str, int]]:
    """Drop expired leases; returns (app_id, uid, last seen) of users that went offline."""
    rows = await conn.fetch(
        "DELETE FROM presence_leases WHERE expires_at < ? RETURNING user_pk, seen_at", (now,)
    )
    last_seen: dict[int, int] = {}
    for user_pk, seen_at in rows:
        last_seen[int(user_pk)] = max(int(seen_at), last_seen.get(int(user_pk), 0))
    gone = []
    for user_pk, seen in last_seen.items():
        if await _offline_if_idle(conn, user_pk, seen, now):
            row = await conn.fetchone("SELECT app_id, uid FROM users WHERE pk = ?", (user_pk,))
            if row is not None:
                gone.append((str(row[0]), str(row[1]), seen))
    return gone


async def _offline_if_idle(conn: Conn, user_pk: int, last_seen: int, now: int) -> bool:
    """Mark the user offline, seen at `last_seen`, unless a live lease remains."""
    changed = await conn.execute(
        "UPDATE users SET online = 0, last_active_at = ? WHERE pk = ? AND online = 1"
        " AND NOT EXISTS"
        " (SELECT 1 FROM presence_leases p WHERE p.user_pk = ? AND p.expires_at >= ?)",
        (last_seen, user_pk, user_pk, now),
    )
    return changed > 0


async def online_uids(conn: Conn, app_id: str, uids: Sequence[str]) -> set[str]:
    uids = [uid for uid in uids if "\x00" not in uid]
    if not uids:
        return set()
    clause, args = conn.in_list("uid", uids)
    rows = await conn.fetch(
        f"SELECT uid FROM users WHERE app_id = ? AND online = 1 AND {clause}", (app_id, *args)
    )
    return {str(r[0]) for r in rows}
