"""`count=true` totals come from per-app counters that triggers keep in step with every write.

The counters answer lists filtered by activity alone; each total here is checked against the
number of users the same list actually returns, after every kind of write either dialect offers.
Migration 4 also recomputes folded keys written by older versions and fills the counters.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.testclient import TestClient

from roster.app import RosterApp
from roster.settings import Settings
from tests.conftest import API_KEY, ContractClient, bootstrap, make_user
from tests.old_stores import store_at

LISTS = {"active": "", "all": "&withDeactivated=true", "deactivated": "&onlyDeactivated=true"}


def totals(cc: TestClient) -> dict[str, tuple[int, int]]:
    """For each list: (meta total, users actually listed)."""
    found = {}
    for name, extra in LISTS.items():
        response = cc.get(f"/users?count=true&perPage=1000{extra}")
        assert response.status_code == 200, response.text
        body = response.json()
        found[name] = (body["meta"]["pagination"]["total"], len(body["data"]))
    return found


def assert_totals(cc: TestClient, active: int, deactivated: int) -> None:
    got = totals(cc)
    assert got == {
        "active": (active, active),
        "all": (active + deactivated, active + deactivated),
        "deactivated": (deactivated, deactivated),
    }


def test_counts_follow_every_write(cc: ContractClient, sb: ContractClient) -> None:
    assert_totals(cc, 0, 0)
    for i in range(6):
        make_user(cc, f"u{i}")
    assert (
        sb.post("/users", json={"user_id": "s1", "nickname": "S", "profile_url": ""}).status_code
        == 200
    )
    assert_totals(cc, 7, 0)
    assert cc.delete("/users/u0").status_code == 200  # soft delete deactivates
    assert (
        cc.request(
            "DELETE", "/users", json={"uidsToDeactivate": ["u1", "u2", "nobody"]}
        ).status_code
        == 200
    )
    assert_totals(cc, 4, 3)
    assert cc.put("/users", json={"uidsToActivate": ["u1"]}).status_code == 200
    assert_totals(cc, 5, 2)
    assert sb.put("/users/s1", json={"is_active": False}).status_code == 200
    assert_totals(cc, 4, 3)
    assert (
        cc.request("DELETE", "/users/u2", json={"permanent": True}).status_code == 200
    )  # deactivated
    assert cc.request("DELETE", "/users/u3", json={"permanent": True}).status_code == 200  # active
    assert sb.delete("/users/u4").status_code == 200
    assert_totals(cc, 2, 2)
    # A filter the counters cannot answer is counted from the rows, and agrees.
    body = cc.get("/users?count=true&searchKey=u").json()
    assert body["meta"]["pagination"]["total"] == len(body["data"]) == 2


def test_counts_are_per_app(cc: ContractClient, app: RosterApp, keys: dict[str, str]) -> None:
    other = ContractClient(
        app, base_url="http://testserver/v3", headers={"apikey": keys["other_app"]}
    )
    other.portal = cc.portal
    for i in range(3):
        make_user(cc, f"mine{i}")
    make_user(other, "theirs")
    assert_totals(cc, 3, 0)
    assert_totals(other, 1, 0)


def test_migration_4_rekeys_and_counts_existing_users(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Users written by schema 3 (keys folded without accents removed) are found after 4."""
    # Schema 3 stored NFKC + casefold: the accent kept.
    users = [("a1", "José", 1), ("a2", "Zoë", 1), ("a3", "Jo", 0)]
    store_at(settings, 3, [(u, u, n, n.casefold(), a) for u, n, a in users], monkeypatch)
    asyncio.run(bootstrap(settings))
    with TestClient(RosterApp(settings), base_url="http://testserver/v3") as client:
        client.headers["apikey"] = API_KEY

        def uids(query: str) -> list[Any]:
            response = client.get(f"/users?{query}")
            assert response.status_code == 200, response.text
            return [u["uid"] for u in response.json()["data"]]

        assert uids("searchKey=jose") == ["a1"]
        assert uids("searchKey=zoe") == ["a2"]
        assert uids("searchKey=os&searchMode=contains") == ["a1"]
        body = client.get("/users?count=true&withDeactivated=true").json()
        assert body["meta"]["pagination"]["total"] == 3
        body = client.get("/users?count=true").json()
        assert body["meta"]["pagination"]["total"] == 2
