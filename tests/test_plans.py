"""Every list filter is served by an index on both engines, never a scan of all users.

The data set is loaded through the store's bulk path and ANALYZEd, so the planners see
realistic statistics; the SQL checked is exactly what the list endpoint runs.
"""

from __future__ import annotations

import asyncio
import random

import pytest

from roster.app import open_database
from roster.core.folding import fold, prefix_upper_bound
from roster.model.query import Activity, UserQuery
from roster.model.users import NewUser
from roster.settings import Settings
from roster.store import bulk, user_listing

N = 20_000
NAMES = ["Alice", "Bob", "Émile", "José", "Zoë", "Chris", "Dana", "Eve", "Frank", "Grace"]


def _search(text: str) -> tuple[str, str | None]:
    return fold(text), prefix_upper_bound(fold(text))


QUERIES = {
    "default": UserQuery("a"),
    "withDeactivated": UserQuery("a", activity=Activity.ALL),
    "onlyDeactivated": UserQuery("a", activity=Activity.DEACTIVATED),
    "searchKey": UserQuery("a", search=_search("jos")),
    "searchKey in name": UserQuery("a", search=_search("zo"), search_uid=False),
    "searchKey in uid": UserQuery("a", search=_search("user-12"), search_name=False),
    "role": UserQuery("a", roles=("admin",)),
    "roles": UserQuery("a", roles=("admin", "mod")),
    "tags": UserQuery("a", tags=("t1",)),
    "tags any": UserQuery("a", tags=("t1", "t2")),
    "status available": UserQuery("a", online=True),
    "status offline": UserQuery("a", online=False),
}


async def _load_and_explain(settings: Settings) -> dict[str, str]:
    db = await open_database(settings)
    try:
        await db.migrate()
        rnd = random.Random(7)
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO apps (app_id, name, created_at) VALUES ('a', 'a', 0)")
            for role in ("default", "admin", "mod"):
                await conn.execute(
                    "INSERT INTO roles (app_id, role, name, created_at) VALUES ('a', ?, ?, 0)",
                    (role, role),
                )
            batch = []
            for i in range(N):
                name = f"{rnd.choice(NAMES)} {rnd.choice(NAMES)} {i}"
                user = NewUser(
                    uid=f"user-{i}",
                    name=name,
                    role=rnd.choice(["default"] * 8 + ["admin", "mod"]),
                    tags=[f"t{rnd.randrange(40)}"] if rnd.random() < 0.5 else [],
                )
                batch.append((user, (fold(user.uid), fold(name))))
            await bulk.insert_users(
                conn,
                "a",
                batch,
                1,
                deactivated=[rnd.random() < 0.05 for _ in range(N)],
                online=[rnd.random() < 0.05 for _ in range(N)],
            )
        async with db.transaction() as conn:
            await conn.execute("ANALYZE")
        plans = {}
        async with db.reader() as conn:
            for label, query in QUERIES.items():
                for after in (None, ("m", "user-5")):
                    sql, args = await user_listing.page_query(conn, query, after, 101)
                    if conn.engine == "sqlite":
                        rows = await conn.fetch("EXPLAIN QUERY PLAN " + sql, args)
                        text = "\n".join(str(r[3]) for r in rows)
                    else:
                        rows = await conn.fetch("EXPLAIN " + sql, args)
                        text = "\n".join(str(r[0]) for r in rows)
                    plans[f"{label} after={after is not None}"] = text
        return plans
    finally:
        await db.close()


@pytest.fixture
def plans(settings: Settings) -> dict[str, str]:
    return asyncio.run(_load_and_explain(settings))


def test_no_list_query_scans_all_users(plans: dict[str, str], settings: Settings) -> None:
    assert len(plans) == 2 * len(QUERIES)
    for label, plan in plans.items():
        if settings.engine == "sqlite":
            lines = plan.splitlines()
            assert not any(line.startswith("SCAN u") for line in lines), f"{label}:\n{plan}"
            assert any("USING" in line and "INDEX" in line for line in lines), f"{label}:\n{plan}"
        else:
            assert "Seq Scan on users" not in plan, f"{label}:\n{plan}"
            assert "Seq Scan on user_tags" not in plan, f"{label}:\n{plan}"


def test_single_index_filters_need_no_sort(plans: dict[str, str], settings: Settings) -> None:
    """The plain list, activity, one role, one tag and status walk an index in list order."""
    ordered = ["default", "withDeactivated", "onlyDeactivated", "role", "tags", "status available"]
    for label in ordered:
        for after in (False, True):
            plan = plans[f"{label} after={after}"]
            if settings.engine == "sqlite":
                assert "TEMP B-TREE" not in plan, f"{label}:\n{plan}"
            else:
                assert "Sort" not in plan, f"{label}:\n{plan}"
