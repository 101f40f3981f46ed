"""A deterministic user data set loaded through the store's bulk path (not HTTP).

Shared by the benchmark harness, the plan benchmark and the plan tests, so all look at the same
shapes of data: unicode names with shared prefixes and accents, three roles, tags on half the
users, metadata with a few keys on most, ~5% deactivated, ~5% online, ~1% bots, and some blocks
and friendships. The same `n` and `seed` give the same store.
"""

from __future__ import annotations

import random

from roster.app import open_database
from roster.model.folding import fold, prefix_range
from roster.model.query import Activity, Order, UserQuery
from roster.settings import Settings
from roster.store import bulk

APP_ID = "a"
FIRST = [
    "Alice", "Alexander", "Ana", "Anaïs", "Andrés", "Ángel", "Anna", "Bjørn", "Bob", "Chloé",
    "Chris", "Dana", "Élodie", "Émile", "Eve", "François", "Frank", "Grace", "Hélène", "Ingrid",
    "Jörg", "José", "Joseph", "Josephine", "Jürgen", "Karim", "Łukasz", "Léa", "Mía", "Noël",
    "Olivia", "Renée", "Sørina", "Søren", "Zoë", "Zoltán",
]  # fmt: skip
LAST = [
    "Smith", "Núñez", "O'Brien", "Müller", "Ng", "Okafor", "Larsen", "Rossi", "García", "Dvořák",
    "Çelik", "Nguyễn", "Kowalski", "Johansson", "Dubois", "Ødegård", "Tanaka", "Schröder",
]  # fmt: skip
RARE = "Xylia Quenby"  # one user in RARE_EVERY has this name: the rare searches find few
RARE_EVERY = 20_000
TAGS = [f"t{i}" for i in range(50)]
COLORS = ["black", "red", "teal", "white", "olive", "navy", "plum", "gold", "rust", "jade"]
PLANS = ["free", "pro", "team"]
CITIES = ["Oslo", "Lagos", "Lima", "Kyiv", "Pune", "Quito"]
ROLES = ["default"] * 8 + ["admin", "mod"]
BATCH = 50_000
VIEWER = "user-0"  # blocks 50 users and has 20 friends: the onBehalfOf workload's viewer


def name_of(i: int) -> str:
    """User i's name, from i alone, so queries can name a user without reading the store."""
    if i % RARE_EVERY == 7:
        return RARE
    h = (i * 2654435761) & 0xFFFFFFFF
    first = FIRST[h % len(FIRST)]
    initial = chr(ord("A") + (h >> 8) % 26)
    return f"{first} {initial}. {LAST[(h >> 16) % len(LAST)]}"


def search(text: str) -> tuple[str, str | None]:
    return prefix_range(text)


# Every list filter of the CometChat dialect, as the store sees it.
LIST_QUERIES = {
    "first page": UserQuery(APP_ID),
    "withDeactivated": UserQuery(APP_ID, activity=Activity.ALL),
    "onlyDeactivated": UserQuery(APP_ID, activity=Activity.DEACTIVATED),
    "searchKey (name or uid)": UserQuery(APP_ID, search=search("jos")),
    "searchKey rare": UserQuery(APP_ID, search=search("xyl")),
    "searchKey searchIn=name": UserQuery(APP_ID, search=search("zo"), search_uid=False),
    "searchKey searchIn=uid": UserQuery(APP_ID, search=search("user-12"), search_name=False),
    "role": UserQuery(APP_ID, roles=("admin",)),
    "roles (2)": UserQuery(APP_ID, roles=("admin", "mod")),
    "tags (1)": UserQuery(APP_ID, tags=("t1",)),
    "tags (2)": UserQuery(APP_ID, tags=("t1", "t2")),
    "status=available": UserQuery(APP_ID, online=True),
    "status=offline": UserQuery(APP_ID, online=False),
    "tags+searchKey": UserQuery(APP_ID, tags=("t1", "t2"), search=search("a")),
    "contains (common)": UserQuery(APP_ID, contains=fold("ann")),
    "contains (rare)": UserQuery(APP_ID, contains=fold("ylia q")),
    "contains (2 chars)": UserQuery(APP_ID, contains=fold("ng"), search_uid=False),
}

# Every list filter of the Sendbird dialect (user_id order), as the store sees it.
SENDBIRD_QUERIES = {
    "sb first page": UserQuery(APP_ID, order=Order.UID),
    "sb active_mode=all": UserQuery(APP_ID, order=Order.UID, activity=Activity.ALL),
    "sb active_mode=deactivated": UserQuery(APP_ID, order=Order.UID, activity=Activity.DEACTIVATED),
    "sb show_bot=false": UserQuery(APP_ID, order=Order.UID, include_bots=False),
    "sb nickname": UserQuery(APP_ID, order=Order.UID, name_exact=fold(name_of(12345))),
    "sb nickname_startswith (rare)": UserQuery(
        APP_ID, order=Order.UID, search=search("xylia"), search_uid=False
    ),
    "sb nickname_startswith (common)": UserQuery(
        APP_ID, order=Order.UID, search=search("a"), search_uid=False
    ),
    "sb nickname_contains": UserQuery(
        APP_ID, order=Order.UID, contains=fold("lex"), search_uid=False
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


def _users(rnd: random.Random, start: int, size: int) -> list[bulk.BulkUser]:
    keys: dict[str, str] = {}
    users = []
    roll = [rnd.random() for _ in range(size * 5)]
    for j, i in enumerate(range(start, start + size)):
        name = name_of(i)
        name_key = keys.get(name)
        if name_key is None:
            name_key = keys[name] = fold(name)
        r_tag, r_meta, r_active, r_online, r_bot = roll[j * 5 : j * 5 + 5]
        tags = [TAGS[int(r_tag * 100)]] if r_tag < 0.5 else []
        color = COLORS[int(r_meta * 100) % 10]
        entries = [("font_color", color), ("plan", PLANS[i % 3])] if r_meta < 0.6 else []
        if entries and i % 4 == 0:
            entries.append(("city", CITIES[i % 6]))
        metadata = "{" + ",".join(f'"{k}":"{v}"' for k, v in entries) + "}" if entries else None
        uid = f"user-{i}"
        users.append(
            bulk.BulkUser(
                uid=uid,
                uid_key=uid,
                name=name,
                name_key=name_key,
                role=ROLES[i % 10],
                avatar=f"https://img.example.com/{i}.png" if i % 3 else None,
                metadata=metadata,
                meta_entries=entries,
                tags=tags,
                is_bot=r_bot < 0.01,
                online=r_online < 0.05,
                active=r_active >= 0.05 or i == 0,
            )
        )
    return users


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
        async with db.transaction() as conn:
            first_pk = await bulk.next_pk(conn)
        if settings.engine == "sqlite":
            async with db.reader() as conn:
                # Index pages of a million users outgrow the default cache: give the load 1 GB.
                await conn.execute("PRAGMA cache_size=-1000000")
        for start in range(0, n, BATCH):
            size = min(n, start + BATCH) - start
            async with db.transaction() as conn:
                await bulk.insert_users(conn, APP_ID, _users(rnd, start, size), 1, first_pk + start)
        blocks, friends = _relations(rnd, n, first_pk)
        async with db.transaction() as conn:
            await bulk.insert_relations(conn, APP_ID, "blocks", blocks, 1)
            await bulk.insert_relations(conn, APP_ID, "friends", friends, 1)
        async with db.transaction() as conn:
            await conn.execute("ANALYZE")
    finally:
        await db.close()


def _relations(
    rnd: random.Random, n: int, first_pk: int
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """1% of users block 1-3 others, 2% befriend 1-5 (both directions); the viewer more."""
    blocks: set[tuple[int, int]] = set()
    friends: set[tuple[int, int]] = set()
    if n < 2:
        return [], []
    for i in range(n):
        if rnd.random() < 0.01 or i == 0:
            for _ in range(50 if i == 0 else rnd.randint(1, 3)):
                other = rnd.randrange(n)
                if other != i:
                    blocks.add((first_pk + i, first_pk + other))
        if rnd.random() < 0.02 or i == 0:
            for _ in range(20 if i == 0 else rnd.randint(1, 5)):
                other = rnd.randrange(n)
                if other != i:
                    friends.add((first_pk + i, first_pk + other))
                    friends.add((first_pk + other, first_pk + i))
    return sorted(blocks), sorted(friends)
