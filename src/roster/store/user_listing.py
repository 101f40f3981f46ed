"""The one keyset query behind every user list.

A `UserQuery` becomes parameterised SQL whose order is unique (it ends in uid), so "rows after
this key" is exact whatever was inserted or deleted meanwhile.

Filters that mean "any of" (a search on name OR uid, several tags) cannot walk one index in
order. Each alternative becomes a branch that walks its own index in list order and stops
after one page; the page is then the first rows of the union of those short branches. So a
page costs O(page x branches), never O(matching users), on both engines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product
from typing import Any

from roster.model.query import Activity, Order, SortKey, UserQuery
from roster.model.users import User
from roster.store.database import Conn
from roster.store.user_rows import USER_COLUMNS, to_user

_ORDER = {Order.NAME: ("name_key", "uid"), Order.UID: ("uid",)}


@dataclass(slots=True)
class _Sql:
    where: list[str] = field(default_factory=list)
    args: list[Any] = field(default_factory=list)

    def add(self, clause: str, *args: Any) -> None:
        self.where.append(clause)
        self.args.extend(args)

    def text(self) -> str:
        return " AND ".join(self.where)


def _common(conn: Conn, q: UserQuery, sql: _Sql) -> None:
    """Conditions on the users row that every branch shares."""
    sql.add("u.app_id = ?", q.app_id)
    if q.online is not None:
        sql.add("u.online = ?", int(q.online))
    if q.roles:
        clause, args = conn.in_list("u.role", q.roles)
        sql.add(clause, *args)
    if q.uids:
        clause, args = conn.in_list("u.uid", q.uids)
        sql.add(clause, *args)
    if not q.include_bots:
        sql.add("u.is_bot = 0")


def _activity(table: str, q: UserQuery, sql: _Sql) -> None:
    if q.activity is Activity.ACTIVE:
        sql.add(f"{table}.active = 1")
    elif q.activity is Activity.DEACTIVATED:
        sql.add(f"{table}.active = 0")


def _search_ranges(q: UserQuery) -> list[tuple[str, str, str | None]]:
    """(column, low, high) alternatives of the search, or [] without one."""
    if q.search is None:
        return []
    low, high = q.search
    columns = [c for c, on in (("u.name_key", q.search_name), ("u.uid_key", q.search_uid)) if on]
    return [(column, low, high) for column in columns]


def _range(sql: _Sql, column: str, low: str, high: str | None) -> None:
    if high is None:
        sql.add(f"{column} >= ?", low)
    else:
        sql.add(f"{column} >= ? AND {column} < ?", low, high)


def _after(sql: _Sql, table: str, order: Order, after: SortKey | None) -> None:
    if after is None:
        return
    columns = [f"{table}.{c}" for c in _ORDER[order]]
    if len(columns) == 1:
        sql.add(f"{columns[0]} > ?", *after)
    else:
        sql.add(f"({', '.join(columns)}) > ({', '.join('?' * len(columns))})", *after)


def _branch(
    conn: Conn,
    q: UserQuery,
    after: SortKey | None,
    search: tuple[str, str, str | None] | None,
    tag: str | None,
    select: str,
    uid_range_small: bool | None,
) -> tuple[str, list[Any]]:
    """One ordered walk: through the tag index when filtering by a tag, else the users indexes.

    The exception: a tag together with a uid prefix that matches few users is cheaper read from
    the uid range (then sorted) with a membership check than by walking the whole tag.
    """
    sql = _Sql()
    uid_search = search is not None and search[0] == "u.uid_key"
    if tag is not None and not (uid_search and uid_range_small):
        # Order, keyset and activity on the tag row's copies, so its index serves them.
        source = "user_tags t JOIN users u ON u.pk = t.user_pk"
        sql.add("t.app_id = ? AND t.tag = ?", q.app_id, tag)
        _activity("t", q, sql)
        _after(sql, "t", q.order, after)
        order_table = "t"
    else:
        hint = conn.index_hint(_uid_search_index(q, uid_range_small) if uid_search else None)
        source = f"users u {hint}".rstrip()
        if tag is not None:
            sql.add("EXISTS (SELECT 1 FROM user_tags t WHERE t.user_pk = u.pk AND t.tag = ?)", tag)
            tag = None
        _activity("u", q, sql)
        _after(sql, "u", q.order, after)
        order_table = "u"
    _common(conn, q, sql)
    if search is not None:
        column, low, high = search
        if tag is not None and column == "u.name_key":
            column = "t.name_key"  # a range on the tag index itself
        _range(sql, column, low, high)
    order_by = ", ".join(f"{order_table}.{c}" for c in _ORDER[q.order])
    return f"SELECT {select} FROM {source} WHERE {sql.text()} ORDER BY {order_by}", sql.args


# A uid prefix search cannot walk the name order: either read every uid in the prefix's range
# and sort them (cheap while they are few), or walk the name order and filter (cheap once they
# are many, because matches are then dense). A capped count of the range picks one.
UID_RANGE_SMALL = 5000


def _uid_search_index(q: UserQuery, small: bool | None) -> str | None:
    if small is None:
        return None
    if small:
        return "users_by_uid_key"
    return "users_by_name_all" if q.activity is Activity.ALL else "users_by_name"


async def _uid_range_small(conn: Conn, q: UserQuery) -> bool | None:
    if q.search is None or not q.search_uid:
        return None
    sql = _Sql()
    sql.add("u.app_id = ?", q.app_id)
    _range(sql, "u.uid_key", *q.search)
    row = await conn.fetchone(
        f"SELECT COUNT(*) FROM (SELECT 1 FROM users u WHERE {sql.text()} LIMIT ?) s",
        [*sql.args, UID_RANGE_SMALL],
    )
    return row is not None and int(row[0]) < UID_RANGE_SMALL


async def page_query(
    conn: Conn, q: UserQuery, after: SortKey | None, limit: int, offset: int = 0
) -> tuple[str, list[Any]]:
    """The page query's text and arguments; tests and benchmarks EXPLAIN exactly this."""
    return page_sql(conn, q, after, limit, offset, await _uid_range_small(conn, q))


def page_sql(
    conn: Conn,
    q: UserQuery,
    after: SortKey | None,
    limit: int,
    offset: int = 0,
    uid_range_small: bool | None = None,
) -> tuple[str, list[Any]]:
    searches: list[tuple[str, str, str | None] | None] = list(_search_ranges(q)) or [None]
    tags: list[str | None] = list(q.tags) or [None]
    branches = list(product(searches, tags))
    tail = " LIMIT ?" + (" OFFSET ?" if offset else "")
    tail_args = [limit, offset] if offset else [limit]
    columns = f"{USER_COLUMNS}, u.name_key"
    if len(branches) == 1:
        search, tag = branches[0]
        sql, args = _branch(conn, q, after, search, tag, columns, uid_range_small)
        return sql + tail, [*args, *tail_args]
    # Each branch returns whole rows, so the union needs no join back to users: a join there
    # is where PostgreSQL picks a hash join over every user (the trap in ARCHITECTURE.md).
    parts: list[str] = []
    args = []
    for search, tag in branches:
        branch_sql, branch_args = _branch(conn, q, after, search, tag, columns, uid_range_small)
        parts.append(f"SELECT * FROM ({branch_sql} LIMIT ?) b{len(parts)}")
        args.extend([*branch_args, limit + offset])
    order_by = ", ".join(_ORDER[q.order])
    sql = f"SELECT * FROM ({' UNION '.join(parts)}) page ORDER BY {order_by}{tail}"
    return sql, [*args, *tail_args]


def sort_key(order: Order, name_key: str, user: User) -> SortKey:
    return (name_key, user.uid) if order is Order.NAME else (user.uid,)


async def list_users(
    conn: Conn, q: UserQuery, after: SortKey | None, offset: int, limit: int
) -> list[tuple[User, SortKey]]:
    """Up to `limit` users after the key `after` (then skipping `offset`), in the query's order."""
    sql, args = await page_query(conn, q, after, limit, offset)
    rows = await conn.fetch(sql, args)
    result = []
    for row in rows:
        user = to_user(row)
        result.append((user, sort_key(q.order, row[14], user)))
    return result


async def count_users(conn: Conn, q: UserQuery) -> int:
    sql = _Sql()
    _activity("u", q, sql)
    _common(conn, q, sql)
    ranges = _search_ranges(q)
    if ranges:
        alternatives = []
        for column, low, high in ranges:
            part = _Sql()
            _range(part, column, low, high)
            alternatives.append(f"({part.text()})")
            sql.args.extend(part.args)
        sql.where.append("(" + " OR ".join(alternatives) + ")")
    if q.tags:
        clause, args = conn.in_list("t.tag", q.tags)
        sql.add(
            f"u.pk IN (SELECT t.user_pk FROM user_tags t WHERE t.app_id = ? AND {clause})",
            q.app_id,
            *args,
        )
    row = await conn.fetchone(f"SELECT COUNT(*) FROM users u WHERE {sql.text()}", sql.args)
    return int(row[0]) if row else 0
