"""Roles: /roles and /roles/{role} (reference §11'), and the rule that a user's role exists.

Every test runs on SQLite and PostgreSQL (the `cc` fixture is parametrised over both), and every
response is validated against the OpenAPI document by the ContractClient.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import make_user

MAX_ROLES = 25  # per app, the built-in `default` role included (reference §11')


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code, error
    return error


def _create(cc: Any, role: str, name: str | None = None, **fields: Any) -> dict[str, Any]:
    response = cc.post("/roles", json={"role": role, "name": name or role, **fields})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def _all_roles(cc: Any) -> dict[str, dict[str, Any]]:
    response = cc.get("/roles", params={"perPage": 100})
    assert response.status_code == 200, response.text
    return {r["role"]: r for r in response.json()["data"]}


def _total(cc: Any) -> int:
    response = cc.get("/roles")
    assert response.status_code == 200, response.text
    total: int = response.json()["meta"]["pagination"]["total"]
    return total


def _is_seconds(value: object) -> bool:
    return isinstance(value, int) and 10**9 <= value < 10**10


# --- create -----------------------------------------------------------------------------------


def test_create_role_with_every_field(cc):
    body = {
        "role": "Moderator",
        "name": "Moderators",
        "description": "People who keep order",
        "metadata": {"level": 3, "nested": {"tags": ["a", "b"]}, "flag": True},
        "settings": {"listUsers": "friendsOnly", "sendMessagesTo": "all"},
    }
    response = cc.post("/roles", json=body)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["role"] == "moderator"
    assert data["name"] == "Moderators"
    assert data["description"] == "People who keep order"
    assert data["metadata"] == body["metadata"]
    assert data["settings"] == body["settings"]
    assert _is_seconds(data["createdAt"])

    for path in ("/roles/moderator", "/roles/MODERATOR", "/roles/Moderator"):
        got = cc.get(path)
        assert got.status_code == 200, got.text
        assert got.json()["data"] == data


def test_create_role_with_only_required_fields(cc):
    data = _create(cc, "viewer", "Viewers")
    assert data["role"] == "viewer"
    assert data["name"] == "Viewers"
    for absent in ("description", "metadata", "settings"):
        assert absent not in data
    assert _is_seconds(data["createdAt"])


@pytest.mark.parametrize(
    "role_settings",
    [
        {"listUsers": "all"},
        {"sendMessagesTo": "friendsOnly"},
        {"listUsers": "friendsOnly", "sendMessagesTo": "friendsOnly"},
        {"listUsers": "all", "sendMessagesTo": "all"},
    ],
)
def test_create_role_accepts_each_setting_value(cc, role_settings):
    data = _create(cc, "r1", settings=role_settings)
    assert data["settings"] == role_settings
    assert cc.get("/roles/r1").json()["data"]["settings"] == role_settings


def test_create_role_at_the_length_limits(cc):
    role_id = "r" * 100
    data = _create(cc, role_id.upper(), "n" * 100, description="d" * 255)
    assert data["role"] == role_id
    assert data["name"] == "n" * 100
    assert data["description"] == "d" * 255
    assert cc.get(f"/roles/{role_id}").status_code == 200


def test_create_role_accepts_dash_underscore_and_digits(cc):
    data = _create(cc, "Team_Lead-2")
    assert data["role"] == "team_lead-2"


def test_create_role_requires_name(cc):
    error = _error(cc.post("/roles", json={"role": "noname"}), 400, "ERR_BAD_REQUEST")
    assert "name" in error["details"]
    _error(cc.get("/roles/noname"), 404, "ERR_ROLE_NOT_FOUND")
    assert _total(cc) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "No id"}, "role"),
        ({"role": "", "name": "Empty id"}, "role"),
        ({"role": None, "name": "Null id"}, "role"),
        ({"role": 42, "name": "Number id"}, "role"),
        ({"role": "has space", "name": "x"}, "role"),
        ({"role": "bad!", "name": "x"}, "role"),
        ({"role": "dot.ted", "name": "x"}, "role"),
        ({"role": "r" * 101, "name": "x"}, "role"),
        ({"role": "okrole", "name": ""}, "name"),
        ({"role": "okrole", "name": "   "}, "name"),
        ({"role": "okrole", "name": "\r"}, "name"),
        ({"role": "okrole", "name": "a\x00b"}, "name"),  # PostgreSQL cannot store U+0000
        ({"role": "okrole", "name": "x", "description": "d\x00"}, "description"),
        ({"role": "okrole", "name": 123}, "name"),
        ({"role": "okrole", "name": ["a"]}, "name"),
        ({"role": "okrole", "name": "n" * 101}, "name"),
        ({"role": "okrole", "name": "x", "description": "d" * 256}, "description"),
        ({"role": "okrole", "name": "x", "description": 5}, "description"),
        ({"role": "okrole", "name": "x", "metadata": "text"}, "metadata"),
        ({"role": "okrole", "name": "x", "metadata": [1, 2]}, "metadata"),
        ({"role": "okrole", "name": "x", "metadata": 7}, "metadata"),
        ({"role": "okrole", "name": "x", "settings": "all"}, "settings"),
        ({"role": "okrole", "name": "x", "settings": ["all"]}, "settings"),
        ({"role": "okrole", "name": "x", "settings": {"listUsers": "everyone"}}, "settings"),
        ({"role": "okrole", "name": "x", "settings": {"sendMessagesTo": "friends"}}, "settings"),
        ({"role": "okrole", "name": "x", "settings": {"listUsers": "ALL"}}, "settings"),
        ({"role": "okrole", "name": "x", "settings": {"listUsers": None}}, "settings"),
        ({"role": "okrole", "name": "x", "settings": {"other": "all"}}, "settings"),
    ],
)
def test_create_role_rejects_bad_input_and_changes_nothing(cc, body, field):
    before = _all_roles(cc)
    error = _error(cc.post("/roles", json=body), 400, "ERR_BAD_REQUEST")
    assert field in error.get("details", {}), error
    assert _all_roles(cc) == before
    _error(cc.get("/roles/okrole"), 404, "ERR_ROLE_NOT_FOUND")


def test_create_role_reports_every_bad_field_at_once(cc):
    body = {"role": "r", "name": "", "description": "d" * 256, "metadata": "x"}
    error = _error(cc.post("/roles", json=body), 400, "ERR_BAD_REQUEST")
    assert {"name", "description", "metadata"} <= set(error["details"])
    assert _total(cc) == 1


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b'"role"', b"{"])
def test_create_role_rejects_a_body_that_is_not_an_object(cc, raw):
    response = cc.post("/roles", content=raw, headers={"content-type": "application/json"})
    _error(response, 400, "ERR_BAD_REQUEST")
    assert _total(cc) == 1


def test_duplicate_role_is_refused(cc):
    first = _create(cc, "mod", "Original", description="first")
    for again in ("mod", "MOD", "Mod"):
        response = cc.post("/roles", json={"role": again, "name": "Copy"})
        _error(response, 409, "ERR_ROLE_ALREADY_EXISTS")
    assert cc.get("/roles/mod").json()["data"] == first
    assert _total(cc) == 2


def test_default_role_cannot_be_created_again(cc):
    _error(cc.post("/roles", json={"role": "default", "name": "x"}), 409, "ERR_ROLE_ALREADY_EXISTS")
    _error(cc.post("/roles", json={"role": "DEFAULT", "name": "x"}), 409, "ERR_ROLE_ALREADY_EXISTS")
    assert _total(cc) == 1


# --- list -------------------------------------------------------------------------------------


def test_a_new_app_lists_only_the_default_role(cc):
    response = cc.get("/roles")
    assert response.status_code == 200, response.text
    body = response.json()
    assert [r["role"] for r in body["data"]] == ["default"]
    assert body["meta"]["pagination"] == {
        "total": 1,
        "count": 1,
        "per_page": 100,
        "current_page": 1,
        "total_pages": 1,
    }
    default = body["data"][0]
    assert default["name"]
    assert _is_seconds(default["createdAt"])


def test_default_role_is_listed_with_updated_at(cc):
    """Reference §11': 'the `default` role appears with `updatedAt`'."""
    default = _all_roles(cc)["default"]
    assert _is_seconds(default.get("updatedAt")), default
    got = cc.get("/roles/default")
    assert got.status_code == 200, got.text
    assert got.json()["data"]["role"] == "default"


def test_list_has_exact_pagination(cc):
    created = {_create(cc, f"role{i}")["role"] for i in range(5)}
    everything = created | {"default"}

    body = cc.get("/roles").json()
    assert {r["role"] for r in body["data"]} == everything
    assert body["meta"]["pagination"] == {
        "total": 6,
        "count": 6,
        "per_page": 100,
        "current_page": 1,
        "total_pages": 1,
    }

    seen: list[str] = []
    for page, count in ((1, 4), (2, 2)):
        body = cc.get("/roles", params={"perPage": 4, "page": page}).json()
        assert body["meta"]["pagination"] == {
            "total": 6,
            "count": count,
            "per_page": 4,
            "current_page": page,
            "total_pages": 2,
        }
        assert len(body["data"]) == count
        seen.extend(r["role"] for r in body["data"])
    assert sorted(seen) == sorted(everything)

    beyond = cc.get("/roles", params={"perPage": 4, "page": 3}).json()
    assert beyond["data"] == []
    assert beyond["meta"]["pagination"]["total"] == 6
    assert beyond["meta"]["pagination"]["count"] == 0
    assert beyond["meta"]["pagination"]["current_page"] == 3


@pytest.mark.parametrize(
    "params",
    [{"perPage": 0}, {"perPage": -1}, {"perPage": "many"}, {"page": 0}, {"page": "x"}],
)
def test_list_rejects_bad_paging(cc, params):
    _error(cc.get("/roles", params=params), 400, "ERR_BAD_REQUEST")


# --- get --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["ghost", "GHOST", "x" * 101, "bad!role"])
def test_get_unknown_role_is_not_found(cc, role):
    error = _error(cc.get(f"/roles/{role}"), 404, "ERR_ROLE_NOT_FOUND")
    assert error["message"]


def test_get_role_returns_what_was_created(cc):
    created = _create(cc, "editor", "Editors", metadata={"k": "v"})
    response = cc.get("/roles/editor")
    assert response.status_code == 200, response.text
    assert response.json()["data"] == created


# --- update -----------------------------------------------------------------------------------


def test_update_role_fields(cc):
    _create(cc, "editor", "Editors")
    changes = {
        "name": "Chief editors",
        "description": "They edit",
        "metadata": {"shift": "night"},
        "settings": {"listUsers": "friendsOnly", "sendMessagesTo": "friendsOnly"},
    }
    response = cc.put("/roles/EDITOR", json=changes)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["role"] == "editor"
    for key, value in changes.items():
        assert data[key] == value
    assert _is_seconds(data["updatedAt"])
    assert data["updatedAt"] >= data["createdAt"]
    assert cc.get("/roles/editor").json()["data"] == data


def test_update_only_name_keeps_the_rest(cc):
    created = _create(
        cc,
        "editor",
        "Editors",
        description="desc",
        metadata={"a": 1},
        settings={"listUsers": "all"},
    )
    data = cc.put("/roles/editor", json={"name": "Renamed"}).json()["data"]
    assert data["name"] == "Renamed"
    for key in ("description", "metadata", "settings", "createdAt"):
        assert data[key] == created[key]


def test_update_cannot_change_the_role_id(cc):
    _create(cc, "editor", "Editors")
    response = cc.put("/roles/editor", json={"role": "other", "name": "Still editor"})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["role"] == "editor"
    _error(cc.get("/roles/other"), 404, "ERR_ROLE_NOT_FOUND")
    assert cc.get("/roles/editor").json()["data"]["name"] == "Still editor"


def test_update_with_unset_clears_fields(cc):
    _create(
        cc,
        "editor",
        "Editors",
        description="desc",
        metadata={"a": 1},
        settings={"listUsers": "friendsOnly"},
    )
    response = cc.put("/roles/editor", json={"unset": ["description", "metadata"]})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert "description" not in data
    assert "metadata" not in data
    assert data["settings"] == {"listUsers": "friendsOnly"}
    assert data["name"] == "Editors"

    data = cc.put("/roles/editor", json={"unset": ["settings"]}).json()["data"]
    assert "settings" not in data
    assert cc.get("/roles/editor").json()["data"] == data


def test_update_with_unset_wins_over_a_value_for_the_same_field(cc):
    _create(cc, "editor", "Editors", description="old")
    body = {"description": "new", "name": "Eds", "unset": ["description"]}
    data = cc.put("/roles/editor", json=body).json()["data"]
    assert "description" not in data
    assert data["name"] == "Eds"


def test_update_unknown_role_is_not_found(cc):
    _error(cc.put("/roles/ghost", json={"name": "x"}), 404, "ERR_ROLE_NOT_FOUND")
    _error(cc.get("/roles/ghost"), 404, "ERR_ROLE_NOT_FOUND")
    assert _total(cc) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": 5}, "name"),
        ({"name": "n" * 101}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"description": "d\x00"}, "description"),
        ({"description": "d" * 256}, "description"),
        ({"description": ["d"]}, "description"),
        ({"metadata": "text"}, "metadata"),
        ({"metadata": [1]}, "metadata"),
        ({"settings": {"listUsers": "nobody"}}, "settings"),
        ({"settings": {"unknown": "all"}}, "settings"),
        ({"settings": "all"}, "settings"),
        ({"unset": "description"}, "unset"),
        ({"unset": ["name"]}, "unset"),
        ({"unset": ["role"]}, "unset"),
        ({"unset": ["description", "bogus"]}, "unset"),
        ({"name": "Fine", "description": "d" * 256}, "description"),
        ({"name": "Fine", "unset": ["description", "name"]}, "unset"),
    ],
)
def test_update_rejects_bad_input_and_changes_nothing(cc, body, field):
    before = _create(
        cc,
        "editor",
        "Editors",
        description="desc",
        metadata={"a": 1},
        settings={"listUsers": "all"},
    )
    error = _error(cc.put("/roles/editor", json=body), 400, "ERR_BAD_REQUEST")
    assert field in error.get("details", {}), error
    assert cc.get("/roles/editor").json()["data"] == before


@pytest.mark.parametrize("raw", [b"", b"nope", b"[]"])
def test_update_rejects_a_body_that_is_not_an_object(cc, raw):
    before = _create(cc, "editor", "Editors")
    response = cc.put("/roles/editor", content=raw, headers={"content-type": "application/json"})
    _error(response, 400, "ERR_BAD_REQUEST")
    assert cc.get("/roles/editor").json()["data"] == before


# --- delete -----------------------------------------------------------------------------------


def test_delete_role(cc):
    _create(cc, "temp", "Temporary")
    assert _total(cc) == 2
    response = cc.delete("/roles/TEMP")
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {
        "success": True,
        "message": "Role temp has been deleted successfully.",
    }
    _error(cc.get("/roles/temp"), 404, "ERR_ROLE_NOT_FOUND")
    assert set(_all_roles(cc)) == {"default"}
    _error(cc.delete("/roles/temp"), 404, "ERR_ROLE_NOT_FOUND")

    again = _create(cc, "temp", "Back again")
    assert again["name"] == "Back again"
    assert "description" not in again


def test_delete_unknown_role_is_not_found(cc):
    _error(cc.delete("/roles/ghost"), 404, "ERR_ROLE_NOT_FOUND")
    assert _total(cc) == 1


@pytest.mark.parametrize("path", ["/roles/default", "/roles/DEFAULT", "/roles/Default"])
def test_default_role_cannot_be_deleted(cc, path):
    _error(cc.delete(path), 403, "ERR_ROLE_DELETE_DENIED")
    assert "default" in _all_roles(cc)
    assert cc.get("/roles/default").status_code == 200


def test_role_held_by_a_user_cannot_be_deleted(cc):
    _create(cc, "mod", "Moderators")
    user = make_user(cc, "alice", role="mod")
    assert user["role"] == "mod"

    _error(cc.delete("/roles/mod"), 409, "ERR_ROLE_DELETE_FAILED")
    assert "mod" in _all_roles(cc)
    assert cc.get("/users/alice").json()["data"]["role"] == "mod"

    moved = cc.put("/users/alice", json={"role": "default"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["data"]["role"] == "default"
    assert cc.delete("/roles/mod").status_code == 200
    _error(cc.get("/roles/mod"), 404, "ERR_ROLE_NOT_FOUND")


def test_role_held_by_a_deactivated_user_cannot_be_deleted(cc):
    _create(cc, "mod", "Moderators")
    make_user(cc, "alice", role="mod")
    assert cc.delete("/users/alice").status_code == 200  # soft delete: deactivated
    _error(cc.delete("/roles/mod"), 409, "ERR_ROLE_DELETE_FAILED")
    assert "mod" in _all_roles(cc)


def test_role_is_free_once_its_user_is_deleted_permanently(cc):
    _create(cc, "mod", "Moderators")
    make_user(cc, "alice", role="mod")
    gone = cc.request("DELETE", "/users/alice", json={"permanent": True})
    assert gone.status_code == 200, gone.text
    response = cc.delete("/roles/mod")
    assert response.status_code == 200, response.text
    assert set(_all_roles(cc)) == {"default"}


# --- the per-app limit --------------------------------------------------------------------------


def test_at_most_25_roles_per_app(cc):
    for i in range(MAX_ROLES - 1):  # the built-in default role is the 25th
        _create(cc, f"role{i:02d}")
    assert _total(cc) == MAX_ROLES

    error = _error(
        cc.post("/roles", json={"role": "one-too-many", "name": "x"}), 400, "ERR_BAD_REQUEST"
    )
    assert error["message"]
    _error(cc.get("/roles/one-too-many"), 404, "ERR_ROLE_NOT_FOUND")
    assert _total(cc) == MAX_ROLES
    body = cc.get("/roles", params={"perPage": 10}).json()
    assert body["meta"]["pagination"]["total"] == MAX_ROLES
    assert body["meta"]["pagination"]["total_pages"] == 3

    assert cc.delete("/roles/role00").status_code == 200
    _create(cc, "one-more")
    assert _total(cc) == MAX_ROLES


# --- a user's role must exist -------------------------------------------------------------------


def test_new_user_gets_the_default_role(cc):
    assert make_user(cc, "bob")["role"] == "default"


def test_create_user_with_unknown_role_is_refused(cc):
    response = cc.post("/users", json={"uid": "bob", "name": "Bob", "role": "ghost"})
    _error(response, 404, "ERR_ROLE_NOT_FOUND")
    _error(cc.get("/users/bob"), 404, "ERR_UID_NOT_FOUND")
    listed = cc.get("/users").json()
    assert listed["data"] == []


def test_create_user_with_existing_role_in_any_case(cc):
    _create(cc, "mod", "Moderators")
    user = make_user(cc, "bob", role="MOD")
    assert user["role"] == "mod"
    assert cc.get("/users/bob").json()["data"]["role"] == "mod"
    assert make_user(cc, "carol", role="default")["role"] == "default"


def test_update_user_to_unknown_role_is_refused(cc):
    _create(cc, "mod", "Moderators")
    make_user(cc, "bob", "Bob", role="mod")
    response = cc.put("/users/bob", json={"role": "ghost", "name": "Robert"})
    _error(response, 404, "ERR_ROLE_NOT_FOUND")
    got = cc.get("/users/bob").json()["data"]
    assert got["role"] == "mod"
    assert got["name"] == "Bob"


def test_update_user_to_existing_role(cc):
    _create(cc, "mod", "Moderators")
    make_user(cc, "bob")
    response = cc.put("/users/bob", json={"role": "Mod"})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["role"] == "mod"
    assert cc.get("/users/bob").json()["data"]["role"] == "mod"


def test_deleted_role_can_no_longer_be_given_to_users(cc):
    _create(cc, "temp")
    assert cc.delete("/roles/temp").status_code == 200
    response = cc.post("/users", json={"uid": "bob", "name": "Bob", "role": "temp"})
    _error(response, 404, "ERR_ROLE_NOT_FOUND")


# --- roles belong to one app --------------------------------------------------------------------


def test_roles_are_per_app(cc, keys):
    other = {"apikey": keys["other_app"]}
    _create(cc, "mod", "App one moderators")

    _error(cc.get("/roles/mod", headers=other), 404, "ERR_ROLE_NOT_FOUND")
    listed = cc.get("/roles", headers=other).json()
    assert [r["role"] for r in listed["data"]] == ["default"]
    assert listed["meta"]["pagination"]["total"] == 1
    _error(cc.put("/roles/mod", json={"name": "x"}, headers=other), 404, "ERR_ROLE_NOT_FOUND")
    _error(cc.delete("/roles/mod", headers=other), 404, "ERR_ROLE_NOT_FOUND")
    response = cc.post("/users", json={"uid": "u", "name": "U", "role": "mod"}, headers=other)
    _error(response, 404, "ERR_ROLE_NOT_FOUND")

    theirs = cc.post("/roles", json={"role": "mod", "name": "App two mods"}, headers=other)
    assert theirs.status_code == 200, theirs.text
    assert cc.get("/roles/mod").json()["data"]["name"] == "App one moderators"
    assert cc.get("/roles/mod", headers=other).json()["data"]["name"] == "App two mods"

    make_user(cc, "holder", role="mod")
    assert cc.delete("/roles/mod", headers=other).status_code == 200
    _error(cc.delete("/roles/mod"), 409, "ERR_ROLE_DELETE_FAILED")


def test_role_limit_is_per_app(cc, keys):
    for i in range(MAX_ROLES - 1):
        _create(cc, f"role{i:02d}")
    _error(cc.post("/roles", json={"role": "extra", "name": "x"}), 400, "ERR_BAD_REQUEST")
    other = cc.post(
        "/roles", json={"role": "extra", "name": "x"}, headers={"apikey": keys["other_app"]}
    )
    assert other.status_code == 200, other.text
