"""Walking GET /users page by page over 2,500 users.

Pages are numbered (reference §5.1) but served from keyset marks (roster.core.page_marks): a
client walking pages 1, 2, 3, ... sees every user that existed throughout exactly once, even
while users are inserted, deactivated or deleted between its requests. A page reached without
a prior walk falls back to OFFSET and must give the same rows.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from roster.core.user_rules import COMETCHAT_RULES
from tests.conftest import APP_ID, make_user
from tests.folding_reference import fold

TOTAL = 2500
FIRST_NAMES = [
    "Ada", "ada", "ADA", "Aaron", "Émile", "émile", "Zoë", "zoe", "Bob", "bob",
    "Straße", "STRASSE", "Chen", "Dmitri", "eve", "Eve", "Farah", "Gus", "Hana", "Ivo",
    "Jo", "jo", "Kai", "Lena", "Mo", "Nia", "Oskar", "Pia", "Quinn", "Ravi",
]  # fmt: skip
LAST_NAMES = ["", " Smith", " smith", " Ng", " O'Neil", " Østergaard", " van Dijk", " 2"]

Row = dict[str, Any]


def key_of(row: Row) -> tuple[str, str]:
    return (fold(row["name"]), row["uid"])


def dataset(seed: int = 7) -> list[tuple[str, str]]:
    """2,500 (uid, name) pairs with many equal and case-variant names, in shuffled order."""
    rng = random.Random(seed)
    people = [(f"w{i:04d}", rng.choice(FIRST_NAMES) + rng.choice(LAST_NAMES)) for i in range(TOTAL)]
    rng.shuffle(people)
    return people


def expected_order(people: list[tuple[str, str]]) -> list[str]:
    return [uid for uid, _name in sorted(people, key=lambda p: (fold(p[1]), p[0]))]


def bulk_create(client: TestClient, people: list[tuple[str, str]]) -> None:
    """Insert through the app's own UserService, in the app's event loop (much faster than HTTP)."""
    client.portal.call(client.app.start)  # type: ignore[attr-defined]
    service = client.app._cometchat._services.users  # type: ignore[attr-defined]

    async def create_some(share: list[tuple[str, str]]) -> None:
        for uid, name in share:
            await service.create_user(
                APP_ID, {"uid": uid, "name": name}, COMETCHAT_RULES, with_auth_token=False
            )

    async def create_all() -> None:
        # PostgreSQL's pool takes several writers at once; SQLite writes one at a time anyway.
        lanes = 8 if client.app.settings.engine == "postgres" else 1  # type: ignore[attr-defined]
        await asyncio.gather(*(create_some(people[lane::lanes]) for lane in range(lanes)))

    client.portal.call(create_all)


@pytest.fixture
def crowd(cc: TestClient) -> tuple[TestClient, list[tuple[str, str]], list[str]]:
    people = dataset()
    bulk_create(cc, people)
    return cc, people, expected_order(people)


def get_page(client: TestClient, per_page: int, page: int, extra: str = "") -> Row:
    response = client.get(f"/users?perPage={per_page}&page={page}{extra}")
    assert response.status_code == 200, response.text
    body: Row = response.json()
    pagination = body["meta"]["pagination"]
    assert pagination["count"] == len(body["data"])
    assert pagination["per_page"] == per_page
    assert pagination["current_page"] == page
    return body


def walk(
    client: TestClient,
    per_page: int,
    between: Callable[[int, list[Row]], None] | None = None,
    extra: str = "",
) -> tuple[list[Row], list[Row]]:
    """Pages 1, 2, 3, ... until one is empty: (all rows, each page's body)."""
    rows: list[Row] = []
    bodies: list[Row] = []
    page = 1
    while True:
        body = get_page(client, per_page, page, extra)
        bodies.append(body)
        if not body["data"]:
            return rows, bodies
        rows.extend(body["data"])
        if between is not None:
            between(page, body["data"])
        page += 1
        assert page <= 2 * TOTAL // per_page + 10, "the walk does not end"


@pytest.mark.parametrize("per_page", [100, 1000])
def test_full_walk_returns_everyone_once_in_order(crowd: Any, per_page: int) -> None:
    cc, _people, expected = crowd
    rows, bodies = walk(cc, per_page)
    assert [r["uid"] for r in rows] == expected
    pages = -(-TOTAL // per_page)
    assert len(bodies) == pages + 1  # the last request is the empty page
    for number, body in enumerate(bodies, start=1):
        pagination = body["meta"]["pagination"]
        assert pagination["total"] == 0
        if number < pages:
            assert pagination["count"] == per_page
            assert pagination["total_pages"] == number + 1
        elif number == pages:
            assert pagination["count"] == TOTAL - (pages - 1) * per_page
            assert pagination["total_pages"] == number
        else:
            assert body["data"] == []
            assert "cursor" not in body
    # Same walk with counting on: exact totals on every page.
    counted_rows, counted = walk(cc, per_page, extra="&count=true")
    assert [r["uid"] for r in counted_rows] == expected
    for body in counted:
        assert body["meta"]["pagination"]["total"] == TOTAL
        assert body["meta"]["pagination"]["total_pages"] == pages


@pytest.mark.parametrize("per_page", [100, 1000])
def test_walk_with_concurrent_inserts(crowd: Any, per_page: int) -> None:
    cc, people, expected = crowd
    names = dict(people)
    behind: list[str] = []  # inserted before the walk's position: never reached
    ahead: list[str] = []  # inserted after the walk's position: must be reached

    def insert_around(page: int, rows: list[Row]) -> None:
        last = rows[-1]
        if last["uid"] not in names or last["uid"] == expected[-1]:
            return  # past the original users: stop, or the walk would never end
        position = expected.index(last["uid"])
        # Before the current position.
        make_user(cc, f"a-early-{page}", "!early")
        make_user(cc, f"a-same-{page}", last["name"])  # equal name, smaller uid
        make_user(cc, f"a-mid-{page}", rows[len(rows) // 2]["name"])
        behind.extend([f"a-early-{page}", f"a-same-{page}", f"a-mid-{page}"])
        # After the current position.
        make_user(cc, f"z-same-{page}", last["name"])  # equal name, larger uid: next row
        make_user(cc, f"z-late-{page}", "\u9fa5\u9fa5 late")  # after every folded name
        ahead.extend([f"z-same-{page}", f"z-late-{page}"])
        if position + 150 < len(expected):
            make_user(cc, f"z-ahead-{page}", names[expected[position + 150]])
            ahead.append(f"z-ahead-{page}")

    rows, _bodies = walk(cc, per_page, between=insert_around)
    seen = [r["uid"] for r in rows]
    duplicates = [uid for uid, n in Counter(seen).items() if n > 1]
    assert duplicates == []
    originals = [uid for uid in seen if uid.startswith("w")]
    assert originals == expected  # every user present before the walk, once, in order
    assert [uid for uid in seen if uid in behind] == []
    assert sorted(uid for uid in seen if not uid.startswith("w")) == sorted(ahead)
    keys = [key_of(r) for r in rows]
    assert keys == sorted(keys)


def test_walk_with_concurrent_deactivations_and_deletes(crowd: Any) -> None:
    cc, _people, expected = crowd
    removed_ahead: list[str] = []

    def remove_around(page: int, rows: list[Row]) -> None:
        position = expected.index(rows[-1]["uid"])
        # Users already returned leave: nobody after them may be skipped.
        gone_behind = expected[position - 10 : position - 5]
        response = cc.request("DELETE", "/users", json={"uidsToDeactivate": gone_behind[:3]})
        assert response.status_code == 200, response.text
        for uid in gone_behind[3:]:
            response = cc.request("DELETE", f"/users/{uid}", json={"permanent": True})
            assert response.status_code == 200, response.text
        # Users not reached yet leave: they must not be returned.
        upcoming = expected[position + 1 + page * 7 : position + 3 + page * 7]
        if upcoming:
            response = cc.request("DELETE", "/users", json={"uidsToDeactivate": upcoming})
            assert response.status_code == 200, response.text
            removed_ahead.extend(upcoming)

    rows, _bodies = walk(cc, 100, between=remove_around)
    seen = [r["uid"] for r in rows]
    assert removed_ahead
    assert seen == [uid for uid in expected if uid not in set(removed_ahead)]


def test_deep_page_without_walk_matches_walk(crowd: Any) -> None:
    cc, _people, expected = crowd
    # No page has been served yet: page 20 starts from the top with an OFFSET (and leaves a
    # mark for page 21, so page 25 starts there with a shorter OFFSET).
    deep = get_page(cc, 100, 20)
    assert [r["uid"] for r in deep["data"]] == expected[1900:2000]
    assert deep["meta"]["pagination"]["total_pages"] == 21
    last = get_page(cc, 100, 25)
    assert [r["uid"] for r in last["data"]] == expected[2400:2500]
    assert last["meta"]["pagination"]["total_pages"] == 25
    assert get_page(cc, 100, 26)["data"] == []
    tail = get_page(cc, 1000, 3)
    assert [r["uid"] for r in tail["data"]] == expected[2000:]
    assert [r["uid"] for r in get_page(cc, 7, 300)["data"]] == expected[2093:2100]

    # A short walk leaves marks for pages 2-4; page 20 then starts at the nearest mark.
    for page in (1, 2, 3):
        assert [r["uid"] for r in get_page(cc, 100, page)["data"]] == expected[
            (page - 1) * 100 : page * 100
        ]
    assert get_page(cc, 100, 20)["data"] == deep["data"]

    # After a full walk every page has a mark; the jump still gives the same rows.
    rows, _bodies = walk(cc, 100)
    assert [r["uid"] for r in rows] == expected
    assert rows[1900:2000] == deep["data"]
    assert get_page(cc, 100, 20)["data"] == deep["data"]
    assert get_page(cc, 100, 25)["data"] == last["data"]
    # Going back to earlier pages is served the same way.
    assert [r["uid"] for r in get_page(cc, 100, 2)["data"]] == expected[100:200]
    assert [r["uid"] for r in get_page(cc, 100, 1)["data"]] == expected[:100]


def test_filtered_walk(crowd: Any) -> None:
    """A walk under a search filter is its own page series and still exact."""
    cc, people, _expected = crowd
    wanted = sorted(
        ((uid, name) for uid, name in people if fold(name).startswith("ada")),
        key=lambda p: (fold(p[1]), p[0]),
    )
    assert len(wanted) > 100
    rows, _bodies = walk(cc, 30, extra="&searchKey=ADA&searchIn=name")
    assert [r["uid"] for r in rows] == [uid for uid, _name in wanted]
    jumped = get_page(cc, 30, 3, "&searchKey=ADA&searchIn=name")
    assert [r["uid"] for r in jumped["data"]] == [uid for uid, _name in wanted[60:90]]


@pytest.mark.parametrize(
    "extra",
    ["", "&searchKey=e", "&searchKey=o&searchMode=contains", "&withDeactivated=true"],
    ids=["all", "name-or-uid-prefix", "contains", "with-deactivated"],
)
def test_random_jumps_skim_marks(crowd: Any, extra: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Jumps far past every mark skim the keys in between once; every page stays exact.

    The skim threshold is lowered so that 2,500 users hold many skims, forwards and back.
    """
    from roster.core import user_service

    monkeypatch.setattr(user_service, "SKIM_FROM_ROWS", 15)
    cc, people, _expected = crowd
    query = extra.replace("&searchKey=", "").split("&")[0]
    contains = "searchMode=contains" in extra

    def matches(uid: str, name: str) -> bool:
        if not query:
            return True
        if contains:
            return query in fold(name) or query in uid
        return fold(name).startswith(query) or uid.startswith(query)

    wanted = [
        uid for uid, name in sorted(people, key=lambda p: (fold(p[1]), p[0])) if matches(uid, name)
    ]
    per_page = 7
    last_page = -(-len(wanted) // per_page)
    rng = random.Random(11)
    pages = [rng.randint(1, last_page + 2) for _ in range(40)] + [last_page, 2, last_page - 1]
    for page in pages:
        got = [r["uid"] for r in get_page(cc, per_page, page, extra)["data"]]
        assert got == wanted[(page - 1) * per_page : page * per_page], page
