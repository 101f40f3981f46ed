"""Substring pages in name order read a window of the trigram index (SQLite, migration 7).

The trigram ids carry a bucket of the folded name above the pk, so that matches come out of the
index roughly in name order and a page reads only the matches near it. These tests pin what
that rests on: ids never run against name order, the index follows every write under its new
ids, a window too short for a filtered page is widened until the page is whole, a run of names
that all hold the substring is walked instead of read, and a store migrated from schema 6
answers the same. Results are checked against lists computed here.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from roster.app import RosterApp, open_database
from roster.model.query import UserQuery
from roster.settings import Settings
from roster.store import migrations, user_listing
from tests.conftest import API_KEY, APP_ID, bootstrap, make_user
from tests.folding_reference import fold as ref_fold
from tests.fts5_structure import grams_levels
from tests.old_stores import store_at

PK_BITS = 33

# Characters from every code range the ids tell apart, and the ones they lump together.
ALPHABET = "abnz" + "  " + "\x01\x1f!09A_`" + "{~ÿ" + "ǅɏ" + "ɐ中" + "\uffff😀"


def contains_walk(cc: TestClient, key: str, per_page: int, **params: Any) -> list[str]:
    """Every page of a CometChat substring search, in order."""
    walked: list[str] = []
    for page in range(1, 200):
        query: dict[str, Any] = {"searchKey": key, "searchMode": "contains"}
        query |= {"perPage": per_page, "page": page, **params}
        response = cc.get("/users", params=query)
        assert response.status_code == 200, response.text
        rows = [u["uid"] for u in response.json()["data"]]
        if not rows:
            return walked
        walked += rows
    raise AssertionError("more than 200 pages")


def expected(people: list[tuple[str, str]], key: str) -> list[str]:
    folded = ref_fold(key)
    ordered = sorted(people, key=lambda p: (ref_fold(p[1]), p[0]))
    return [u for u, n in ordered if folded in ref_fold(n) or folded in ref_fold(u)]


@pytest.fixture
def lite(tmp_path: Path) -> Settings:
    """A SQLite store: the ids in name order are SQLite's; PostgreSQL reads a GIN index, which
    has no order, and the widening test below runs on both engines."""
    return Settings(db=str(tmp_path / "roster.db"))


@pytest.fixture
def lite_cc(lite: Settings) -> Iterator[TestClient]:
    asyncio.run(bootstrap(lite))
    with TestClient(RosterApp(lite), base_url="http://testserver/v3") as client:
        client.headers["apikey"] = API_KEY
        yield client


def test_ids_follow_name_order(lite: Settings, lite_cc: TestClient) -> None:
    cc = lite_cc
    rng = random.Random(7)
    drawn = ("".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 9))) for _ in range(400))
    names = {name if name.strip() else f"{name}k" for name in drawn}  # blank names are refused
    names |= {"a", "ab", "ab ", "ab a", "abz", "b", "z" * 9, "anna", "anna smith", "anna s"}
    for i, name in enumerate(sorted(names)):
        make_user(cc, f"u{i}", name)
    assert lite.db is not None
    db = sqlite3.connect(lite.db)
    try:
        rows = db.execute(
            "SELECT name_key, pk, grams_id FROM users ORDER BY name_key, uid"
        ).fetchall()
        buckets = [grams_id >> PK_BITS for _name, _pk, grams_id in rows]
        assert buckets == sorted(buckets)
        assert all(grams_id & ((1 << PK_BITS) - 1) == pk for _name, pk, grams_id in rows)
        # Names differing in a letter or a space among their first six characters are told apart.
        by_name = {name: grams_id >> PK_BITS for name, _pk, grams_id in rows}
        assert len({by_name[n] for n in ("anna", "anna s", "ab", "ab ", "ab a", "abz")}) == 6
        # The index holds every user under its id.
        found = db.execute(
            "SELECT rowid FROM user_grams WHERE user_grams MATCH '{name_key uid_key} : \"nna\"'"
        ).fetchall()
        holders = db.execute(
            "SELECT grams_id FROM users WHERE instr(name_key, 'nna') OR instr(uid_key, 'nna')"
        ).fetchall()
        assert sorted(found) == sorted(holders) and len(found) >= 3
    finally:
        db.close()


def test_index_follows_renames_under_new_ids(lite_cc: TestClient) -> None:
    cc = lite_cc
    people = {f"p{i}": f"{'zy'[i % 2]}ann {i}" for i in range(30)}
    for uid, name in people.items():
        make_user(cc, uid, name)
    # Renames move users to other buckets (z.. to a..), in both directions.
    for i in range(0, 30, 3):
        people[f"p{i}"] = f"aann {i}" if i % 2 else f"zzann {i}"
        response = cc.put(f"/users/p{i}", json={"name": people[f"p{i}"]})
        assert response.status_code == 200, response.text
    assert cc.delete("/users/p1", params={"permanent": "true"}).status_code == 200
    del people["p1"]
    want = expected(list(people.items()), "ann")
    assert contains_walk(cc, "ann", 4) == want
    assert contains_walk(cc, "ann", 7, searchIn="name") == want


def test_a_short_window_is_widened_until_the_page_is_whole(
    settings: Settings, cc: TestClient
) -> None:
    """Early matches that the filter drops (deactivated, another app) leave the first window
    short; the page must still hold the next active users, on both engines."""
    people: list[tuple[str, str]] = []
    for i in range(60):
        uid, name = f"early{i:02d}", f"aaa ann {i:02d}"
        make_user(cc, uid, name)
        people.append((uid, name))
    deactivated = {uid for uid, _name in people}
    response = cc.request("DELETE", "/users", json={"uidsToDeactivate": sorted(deactivated)})
    assert response.status_code == 200, response.text
    for i in range(9):
        uid, name = f"late{i}", f"zzz ann {i}"
        make_user(cc, uid, name)
        people.append((uid, name))
    active = [(u, n) for u, n in people if u not in deactivated]
    assert contains_walk(cc, "ann", 2) == expected(active, "ann")
    assert contains_walk(cc, "ann", 1, withDeactivated="true")[:61] == expected(people, "ann")[:61]
    assert contains_walk(cc, "ann", 5, onlyDeactivated="true") == expected(
        [(u, n) for u, n in people if u in deactivated], "ann"
    )


def test_migration_7_gives_existing_users_ids_in_name_order(
    lite: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = [(f"m{i}", f"{'qza'[i % 3]}lex {i}") for i in range(25)]
    store_at(lite, 6, [(u, u, n, ref_fold(n), 1) for u, n in people], monkeypatch)
    asyncio.run(bootstrap(lite))
    with TestClient(RosterApp(lite), base_url="http://testserver/v3") as client:
        client.headers["apikey"] = API_KEY
        assert contains_walk(client, "lex", 3) == expected(people, "lex")
        make_user(client, "m99", "Aalexis")
        assert contains_walk(client, "lex", 4) == expected([*people, ("m99", "Aalexis")], "lex")


def _dense_people() -> list[dict[str, Any]]:
    """Matches of "ann" that crowd a few buckets (the Annas), sparse ones before, between and
    after them (mid-name, uid only), and users that do not match at all."""
    rng = random.Random(11)
    people: list[dict[str, Any]] = []
    for i in range(48):
        people.append({"uid": f"a{i:02d}", "name": f"Anna {'ABC'[i % 3]}. Núñez {i}"})
    for i in range(6):
        people.append({"uid": f"j{i}", "name": f"Joanna {i}"})  # after the Annas, mid-name
        people.append({"uid": f"h{i}", "name": f"Hannah {i}"})  # between, mid-name
        people.append({"uid": f"aa{i}", "name": f"Aaron Ann {i}"})  # before them
        people.append({"uid": f"zann{i}", "name": f"Carl {i}"})  # by uid only
        people.append({"uid": f"n{i}", "name": f"Anton {i}"})  # no match
    people += [{"uid": "a-bel", "name": "Annabel"}, {"uid": "a-ne", "name": "Anne"}]
    tagging = [["red", "blue"], ["red"], ["blue", "green"], []]  # users with both tags too
    for i, person in enumerate(people):
        person["role"] = rng.choice(["default", "default", "admin"])
        person["tags"] = tagging[i % 4]
        person["active"] = rng.random() > 0.15
    return people


def _expected_of(people: list[dict[str, Any]], key: str, test: Any) -> list[str]:
    return expected([(p["uid"], p["name"]) for p in people if test(p)], key)


def test_dense_ranges_walk_the_names_and_pages_stay_exact(lite_cc: TestClient) -> None:
    """Where the page's last match starts a run of names that all hold the substring ("ann"
    in "anna b. ..."), that run is walked in name order instead of read from the index; the
    matches before it still come from the index. Every page must be what a sort gives."""
    cc = lite_cc
    people = _dense_people()
    response = cc.post("/roles", json={"role": "admin", "name": "Admin"})
    assert response.status_code == 200, response.text
    for person in people:
        make_user(cc, person["uid"], person["name"], role=person["role"], tags=person["tags"])
    gone = sorted(p["uid"] for p in people if not p["active"])
    response = cc.request("DELETE", "/users", json={"uidsToDeactivate": gone})
    assert response.status_code == 200, response.text

    def active(p: dict[str, Any]) -> bool:
        return bool(p["active"])

    cases: list[tuple[dict[str, Any], Any]] = [
        ({}, active),
        ({"searchIn": "name"}, active),
        ({"role": "admin"}, lambda p: active(p) and p["role"] == "admin"),
        ({"tags": "red"}, lambda p: active(p) and "red" in p["tags"]),
        ({"tags": "red,blue"}, lambda p: active(p) and {"red", "blue"} & set(p["tags"])),
        ({"withDeactivated": "true"}, lambda p: True),
        ({"onlyDeactivated": "true"}, lambda p: not active(p)),
    ]
    for params, test in cases:
        want = _expected_of(people, "ann", test)
        if params.get("searchIn") == "name":
            want = [u for u in want if not u.startswith("zann")]
        for per_page in (1, 4, 9):
            assert contains_walk(cc, "ann", per_page, **params) == want, (params, per_page)
    # Longer substrings: a dense run inside one bucket ("anna b"), and a run of one name.
    for key in ("anna b", "nna a. núñez 1", "ann 3"):
        want = _expected_of(people, key, active)
        assert want, key
        assert contains_walk(cc, key, 2) == want, key


def test_a_dense_first_page_walks_the_name_index(lite: Settings, lite_cc: TestClient) -> None:
    """The plan itself: the first page of "ann" reads its run of Annas by a range of the
    name index, not from the trigram index."""
    cc = lite_cc
    for i in range(40):
        make_user(cc, f"a{i:02d}", f"Anna {i:02d}")
    make_user(cc, "j", "Joanna")

    async def plan() -> list[str]:
        db = await open_database(lite)
        try:
            async with db.reader() as conn:
                query = UserQuery(APP_ID, contains="ann")
                sql, args = await user_listing.page_query(conn, query, None, 10)
                return [str(r[3]) for r in await conn.fetch("EXPLAIN QUERY PLAN " + sql, args)]
        finally:
            await db.close()

    steps = asyncio.run(plan())
    assert any("users_by_name" in s and "name_key>?" in s and "name_key<?" in s for s in steps)
    assert not any("user_grams" in s for s in steps), steps
    assert contains_walk(cc, "ann", 10) == [f"a{i:02d}" for i in range(40)] + ["j"]


def test_migration_8_lifts_an_index_that_migration_7_rebuilt(
    lite: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 7 rebuilds the index as one segment on a low level, where the merges of
    single writes reach it; migration 8 merges it onto a level far above them, and it still
    holds exactly the users' trigrams."""
    people = [(f"q{i}", f"{'bz'[i % 2]}ella {i} lex") for i in range(2000)]
    store_at(lite, 6, [(u, u, n, ref_fold(n), 1) for u, n in people[:1000]], monkeypatch)
    assert lite.db is not None
    # Up to 7 only: the rebuilt index, low.
    everything = migrations.load
    monkeypatch.setattr(migrations, "load", lambda engine: everything(engine)[:7])

    async def migrate() -> int:
        db = await open_database(lite)
        try:
            return await db.migrate()
        finally:
            await db.close()

    assert asyncio.run(migrate()) == 7
    assert max(i for i, n in enumerate(grams_levels(lite.db)) if n) < 3
    monkeypatch.setattr(migrations, "load", everything)
    asyncio.run(bootstrap(lite))
    levels = grams_levels(lite.db)
    assert sum(levels) == 1 and levels.index(1) >= 5, levels
    db = sqlite3.connect(lite.db)
    try:
        db.execute("INSERT INTO user_grams (user_grams, rank) VALUES ('integrity-check', 1)")
    finally:
        db.close()
    with TestClient(RosterApp(lite), base_url="http://testserver/v3") as client:
        client.headers["apikey"] = API_KEY
        assert contains_walk(client, "ella 99", 50) == expected(people[:1000], "ella 99")


def test_migration_9_drops_column_sizes_and_10_fills_and_lifts_the_index(
    lite: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 9 makes the trigram index again without per-user column sizes (no docsize
    row to write per user); migration 10 fills it in id order and lifts it. It holds exactly
    the users' trigrams, and writes after it keep it exact."""
    people = [(f"r{i}", f"{'cw'[i % 2]}ora {i} lex") for i in range(1500)]
    store_at(lite, 8, [(u, u, n, ref_fold(n), 1) for u, n in people], monkeypatch)
    assert lite.db is not None

    def tables() -> set[str]:
        db = sqlite3.connect(lite.db)
        try:
            return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            db.close()

    assert "user_grams_docsize" in tables()
    asyncio.run(bootstrap(lite))
    assert "user_grams_docsize" not in tables()
    levels = grams_levels(lite.db)
    assert sum(levels) == 1 and levels.index(1) >= 5, levels
    with TestClient(RosterApp(lite), base_url="http://testserver/v3") as client:
        client.headers["apikey"] = API_KEY
        assert contains_walk(client, "ora 12", 50) == expected(people, "ora 12")
        make_user(client, "r-new", "Dora 12 Late")
        gone = client.request("DELETE", "/users/r3", json={"permanent": True})
        assert gone.status_code == 200, gone.text
        after = [p for p in people if p[0] != "r3"] + [("r-new", "Dora 12 Late")]
        assert contains_walk(client, "ora 12", 50) == expected(after, "ora 12")
    db = sqlite3.connect(lite.db)
    try:
        db.execute("INSERT INTO user_grams (user_grams, rank) VALUES ('integrity-check', 1)")
    finally:
        db.close()
