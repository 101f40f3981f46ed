"""Every list filter is served by an index on both engines, never a scan of all users.

The data set is loaded through the store's bulk path and ANALYZEd, so the planners see
realistic statistics; the SQL checked is exactly what the list endpoint runs.
"""

from __future__ import annotations

import asyncio

import pytest

from bench.seed import LIST_QUERIES, SENDBIRD_QUERIES, load_users
from roster.app import open_database
from roster.model.query import Order
from roster.settings import Settings
from roster.store import user_listing

N = 20_000


async def _load_and_explain(settings: Settings) -> dict[str, str]:
    await load_users(settings, N, seed=7)
    db = await open_database(settings)
    try:
        plans = {}
        async with db.reader() as conn:
            for label, query in {**LIST_QUERIES, **SENDBIRD_QUERIES}.items():
                middle = ("m", "user-5") if query.order is Order.NAME else ("user-5",)
                for after in (None, middle):
                    sql, args = await user_listing.page_query(conn, query, after, 101)
                    if conn.engine == "sqlite":
                        rows = await conn.fetch("EXPLAIN QUERY PLAN " + sql, args)
                        text = "\n".join(str(r[3]) for r in rows)
                    else:
                        # At this size PostgreSQL rightly prices reading the whole table (about
                        # 800 pages) below a pg_trgm bitmap scan, so for trigram reads the test
                        # asks whether the index can serve them, with sequential scans priced
                        # out. The 1,000,000-user plans, chosen freely, are in
                        # docs/benchmarks.md (python -m bench.plans --existing).
                        grams = user_listing._gram_text(query) is not None
                        if grams:
                            await conn.execute("SET enable_seqscan = off")
                        rows = await conn.fetch("EXPLAIN " + sql, args)
                        if grams:
                            await conn.execute("RESET enable_seqscan")
                        text = "\n".join(str(r[0]) for r in rows)
                    plans[f"{label} after={after is not None}"] = text
        return plans
    finally:
        await db.close()


@pytest.fixture
def plans(settings: Settings) -> dict[str, str]:
    return asyncio.run(_load_and_explain(settings))


def test_no_list_query_scans_all_users(plans: dict[str, str], settings: Settings) -> None:
    assert len(plans) == 2 * (len(LIST_QUERIES) + len(SENDBIRD_QUERIES))
    queries = {**LIST_QUERIES, **SENDBIRD_QUERIES}
    for label, plan in plans.items():
        query = queries[label.rsplit(" after=", 1)[0]]
        if user_listing._gram_text(query) is not None and label.endswith("after=False"):
            # Few matches at this size: the first page reads them from the trigram index on
            # both engines (a later page may walk the narrower key range after its mark).
            assert "grams" in plan, f"{label}:\n{plan}"
        if settings.engine == "sqlite":
            lines = plan.splitlines()
            # "SCAN user_grams VIRTUAL TABLE INDEX ..." is the trigram index answering a MATCH.
            scans = [line for line in lines if line.startswith(("SCAN u ", "SCAN users"))]
            assert not scans, f"{label}:\n{plan}"
            assert any(
                ("USING" in line and "INDEX" in line) or "VIRTUAL TABLE INDEX" in line
                for line in lines
            ), f"{label}:\n{plan}"
        else:
            assert "Seq Scan on users" not in plan, f"{label}:\n{plan}"
            assert "Seq Scan on user_tags" not in plan, f"{label}:\n{plan}"


def test_single_index_filters_need_no_sort(plans: dict[str, str], settings: Settings) -> None:
    """The plain list, activity, one role, one tag and status walk an index in list order."""
    ordered = [
        "first page",
        "withDeactivated",
        "onlyDeactivated",
        "role",
        "tags (1)",
        "status=available",
        "sb first page",
        "sb active_mode=deactivated",
        "sb nickname",
        "sb metadata (1 value)",
    ]
    for label in ordered:
        for after in (False, True):
            plan = plans[f"{label} after={after}"]
            if settings.engine == "sqlite":
                assert "TEMP B-TREE" not in plan, f"{label}:\n{plan}"
            else:
                assert "Sort" not in plan, f"{label}:\n{plan}"


# Lists whose filter means "any of" several walks (name or uid, two tags, three values).
_UNITED = ["searchKey (name or uid)", "tags (2)", "sb metadata (3 values)"]


async def _united_plans(settings: Settings) -> dict[str, tuple[list[str], list[str]]]:
    """Each united list's page query: its outermost steps (what runs after the union) and
    all its steps."""
    await load_users(settings, N, seed=7)
    db = await open_database(settings)
    queries = {**LIST_QUERIES, **SENDBIRD_QUERIES}
    try:
        found = {}
        async with db.reader() as conn:
            for label in _UNITED:
                sql, args = await user_listing.page_query(conn, queries[label], None, 101)
                if conn.engine == "sqlite":
                    rows = await conn.fetch("EXPLAIN QUERY PLAN " + sql, args)
                    steps = [str(r[3]) for r in rows]
                    found[label] = ([str(r[3]) for r in rows if r[1] == 0], steps)
                else:
                    rows = await conn.fetch("EXPLAIN " + sql, args)
                    lines = [str(r[0]) for r in rows]
                    top = [line.strip() for line in lines if line.startswith("  ->")]
                    found[label] = (top, [line.strip() for line in lines])
        return found
    finally:
        await db.close()


def test_united_pages_read_whole_rows_of_the_page_only(settings: Settings) -> None:
    """The walks of a united list return keys and pks; the page's users are then read by
    primary key, once (a deferred join), not as whole rows from every walk."""
    plans = asyncio.run(_united_plans(settings))
    for label in _UNITED:
        top, steps = plans[label]
        if settings.engine == "sqlite":
            read = "SEARCH u USING INTEGER PRIMARY KEY (rowid=?)"
            assert read in top, f"{label}: {top}"
            # The walks are merged in order, not gathered and sorted.
            assert "MERGE (UNION)" in steps, f"{label}: {steps}"
        else:
            read = "Index Scan using users_pkey on users"
            assert any(line.startswith(f"->  {read} u ") for line in top), f"{label}: {top}"
        if label != "searchKey (name or uid)":
            # Walks of tags and metadata values, with no condition on the users row, read
            # their side index alone: the users rows read are the page's.
            reads = [step for step in steps if read in step]
            assert len(reads) == 1, f"{label}: {steps}"
