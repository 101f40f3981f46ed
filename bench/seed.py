"""A deterministic user data set loaded through the store's bulk path (not HTTP).

Shared by the benchmark harness, the plan benchmark and the plan tests, so all look at the same
shapes of data: unicode names with shared prefixes and accents, three roles, tags on half the
users, metadata with a few keys on most, ~5% deactivated, ~5% online, ~1% bots, and some blocks
and friendships. The same `n` and `seed` give the same store.
"""

from __future__ import annotations

import random

from bench import collector
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
SEED_TIME = 1  # every seeded row's created_at (and deactivated_at): later writes are newer


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


_NAMES: list[tuple[str, str]] = []  # (name, folded) for every FIRST x initial x LAST


def _names() -> list[tuple[str, str]]:
    if not _NAMES:
        for first in FIRST:
            for initial in range(26):
                for last in LAST:
                    name = f"{first} {chr(ord('A') + initial)}. {last}"
                    _NAMES.append((name, fold(name)))
    return _NAMES


def _metadata() -> dict[tuple[int, int], tuple[str, list[tuple[str, str]]]]:
    """(JSON text, indexed items) by (color, i % 12): i % 12 decides plan and city."""
    found = {}
    for color in range(len(COLORS)):
        for m in range(12):
            entries = [("font_color", COLORS[color]), ("plan", PLANS[m % 3])]
            if m % 4 == 0:
                entries.append(("city", CITIES[m % 6]))
            text = "{" + ",".join(f'"{k}":"{v}"' for k, v in entries) + "}"
            found[color, m] = (text, entries)
    return found


def _rows(rnd: random.Random, start: int, size: int, first_pk: int, now: int) -> bulk.Rows:
    """Users start..start+size as table rows, built straight into tuples: at a million users
    the Python here costs as much as SQLite's inserts. `name_of` and `fold` are inlined as
    table lookups; the random draws are the same, in the same order, as ever."""
    names = _names()
    rare = (RARE, fold(RARE))
    metadata = _metadata()
    n_first, n_last = len(FIRST), len(LAST)
    draw = rnd.random
    rolls = iter([draw() for _ in range(size * 5)])
    rows = bulk.Rows()
    add_user, add_tag, add_meta = rows.users.append, rows.tags.append, rows.meta.append
    pk = first_pk + start
    five = zip(range(start, start + size), rolls, rolls, rolls, rolls, rolls, strict=True)
    for i, r_tag, r_meta, r_active, r_online, r_bot in five:
        if i % RARE_EVERY == 7:
            name, name_key = rare
        else:
            h = (i * 2654435761) & 0xFFFFFFFF
            name, name_key = names[
                ((h % n_first) * 26 + (h >> 8) % 26) * n_last + (h >> 16) % n_last
            ]
        uid = f"user-{i}"
        active = 1 if r_active >= 0.05 or i == 0 else 0
        meta = None
        if r_meta < 0.6:
            meta, entries = metadata[int(r_meta * 100) % 10, i % 12]
            for key, value in entries:
                add_meta((pk, APP_ID, key, value, active, uid))
        if r_tag < 0.5:
            add_tag((pk, APP_ID, TAGS[int(r_tag * 100)], 0, active, name_key, uid))
        avatar = f"https://img.example.com/{i}.png" if i % 3 else None
        online = 1 if r_online < 0.05 else 0
        add_user(
            (
                pk, APP_ID, uid, uid, name, name_key, avatar, meta, ROLES[i % 10],
                1 if r_bot < 0.01 else 0, online, active, None if active else now, now,
            )
        )  # fmt: skip
        pk += 1
    return rows


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
                # Into a store that already holds users, index pages of a million users
                # outgrow the default cache: give the load 1 GB.
                await conn.execute("PRAGMA cache_size=-1000000")
        batches = (
            _rows(rnd, start, min(n, start + BATCH) - start, first_pk, SEED_TIME)
            for start in range(0, n, BATCH)
        )
        with collector.paused():  # millions of fresh tuples, no cycles
            await bulk.load(db, batches)
        blocks, friends = _relations(rnd, n, first_pk)
        async with db.transaction() as conn:
            await bulk.insert_relations(conn, APP_ID, "blocks", blocks, SEED_TIME)
            await bulk.insert_relations(conn, APP_ID, "friends", friends, SEED_TIME)
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
