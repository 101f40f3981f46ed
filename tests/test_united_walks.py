"""Lists whose filter means "any of" (several tags, several metadata values) on both engines.

Such a page unites one walk per alternative, each returning sort keys and pks, and reads the
page's users once after the union. When the users row adds no condition, a walk reads the
side index (tags, metadata) alone. These tests walk every page of such lists, with and without
conditions on the users row, over two apps whose users share tags and values, and compare them
with lists computed here.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, replace

import pytest

from roster.app import open_database
from roster.core.clock import SystemClock
from roster.core.tenancy import Tenancy
from roster.model.folding import fold
from roster.model.query import Activity, Order, UserQuery
from roster.settings import Settings
from roster.store import bulk, user_listing

TAGS = ["red", "green", "blue", "x"]
COLORS = ["black", "teal", "plum", "gold"]
ROLES = ["default", "admin"]


@dataclass(frozen=True)
class Person:
    app: str
    uid: str
    name: str
    role: str
    tags: tuple[str, ...]
    color: str | None
    active: bool
    online: bool


def people(apps: list[str], seed: int = 11) -> list[Person]:
    rng = random.Random(seed)
    found = []
    for i in range(600):
        found.append(
            Person(
                app=apps[i % 2],
                uid=f"u{rng.randrange(10_000):04d}-{i}",
                name=rng.choice(["Ana", "ana", "Émile", "Zoë", "bob", "Li"]) + f" {i % 17}",
                role=rng.choice(ROLES),
                tags=tuple(rng.sample(TAGS, rng.randint(0, 2))),
                color=rng.choice([None, *COLORS]),
                active=rng.random() > 0.2,
                online=rng.random() > 0.5,
            )
        )
    return found


async def load(settings: Settings) -> tuple[list[str], list[Person]]:
    db = await open_database(settings)
    try:
        await db.migrate()
        tenancy = Tenancy(db, SystemClock())
        apps = [(await tenancy.create_app(name)).app_id for name in ("first", "second")]
        crowd = people(apps)
        batches = []
        async with db.reader() as conn:
            first_pk = await bulk.next_pk(conn)
        for app in apps:
            mine = [p for p in crowd if p.app == app]
            users = [
                bulk.BulkUser(
                    uid=p.uid,
                    uid_key=fold(p.uid),
                    name=p.name,
                    name_key=fold(p.name),
                    role=p.role,
                    metadata=None if p.color is None else f'{{"color": "{p.color}"}}',
                    meta_entries=[] if p.color is None else [("color", p.color)],
                    tags=list(p.tags),
                    online=p.online,
                    active=p.active,
                )
                for p in mine
            ]
            batches.append(bulk.rows_of(app, users, 1_700_000_000_000, first_pk))
            first_pk += len(users)
        await bulk.load(db, batches)
        return apps, crowd
    finally:
        await db.close()


def reference(crowd: list[Person], q: UserQuery) -> list[str]:
    wanted = {
        Activity.ACTIVE: (True,),
        Activity.DEACTIVATED: (False,),
        Activity.ALL: (True, False),
    }[q.activity]
    kept = [
        p
        for p in crowd
        if p.app == q.app_id
        and p.active in wanted
        and (not q.tags or set(p.tags) & set(q.tags))
        and (q.metadata is None or p.color in q.metadata[1])
        and (not q.roles or p.role in q.roles)
        and (q.online is None or p.online == q.online)
    ]
    if q.order is Order.NAME:
        kept.sort(key=lambda p: (fold(p.name), p.uid))
    else:
        kept.sort(key=lambda p: p.uid)
    return [p.uid for p in kept]


async def walk(settings: Settings, q: UserQuery, per_page: int) -> list[str]:
    db = await open_database(settings)
    try:
        async with db.reader() as conn:
            walked: list[str] = []
            after = None
            for _ in range(1000):
                page = await user_listing.list_users(conn, q, after, 0, per_page)
                walked += [u.uid for u in page.users]
                if len(page.users) < per_page:
                    return walked
                after = page.key(len(page.users) - 1)
        raise AssertionError("more than 1,000 pages")
    finally:
        await db.close()


def queries(app: str) -> list[UserQuery]:
    by_tags = UserQuery(app, tags=("red", "blue"))
    by_colors = UserQuery(app, order=Order.UID, metadata=("color", ("black", "plum", "gold")))
    found = []
    for base in (by_tags, by_colors, replace(by_tags, tags=("red", "green", "blue", "x"))):
        for activity in Activity:
            found.append(replace(base, activity=activity))
        # Conditions on the users row: the walks join users.
        found.append(replace(base, roles=("admin",)))
        found.append(replace(base, online=True, activity=Activity.ALL))
    return found


@pytest.mark.parametrize("per_page", [1, 7, 100])
def test_united_walks_match_the_reference(settings: Settings, per_page: int) -> None:
    apps, crowd = asyncio.run(load(settings))
    checked = 0
    for app in apps:
        for q in queries(app):
            want = reference(crowd, q)
            assert asyncio.run(walk(settings, q, per_page)) == want, q
            checked += len(want)
    assert checked > 1000  # the lists are not empty
