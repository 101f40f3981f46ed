"""A deterministic user data set loaded through the store's bulk path (not HTTP).

Shared by the plan benchmark and the plan tests, so both look at the same shapes of data:
unicode names with shared prefixes, a few roles, tags on half the users, a metadata colour on
half, ~5% deactivated, ~5% online, ~1% bots.
"""

from __future__ import annotations

import random

from roster.app import open_database
from roster.model.folding import fold, prefix_range
from roster.model.query import Activity, Order, UserQuery
from roster.model.users import NewUser
from roster.settings import Settings
from roster.store import bulk

APP_ID = "a"
FIRST = ["Alice", "Bob", "Émile", "José", "Zoë", "Chris", "Dana", "Eve", "Frank", "Grace"]
LAST = ["Smith", "Núñez", "O'Brien", "Müller", "Ng", "Okafor", "Larsen", "Rossi"]
BATCH = 20_000


def search(text: str) -> tuple[str, str | None]:
    return prefix_range(text)


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

# Every list filter of the Sendbird dialect (user_id order), as the store sees it.
SENDBIRD_QUERIES = {
    "sb first page": UserQuery(APP_ID, order=Order.UID),
    "sb active_mode=all": UserQuery(APP_ID, order=Order.UID, activity=Activity.ALL),
    "sb active_mode=deactivated": UserQuery(APP_ID, order=Order.UID, activity=Activity.DEACTIVATED),
    "sb show_bot=false": UserQuery(APP_ID, order=Order.UID, include_bots=False),
    "sb nickname": UserQuery(APP_ID, order=Order.UID, name_exact=fold("Zoë Ng 12345")),
    "sb nickname_startswith (rare)": UserQuery(
        APP_ID, order=Order.UID, search=search("zoë ng 1234"), search_uid=False
    ),
    "sb nickname_startswith (common)": UserQuery(
        APP_ID, order=Order.UID, search=search("a"), search_uid=False
    ),
    "sb user_ids (250)": UserQuery(
        APP_ID, order=Order.UID, uids=tuple(f"user-{i * 397}" for i in range(250))
    ),
    "sb metadata (1 value)": UserQuery(
        APP_ID, order=Order.UID, metadata=("font_color", ("black",))
    ),
    "sb metadata (3 values)": UserQuery(
        APP_ID, order=Order.UID, metadata=("font_color", ("black", "red", "teal"))
    ),
}
COLORS = ["black", "red", "teal", "white", "olive", "navy", "plum", "gold", "rust", "jade"]


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
            meta: list[list[tuple[str, str]]] = []
            for i in range(start, start + size):
                name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)} {i}"
                color = rnd.choice(COLORS) if rnd.random() < 0.5 else None
                user = NewUser(
                    uid=f"user-{i}",
                    name=name,
                    role=rnd.choice(["default"] * 8 + ["admin", "mod"]),
                    tags=[f"t{rnd.randrange(50)}"] if rnd.random() < 0.5 else [],
                    metadata=f'{{"font_color":"{color}"}}' if color else None,
                )
                batch.append((user, (fold(user.uid), fold(name))))
                meta.append([("font_color", color)] if color else [])
            async with db.transaction() as conn:
                await bulk.insert_users(
                    conn,
                    APP_ID,
                    batch,
                    1,
                    deactivated=[rnd.random() < 0.05 for _ in range(size)],
                    online=[rnd.random() < 0.05 for _ in range(size)],
                    bots=[rnd.random() < 0.01 for _ in range(size)],
                    meta=meta,
                )
        async with db.transaction() as conn:
            await conn.execute("ANALYZE")
    finally:
        await db.close()
