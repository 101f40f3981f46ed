"""The one keyset query behind every user list.

A `UserQuery` becomes parameterised SQL whose order is unique (it ends in uid), so "rows after
this key" is exact whatever was inserted or deleted meanwhile.

Filters that mean "any of" (a search on name OR uid, several tags, several metadata values)
cannot walk one index in order. Each alternative becomes a branch that walks its own index in
list order and stops after one page; the page is then the first rows of the union of those
short branches. So a page costs O(page x branches), never O(matching users), on both engines.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import product
from typing import Any

from roster.model.folding import prefix_upper_bound
from roster.model.query import Activity, Order, Relation, SortKey, UserQuery
from roster.model.users import User
from roster.store.database import Conn, GramsWindow, Row
from roster.store.user_rows import USER_COLUMNS, to_users

_ORDER = {Order.NAME: ("name_key", "uid"), Order.UID: ("uid",)}
# The search column whose order differs from the list's order: a range on it cannot be walked
# in list order (a uid prefix in a name-ordered list, a name prefix in a uid-ordered list).
_CROSS_COLUMN = {Order.NAME: "u.uid_key", Order.UID: "u.name_key"}
# Related users as a set of pks; a user has few enough relations to read them whole.
_RELATED = {
    Relation.BLOCKED_BY: "SELECT blocked_pk FROM blocks WHERE blocker_pk = ?",
    Relation.BLOCKING: "SELECT blocker_pk FROM blocks WHERE blocked_pk = ?",
    Relation.BLOCK_EITHER: (
        "SELECT blocked_pk FROM blocks WHERE blocker_pk = ?"
        " UNION SELECT blocker_pk FROM blocks WHERE blocked_pk = ?"
    ),
    Relation.FRIENDS: "SELECT friend_pk FROM friends WHERE user_pk = ?",
}


@dataclass(slots=True)
class _Sql:
    where: list[str] = field(default_factory=list)
    args: list[Any] = field(default_factory=list)

    def add(self, clause: str, *args: Any) -> None:
        self.where.append(clause)
        self.args.extend(args)

    def text(self) -> str:
        return " AND ".join(self.where)


@dataclass(frozen=True, slots=True)
class _Side:
    """A side table whose index can drive a branch: one tag, or one metadata value.

    Its rows copy the user's uid and activity (and, for tags, the name key), so the index
    serves the filter, the activity and the list order at once.
    """

    table: str
    alias: str
    match: str
    args: tuple[str, ...]
    orders: frozenset[Order]  # list orders the side index is sorted in

    def exists(self) -> str:
        return (
            f"EXISTS (SELECT 1 FROM {self.table} {self.alias}"
            f" WHERE {self.alias}.user_pk = u.pk AND {self.match})"
        )


def _tag_sides(q: UserQuery) -> list[_Side]:
    return [_Side("user_tags", "t", "t.tag = ?", (tag,), frozenset({Order.NAME})) for tag in q.tags]


def _meta_sides(q: UserQuery) -> list[_Side]:
    if q.metadata is None:
        return []
    key, values = q.metadata
    return [
        _Side("user_meta", "m", "m.key = ? AND m.value = ?", (key, v), frozenset({Order.UID}))
        for v in values
    ]


def _sides(q: UserQuery) -> list[_Side | None]:
    """The alternatives that drive branches: the tags if any, else the metadata values.

    With both, the metadata values become a plain condition (see `_common`).
    """
    return [*(_tag_sides(q) or _meta_sides(q))] or [None]


def _any_of(sides: list[_Side], sql: _Sql) -> None:
    sql.where.append("(" + " OR ".join(side.exists() for side in sides) + ")")
    for side in sides:
        sql.args.extend(side.args)


def _contains(conn: Conn, q: UserQuery, sql: _Sql, grams: bool, window: GramsWindow | None) -> None:
    """The substring filter: from the trigram index, or tested on each row of an ordered walk."""
    if q.contains is None:
        return
    columns = _search_columns(q)
    if grams:
        clause, args = conn.grams_match(columns, q.contains, window)
    else:
        clause, args = conn.has_substring(columns, q.contains)
    sql.add(clause, *args)


def _search_columns(q: UserQuery) -> list[str]:
    return [c for c, on in (("name_key", q.search_name), ("uid_key", q.search_uid)) if on]


def _common(
    conn: Conn, q: UserQuery, sql: _Sql, grams: bool = False, window: GramsWindow | None = None
) -> None:
    """Conditions on the users row that every branch shares."""
    sql.add("u.app_id = ?", q.app_id)
    _row_filters(conn, q, sql, grams, window)


def _row_filters(
    conn: Conn, q: UserQuery, sql: _Sql, grams: bool = False, window: GramsWindow | None = None
) -> None:
    """The query's conditions on the users row beyond its app."""
    _contains(conn, q, sql, grams, window)
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
    if q.name_exact is not None:
        sql.add("u.name_key = ?", q.name_exact)
    if q.tags and q.metadata is not None:
        _any_of(_meta_sides(q), sql)
    if q.related is not None:
        relation, pk = q.related
        sql.add(f"u.pk IN ({_RELATED[relation]})", *([pk] * _RELATED[relation].count("?")))


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
    return [(f"u.{column}", low, high) for column in _search_columns(q)]


def _range(sql: _Sql, column: str, low: str, high: str | None) -> None:
    """`low` "" (below every key) adds no bound, so it cannot compete with one that narrows."""
    if low:
        sql.add(f"{column} >= ?", low)
    if high is not None:
        sql.add(f"{column} < ?", high)


def _after(sql: _Sql, table: str, order: Order, after: SortKey | None) -> None:
    if after is None:
        return
    columns = [f"{table}.{c}" for c in _ORDER[order]]
    if len(columns) == 1:
        sql.add(f"{columns[0]} > ?", *after)
    else:
        sql.add(f"({', '.join(columns)}) > ({', '.join('?' * len(columns))})", *after)


def _cross_index(q: UserQuery, small: bool | None) -> str | None:
    """The index that pins a cross-order search: its range (few rows) or the order (many)."""
    if small is None:
        return None
    every = q.activity is Activity.ALL
    if q.order is Order.NAME:
        if small:
            return "users_by_uid_key"
        return "users_by_name_all" if every else "users_by_name"
    if small:
        return "users_by_name_all" if every else "users_by_name"
    return "users_uid" if every else "users_by_uid_active"


def _branch(
    conn: Conn,
    q: UserQuery,
    after: SortKey | None,
    search: tuple[str, str, str | None] | None,
    side: _Side | None,
    select: str | None,
    plan: Plan,
) -> tuple[str, list[Any]]:
    """One ordered walk: through a side index (tag, metadata value), else the users indexes.

    The exception: a side filter together with a cross-order search that matches few users is
    cheaper read from the search range (then sorted) with a membership check.
    `select` None: the walk's sort keys and pks only (see `_page_sql`).
    """
    sql = _Sql()
    filters = _Sql()
    _row_filters(conn, q, filters, plan.reads_grams, plan.window)
    cross = search is not None and search[0] == _CROSS_COLUMN[q.order]
    if side is not None and not (cross and plan.cross_small):
        a = side.alias
        sql.add(f"{a}.app_id = ? AND {side.match}", q.app_id, *side.args)
        _activity(a, q, sql)
        order_table = a if q.order in side.orders else "u"
        _after(sql, order_table, q.order, after)
        if search is not None and search[0] == "u.name_key" and a == "t":
            search = ("t.name_key", *search[1:])  # a range on the tag index itself
        # The side rows carry the app, the activity and the list order; when the users row
        # adds no condition, keys and pks come from the side index alone, users unread.
        alone = (
            select is None
            and order_table == a
            and not filters.where
            and (search is None or search[0].startswith(f"{a}."))
        )
        source = f"{side.table} {a}"
        if not alone:
            source += f" JOIN users u ON u.pk = {a}.user_pk"
        pk = f"{a}.user_pk"
    else:
        hint = conn.index_hint(_cross_index(q, plan.cross_small) if cross else None)
        source = f"users u {hint}".rstrip()
        if side is not None:
            sql.add(side.exists(), *side.args)
        _activity("u", q, sql)
        _after(sql, "u", q.order, after)
        order_table = "u"
        pk = "u.pk"
        alone = False
    if not alone:
        sql.add("u.app_id = ?", q.app_id)
        sql.where += filters.where
        sql.args += filters.args
    if search is not None:
        _range(sql, *search)
    if select is None:
        select = ", ".join(f"{order_table}.{c}" for c in _ORDER[q.order]) + f", {pk} AS pk"
    if plan.reads_grams and _gram_text(q) is not None:
        # The matches, read from the trigram index (whole, or a window of it), then sorted.
        fenced = conn.fenced(f"SELECT {select} FROM {source} WHERE {sql.text()}")
        return f"{fenced} ORDER BY {', '.join(_ORDER[q.order])}", sql.args
    order_by = ", ".join(f"{order_table}.{c}" for c in _ORDER[q.order])
    return f"SELECT {select} FROM {source} WHERE {sql.text()} ORDER BY {order_by}", sql.args


# A cross-order search either reads every row in the search's key range and sorts them (cheap
# while they are few) or walks the list order and filters (cheap once they are many, because
# matches are then dense). A capped count of the range picks one.
CROSS_RANGE_SMALL = 5000
# The same choice for a substring: few matches are read from the trigram index and sorted, many
# are found by walking the list order and testing each row. Matches cluster in name order
# ("ann" lives among the Annas), so a walk may read far before its page fills: at 1M users the
# walk for "ann" read ~160,000 rows (800 ms) where the index and a sort of 28,000 took 31 ms.
# Hence a high bar. Below 3 characters a substring has no trigram and always walks.
CONTAINS_SMALL = 50_000
# In uid order (Sendbird) matches do not cluster: uids say nothing of names, so a walk reads
# about 100 * users / matches rows of the uid index (which carries the name key, so rows that
# fail cost no table read). That beats reading every match once they number a few thousand:
# "lex" at 1M users, 27,000 matches, 21 ms from the index and 1 ms by walking.
CONTAINS_SMALL_BY_UID = 5_000
MIN_GRAM = 3


def _gram_text(q: UserQuery) -> str | None:
    """The query's substring, if it is long enough for the trigram index to answer."""
    return q.contains if q.contains is not None and len(q.contains) >= MIN_GRAM else None


@dataclass(frozen=True, slots=True)
class Plan:
    """How a page query reads its rows, chosen from capped counts before building it."""

    cross_small: bool | None = None  # None: no cross-order search
    contains_small: bool = False  # read the substring's matches from the trigram index
    # Read only the matches of this stretch of the trigram index (see `_placed`).
    window: GramsWindow | None = None
    # A name-key range [low, high) whose every name holds the substring (see `_dense`): its
    # rows are walked in name order, and the window only serves names below it.
    dense: tuple[str, str | None] | None = None

    @property
    def reads_grams(self) -> bool:
        return self.contains_small or self.window is not None

    @property
    def partial(self) -> bool:
        """True when the page may end early because the plan reads only part of the matches."""
        return self.dense is not None or (self.window is not None and self.window.end is not None)


async def _capped_count(conn: Conn, q: UserQuery, sql: _Sql, cap: int) -> int:
    row = await conn.fetchone(
        f"SELECT COUNT(*) FROM (SELECT 1 FROM users u WHERE {sql.text()} LIMIT ?) s",
        [*sql.args, cap],
    )
    return int(row[0]) if row is not None else 0


_NO_CHOICE = Plan()


# A plan picks a way to read a page, never its rows: either way returns the same users. The
# counts behind it drift slowly, so a choice is kept a while rather than counted again for every
# page; the count was most of a cross-order search (2.5 of 2.8 ms for a common prefix at 1M).
PLAN_SECONDS = 30.0
_clock = time.monotonic  # tests move it


async def plan_for(conn: Conn, q: UserQuery) -> Plan:
    if q.search is None and _gram_text(q) is None:
        return _NO_CHOICE
    key = ("plan", q, CROSS_RANGE_SMALL, CONTAINS_SMALL, CONTAINS_SMALL_BY_UID)
    now = _clock()
    kept = conn.memo.get(key)
    if kept is not None and kept[0] > now:
        plan: Plan = kept[1]
        return plan
    plan = await _counted_plan(conn, q)
    conn.memo.put(key, (now + PLAN_SECONDS, plan))
    return plan


async def _counted_plan(conn: Conn, q: UserQuery) -> Plan:
    cross_small = None
    ranges = [r for r in _search_ranges(q) if r[0] == _CROSS_COLUMN[q.order]]
    if ranges:
        column, low, high = ranges[0]
        sql = _Sql()
        sql.add("u.app_id = ?", q.app_id)
        _range(sql, column, low, high)
        cross_small = await _capped_count(conn, q, sql, CROSS_RANGE_SMALL) < CROSS_RANGE_SMALL
    contains_small = False
    text = _gram_text(q)
    if text is not None and _window_text(conn, q) is None:
        # Counted over every app, from the index alone: joining users to filter by app made
        # SQLite walk the app's users instead. An upper bound is enough to pick a strategy.
        small = CONTAINS_SMALL if q.order is Order.NAME else CONTAINS_SMALL_BY_UID
        found = await conn.grams_count(_search_columns(q), text, small)
        contains_small = found < small
    return Plan(cross_small, contains_small)


def _window_text(conn: Conn, q: UserQuery) -> str | None:
    """The substring the query reads from a window of the trigram index, if it does."""
    return _gram_text(q) if conn.grams_in_name_order and q.order is Order.NAME else None


async def _placed(conn: Conn, q: UserQuery, plan: Plan, after: SortKey | None, reach: int) -> Plan:
    """The plan narrowed to the trigram matches that can hold the next `reach` rows.

    Where the index keeps matches in name order (SQLite), a substring page in name order reads
    only the matches from its position to the bucket of the reach-th match, instead of every
    match ("ann" at a million users: 28,000 matches, 20 ms a page, most of them far from it).
    """
    text = _window_text(conn, q)
    if text is None:
        return plan
    after_name = None if after is None else str(after[0])
    window = await conn.grams_window(q.app_id, _search_columns(q), text, after_name, reach)
    if window is None:
        return plan
    dense = _dense(q, text, after_name, window)
    if dense is None:
        return replace(plan, window=window)
    below = await conn.grams_below(q.app_id, dense[0])
    if below is not None and window.end is not None and below >= window.end:
        # Names below the range share its last bucket: the window would read that bucket
        # whole anyway, so the walk would only add a statement ("elik" in "alexander q. celik").
        return replace(plan, window=window)
    if below is None or below < window.start or (after_name is not None and after_name >= dense[0]):
        return replace(plan, window=None, dense=dense)  # no match between the page and the range
    return replace(plan, window=GramsWindow(window.start, below), dense=dense)


def _dense(
    q: UserQuery, text: str, after_name: str | None, window: GramsWindow
) -> tuple[str, str | None] | None:
    """The names that start like the window's last match, up to and including the substring.

    Every one of them holds the substring, so they need no index to be found: a walk of the
    name order from there returns only matches. That is where matches are dense, and a window
    reads every match of its last bucket: "ann" at a million users ends its first window in
    the bucket "anna a", 1,071 matches read and sorted (2.4 ms) for a page that a walk of
    the names from "ann" fills with 100 rows (0.45 ms). The window then serves only the
    names below the range, with no more than a page of matches between them.
    """
    if window.reached is None or not q.search_name or q.search is not None:
        return None
    name = window.reached
    if after_name is not None and name <= after_name:
        return None  # a walk from there would lie behind the page
    at = name.find(text)
    if at < 0:
        return None  # matched by its uid
    prefix = name[: at + len(text)]
    return prefix, prefix_upper_bound(prefix)


async def _fetch_placed(
    conn: Conn,
    q: UserQuery,
    after: SortKey | None,
    reach: int,
    wanted: int,
    build: Callable[[Plan], tuple[str, list[Any]]],
) -> list[Row]:
    """Rows of the query `build` makes from the plan, placed to reach `reach` rows.

    A window is counted in matches of any app and filter, so when it yields fewer than
    `wanted` rows and does not run to the index's end, it is taken again eight times longer;
    so is a dense range that ran out.
    """
    plan = await plan_for(conn, q)
    while True:
        placed = await _placed(conn, q, plan, after, reach)
        sql, args = build(placed)
        rows = await conn.fetch(sql, args)
        if len(rows) >= wanted or not placed.partial:
            return rows
        reach *= 8


async def page_query(
    conn: Conn, q: UserQuery, after: SortKey | None, limit: int, offset: int = 0
) -> tuple[str, list[Any]]:
    """The page query's text and arguments as `list_users` first runs it; tests and benchmarks
    EXPLAIN exactly this."""
    plan = await _placed(conn, q, await plan_for(conn, q), after, limit + offset)
    return page_sql(conn, q, after, limit, offset, plan)


def page_sql(
    conn: Conn,
    q: UserQuery,
    after: SortKey | None,
    limit: int,
    offset: int = 0,
    plan: Plan = _NO_CHOICE,
    columns: str | None = None,
) -> tuple[str, list[Any]]:
    """`columns` narrows the select (default: whole users plus the name key).

    First pages (no position) of the same query have the same SQL and arguments, so they are
    kept in the memo: building them is a tenth of a first page's time in Python.
    """
    if after is not None:
        return _page_sql(conn, q, after, limit, offset, plan, columns)
    key = ("first page", q, limit, offset, plan, columns)
    found: tuple[str, list[Any]] | None = conn.memo.get(key)
    if found is None:
        found = _page_sql(conn, q, None, limit, offset, plan, columns)
        conn.memo.put(key, found)
    return found[0], list(found[1])


_Search = tuple[str, str, str | None]


_Walk = tuple[UserQuery, SortKey | None, _Search | None, _Side | None, Plan]


def _branches(q: UserQuery, after: SortKey | None, plan: Plan) -> list[_Walk]:
    """(query, position, search range, side, plan) of each ordered walk; the page is the
    first rows of their union."""
    sides = _sides(q)
    if plan.dense is None:
        searches: list[_Search | None] = list(_search_ranges(q)) or [None]
        return [(q, after, search, side, plan) for search, side in product(searches, sides)]
    # Names below the dense range from the window's matches, then the range walked whole.
    # A walk gets one lower bound, the later one: given both, SQLite may seek by the
    # position and filter every name between it and the range.
    low, high = plan.dense
    walked = replace(q, contains=None)
    start = after if after is not None and after[0] >= low else None
    found: list[_Walk] = []
    for side in sides:
        if plan.window is not None:
            found.append((q, after, ("u.name_key", "", low), side, plan))
        found.append((walked, start, ("u.name_key", "" if start else low, high), side, _NO_CHOICE))
    return found


def _page_sql(
    conn: Conn,
    q: UserQuery,
    after: SortKey | None,
    limit: int,
    offset: int,
    plan: Plan,
    columns: str | None,
) -> tuple[str, list[Any]]:
    branches = _branches(q, after, plan)
    tail = " LIMIT ?" + (" OFFSET ?" if offset else "")
    tail_args = [limit, offset] if offset else [limit]
    # A caller's own columns (sort keys only: `skim_keys`) are already narrow.
    deferred = columns is None
    columns = columns or f"{USER_COLUMNS}, u.name_key"
    if len(branches) == 1:
        walk, at, search, side, walk_plan = branches[0]
        sql, args = _branch(conn, walk, at, search, side, columns, walk_plan)
        return sql + tail, [*args, *tail_args]
    # The branches return only sort keys and pks, and the page's users are read once, after
    # the union (a deferred join): whole rows from every branch were read, compared and
    # sorted only for most of them to be dropped (three metadata values: 303 rows read for
    # 101 kept, 0.78 ms against 0.37 ms at a million users).
    parts: list[str] = []
    args = []
    for walk, at, search, side, walk_plan in branches:
        select = None if deferred else columns
        branch_sql, branch_args = _branch(conn, walk, at, search, side, select, walk_plan)
        parts.append(f"SELECT * FROM ({branch_sql} LIMIT ?) b{len(parts)}")
        args.extend([*branch_args, limit + offset])
    order_by = ", ".join(_ORDER[q.order])
    # Branches of a dense range over one walk share no row, so need no duplicates removed.
    union = " UNION ALL " if plan.dense is not None and len(_sides(q)) == 1 else " UNION "
    # The order and limit belong to the compound itself, not to a query around it: SQLite
    # then merges the branches (a quarter faster than collecting and sorting them).
    sql = f"{union.join(parts)} ORDER BY {order_by}{tail}"
    if deferred:
        # At most a page of pks, joined by primary key: the LIMIT above is what keeps
        # PostgreSQL from a hash join over every user (the trap in ARCHITECTURE.md); the
        # plans are checked in tests/test_plans.py and docs/benchmarks.md.
        outer = ", ".join(f"p.{c}" for c in _ORDER[q.order])
        sql = f"SELECT {columns} FROM ({sql}) p JOIN users u ON u.pk = p.pk ORDER BY {outer}"
    return sql, [*args, *tail_args]


async def skim_keys(
    conn: Conn, q: UserQuery, after: SortKey | None, every: int, rows: int
) -> list[SortKey]:
    """The sort key of every `every`-th row of the next `rows` rows after `after`.

    Only sort-key columns are read, so the walk stays inside the list's index.
    """
    columns = ", ".join(f"u.{c}" for c in _ORDER[q.order])

    def build(plan: Plan) -> tuple[str, list[Any]]:
        inner, args = page_sql(conn, q, after, rows, 0, plan, columns)
        sql = (
            f"SELECT * FROM (SELECT k.*, row_number() OVER () AS n FROM ({inner}) k) s"
            " WHERE n % ? = 0 ORDER BY n"
        )
        return sql, [*args, every]

    found = await _fetch_placed(conn, q, after, rows, rows // every, build)
    width = len(_ORDER[q.order])
    return [tuple(row[:width]) for row in found]


def sort_key(order: Order, name_key: str, user: User) -> SortKey:
    return (name_key, user.uid) if order is Order.NAME else (user.uid,)


@dataclass(slots=True)
class Listed:
    """A page of users; `key(i)` is the sort key of the i-th, built only when asked for (a page
    needs one key, at most, to remember where the next starts)."""

    users: list[User]
    order: Order

    def key(self, index: int) -> SortKey:
        user = self.users[index]
        assert user.name_key is not None  # page queries select it
        return sort_key(self.order, user.name_key, user)


async def list_users(
    conn: Conn, q: UserQuery, after: SortKey | None, offset: int, limit: int
) -> Listed:
    """Up to `limit` users after the key `after` (then skipping `offset`), in the query's order."""

    def build(plan: Plan) -> tuple[str, list[Any]]:
        return page_sql(conn, q, after, limit, offset, plan)

    rows = await _fetch_placed(conn, q, after, limit + offset, limit, build)
    return Listed(to_users(rows), q.order)


def _only_activity(q: UserQuery) -> bool:
    """True when a query filters on nothing but activity, so maintained counts answer it."""
    neutral = replace(
        q, activity=Activity.ACTIVE, order=Order.NAME, search_name=True, search_uid=True
    )
    return neutral == UserQuery(q.app_id)


async def count_users(conn: Conn, q: UserQuery) -> int:
    if _only_activity(q):
        sql = _Sql()
        sql.add("app_id = ?", q.app_id)
        _activity("user_counts", q, sql)
        row = await conn.fetchone(
            f"SELECT COALESCE(SUM(n), 0) FROM user_counts WHERE {sql.text()}", sql.args
        )
        return int(row[0]) if row else 0
    sql = _Sql()
    _activity("u", q, sql)
    _common(conn, q, sql, grams=_gram_text(q) is not None)
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
        _any_of(_tag_sides(q), sql)
    elif q.metadata is not None:
        _any_of(_meta_sides(q), sql)
    row = await conn.fetchone(f"SELECT COUNT(*) FROM users u WHERE {sql.text()}", sql.args)
    return int(row[0]) if row else 0
