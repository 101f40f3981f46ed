"""GET /users: every query parameter of the vendor's list, the envelope, and a filter matrix.

Vendor facts: reference §1.4 (query encodings), §5 (pagination, cursor), §7.2 (parameters),
§11 (onBehalfOf) and the seed page of the list endpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from starlette.testclient import TestClient

from roster.app import RosterApp
from roster.settings import Settings
from tests.conftest import (
    ENGINES,
    PG_URL,
    ContractClient,
    ManualClock,
    bootstrap,
    fresh_pg_schema,
    make_user,
)
from tests.folding_reference import fold

PAGINATION_KEYS = {"total", "count", "per_page", "current_page", "total_pages"}


# --------------------------------------------------------------------------- helpers


def listing(client: TestClient, query: str = "", **headers: str) -> dict[str, Any]:
    response = client.get(f"/users?{query}" if query else "/users", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) <= {"data", "meta", "cursor"}
    assert set(body["meta"]["pagination"]) == PAGINATION_KEYS
    assert body["meta"]["pagination"]["count"] == len(body["data"])
    return body


def uids(client: TestClient, query: str = "", **headers: str) -> list[str]:
    return [u["uid"] for u in listing(client, query, **headers)["data"]]


def q(**params: str) -> str:
    return urlencode(params)


def assert_bad_request(client: TestClient, query: str, field: str) -> None:
    response = client.get(f"/users?{query}")
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "ERR_BAD_REQUEST"
    assert field in error["details"], error


def make_role(client: TestClient, role: str) -> None:
    response = client.post("/roles", json={"role": role, "name": role.title()})
    assert response.status_code == 200, response.text


def deactivate(client: TestClient, *uid_list: str) -> None:
    response = client.request("DELETE", "/users", json={"uidsToDeactivate": list(uid_list)})
    assert response.status_code == 200, response.text
    assert sorted(response.json()["data"]["deactivatedUids"]) == sorted(uid_list)


# --------------------------------------------------------------------------- searchKey


def test_search_key_is_case_insensitive_prefix_on_uid_and_name(cc: TestClient) -> None:
    make_user(cc, "alex-1", "Zed One")
    make_user(cc, "zed-2", "Alexander")
    make_user(cc, "q1", "Lexi")
    make_user(cc, "xalex", "Xavier")
    make_user(cc, "bob", "Bob")
    # uid alex-1 matches by uid, zed-2 by name; ordered by name.
    assert uids(cc, "searchKey=ALEX") == ["zed-2", "alex-1"]
    assert uids(cc, "searchKey=alex") == ["zed-2", "alex-1"]
    assert uids(cc, "searchKey=aLeXaNdEr") == ["zed-2"]
    # Prefix, not substring: neither "Alexander" nor "xalex" contains a match at the start.
    assert uids(cc, "searchKey=lex") == ["q1"]
    assert uids(cc, "searchKey=LEX") == ["q1"]
    assert uids(cc, "searchKey=ander") == []
    assert uids(cc, "searchKey=nobody") == []
    # An empty searchKey is no filter.
    assert uids(cc, "searchKey=") == ["zed-2", "bob", "q1", "xalex", "alex-1"]


def test_search_key_unicode_case_folding(cc: TestClient) -> None:
    make_user(cc, "e1", "émile")
    make_user(cc, "e2", "E\u0301lodie")  # decomposed É
    make_user(cc, "e3", "Émilie")
    make_user(cc, "s1", "Straße")
    make_user(cc, "s2", "STRASSE Ost")
    make_user(cc, "f1", "\ufb01nn")  # "ﬁnn", the fi ligature
    make_user(cc, "o1", "Other")
    assert uids(cc, q(searchKey="ÉMILE")) == ["e1"]
    assert uids(cc, q(searchKey="émile")) == ["e1"]
    assert uids(cc, q(searchKey="ÉMIL")) == ["e1", "e3"]
    assert uids(cc, q(searchKey="é")) == ["e2", "e1", "e3"]
    assert uids(cc, q(searchKey="É")) == ["e2", "e1", "e3"]
    assert uids(cc, q(searchKey="E\u0301LO")) == ["e2"]
    # ß casefolds to ss, both ways.
    assert uids(cc, q(searchKey="straße")) == ["s1", "s2"]
    assert uids(cc, q(searchKey="STRASSE")) == ["s1", "s2"]
    assert uids(cc, q(searchKey="STRASSE O")) == ["s2"]
    assert uids(cc, q(searchKey="FI")) == ["f1"]
    listed = listing(cc, q(searchKey="fin"))["data"]
    assert [(u["uid"], u["name"]) for u in listed] == [("f1", "\ufb01nn")]


def test_search_key_is_literal_not_a_like_pattern(cc: TestClient) -> None:
    make_user(cc, "a_b", "Nobody")
    make_user(cc, "axb", "Other")
    make_user(cc, "mj", "Mary Jane")
    make_user(cc, "m2", "Mary")
    make_user(cc, "m3", "Maryjane")
    make_user(cc, "pct", "100% sure")
    assert uids(cc, "searchKey=a_") == ["a_b"]
    assert uids(cc, "searchKey=%25") == []
    assert uids(cc, "searchKey=100%25") == ["pct"]
    assert uids(cc, "searchKey=a%25") == []
    # The SDK URL-encodes the key; '+' and %20 are both a space.
    assert uids(cc, "searchKey=mary%20j") == ["mj"]
    assert uids(cc, "searchKey=MARY+J") == ["mj"]
    assert uids(cc, "searchKey=mary") == ["m2", "mj", "m3"]


# --------------------------------------------------------------------------- searchIn


@pytest.fixture
def search_people(cc: TestClient) -> TestClient:
    make_user(cc, "sam-1", "Zed")  # uid matches "sam"
    make_user(cc, "x-1", "Sam")  # name matches "sam"
    make_user(cc, "sammy", "Samuel")  # both match
    make_user(cc, "other", "Other")  # neither
    return cc


def test_search_in_name(search_people: TestClient) -> None:
    cc = search_people
    assert uids(cc, "searchKey=SAM&searchIn=name") == ["x-1", "sammy"]


def test_search_in_uid(search_people: TestClient) -> None:
    cc = search_people
    assert uids(cc, "searchKey=SAM&searchIn=uid") == ["sammy", "sam-1"]


@pytest.mark.parametrize(
    "search_in",
    ["", "searchIn=name,uid", "searchIn=uid&searchIn=name", "searchIn[]=name&searchIn[]=uid"],
)
def test_search_in_both(search_people: TestClient, search_in: str) -> None:
    cc = search_people
    assert uids(cc, f"searchKey=sam&{search_in}") == ["x-1", "sammy", "sam-1"]


def test_search_in_without_search_key_filters_nothing(search_people: TestClient) -> None:
    cc = search_people
    everyone = ["other", "x-1", "sammy", "sam-1"]
    assert uids(cc) == everyone
    assert uids(cc, "searchIn=name") == everyone
    assert uids(cc, "searchIn=uid") == everyone


@pytest.mark.parametrize(
    "query", ["searchIn=email", "searchIn=name,email", "searchIn[]=uid&searchIn[]=bogus"]
)
def test_search_in_invalid_value(cc: TestClient, query: str) -> None:
    make_user(cc, "sam-1", "Sam")
    assert_bad_request(cc, f"searchKey=sam&{query}", "searchIn")


# --------------------------------------------------------------------------- status


def test_status_filter(cc: TestClient) -> None:
    make_user(cc, "b", "Bea")
    make_user(cc, "a", "Abe")
    make_user(cc, "c", "Cid")
    deactivate(cc, "c")
    # No presence exists yet: every user is offline.
    assert {u["status"] for u in listing(cc)["data"]} == {"offline"}
    assert uids(cc, "status=offline") == ["a", "b"]
    assert uids(cc, "status=offline&withDeactivated=true") == ["a", "b", "c"]
    available = listing(cc, "status=available&count=true")
    assert available["data"] == []
    assert available["meta"]["pagination"]["total"] == 0
    assert "cursor" not in available
    assert uids(cc, "status=available&withDeactivated=true") == []
    assert uids(cc, "status=") == ["a", "b"]


@pytest.mark.parametrize("value", ["online", "busy", "available,offline"])
def test_status_invalid(cc: TestClient, value: str) -> None:
    assert_bad_request(cc, q(status=value), "status")


# --------------------------------------------------------------------------- count


def test_count_gives_exact_total_only_when_asked(cc: TestClient) -> None:
    make_role(cc, "mod")
    for i in range(7):
        make_user(cc, f"u{i}", f"User {i}", role="mod" if i % 3 == 0 else "default")
    make_user(cc, "gone", "Gone")
    deactivate(cc, "gone")

    plain = listing(cc, "perPage=3")["meta"]["pagination"]
    assert plain == {"total": 0, "count": 3, "per_page": 3, "current_page": 1, "total_pages": 2}
    assert listing(cc, "perPage=3&count=false")["meta"]["pagination"]["total"] == 0

    counted = listing(cc, "perPage=3&count=true")["meta"]["pagination"]
    assert counted == {"total": 7, "count": 3, "per_page": 3, "current_page": 1, "total_pages": 3}
    last = listing(cc, "perPage=3&page=3&count=true")["meta"]["pagination"]
    assert last == {"total": 7, "count": 1, "per_page": 3, "current_page": 3, "total_pages": 3}
    beyond = listing(cc, "perPage=3&page=9&count=true")
    assert beyond["data"] == []
    assert beyond["meta"]["pagination"] == {
        "total": 7,
        "count": 0,
        "per_page": 3,
        "current_page": 9,
        "total_pages": 3,
    }
    # The total follows the filters.
    assert listing(cc, "count=true&role=mod")["meta"]["pagination"]["total"] == 3
    assert listing(cc, "count=true&withDeactivated=true")["meta"]["pagination"]["total"] == 8
    assert listing(cc, "count=true&onlyDeactivated=true")["meta"]["pagination"]["total"] == 1
    assert listing(cc, "count=true&searchKey=user+1")["meta"]["pagination"]["total"] == 1
    nothing = listing(cc, "count=true&searchKey=zzz")["meta"]["pagination"]
    assert nothing["total"] == 0
    assert nothing["count"] == 0
    assert nothing["total_pages"] == 1


# --------------------------------------------------------------------------- perPage


def test_per_page_default_is_100(cc: TestClient) -> None:
    for i in range(101):
        make_user(cc, f"u{i:03d}", f"User {i:03d}")
    body = listing(cc)
    assert [u["uid"] for u in body["data"]] == [f"u{i:03d}" for i in range(100)]
    assert body["meta"]["pagination"] == {
        "total": 0,
        "count": 100,
        "per_page": 100,
        "current_page": 1,
        "total_pages": 2,
    }
    assert uids(cc, "page=2") == ["u100"]
    assert listing(cc, "perPage=")["meta"]["pagination"]["per_page"] == 100


def test_per_page_bounds_and_alias(cc: TestClient) -> None:
    for i in range(5):
        make_user(cc, f"u{i}", f"User {i}")
    assert uids(cc, "perPage=1") == ["u0"]
    assert uids(cc, "perPage=1&page=5") == ["u4"]
    assert uids(cc, "perPage=2&page=2") == ["u2", "u3"]
    top = listing(cc, "perPage=1000")
    assert len(top["data"]) == 5
    assert top["meta"]["pagination"]["per_page"] == 1000
    assert top["meta"]["pagination"]["total_pages"] == 1
    # The client API's snake_case spelling (reference §5.3).
    aliased = listing(cc, "per_page=2")
    assert [u["uid"] for u in aliased["data"]] == ["u0", "u1"]
    assert aliased["meta"]["pagination"]["per_page"] == 2
    assert aliased["meta"]["pagination"]["total_pages"] == 2
    assert uids(cc, "per_page=2&page=3") == ["u4"]


@pytest.mark.parametrize("value", ["0", "1001", "-1", "abc", "1.5", "99999999999999999999"])
def test_per_page_invalid(cc: TestClient, value: str) -> None:
    assert_bad_request(cc, q(perPage=value), "perPage")


@pytest.mark.parametrize("value", ["0", "1001", "abc"])
def test_per_page_alias_invalid(cc: TestClient, value: str) -> None:
    response = cc.get(f"/users?{q(per_page=value)}")
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "ERR_BAD_REQUEST"


# --------------------------------------------------------------------------- page


def test_page_default_and_beyond_the_end(cc: TestClient) -> None:
    for i in range(5):
        make_user(cc, f"u{i}", f"User {i}")
    first = listing(cc, "perPage=2")
    assert first["meta"]["pagination"]["current_page"] == 1
    assert [u["uid"] for u in first["data"]] == ["u0", "u1"]
    assert uids(cc, "perPage=2&page=1") == ["u0", "u1"]
    assert uids(cc, "perPage=2&page=") == ["u0", "u1"]
    assert uids(cc, "perPage=2&page=3") == ["u4"]
    for page in (4, 50, 2**31 - 1):
        beyond = listing(cc, f"perPage=2&page={page}")
        assert beyond["data"] == []
        assert "cursor" not in beyond
        assert "cursor" not in beyond["meta"]
        assert beyond["meta"]["pagination"] == {
            "total": 0,
            "count": 0,
            "per_page": 2,
            "current_page": page,
            "total_pages": page,
        }


@pytest.mark.parametrize("value", ["0", "x", "-1", "1.0", "2147483648"])
def test_page_invalid(cc: TestClient, value: str) -> None:
    assert_bad_request(cc, q(page=value), "page")


# --------------------------------------------------------------------------- role / roles


@pytest.fixture
def role_people(cc: TestClient) -> TestClient:
    for role in ("mod", "admin", "guest"):
        make_role(cc, role)
    make_user(cc, "m1", "Mia", role="mod")
    make_user(cc, "a1", "Ada", role="admin")
    make_user(cc, "g1", "Gus", role="guest")
    make_user(cc, "d1", "Dan")
    make_user(cc, "m2", "Max", role="MOD")
    make_user(cc, "m3", "Moe", role="mod")
    deactivate(cc, "m3")
    return cc


def test_role_filter(role_people: TestClient) -> None:
    cc = role_people
    assert uids(cc, "role=mod") == ["m2", "m1"]
    assert uids(cc, "role=MOD") == ["m2", "m1"]
    assert uids(cc, "role=default") == ["d1"]
    assert uids(cc, "role=admin") == ["a1"]
    assert uids(cc, "role=mod&withDeactivated=true") == ["m2", "m1", "m3"]
    assert uids(cc, "role=nosuchrole") == []
    assert uids(cc, "role=") == ["a1", "d1", "g1", "m2", "m1"]
    assert {u["role"] for u in listing(cc, "role=mod")["data"]} == {"mod"}


def test_roles_filter_is_any_of(role_people: TestClient) -> None:
    cc = role_people
    assert uids(cc, "roles=mod,admin") == ["a1", "m2", "m1"]
    assert uids(cc, "roles=admin") == ["a1"]
    assert uids(cc, "roles=Admin,GUEST") == ["a1", "g1"]
    assert uids(cc, "roles=default,guest,nosuchrole") == ["d1", "g1"]
    assert uids(cc, "roles=nosuchrole") == []
    assert uids(cc, "roles=mod,mod") == ["m2", "m1"]
    # role and roles together: users with any of them.
    assert uids(cc, "roles=admin&role=guest") == ["a1", "g1"]
    assert uids(cc, "roles=mod&role=mod") == ["m2", "m1"]


# --------------------------------------------------------------------------- tags / withTags


@pytest.fixture
def tagged_people(cc: TestClient) -> TestClient:
    make_user(cc, "t1", "Tia", tags=["red"])
    make_user(cc, "t2", "Tom", tags=["blue"])
    make_user(cc, "t3", "Ted", tags=["zeta", "red", "blue"])
    make_user(cc, "t4", "Tab", tags=["green"])
    make_user(cc, "t5", "Tex")
    return cc


def test_with_tags(tagged_people: TestClient) -> None:
    cc = tagged_people
    for query in ("", "withTags=false", "withTags=0", "tags=red"):
        assert all("tags" not in u for u in listing(cc, query)["data"]), query
    rows = listing(cc, "withTags=true")["data"]
    assert [u["uid"] for u in rows] == ["t4", "t3", "t5", "t1", "t2"]
    tags = {u["uid"]: u.get("tags", []) for u in rows}
    assert tags == {
        "t1": ["red"],
        "t2": ["blue"],
        "t3": ["zeta", "red", "blue"],  # in the order they were given
        "t4": ["green"],
        "t5": [],
    }
    assert all("tags" in u for u in rows if u["uid"] != "t5")
    # A change of tags shows in the list.
    response = cc.put("/users/t5", json={"tags": ["new"]})
    assert response.status_code == 200, response.text
    rows = listing(cc, "withTags=1&searchKey=tex")["data"]
    assert [(u["uid"], u["tags"]) for u in rows] == [("t5", ["new"])]


def test_tags_filter_is_any_of(tagged_people: TestClient) -> None:
    cc = tagged_people
    assert uids(cc, "tags=red") == ["t3", "t1"]
    assert uids(cc, "tags=red,blue") == ["t3", "t1", "t2"]  # t3 once although it has both
    assert uids(cc, "tags=green,zeta") == ["t4", "t3"]
    assert uids(cc, "tags=purple") == []
    assert uids(cc, "tags=purple,green") == ["t4"]
    assert uids(cc, "tags=") == ["t4", "t3", "t5", "t1", "t2"]
    counted = listing(cc, "tags=red,blue&count=true")["meta"]["pagination"]
    assert counted["total"] == 3
    rows = listing(cc, "tags=blue&withTags=true")["data"]
    assert [(u["uid"], u["tags"]) for u in rows] == [
        ("t3", ["zeta", "red", "blue"]),
        ("t2", ["blue"]),
    ]


def test_tags_filter_takes_at_most_100_values(tagged_people: TestClient) -> None:
    cc = tagged_people
    hundred = ",".join(["red", *[f"x{i}" for i in range(99)]])
    assert uids(cc, f"tags={hundred}") == ["t3", "t1"]
    assert uids(cc, f"searchKey=t&tags={hundred}") == ["t3", "t1"]  # 200 union branches
    many = ",".join(f"x{i}" for i in range(600))  # would be 600 union branches
    assert_bad_request(cc, f"tags={many}", "tags")
    assert_bad_request(cc, f"searchKey=a&tags={many}", "tags")
    assert_bad_request(cc, "roles=" + ",".join(f"r{i}" for i in range(101)), "roles")


def test_tags_with_url_encoded_characters(cc: TestClient) -> None:
    make_user(cc, "a", "Ann", tags=["new york", "ü-tag"])
    make_user(cc, "b", "Bob", tags=["paris"])
    assert uids(cc, q(tags="new york")) == ["a"]
    assert uids(cc, "tags=new+york") == ["a"]
    assert uids(cc, q(tags="ü-tag")) == ["a"]
    assert uids(cc, q(tags="paris,ü-tag")) == ["a", "b"]


# --------------------------------------------------------------------------- deactivated


@pytest.fixture
def mixed_activity(cc: TestClient) -> TestClient:
    make_user(cc, "a", "Ann")
    make_user(cc, "b", "Bob")
    make_user(cc, "c", "Cat")
    make_user(cc, "d", "Dee")
    deactivate(cc, "b", "d")
    return cc


def test_default_excludes_deactivated(mixed_activity: TestClient) -> None:
    cc = mixed_activity
    rows = listing(cc)["data"]
    assert [u["uid"] for u in rows] == ["a", "c"]
    assert all("deactivatedAt" not in u for u in rows)


def test_only_deactivated(mixed_activity: TestClient) -> None:
    cc = mixed_activity
    rows = listing(cc, "onlyDeactivated=true")["data"]
    assert [u["uid"] for u in rows] == ["b", "d"]
    assert all(isinstance(u["deactivatedAt"], int) for u in rows)
    # onlyDeactivated wins over withDeactivated.
    assert uids(cc, "onlyDeactivated=true&withDeactivated=true") == ["b", "d"]
    assert uids(cc, "onlyDeactivated=false") == ["a", "c"]


def test_with_deactivated(mixed_activity: TestClient) -> None:
    cc = mixed_activity
    rows = listing(cc, "withDeactivated=true")["data"]
    assert [u["uid"] for u in rows] == ["a", "b", "c", "d"]
    assert [u["uid"] for u in rows if "deactivatedAt" in u] == ["b", "d"]
    assert uids(cc, "withDeactivated=false&onlyDeactivated=false") == ["a", "c"]
    # Reactivated users are listed again by default.
    response = cc.put("/users", json={"uidsToActivate": ["b"]})
    assert response.status_code == 200, response.text
    assert uids(cc) == ["a", "b", "c"]
    assert uids(cc, "onlyDeactivated=true") == ["d"]


# --------------------------------------------------------------------------- booleans


BOOLEAN_SPELLINGS = [
    ("true", True),
    ("false", False),
    ("1", True),
    ("0", False),
    ("TRUE", True),
    ("False", False),
    ("", False),
]


@pytest.mark.parametrize(("spelling", "truth"), BOOLEAN_SPELLINGS)
@pytest.mark.parametrize("name", ["count", "withTags", "onlyDeactivated", "withDeactivated"])
def test_boolean_spellings(cc: TestClient, name: str, spelling: str, truth: bool) -> None:
    make_user(cc, "act", "Active", tags=["t"])
    make_user(cc, "gone", "Gone", tags=["t"])
    deactivate(cc, "gone")
    body = listing(cc, f"{name}={spelling}")
    got = [u["uid"] for u in body["data"]]
    if name == "count":
        assert got == ["act"]
        assert body["meta"]["pagination"]["total"] == (1 if truth else 0)
    elif name == "withTags":
        assert got == ["act"]
        assert body["data"][0].get("tags") == (["t"] if truth else None)
    elif name == "onlyDeactivated":
        assert got == (["gone"] if truth else ["act"])
    else:
        assert got == (["act", "gone"] if truth else ["act"])


@pytest.mark.parametrize("value", ["yes", "no", "2", "on", "truee"])
@pytest.mark.parametrize("name", ["count", "withTags", "onlyDeactivated", "withDeactivated"])
def test_boolean_invalid(cc: TestClient, name: str, value: str) -> None:
    assert_bad_request(cc, f"{name}={value}", name)


# --------------------------------------------------------------------------- array encodings


ENCODINGS = {
    "comma": "{p}={a},{b}",
    "repeated": "{p}={a}&{p}={b}",
    "brackets": "{p}[]={a}&{p}[]={b}",
    "encoded-brackets": "{p}%5B%5D={a}&{p}%5B%5D={b}",
    "mixed-with-blanks": "{p}={a},&{p}[]=+{b}+",
}


@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_roles_encodings_are_equivalent(role_people: TestClient, encoding: str) -> None:
    query = ENCODINGS[encoding].format(p="roles", a="mod", b="admin")
    assert uids(role_people, query) == ["a1", "m2", "m1"]


@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_tags_encodings_are_equivalent(tagged_people: TestClient, encoding: str) -> None:
    query = ENCODINGS[encoding].format(p="tags", a="red", b="green")
    assert uids(tagged_people, query) == ["t4", "t3", "t1"]


@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_search_in_encodings_are_equivalent(search_people: TestClient, encoding: str) -> None:
    query = ENCODINGS[encoding].format(p="searchIn", a="uid", b="name")
    assert uids(search_people, f"searchKey=sam&{query}") == ["x-1", "sammy", "sam-1"]
    single = ENCODINGS[encoding].format(p="searchIn", a="uid", b="uid")
    assert uids(search_people, f"searchKey=sam&{single}") == ["sammy", "sam-1"]


# --------------------------------------------------------------------------- order


def test_default_order_is_case_insensitive_name_then_uid(cc: TestClient) -> None:
    people = [
        ("u5", "bob"),
        ("z1", "zed"),
        ("u1", "Bob"),
        ("c3", "Alb"),
        ("y1", "Zoe"),
        ("a9", "alice"),
        ("m1", "Mallory"),
        ("u3", "BOB"),
        ("b2", "ALICE"),
        ("c2", "al b"),
        ("y2", "adam"),
        ("c1", "Al"),
    ]
    for uid, name in people:
        make_user(cc, uid, name)
    expected = ["y2", "c1", "c2", "c3", "a9", "b2", "u1", "u3", "u5", "m1", "z1", "y1"]
    assert expected == [u for u, _n in sorted(people, key=lambda p: (fold(p[1]), p[0]))]
    assert uids(cc) == expected
    # Pages cut inside a group of equal names without losing or repeating anyone.
    walked: list[str] = []
    for page in range(1, 6):
        walked += uids(cc, f"perPage=3&page={page}")
    assert walked == expected
    # Renaming moves a user to its new place.
    response = cc.put("/users/z1", json={"name": "AAA"})
    assert response.status_code == 200, response.text
    assert uids(cc)[:2] == ["z1", "y2"]


# --------------------------------------------------------------------------- envelope


def test_envelope_shape_and_cursor(clocked: tuple[TestClient, ManualClock]) -> None:
    cc, clock = clocked
    base = 1_700_000_000
    clock.ms = base * 1000
    make_user(cc, "a", "Ann")
    clock.ms = (base + 5) * 1000 + 999
    make_user(cc, "b", "Bob")
    clock.ms = (base + 10) * 1000
    make_user(cc, "c", "Cat")
    clock.ms = (base + 20) * 1000 + 500
    assert cc.put("/users/a", json={"name": "Ann"}).status_code == 200

    body = listing(cc)
    assert set(body) == {"data", "meta", "cursor"}
    assert set(body["meta"]) == {"pagination", "cursor"}
    rows = body["data"]
    assert [(u["uid"], u["createdAt"], u.get("updatedAt")) for u in rows] == [
        ("a", base, base + 20),
        ("b", base + 5, None),
        ("c", base + 10, None),
    ]
    for row in rows:
        assert row["status"] == "offline"
        assert row["role"] == "default"
        assert "conversationId" not in row
        assert "tags" not in row
    assert body["cursor"] == {"updatedAt": base + 20, "affix": "prepend"}
    assert body["meta"]["cursor"] == body["cursor"]
    assert body["meta"]["pagination"] == {
        "total": 0,
        "count": 3,
        "per_page": 100,
        "current_page": 1,
        "total_pages": 1,
    }
    # The cursor describes the rows of this page only: max(updatedAt or createdAt).
    expected_cursor = {1: base + 20, 2: base + 5, 3: base + 10}
    for page, stamp in expected_cursor.items():
        one = listing(cc, f"perPage=1&page={page}")
        assert one["cursor"] == {"updatedAt": stamp, "affix": "prepend"}
        assert one["meta"]["cursor"] == one["cursor"]
    two = listing(cc, "perPage=2&page=2")
    assert two["cursor"]["updatedAt"] == base + 10
    empty = listing(cc, "searchKey=nobody")
    assert empty["data"] == []
    assert "cursor" not in empty
    assert set(empty["meta"]) == {"pagination"}


def test_look_ahead_and_counted_total_pages(cc: TestClient) -> None:
    for i in range(5):
        make_user(cc, f"u{i}", f"User {i}")
    look_ahead = {1: (2, 2), 2: (2, 3), 3: (1, 3), 4: (0, 4)}
    for page, (count, total_pages) in look_ahead.items():
        pagination = listing(cc, f"perPage=2&page={page}")["meta"]["pagination"]
        assert pagination == {
            "total": 0,
            "count": count,
            "per_page": 2,
            "current_page": page,
            "total_pages": total_pages,
        }, page
    # Exactly perPage rows left: nothing follows, so total_pages stays at the current page.
    assert listing(cc, "perPage=5")["meta"]["pagination"]["total_pages"] == 1
    assert listing(cc, "perPage=4")["meta"]["pagination"]["total_pages"] == 2
    for per_page in (1, 2, 3, 4, 5, 6, 1000):
        for page in (1, 2):
            pagination = listing(cc, f"perPage={per_page}&page={page}&count=true")["meta"][
                "pagination"
            ]
            assert pagination["total"] == 5
            assert pagination["total_pages"] == math.ceil(5 / per_page)
            assert pagination["count"] == max(0, min(per_page, 5 - (page - 1) * per_page))


# --------------------------------------------------------------------------- onBehalfOf


def test_on_behalf_of_adds_conversation_ids(cc: TestClient) -> None:
    make_user(cc, "alice", "Alice")
    make_user(cc, "mike", "Mike")
    make_user(cc, "zoe", "Zoe")
    for header in ("mike", "MIKE"):
        rows = listing(cc, onBehalfOf=header)["data"]
        assert [(u["uid"], u["conversationId"]) for u in rows] == [
            ("alice", "alice_user_mike"),
            ("mike", "mike_user_mike"),
            ("zoe", "mike_user_zoe"),
        ]
    rows = listing(cc, "searchKey=z&withTags=true", onBehalfOf="alice")["data"]
    assert [(u["uid"], u["conversationId"]) for u in rows] == [("zoe", "alice_user_zoe")]
    assert all("conversationId" not in u for u in listing(cc)["data"])


@pytest.mark.parametrize("viewer", ["ghost", "bad uid!", "deactivated"])
def test_on_behalf_of_unknown_viewer(cc: TestClient, viewer: str) -> None:
    make_user(cc, "alice", "Alice")
    make_user(cc, "deactivated", "Gone")
    deactivate(cc, "deactivated")
    for query in ("", "searchKey=nobody", "page=9"):
        response = cc.get(f"/users?{query}", headers={"onBehalfOf": viewer})
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "ERR_UID_NOT_FOUND"


# --------------------------------------------------------------------------- filter matrix


@dataclass(frozen=True)
class Person:
    uid: str
    name: str
    role: str
    tags: tuple[str, ...]
    active: bool


DATASET = [
    Person("sam-1", "Sam", "default", ("red",), True),
    Person("sam-2", "sam", "mod", ("blue",), False),
    Person("samantha", "Samantha Jones", "admin", ("red", "green"), True),
    Person("x-sam", "Samuel", "default", (), True),
    Person("alex", "Alexander", "mod", ("green",), False),
    Person("a-1", "Zed Alpha", "default", ("red", "blue"), True),
    Person("lexi", "Lexi", "admin", (), True),
    Person("emile", "Émile", "mod", ("blue",), True),
    Person("emilie", "émilie", "default", ("green",), False),
    Person("e-3", "E\u0301douard", "admin", ("red",), True),
    Person("strasse", "Straße", "default", ("blue",), True),
    Person("bob", "Bob", "default", ("red",), True),
    Person("bobby", "bobby", "mod", (), True),
    Person("aaron", "Aaron", "admin", ("green", "blue"), True),
    Person("zoe", "Zoe", "default", ("red",), True),
    Person("anna", "anna", "mod", ("red",), False),
    Person("ann-2", "Anna", "default", (), True),
    Person("sammy", "Xavier", "admin", ("blue",), True),
    Person("sa", "Sa", "default", ("green",), True),
    Person("mallory", "Mallory", "mod", ("red", "green", "blue"), True),
    Person("uma", "Uma", "admin", (), True),
    Person("victor", "victor", "default", ("green",), True),
    Person("walt", "Walt", "mod", ("blue",), False),
    Person("amy", "Amy", "admin", ("red",), False),
    Person("ed", "Ed", "default", (), True),
    Person("eve", "Eve", "mod", ("green",), True),
    Person("sam-3", "SAM", "admin", ("blue",), True),
    Person("al", "Al", "default", ("red",), True),
    Person("abe", "Sam Abe", "mod", (), False),
    Person("carl", "Carl", "admin", ("green",), True),
]

ROLE_FILTERS: dict[str, tuple[str, frozenset[str] | None]] = {
    "anyrole": ("", None),
    "role=mod": ("role=mod", frozenset({"mod"})),
    "roles=mod,admin": ("roles=mod,admin", frozenset({"mod", "admin"})),
}
TAG_FILTERS: dict[str, tuple[str, frozenset[str] | None]] = {
    "anytag": ("", None),
    "tags=red": ("tags=red", frozenset({"red"})),
    "tags=red,blue": ("tags=red,blue", frozenset({"red", "blue"})),
}
SEARCH_KEYS = [None, "a", "SAM", "É"]
ACTIVITIES = {"active": "", "withDeactivated": "withDeactivated=true", "only": "onlyDeactivated=1"}
SEARCH_IN: dict[str, tuple[str, set[str]]] = {
    "both": ("", {"name", "uid"}),
    "in-name": ("searchIn=name", {"name"}),
    "in-uid": ("searchIn=uid", {"uid"}),
}


def expected_uids(
    roles: frozenset[str] | None,
    tags: frozenset[str] | None,
    key: str | None,
    activity: str,
    fields: set[str],
) -> list[str]:
    chosen = []
    for p in DATASET:
        if activity == "active" and not p.active:
            continue
        if activity == "only" and p.active:
            continue
        if roles is not None and p.role not in roles:
            continue
        if tags is not None and not tags & set(p.tags):
            continue
        if key:
            k = fold(key)
            hit = ("name" in fields and fold(p.name).startswith(k)) or (
                "uid" in fields and fold(p.uid).startswith(k)
            )
            if not hit:
                continue
        chosen.append(p)
    chosen.sort(key=lambda p: (fold(p.name), p.uid))
    return [p.uid for p in chosen]


@pytest.fixture(scope="module", params=ENGINES)
def matrix_client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """One store per engine holding DATASET, shared by the read-only matrix tests."""
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            path: Path = tmp_path_factory.mktemp("matrix") / "roster.db"
            settings = Settings(db=str(path))
        else:
            schema = stack.enter_context(fresh_pg_schema())
            settings = Settings(database_url=PG_URL, pg_schema=schema)
        keys = asyncio.run(bootstrap(settings))
        with ContractClient(
            RosterApp(settings), base_url="http://testserver/v3", headers={"apikey": keys["full"]}
        ) as client:
            for role in ("mod", "admin"):
                make_role(client, role)
            for p in DATASET:
                make_user(client, p.uid, p.name, role=p.role, tags=list(p.tags))
            deactivate(client, *(p.uid for p in DATASET if not p.active))
            yield client


def test_matrix_dataset_is_as_designed(matrix_client: TestClient) -> None:
    rows = listing(matrix_client, "withDeactivated=true&withTags=true&count=true")
    assert rows["meta"]["pagination"]["total"] == len(DATASET) == 30
    by_uid = {p.uid: p for p in DATASET}
    for row in rows["data"]:
        p = by_uid[row["uid"]]
        assert (row["name"], row["role"], tuple(row.get("tags", ()))) == (p.name, p.role, p.tags)
        assert ("deactivatedAt" not in row) == p.active


MATRIX = list(itertools.product(ROLE_FILTERS, TAG_FILTERS, SEARCH_KEYS, ACTIVITIES, SEARCH_IN))


@pytest.mark.parametrize(
    ("role_id", "tag_id", "key", "activity", "search_in"),
    MATRIX,
    ids=["-".join(str(part) for part in combo) for combo in MATRIX],
)
def test_filter_matrix(
    matrix_client: TestClient,
    role_id: str,
    tag_id: str,
    key: str | None,
    activity: str,
    search_in: str,
) -> None:
    role_query, roles = ROLE_FILTERS[role_id]
    tag_query, tags = TAG_FILTERS[tag_id]
    in_query, fields = SEARCH_IN[search_in]
    parts = [role_query, tag_query, ACTIVITIES[activity], in_query, "count=true&withTags=true"]
    if key is not None:
        parts.append(q(searchKey=key))
    query = "&".join(part for part in parts if part)
    expected = expected_uids(roles, tags, key, activity, fields)

    body = listing(matrix_client, query)
    assert [u["uid"] for u in body["data"]] == expected
    assert body["meta"]["pagination"]["total"] == len(expected)
    by_uid = {p.uid: p for p in DATASET}
    for row in body["data"]:
        assert tuple(row.get("tags", ())) == by_uid[row["uid"]].tags

    # The same result walked in pages of 4.
    walked: list[str] = []
    page = 1
    while True:
        got = uids(matrix_client, f"{query}&perPage=4&page={page}")
        if not got:
            break
        walked += got
        page += 1
    assert walked == expected
    assert page - 1 == math.ceil(len(expected) / 4)


@pytest.mark.parametrize("status", ["offline", "available"])
@pytest.mark.parametrize("activity", list(ACTIVITIES))
@pytest.mark.parametrize("role_id", list(ROLE_FILTERS))
def test_filter_matrix_with_status(
    matrix_client: TestClient, status: str, activity: str, role_id: str
) -> None:
    role_query, roles = ROLE_FILTERS[role_id]
    query = "&".join(p for p in (role_query, ACTIVITIES[activity], f"status={status}") if p)
    expected = expected_uids(roles, None, None, activity, {"name", "uid"})
    assert uids(matrix_client, query) == (expected if status == "offline" else [])
