"""A deterministic user data set loaded through the store's bulk path (not HTTP).

Shared by the plan benchmark and the plan tests, so both look at the same shapes of data:
unicode names with shared prefixes, a few roles, tags on half the users, ~5% deactivated and
~5% online.
"""

from __future__ import annotations

import random

from roster.app import open_database
from roster.core.folding import fold, prefix_upper_bound
from roster.model.query import Activity, UserQuery
from roster.model.users import NewUser
from roster.settings import Settings
from roster.store import bulk

APP_ID = "a"
FIRST = ["Alice", "Bob", "Émile", "José", "Zoë", "Chris", "Dana", "Eve", "Frank", "Grace"]
LAST = ["Smith", "Núñez", "O'Brien", "Müller", "Ng", "Okafor", "Larsen", "Rossi"]
BATCH = 20_000


def search(text: str) -> tuple[str, str | None]:
    return fold(text), prefix_upper_bound(fold(text))


# Every list filter of the CometChat dialect, as the store sees it.
LIST_QUERIES = {
    "first page": UserQuery(APP_ID),
    "withDeactivated": UserQuery(APP_ID, activity=Activity.ALL),
    "onlyDeactivated": UserQuery(APP_ID, activity=Activity.DEACTIVATED),
    "searchKey (name or uid)": UserQuery(APP_ID, search=search("jos")),
    "searchKey searchIn=name": UserQuery(APP_ID, search=search("zo"), search_uid=False),
    "searchKey searchIn=uid": UserQuery(APP_ID, search=search("user-12"), search_name=False),
    "role": UserQuery(APP_ID, roles=("admin",)),
    "roles (2)": UserQuery(APP_ID, roles=("admin", "mod")),
    "tags (1)": UserQuery(APP_ID, tags=("t1",)),
    "tags (2)": UserQuery(APP_ID, tags=("t1", "t2")),
    "status=available": UserQuery(APP_ID, online=True),
    "status=offline": UserQuery(APP_ID, online=False),
    "tags+searchKey": UserQuery(APP_ID, tags=("t1", "t2"), search=search("a")),
}


async def load_users(settings: Settings, n: int, seed: int = 1) -> None:
    """A fresh app `a` with roles default/admin/mod and `n` users, then ANALYZE."""
    db = await open_database(settings)
    try:
        await db.migrate()
        rnd = random.Random(seed)
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO apps (app_id, name, created_at) VALUES (?, ?, 0)", (APP_ID, APP_ID)
            )
            for role in ("default", "admin", "mod"):
                await conn.execute(
                    "INSERT INTO roles (app_id, role, name, created_at) VALUES (?, ?, ?, 0)",
                    (APP_ID, role, role),
                )
        for start in range(0, n, BATCH):
            size = min(n, start + BATCH) - start
            batch = []
            for i in range(start, start + size):
                name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)} {i}"
                user = NewUser(
                    uid=f"user-{i}",
                    name=name,
                    role=rnd.choice(["default"] * 8 + ["admin", "mod"]),
                    tags=[f"t{rnd.randrange(50)}"] if rnd.random() < 0.5 else [],
                )
                batch.append((user, (fold(user.uid), fold(name))))
            async with db.transaction() as conn:
                await bulk.insert_users(
                    conn,
                    APP_ID,
                    batch,
                    1,
                    deactivated=[rnd.random() < 0.05 for _ in range(size)],
                    online=[rnd.random() < 0.05 for _ in range(size)],
                )
        async with db.transaction() as conn:
            await conn.execute("ANALYZE")
    finally:
        await db.close()
