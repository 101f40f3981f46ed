"""Substring pages in name order read a window of the trigram index (SQLite, migration 7).

The trigram ids carry a bucket of the folded name above the pk, so that matches come out of the
index roughly in name order and a page reads only the matches near it. These tests pin what
that rests on: ids never run against name order, the index follows every write under its new
ids, a window too short for a filtered page is widened until the page is whole, and a store
migrated from schema 6 answers the same. Results are checked against lists computed here.
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

from roster.app import RosterApp
from roster.settings import Settings
from tests.conftest import API_KEY, bootstrap, make_user
from tests.folding_reference import fold as ref_fold
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
