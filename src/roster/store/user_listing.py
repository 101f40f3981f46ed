"""The one keyset query behind every user list.

A `UserQuery` becomes parameterised WHERE fragments; the order is always unique (it ends in
uid), so "rows after this key" is exact whatever was inserted or deleted meanwhile.
"""

from __future__ import annotations

from typing import Any

from roster.model.query import Activity, Order, SortKey, UserQuery
from roster.model.users import User
from roster.store.database import Conn
from roster.store.user_rows import USER_COLUMNS, to_user

_ORDER_COLUMNS = {Order.NAME: ("u.name_key", "u.uid"), Order.UID: ("u.uid",)}


def _where(conn: Conn, q: UserQuery) -> tuple[list[str], list[Any]]:
    parts = ["u.app_id = ?"]
    args: list[Any] = [q.app_id]
    if q.activity is Activity.ACTIVE:
        parts.append("u.active = 1")
    elif q.activity is Activity.DEACTIVATED:
        parts.append("u.active = 0")
    if q.search is not None:
        ranges: list[str] = []
        for column, wanted in (("u.name_key", q.search_name), ("u.uid_key", q.search_uid)):
            if not wanted:
                continue
            low, high = q.search
            if high is None:
                ranges.append(f"{column} >= ?")
                args.append(low)
            else:
                ranges.append(f"({column} >= ? AND {column} < ?)")
                args.extend((low, high))
        parts.append("(" + " OR ".join(ranges) + ")")
    if q.online is not None:
        parts.append("u.online = ?")
        args.append(int(q.online))
    if q.roles:
        clause, more = conn.in_list("u.role", q.roles)
        parts.append(clause)
        args.extend(more)
    if q.tags:
        clause, more = conn.in_list("t.tag", q.tags)
        parts.append(f"u.pk IN (SELECT t.user_pk FROM user_tags t WHERE t.app_id = ? AND {clause})")
        args.append(q.app_id)
        args.extend(more)
    if q.uids:
        clause, more = conn.in_list("u.uid", q.uids)
        parts.append(clause)
        args.extend(more)
    if not q.include_bots:
        parts.append("u.is_bot = 0")
    return parts, args


def sort_key(order: Order, name_key: str, user: User) -> SortKey:
    return (name_key, user.uid) if order is Order.NAME else (user.uid,)


def page_sql(conn: Conn, q: UserQuery, after: SortKey | None, limit: int) -> tuple[str, list[Any]]:
    """The page query's text and arguments; tests and benchmarks EXPLAIN exactly this."""
    parts, args = _where(conn, q)
    columns = _ORDER_COLUMNS[q.order]
    if after is not None:
        if len(columns) == 1:
            parts.append(f"{columns[0]} > ?")
        else:
            parts.append(f"({', '.join(columns)}) > ({', '.join('?' * len(columns))})")
        args.extend(after)
    sql = (
        f"SELECT {USER_COLUMNS}, u.name_key FROM users u WHERE {' AND '.join(parts)}"
        f" ORDER BY {', '.join(columns)} LIMIT ?"
    )
    args.append(limit)
    return sql, args


async def list_users(
    conn: Conn, q: UserQuery, after: SortKey | None, offset: int, limit: int
) -> list[tuple[User, SortKey]]:
    """Up to `limit` users after the key `after` (then skipping `offset`), in the query's order."""
    sql, args = page_sql(conn, q, after, limit)
    if offset:
        sql += " OFFSET ?"
        args.append(offset)
    rows = await conn.fetch(sql, args)
    result = []
    for row in rows:
        user = to_user(row)
        result.append((user, sort_key(q.order, row[14], user)))
    return result


async def count_users(conn: Conn, q: UserQuery) -> int:
    parts, args = _where(conn, q)
    row = await conn.fetchone(f"SELECT COUNT(*) FROM users u WHERE {' AND '.join(parts)}", args)
    return int(row[0]) if row else 0
