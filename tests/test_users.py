"""CometChat v3 users: create, get, update, delete, bulk (de)activation (reference §2-§4, §7)."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tests.conftest import make_user

FULL_BODY: dict[str, Any] = {
    "uid": "Alice-01",
    "name": "Alice Ünïcode 😀",
    "avatar": "https://cdn.example.org/alice.png",
    "link": "http://example.org/alice",
    "role": "moderator",
    "statusMessage": "In a meeting",
    "metadata": {
        "@private": {"email": "alice@example.org", "contactNumber": "+15550100"},
        "nested": {"list": [1, "two", {"three": None}], "flag": True},
        "rawMetadata": "{'gender':'Female'}",
    },
    "tags": ["beta", "vip"],
}


# --- helpers -----------------------------------------------------------------------------


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    """Assert a CometChat error body with this status and code; return the error object."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    err = body["error"]
    assert err["code"] == code, err
    assert err["message"]
    return err


def data(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["data"]


def make_role(cc: Any, role: str = "moderator") -> None:
    data(cc.post("/roles", json={"role": role, "name": role.title()}))


def delete(cc: Any, path: str, body: Any = None) -> Any:
    if body is None:
        return cc.request("DELETE", path)
    return cc.request("DELETE", path, json=body)


def uids(cc: Any, query: str = "") -> list[str]:
    return [u["uid"] for u in data(cc.get(f"/users?perPage=1000{query}"))]


def snapshot(cc: Any) -> list[dict[str, Any]]:
    """Every user of the app, active or not, with tags: the whole observable store."""
    return data(cc.get("/users?perPage=1000&withDeactivated=true&withTags=true"))


def is_seconds(value: Any) -> bool:
    return isinstance(value, int) and len(str(value)) == 10 and abs(value - time.time()) < 120


# --- POST /users -------------------------------------------------------------------------


def test_create_with_every_field(cc):
    make_role(cc)
    created = data(cc.post("/users", json=FULL_BODY))
    assert created["uid"] == "alice-01"
    for key in ("name", "avatar", "link", "role", "statusMessage", "metadata", "tags"):
        assert created[key] == FULL_BODY[key], key
    assert created["status"] == "offline"
    assert is_seconds(created["createdAt"])
    assert "updatedAt" not in created
    for absent in ("authToken", "conversationId", "deactivatedAt", "blockedByMe"):
        assert absent not in created
    got = data(cc.get("/users/alice-01"))
    assert got == created


def test_create_minimal_defaults(cc):
    created = data(cc.post("/users", json={"uid": "bob", "name": "Bob"}))
    assert created["role"] == "default"
    assert created["status"] == "offline"
    assert created["tags"] == []
    assert is_seconds(created["createdAt"])
    for absent in ("avatar", "link", "metadata", "statusMessage", "updatedAt", "authToken"):
        assert absent not in created


def test_create_lowercases_uid(cc):
    created = make_user(cc, "MiXeD_Case-9", "Mixed")
    assert created["uid"] == "mixed_case-9"
    assert uids(cc) == ["mixed_case-9"]


def test_create_role_is_case_insensitive(cc):
    make_role(cc)
    assert make_user(cc, "carol", role="MODERATOR")["role"] == "moderator"


def test_create_with_auth_token(cc):
    created = data(cc.post("/users", json={"uid": "Dave", "name": "Dave", "withAuthToken": True}))
    match = re.fullmatch(r"dave_(\d{10})[0-9a-f]{30}", created["authToken"])
    assert match, created["authToken"]
    assert int(match.group(1)) == created["createdAt"]
    assert "authToken" not in data(cc.get("/users/dave"))


def test_create_with_auth_token_false(cc):
    created = data(cc.post("/users", json={"uid": "erin", "name": "Erin", "withAuthToken": False}))
    assert "authToken" not in created


@pytest.mark.parametrize("again", ["frank", "FRANK", "Frank"])
def test_create_duplicate_uid(cc, again):
    make_user(cc, "frank", "Original")
    err = error(
        cc.post("/users", json={"uid": again, "name": "Copy"}), 409, "ERR_UID_ALREADY_EXISTS"
    )
    assert "frank" in err["message"]
    assert [(u["uid"], u["name"]) for u in snapshot(cc)] == [("frank", "Original")]


def test_create_duplicate_of_deactivated_uid(cc):
    make_user(cc, "gina")
    data(delete(cc, "/users/gina"))
    error(cc.post("/users", json={"uid": "gina", "name": "G2"}), 409, "ERR_UID_ALREADY_EXISTS")


def test_create_unknown_role(cc):
    response = cc.post("/users", json={"uid": "hank", "name": "Hank", "role": "nosuchrole"})
    err = error(response, 404, "ERR_ROLE_NOT_FOUND")
    assert "nosuchrole" in err["message"]
    assert snapshot(cc) == []
    error(cc.get("/users/hank"), 404, "ERR_UID_NOT_FOUND")


def test_create_ignores_read_only_keys(cc):
    body = {
        "uid": "ivy",
        "name": "Ivy",
        "blockedByMe": True,
        "hasBlockedMe": True,
        "deactivatedAt": 1600000000,
        "createdAt": 1500000000,
        "updatedAt": 1500000001,
        "status": "available",
        "conversationId": "ivy_user_zed",
        "somethingUnknown": {"x": 1},
    }
    created = data(cc.post("/users", json=body))
    assert created["status"] == "offline"
    assert is_seconds(created["createdAt"])
    assert created["createdAt"] != 1500000000
    for absent in ("blockedByMe", "hasBlockedMe", "deactivatedAt", "updatedAt", "conversationId"):
        assert absent not in created
    assert uids(cc) == ["ivy"]
    assert uids(cc, "&onlyDeactivated=true") == []


# --- GET /users/{uid} --------------------------------------------------------------------


@pytest.mark.parametrize("path_uid", ["jack", "JACK", "JaCk"])
def test_get_is_case_insensitive(cc, path_uid):
    make_user(cc, "jack", "Jack", tags=["t1"])
    got = data(cc.get(f"/users/{path_uid}"))
    assert got["uid"] == "jack"
    assert got["name"] == "Jack"
    assert got["tags"] == ["t1"]
    assert "conversationId" not in got


def test_get_unknown(cc):
    err = error(cc.get("/users/nobody"), 404, "ERR_UID_NOT_FOUND")
    assert "nobody" in err["message"]


def test_get_deactivated_is_not_found(cc):
    make_user(cc, "kate")
    data(delete(cc, "/users/kate"))
    error(cc.get("/users/kate"), 404, "ERR_UID_NOT_FOUND")


@pytest.mark.parametrize(
    ("viewer", "target", "expected"),
    [
        ("zed", "amy", "amy_user_zed"),
        ("amy", "zed", "amy_user_zed"),
        ("AMY", "ZED", "amy_user_zed"),
        ("amy", "amy", "amy_user_amy"),
    ],
)
def test_get_on_behalf_of_adds_conversation_id(cc, viewer, target, expected):
    make_user(cc, "amy")
    make_user(cc, "zed")
    got = data(cc.get(f"/users/{target}", headers={"onBehalfOf": viewer}))
    assert got["uid"] == target.lower()
    assert got["conversationId"] == expected


@pytest.mark.parametrize("viewer", ["ghost", "bad viewer", "deactivated"])
def test_get_on_behalf_of_unknown_viewer(cc, viewer):
    make_user(cc, "amy")
    make_user(cc, "deactivated")
    data(delete(cc, "/users/deactivated"))
    error(cc.get("/users/amy", headers={"onBehalfOf": viewer}), 404, "ERR_UID_NOT_FOUND")


# --- PUT /users/{uid} --------------------------------------------------------------------


def full_user(cc: Any) -> dict[str, Any]:
    make_role(cc)
    return data(cc.post("/users", json=FULL_BODY))


def test_update_changes_only_given_keys(cc):
    before = full_user(cc)
    after = data(cc.put("/users/ALICE-01", json={"name": "Alice B."}))
    assert after["name"] == "Alice B."
    assert is_seconds(after["updatedAt"])
    assert after["updatedAt"] >= after["createdAt"]
    unchanged = {k: v for k, v in after.items() if k not in ("name", "updatedAt")}
    assert unchanged == {k: v for k, v in before.items() if k != "name"}
    assert data(cc.get("/users/alice-01")) == after


@pytest.mark.parametrize(
    "change",
    [
        {"avatar": "https://cdn.example.org/new.png"},
        {"link": "https://example.org/new"},
        {"statusMessage": "Back"},
        {"role": "default"},
        {"tags": ["gamma"]},
        {"tags": []},
        {"metadata": {"only": "this"}},
        {"metadata": {}},
    ],
)
def test_update_single_field(cc, change):
    before = full_user(cc)
    after = data(cc.put("/users/alice-01", json=change))
    ((key, value),) = change.items()
    if key == "metadata" and not value:
        assert after.get("metadata", {}) == {}
    else:
        assert after[key] == value
    assert "updatedAt" in after
    others = {k: v for k, v in before.items() if k != key}
    assert {k: after.get(k) for k in others} == others
    assert data(cc.get("/users/alice-01")) == after


def test_update_tags_replace_and_metadata_replace(cc):
    full_user(cc)
    after = data(cc.put("/users/alice-01", json={"tags": ["x", "y"], "metadata": {"k": 1}}))
    assert after["tags"] == ["x", "y"]
    assert after["metadata"] == {"k": 1}
    assert "@private" not in after["metadata"]


def test_update_role_to_existing_role(cc):
    make_role(cc, "admin")
    make_user(cc, "leo")
    assert data(cc.put("/users/leo", json={"role": "Admin"}))["role"] == "admin"
    assert data(cc.get("/users/leo"))["role"] == "admin"


def test_update_unset(cc):
    full_user(cc)
    after = data(cc.put("/users/alice-01", json={"unset": ["avatar", "link", "metadata"]}))
    for key in ("avatar", "link", "metadata"):
        assert key not in after
    assert after["name"] == FULL_BODY["name"]
    assert after["tags"] == FULL_BODY["tags"]
    assert after["statusMessage"] == FULL_BODY["statusMessage"]
    assert data(cc.get("/users/alice-01")) == after


def test_update_given_and_unset_ends_unset(cc):
    full_user(cc)
    body = {
        "avatar": "https://cdn.example.org/other.png",
        "metadata": {"new": True},
        "name": "Still Set",
        "unset": ["avatar", "metadata"],
    }
    after = data(cc.put("/users/alice-01", json=body))
    assert "avatar" not in after
    assert "metadata" not in after
    assert after["name"] == "Still Set"
    assert after["link"] == FULL_BODY["link"]
    assert data(cc.get("/users/alice-01")) == after


def test_update_ignores_uid_and_read_only_keys_in_body(cc):
    make_user(cc, "mia", "Mia")
    body = {"uid": "someone-else", "name": "Mia 2", "createdAt": 1, "status": "available"}
    after = data(cc.put("/users/mia", json=body))
    assert after["uid"] == "mia"
    assert after["name"] == "Mia 2"
    assert after["status"] == "offline"
    assert is_seconds(after["createdAt"])
    error(cc.get("/users/someone-else"), 404, "ERR_UID_NOT_FOUND")
    assert uids(cc) == ["mia"]


def test_update_unknown_user(cc):
    error(cc.put("/users/ghost", json={"name": "Ghost"}), 404, "ERR_UID_NOT_FOUND")
    assert snapshot(cc) == []


def test_update_deactivated_user(cc):
    make_user(cc, "ned")
    data(delete(cc, "/users/ned"))
    error(cc.put("/users/ned", json={"name": "Ned 2"}), 404, "ERR_UID_NOT_FOUND")
    (stored,) = data(cc.get("/users?onlyDeactivated=true"))
    assert stored["name"] == "ned"


def test_update_unknown_role(cc):
    before = make_user(cc, "olga")
    error(cc.put("/users/olga", json={"role": "nosuchrole"}), 404, "ERR_ROLE_NOT_FOUND")
    assert data(cc.get("/users/olga")) == before


@pytest.mark.parametrize("unset", [["name"], ["avatar", "uid"], ["createdAt"], ["AVATAR"], [1]])
def test_update_bad_unset_item(cc, unset):
    before = full_user(cc)
    err = error(cc.put("/users/alice-01", json={"unset": unset}), 400, "ERR_BAD_REQUEST")
    assert "unset" in err["details"]
    assert data(cc.get("/users/alice-01")) == before


# --- DELETE /users/{uid} -----------------------------------------------------------------


@pytest.mark.parametrize("body", [None, {}, {"permanent": False}])
def test_soft_delete(cc, body):
    make_user(cc, "pam")
    make_user(cc, "quinn")
    result = data(delete(cc, "/users/PAM", body))
    assert result["success"] is True
    assert "pam" in result["message"]
    assert result["deactivatedUids"] == ["pam"]
    error(cc.get("/users/pam"), 404, "ERR_UID_NOT_FOUND")
    assert uids(cc) == ["quinn"]
    (gone,) = data(cc.get("/users?onlyDeactivated=true"))
    assert gone["uid"] == "pam"
    assert is_seconds(gone["deactivatedAt"])
    assert sorted(uids(cc, "&withDeactivated=true")) == ["pam", "quinn"]


def test_second_soft_delete_is_not_found(cc):
    make_user(cc, "rob")
    data(delete(cc, "/users/rob"))
    error(delete(cc, "/users/rob"), 404, "ERR_UID_NOT_FOUND")
    assert uids(cc, "&onlyDeactivated=true") == ["rob"]


def test_delete_unknown(cc):
    error(delete(cc, "/users/ghost"), 404, "ERR_UID_NOT_FOUND")
    error(delete(cc, "/users/ghost", {"permanent": True}), 404, "ERR_UID_NOT_FOUND")


def test_permanent_delete(cc):
    make_user(cc, "sam", "Sam", tags=["a"], metadata={"m": 1})
    make_user(cc, "tina")
    result = data(delete(cc, "/users/Sam", {"permanent": True}))
    assert result["success"] is True
    assert "sam" in result["message"]
    assert "deactivatedUids" not in result
    error(cc.get("/users/sam"), 404, "ERR_UID_NOT_FOUND")
    assert uids(cc, "&withDeactivated=true") == ["tina"]
    again = make_user(cc, "sam", "Sam Again")
    assert again["name"] == "Sam Again"
    assert again["tags"] == []
    assert "metadata" not in again


def test_permanent_delete_of_deactivated_user(cc):
    make_user(cc, "uma")
    data(delete(cc, "/users/uma"))
    result = data(delete(cc, "/users/uma", {"permanent": True}))
    assert result["success"] is True
    assert uids(cc, "&withDeactivated=true") == []
    make_user(cc, "uma")


@pytest.mark.parametrize("permanent", ["true", 1, 0, "yes", [], {}])
def test_delete_permanent_not_boolean(cc, permanent):
    make_user(cc, "vic")
    err = error(delete(cc, "/users/vic", {"permanent": permanent}), 400, "ERR_BAD_REQUEST")
    assert "permanent" in err["details"]
    assert data(cc.get("/users/vic"))["uid"] == "vic"


@pytest.mark.parametrize("raw", [b"{oops", b"[1]", b'"permanent"', b"true"])
def test_delete_body_not_an_object(cc, raw):
    make_user(cc, "walt")
    response = cc.request(
        "DELETE", "/users/walt", content=raw, headers={"content-type": "application/json"}
    )
    error(response, 400, "ERR_BAD_REQUEST")
    assert uids(cc, "&withDeactivated=true") == ["walt"]
    assert uids(cc) == ["walt"]


# --- bulk: DELETE /users and PUT /users --------------------------------------------------


def test_bulk_deactivate(cc):
    for uid in ("a1", "b2", "c3", "d4"):
        make_user(cc, uid)
    data(delete(cc, "/users/c3"))
    result = data(delete(cc, "/users", {"uidsToDeactivate": ["A1", "b2", "c3", "ghost", "a1"]}))
    assert result == {
        "deactivatedUids": ["a1", "b2"],
        "alreadyDeactivatedUids": ["c3"],
        "notFound": ["ghost"],
    }
    assert uids(cc) == ["d4"]
    assert sorted(uids(cc, "&onlyDeactivated=true")) == ["a1", "b2", "c3"]
    error(cc.get("/users/a1"), 404, "ERR_UID_NOT_FOUND")


def test_bulk_deactivate_clean_result(cc):
    make_user(cc, "e5")
    result = data(delete(cc, "/users", {"uidsToDeactivate": ["e5"]}))
    assert result == {"deactivatedUids": ["e5"]}


def test_bulk_reactivate(cc):
    for uid in ("a1", "b2", "c3"):
        make_user(cc, uid)
    data(delete(cc, "/users", {"uidsToDeactivate": ["a1", "b2"]}))
    result = data(cc.put("/users", json={"uidsToActivate": ["a1", "B2", "c3", "ghost"]}))
    assert result["reactivatedUids"] == ["a1", "b2"]
    assert sorted(result["nonDeactivatedUids"]) == ["c3", "ghost"]
    assert sorted(uids(cc)) == ["a1", "b2", "c3"]
    assert uids(cc, "&onlyDeactivated=true") == []
    got = data(cc.get("/users/a1"))
    assert "deactivatedAt" not in got
    assert data(cc.put("/users/a1", json={"name": "Back"}))["name"] == "Back"


@pytest.mark.parametrize(
    ("method", "key"), [("DELETE", "uidsToDeactivate"), ("PUT", "uidsToActivate")]
)
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"other": ["a1"]},
        {"KEY": None},
        {"KEY": []},
        {"KEY": "a1"},
        {"KEY": {"a1": True}},
        {"KEY": ["a1", 2]},
        {"KEY": 7},
    ],
)
def test_bulk_bad_body(cc, method, key, body):
    make_user(cc, "a1")
    make_user(cc, "b2")
    data(delete(cc, "/users/b2"))
    before = snapshot(cc)
    body = {key if k == "KEY" else k: v for k, v in body.items()}
    err = error(cc.request(method, "/users", json=body), 400, "ERR_BAD_REQUEST")
    assert key in err["details"]
    assert snapshot(cc) == before


@pytest.mark.parametrize("method", ["DELETE", "PUT"])
@pytest.mark.parametrize("raw", [b"", b"{bad", b'["a1"]', b'"a1"', b"1"])
def test_bulk_body_not_an_object(cc, method, raw):
    make_user(cc, "a1")
    make_user(cc, "b2")
    data(delete(cc, "/users/b2"))
    before = snapshot(cc)
    response = cc.request(
        method, "/users", content=raw, headers={"content-type": "application/json"}
    )
    error(response, 400, "ERR_BAD_REQUEST")
    assert snapshot(cc) == before
