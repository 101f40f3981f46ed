"""Sendbird blocking over HTTP: block, list blocked / blocking users, unblock
(reference sendbird-users-api.md §3.8, §4, §5).

Every test runs on SQLite and PostgreSQL; every response is validated against the dialect's
OpenAPI document by the `sb` client (`cc` is a CometChat client on the same store).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.sendbird_helpers import USER_FIELDS, err, ok, upath

# Ids that only work when the server routes on the raw path and decodes segments afterwards.
SPECIAL_IDS = [
    "a/b",
    "two words",
    "alice@example.org",
    "ünïcødé-日本-😀",
    "a/b c@é?#%+&=;",
    "100%",
    "%2F",
    "what?",
    "hash#tag",
    "plus+sign",
    ".",
    "..",
]


# --- helpers -----------------------------------------------------------------------------


def segment(uid: str) -> str:
    """One percent-encoded path segment (dots-only ids as %2E, as `upath` does)."""
    encoded = quote(uid, safe="")
    if set(uid) == {"."}:
        encoded = encoded.replace(".", "%2E")
    return encoded


def block_path(uid: str, target: str | None = None) -> str:
    return upath(uid, "/block" if target is None else "/block/" + segment(target))


def create(sb: Any, uid: str, nickname: str | None = None, **fields: Any) -> dict[str, Any]:
    body = {"user_id": uid, "nickname": uid if nickname is None else nickname, **fields}
    created: dict[str, Any] = ok(sb.post("/users", json=body))
    assert created["user_id"] == uid
    return created


def create_all(sb: Any, *uids: str) -> None:
    for uid in uids:
        create(sb, uid)


def view(sb: Any, uid: str) -> dict[str, Any]:
    found: dict[str, Any] = ok(sb.get(upath(uid)))
    return found


def block(sb: Any, uid: str, body: dict[str, Any]) -> dict[str, Any]:
    reply: dict[str, Any] = ok(sb.post(block_path(uid), json=body))
    return reply


def unblock(sb: Any, uid: str, target: str) -> None:
    assert ok(sb.delete(block_path(uid, target))) == {}


def page(sb: Any, uid: str, **params: Any) -> dict[str, Any]:
    body: dict[str, Any] = ok(sb.get(block_path(uid), params=params))
    assert set(body) == {"users", "next"}, body
    assert isinstance(body["next"], str)
    for user in body["users"]:
        assert_user_shape(user)
    return body


def blocked(sb: Any, uid: str, **params: Any) -> list[str]:
    """One page (up to 100) of the list, as user ids; it must be the last page."""
    body = page(sb, uid, limit=100, **params)
    assert body["next"] == ""
    return [u["user_id"] for u in body["users"]]


def walk(sb: Any, uid: str, limit: int, **params: Any) -> list[list[str]]:
    """Every page, following `next` until it is ""."""
    pages: list[list[str]] = []
    token = ""
    for _ in range(1000):
        query = {"limit": limit, **params}
        if token:
            query["token"] = token
        body = page(sb, uid, **query)
        pages.append([u["user_id"] for u in body["users"]])
        token = body["next"]
        if token == "":
            return pages
    raise AssertionError("the block list never ended")


def assert_user_shape(user: dict[str, Any]) -> None:
    for name, kind in USER_FIELDS.items():
        assert name in user, f"{name} missing from {user}"
        assert type(user[name]) is kind, f"{name}={user[name]!r} is not {kind}"
    assert all(type(v) is str for v in user["metadata"].values())


def without_users(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "users"}


# --- POST /users/{user_id}/block ---------------------------------------------------------


def test_block_one_target_replies_with_the_user_and_users(sb):
    create(sb, "alice")
    create(sb, "bob", "Bobby", metadata={"team": "red"}, profile_url="https://e.com/b.png")
    reply = block(sb, "alice", {"target_id": "bob"})
    assert_user_shape(reply)
    assert reply["user_id"] == "bob"
    assert reply["nickname"] == "Bobby"
    assert reply["metadata"] == {"team": "red"}
    assert reply["profile_url"] == "https://e.com/b.png"
    assert reply["is_active"] is True
    assert reply["access_token"] == ""
    assert "is_created" not in reply
    assert reply["users"] == [without_users(reply)]
    assert without_users(reply) == view(sb, "bob")
    assert blocked(sb, "alice") == ["bob"]
    assert blocked(sb, "bob", list="blocking_me") == ["alice"]


def test_block_many_with_user_ids(sb):
    create_all(sb, "alice", "bob", "carol", "dave")
    reply = block(sb, "alice", {"user_ids": ["carol", "bob"]})
    assert set(reply) == {"users"}
    assert [u["user_id"] for u in reply["users"]] == ["carol", "bob"]
    for user in reply["users"]:
        assert_user_shape(user)
        assert user == view(sb, user["user_id"])
    assert blocked(sb, "alice") == ["bob", "carol"]
    assert blocked(sb, "dave", list="blocking_me") == []


def test_block_many_with_the_users_synonym(sb):
    create_all(sb, "alice", "bob", "carol")
    reply = block(sb, "alice", {"users": ["bob", "carol"]})
    assert set(reply) == {"users"}
    assert [u["user_id"] for u in reply["users"]] == ["bob", "carol"]
    assert blocked(sb, "alice") == ["bob", "carol"]


def test_block_one_item_list_is_still_a_bulk_reply(sb):
    create_all(sb, "alice", "bob")
    reply = block(sb, "alice", {"user_ids": ["bob"]})
    assert set(reply) == {"users"}
    assert [u["user_id"] for u in reply["users"]] == ["bob"]


def test_target_id_wins_over_user_ids(sb):
    create_all(sb, "alice", "bob", "carol")
    reply = block(sb, "alice", {"target_id": "bob", "user_ids": ["carol"]})
    assert reply["user_id"] == "bob"
    assert [u["user_id"] for u in reply["users"]] == ["bob"]
    assert blocked(sb, "alice") == ["bob"]


def test_block_repeated_ids_in_one_call_collapse(sb):
    create_all(sb, "alice", "bob", "carol")
    reply = block(sb, "alice", {"user_ids": ["bob", "carol", "bob"]})
    assert [u["user_id"] for u in reply["users"]] == ["bob", "carol"]
    assert blocked(sb, "alice") == ["bob", "carol"]


def test_unknown_body_keys_are_ignored(sb):
    create_all(sb, "alice", "bob")
    reply = block(sb, "alice", {"target_id": "bob", "extra": {"x": 1}})
    assert reply["user_id"] == "bob"
    assert blocked(sb, "alice") == ["bob"]


def test_blocking_twice_is_fine(sb):
    create_all(sb, "alice", "bob", "carol")
    first = block(sb, "alice", {"target_id": "bob"})
    second = block(sb, "alice", {"target_id": "bob"})
    assert without_users(second) == without_users(first)
    assert [u["user_id"] for u in second["users"]] == ["bob"]
    third = block(sb, "alice", {"user_ids": ["bob", "carol"]})
    assert [u["user_id"] for u in third["users"]] == ["bob", "carol"]
    assert blocked(sb, "alice") == ["bob", "carol"]
    assert blocked(sb, "bob", list="blocking_me") == ["alice"]


def test_blocks_are_one_way(sb):
    create_all(sb, "alice", "bob")
    block(sb, "alice", {"target_id": "bob"})
    assert blocked(sb, "bob") == []
    assert blocked(sb, "alice", list="blocking_me") == []
    block(sb, "bob", {"target_id": "alice"})
    assert blocked(sb, "bob") == ["alice"]
    assert blocked(sb, "alice", list="blocking_me") == ["bob"]


def test_block_self_is_400112(sb):
    create_all(sb, "alice", "bob")
    err(sb.post(block_path("alice"), json={"target_id": "alice"}), 400112)
    err(sb.post(block_path("alice"), json={"user_ids": ["bob", "alice"]}), 400112)
    err(sb.post(block_path("alice"), json={"users": ["alice"]}), 400112)
    assert blocked(sb, "alice") == []
    assert blocked(sb, "alice", list="blocking_me") == []


def test_block_unknown_target_is_400201(sb):
    create_all(sb, "alice", "bob")
    body = err(sb.post(block_path("alice"), json={"target_id": "ghost"}), 400201)
    assert body["message"] == '"User" not found.'
    err(sb.post(block_path("alice"), json={"target_id": ""}), 400201)
    err(sb.post(block_path("alice"), json={"user_ids": ["bob", ""]}), 400201)
    assert blocked(sb, "alice") == []


def test_bulk_block_with_one_unknown_blocks_none(sb):
    create_all(sb, "alice", "bob", "carol", "dave")
    block(sb, "alice", {"target_id": "dave"})
    err(sb.post(block_path("alice"), json={"user_ids": ["bob", "ghost", "carol"]}), 400201)
    err(sb.post(block_path("alice"), json={"users": ["bob", "carol", "ghost"]}), 400201)
    assert blocked(sb, "alice") == ["dave"]
    assert blocked(sb, "bob", list="blocking_me") == []


def test_target_ids_are_case_sensitive(sb):
    create_all(sb, "alice", "Bob")
    err(sb.post(block_path("alice"), json={"target_id": "bob"}), 400201)
    assert block(sb, "alice", {"target_id": "Bob"})["user_id"] == "Bob"
    assert blocked(sb, "alice") == ["Bob"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"target_id": None},
        {"user_ids": None},
        {"users": None},
        {"target": "bob"},
        {"user_id": "bob"},
    ],
    ids=["empty", "null-target", "null-user-ids", "null-users", "target", "user-id"],
)
def test_block_without_targets_is_400105(sb, body):
    create_all(sb, "alice", "bob")
    err(sb.post(block_path("alice"), json=body), 400105)
    assert blocked(sb, "alice") == []


def test_block_without_a_body_is_400105(sb):
    create(sb, "alice")
    err(sb.post(block_path("alice")), 400105)
    err(sb.post(block_path("alice"), headers={"Content-Type": "application/json"}), 400105)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"target_id": 5}, 400100),
        ({"target_id": True}, 400100),
        ({"target_id": ["bob"]}, 400100),
        ({"target_id": {"id": "bob"}}, 400100),
        ({"user_ids": "bob"}, 400102),
        ({"user_ids": {"bob": True}}, 400102),
        ({"user_ids": [1]}, 400102),
        ({"user_ids": ["bob", None]}, 400102),
        ({"user_ids": [["bob"]]}, 400102),
        ({"users": "bob,carol"}, 400102),
        ({"users": [{"user_id": "bob"}]}, 400102),
    ],
)
def test_block_with_wrong_types(sb, body, code):
    create_all(sb, "alice", "bob", "carol")
    err(sb.post(block_path("alice"), json=body), code)
    assert blocked(sb, "alice") == []


@pytest.mark.parametrize("content", [b"{not json", b"[]", b'["bob"]', b'"bob"', b"null"])
def test_block_with_a_body_that_is_not_an_object_is_400403(sb, content):
    create_all(sb, "alice", "bob")
    headers = {"Content-Type": "application/json"}
    err(sb.post(block_path("alice"), content=content, headers=headers), 400403)
    assert blocked(sb, "alice") == []


def test_block_with_an_empty_list_is_refused(sb):
    create(sb, "alice")
    err(sb.post(block_path("alice"), json={"user_ids": []}), 400151)
    err(sb.post(block_path("alice"), json={"users": []}), 400151)


def test_block_more_than_100_targets_is_400203(sb):
    create(sb, "alice")
    create(sb, "bob")
    err(sb.post(block_path("alice"), json={"user_ids": ["bob"] * 101}), 400203)
    assert blocked(sb, "alice") == []


def test_block_by_an_unknown_user_is_400201(sb):
    create(sb, "bob")
    body = err(sb.post(block_path("ghost"), json={"target_id": "bob"}), 400201)
    assert body["message"] == '"User" not found.'
    err(sb.post(block_path("ghost"), json={"user_ids": ["bob"]}), 400201)
    assert blocked(sb, "bob", list="blocking_me") == []


def test_block_routes_need_the_api_token(sb):
    create_all(sb, "alice", "bob")
    no_token = {"Api-Token": ""}
    err(sb.post(block_path("alice"), json={"target_id": "bob"}, headers=no_token), 400401, 401)
    err(sb.get(block_path("alice"), headers={"Api-Token": "nope"}), 400401, 401)
    err(sb.delete(block_path("alice", "bob"), headers=no_token), 400401, 401)
    assert blocked(sb, "alice") == []


@pytest.mark.parametrize("special", SPECIAL_IDS)
def test_special_id_as_blocker(sb, special):
    create_all(sb, special, "plain", "other")
    reply = block(sb, special, {"target_id": "plain"})
    assert reply["user_id"] == "plain"
    block(sb, special, {"user_ids": ["other"]})
    assert blocked(sb, special) == ["other", "plain"]
    assert blocked(sb, "plain", list="blocking_me") == [special]
    unblock(sb, special, "plain")
    assert blocked(sb, special) == ["other"]
    err(sb.post(block_path(special), json={"target_id": special}), 400112)


@pytest.mark.parametrize("special", SPECIAL_IDS)
def test_special_id_as_target(sb, special):
    create_all(sb, "plain", special)
    reply = block(sb, "plain", {"target_id": special})
    assert reply["user_id"] == special
    assert [u["user_id"] for u in reply["users"]] == [special]
    assert blocked(sb, "plain") == [special]
    assert blocked(sb, special, list="blocking_me") == ["plain"]
    assert blocked(sb, "plain", user_ids=special) == [special]
    unblock(sb, "plain", special)
    assert blocked(sb, "plain") == []
    assert blocked(sb, special, list="blocking_me") == []


def test_slash_ids_are_not_sub_routes(sb):
    # "a/block" blocks through its own route; "a" exists too and must stay untouched.
    create_all(sb, "a", "a/block", "b", "b/c")
    block(sb, "a/block", {"target_id": "b/c"})
    assert blocked(sb, "a/block") == ["b/c"]
    assert blocked(sb, "a") == []
    assert blocked(sb, "b") == []
    unblock(sb, "a/block", "b/c")
    assert blocked(sb, "a/block") == []


# --- GET /users/{user_id}/block ----------------------------------------------------------


def test_list_directions(sb):
    create_all(sb, "alice", "bob", "carol", "dave", "erin")
    block(sb, "alice", {"user_ids": ["carol", "bob"]})
    block(sb, "dave", {"target_id": "alice"})
    block(sb, "erin", {"target_id": "alice"})
    assert blocked(sb, "alice") == ["bob", "carol"]
    assert blocked(sb, "alice", list="blocked_by_me") == ["bob", "carol"]
    assert blocked(sb, "alice", list="blocking_me") == ["dave", "erin"]
    assert blocked(sb, "bob", list="blocking_me") == ["alice"]
    assert blocked(sb, "bob") == []
    assert blocked(sb, "dave") == ["alice"]


def test_list_default_page_and_shape(sb):
    create(sb, "alice")
    targets = [f"t{i:02d}" for i in range(12)]
    create_all(sb, *targets)
    block(sb, "alice", {"user_ids": targets})
    body = ok(sb.get(block_path("alice")))
    assert set(body) == {"users", "next"}
    assert [u["user_id"] for u in body["users"]] == targets[:10]
    assert isinstance(body["next"], str) and body["next"]
    for user in body["users"]:
        assert user == view(sb, user["user_id"])


def test_empty_list(sb):
    create(sb, "alice")
    assert ok(sb.get(block_path("alice"))) == {"users": [], "next": ""}
    assert ok(sb.get(block_path("alice"), params={"list": "blocking_me"})) == {
        "users": [],
        "next": "",
    }


def test_list_is_ordered_by_user_id(sb):
    create(sb, "owner")
    # created and blocked in a scrambled order; nicknames sort the other way round
    ids = ["m", "Zed", "b-2", "a", "b-10", "é", "B", "z", "0"]
    for i, uid in enumerate(ids):
        create(sb, uid, f"{chr(ord('z') - i)}-nick")
    block(sb, "owner", {"user_ids": ids})
    assert blocked(sb, "owner") == sorted(ids)
    for uid in ids:
        block(sb, uid, {"target_id": "owner"})
    assert blocked(sb, "owner", list="blocking_me") == sorted(ids)


def test_token_walk_with_limit_2(sb):
    create_all(sb, "alice", "zz-not-blocked")
    targets = ["u5", "u1", "u4", "u2", "u3"]
    create_all(sb, *targets)
    block(sb, "alice", {"user_ids": targets})
    assert walk(sb, "alice", 2) == [["u1", "u2"], ["u3", "u4"], ["u5"]]
    assert walk(sb, "alice", 2, list="blocked_by_me") == [["u1", "u2"], ["u3", "u4"], ["u5"]]


def test_token_walk_ends_on_a_full_page(sb):
    create(sb, "alice")
    targets = ["u1", "u2", "u3", "u4"]
    create_all(sb, *targets)
    block(sb, "alice", {"user_ids": targets})
    assert walk(sb, "alice", 2) == [["u1", "u2"], ["u3", "u4"]]
    assert walk(sb, "alice", 4) == [targets]


def test_token_walk_of_blocking_me(sb):
    create(sb, "alice")
    blockers = ["b3", "b1", "b5", "b2", "b4"]
    create_all(sb, *blockers)
    for uid in blockers:
        block(sb, uid, {"target_id": "alice"})
    assert walk(sb, "alice", 2, list="blocking_me") == [["b1", "b2"], ["b3", "b4"], ["b5"]]


def test_token_walk_sees_changes_between_pages(sb):
    create(sb, "alice")
    targets = ["u1", "u2", "u3", "u4", "u5"]
    create_all(sb, *targets)
    block(sb, "alice", {"user_ids": targets})
    first = page(sb, "alice", limit=2)
    assert [u["user_id"] for u in first["users"]] == ["u1", "u2"]
    unblock(sb, "alice", "u3")
    second = page(sb, "alice", limit=2, token=first["next"])
    assert [u["user_id"] for u in second["users"]] == ["u4", "u5"]
    assert second["next"] == ""


def test_token_with_the_same_filters_is_reusable(sb):
    create(sb, "alice")
    create_all(sb, "u1", "u2", "u3")
    block(sb, "alice", {"user_ids": ["u1", "u2", "u3"]})
    first = page(sb, "alice", limit=2)
    again = page(sb, "alice", limit=2, token=first["next"])
    once_more = page(sb, "alice", limit=2, token=first["next"])
    assert again == once_more
    assert [u["user_id"] for u in again["users"]] == ["u3"]


def test_token_of_another_list_is_400111(sb):
    create_all(sb, "alice", "bob")
    targets = ["u1", "u2", "u3"]
    create_all(sb, *targets)
    block(sb, "alice", {"user_ids": targets})
    block(sb, "bob", {"user_ids": targets})
    token = page(sb, "alice", limit=1)["next"]
    assert token
    err(sb.get(block_path("bob"), params={"limit": 1, "token": token}), 400111)
    err(sb.get(block_path("alice"), params={"list": "blocking_me", "token": token}), 400111)
    err(sb.get(block_path("alice"), params={"user_ids": "u2,u3", "token": token}), 400111)
    err(sb.get(block_path("alice"), params={"token": "not-a-token"}), 400111)
    users_token = ok(sb.get("/users", params={"limit": 1}))["next"]
    assert users_token
    err(sb.get(block_path("alice"), params={"token": users_token}), 400111)


def test_user_ids_filter(sb):
    create(sb, "alice")
    create_all(sb, "bob", "carol", "dave", "erin")
    block(sb, "alice", {"user_ids": ["bob", "carol", "dave"]})
    assert blocked(sb, "alice", user_ids="dave,bob") == ["bob", "dave"]
    # not blocked, unknown and repeated ids change nothing
    assert blocked(sb, "alice", user_ids="erin,ghost,carol,carol") == ["carol"]
    assert blocked(sb, "alice", user_ids="erin") == []
    # the Flutter SDK repeats the key instead of joining with commas
    body = ok(sb.get(block_path("alice") + "?user_ids=bob&user_ids=dave&limit=100"))
    assert [u["user_id"] for u in body["users"]] == ["bob", "dave"]
    # the Python SDK percent-encodes the commas
    body = ok(sb.get(block_path("alice") + "?user_ids=carol%2Cdave"))
    assert [u["user_id"] for u in body["users"]] == ["carol", "dave"]


def test_user_ids_filter_with_blocking_me(sb):
    create(sb, "alice")
    create_all(sb, "bob", "carol", "dave")
    for uid in ("bob", "carol", "dave"):
        block(sb, uid, {"target_id": "alice"})
    assert blocked(sb, "alice", list="blocking_me", user_ids="carol,dave") == ["carol", "dave"]


def test_user_ids_filter_walk(sb):
    create(sb, "alice")
    targets = [f"u{i}" for i in range(1, 7)]
    create_all(sb, *targets)
    block(sb, "alice", {"user_ids": targets})
    assert walk(sb, "alice", 2, user_ids="u6,u1,u3,u5,u9") == [["u1", "u3"], ["u5", "u6"]]


def test_more_than_250_user_ids_is_400203(sb):
    create(sb, "alice")
    ids = ",".join(f"id{i}" for i in range(251))
    err(sb.get(block_path("alice"), params={"user_ids": ids}), 400203)
    ok(sb.get(block_path("alice"), params={"user_ids": ",".join(f"id{i}" for i in range(250))}))


def test_metadata_filter(sb):
    create(sb, "alice")
    create(sb, "bob", metadata={"team": "red"})
    create(sb, "carol", metadata={"team": "blue"})
    create(sb, "dave", metadata={"team": "green"})
    create(sb, "erin", metadata={"team": "red"})  # red, but not blocked
    create(sb, "frank", metadata={"colour": "red"})
    create(sb, "gina")
    block(sb, "alice", {"user_ids": ["bob", "carol", "dave", "frank", "gina"]})
    query = {"metadatakey": "team", "metadatavalues_in": "red,blue"}
    assert blocked(sb, "alice", **query) == ["bob", "carol"]
    assert blocked(sb, "alice", metadatakey="team", metadatavalues_in="green") == ["dave"]
    assert blocked(sb, "alice", metadatakey="team", metadatavalues_in="purple") == []
    assert blocked(sb, "alice", metadatakey="colour", metadatavalues_in="red") == ["frank"]
    assert blocked(sb, "alice", user_ids="carol,dave", **query) == ["carol"]
    assert walk(sb, "alice", 1, **query) == [["bob"], ["carol"]]


def test_metadata_filter_with_blocking_me(sb):
    create(sb, "alice")
    create(sb, "bob", metadata={"team": "red"})
    create(sb, "carol", metadata={"team": "blue"})
    block(sb, "bob", {"target_id": "alice"})
    block(sb, "carol", {"target_id": "alice"})
    assert blocked(
        sb, "alice", list="blocking_me", metadatakey="team", metadatavalues_in="blue"
    ) == ["carol"]


@pytest.mark.parametrize(
    "params",
    [
        {"metadatakey": "team"},
        {"metadatavalues_in": "red"},
        {"metadatakey": "team", "metadatavalues_in": ""},
        {"metadatakey": "", "metadatavalues_in": "red"},
    ],
    ids=["key-only", "values-only", "empty-values", "empty-key"],
)
def test_metadata_filter_half_given_is_400105(sb, params):
    create(sb, "alice")
    err(sb.get(block_path("alice"), params=params), 400105)


@pytest.mark.parametrize("value", ["blocked", "BLOCKED_BY_ME", "all", "blockedByMe", "both"])
def test_bad_list_value_is_400111(sb, value):
    create(sb, "alice")
    err(sb.get(block_path("alice"), params={"list": value}), 400111)


def test_empty_list_value_means_the_default(sb):
    create_all(sb, "alice", "bob")
    block(sb, "alice", {"target_id": "bob"})
    assert blocked(sb, "alice", list="") == ["bob"]


@pytest.mark.parametrize(("limit", "code"), [("0", 400111), ("101", 400111), ("abc", 400101)])
def test_bad_limit(sb, limit, code):
    create(sb, "alice")
    err(sb.get(block_path("alice"), params={"limit": limit}), code)


def test_limit_100_is_allowed(sb):
    create(sb, "alice")
    assert page(sb, "alice", limit=100) == {"users": [], "next": ""}


def test_list_of_an_unknown_user_is_400201(sb):
    err(sb.get(block_path("ghost")), 400201)
    err(sb.get(block_path("ghost"), params={"list": "blocking_me"}), 400201)


# --- DELETE /users/{user_id}/block/{target_id} ---------------------------------------------


def test_unblock(sb):
    create_all(sb, "alice", "bob", "carol")
    block(sb, "alice", {"user_ids": ["bob", "carol"]})
    response = sb.delete(block_path("alice", "bob"))
    assert response.status_code == 200
    assert response.content == b"{}"
    assert blocked(sb, "alice") == ["carol"]
    assert blocked(sb, "bob", list="blocking_me") == []
    assert blocked(sb, "carol", list="blocking_me") == ["alice"]


def test_unblock_someone_not_blocked_is_harmless(sb):
    create_all(sb, "alice", "bob", "carol")
    block(sb, "alice", {"target_id": "carol"})
    unblock(sb, "alice", "bob")
    unblock(sb, "alice", "bob")
    assert blocked(sb, "alice") == ["carol"]


def test_unblock_twice_is_harmless(sb):
    create_all(sb, "alice", "bob")
    block(sb, "alice", {"target_id": "bob"})
    unblock(sb, "alice", "bob")
    unblock(sb, "alice", "bob")
    assert blocked(sb, "alice") == []


def test_unblock_only_removes_one_direction(sb):
    create_all(sb, "alice", "bob")
    block(sb, "alice", {"target_id": "bob"})
    block(sb, "bob", {"target_id": "alice"})
    unblock(sb, "alice", "bob")
    assert blocked(sb, "alice") == []
    assert blocked(sb, "bob") == ["alice"]
    assert blocked(sb, "alice", list="blocking_me") == ["bob"]
    # unblocking from the wrong side is harmless and changes nothing
    unblock(sb, "alice", "bob")
    assert blocked(sb, "bob") == ["alice"]


def test_unblock_then_block_again(sb):
    create_all(sb, "alice", "bob")
    block(sb, "alice", {"target_id": "bob"})
    unblock(sb, "alice", "bob")
    assert block(sb, "alice", {"target_id": "bob"})["user_id"] == "bob"
    assert blocked(sb, "alice") == ["bob"]


def test_unblock_ignores_a_body(sb):
    create_all(sb, "alice", "bob", "carol")
    block(sb, "alice", {"user_ids": ["bob", "carol"]})
    response = sb.request("DELETE", block_path("alice", "bob"), json={"target_id": "carol"})
    assert ok(response) == {}
    assert blocked(sb, "alice") == ["carol"]


def test_unblock_unknown_target_is_400201(sb):
    create_all(sb, "alice", "bob")
    block(sb, "alice", {"target_id": "bob"})
    body = err(sb.delete(block_path("alice", "ghost")), 400201)
    assert body["message"] == '"User" not found.'
    err(sb.delete(block_path("alice", "Bob")), 400201)  # ids are case-sensitive
    assert blocked(sb, "alice") == ["bob"]


def test_unblock_by_an_unknown_user_is_400201(sb):
    create(sb, "bob")
    err(sb.delete(block_path("ghost", "bob")), 400201)


def test_unblock_self_is_400112(sb):
    create_all(sb, "alice", "bob")
    block(sb, "alice", {"target_id": "bob"})
    err(sb.delete(block_path("alice", "alice")), 400112)
    assert blocked(sb, "alice") == ["bob"]


def test_unblock_without_a_target_is_not_a_route(sb):
    create(sb, "alice")
    err(sb.delete(block_path("alice")), 400404)


# --- deactivation and deletion ----------------------------------------------------------


def deactivate(sb: Any, uid: str) -> None:
    assert ok(sb.put(upath(uid), json={"is_active": False}))["is_active"] is False


def reactivate(sb: Any, uid: str) -> None:
    assert ok(sb.put(upath(uid), json={"is_active": True}))["is_active"] is True


def test_deactivated_target_stays_blocked_and_listed(sb):
    create_all(sb, "alice", "bob", "carol")
    block(sb, "alice", {"user_ids": ["bob", "carol"]})
    deactivate(sb, "bob")
    body = page(sb, "alice", limit=100)
    assert [u["user_id"] for u in body["users"]] == ["bob", "carol"]
    assert [u["is_active"] for u in body["users"]] == [False, True]
    assert blocked(sb, "alice", list="blocked_by_me", user_ids="bob") == ["bob"]
    # plain list users hides the deactivated user, the block list does not
    listed = [u["user_id"] for u in ok(sb.get("/users", params={"limit": 100}))["users"]]
    assert "bob" not in listed
    reactivate(sb, "bob")
    assert blocked(sb, "alice") == ["bob", "carol"]
    assert page(sb, "alice")["users"][0]["is_active"] is True


def test_deactivated_blocker_is_listed_in_blocking_me(sb):
    create_all(sb, "alice", "bob")
    block(sb, "bob", {"target_id": "alice"})
    deactivate(sb, "bob")
    body = page(sb, "alice", list="blocking_me")
    assert [(u["user_id"], u["is_active"]) for u in body["users"]] == [("bob", False)]
    reactivate(sb, "bob")
    assert blocked(sb, "bob") == ["alice"]


def test_a_deactivated_user_can_be_blocked_and_unblocked(sb):
    create_all(sb, "alice", "bob")
    deactivate(sb, "bob")
    reply = block(sb, "alice", {"target_id": "bob"})
    assert reply["user_id"] == "bob"
    assert reply["is_active"] is False
    assert blocked(sb, "alice") == ["bob"]
    unblock(sb, "alice", "bob")
    assert blocked(sb, "alice") == []


def test_a_deactivated_user_cannot_use_its_own_block_routes(sb):
    # Roster's current behaviour: {user_id} must be active (400300) for all three routes,
    # while its blocks are kept and come back on reactivation.
    create_all(sb, "alice", "bob", "carol")
    block(sb, "alice", {"target_id": "bob"})
    deactivate(sb, "alice")
    err(sb.get(block_path("alice")), 400300)
    err(sb.get(block_path("alice"), params={"list": "blocking_me"}), 400300)
    err(sb.post(block_path("alice"), json={"target_id": "carol"}), 400300)
    err(sb.delete(block_path("alice", "bob")), 400300)
    assert blocked(sb, "bob", list="blocking_me") == ["alice"]
    reactivate(sb, "alice")
    assert blocked(sb, "alice") == ["bob"]


def test_deleting_a_user_removes_its_blocks(sb):
    create_all(sb, "alice", "bob", "carol")
    block(sb, "alice", {"user_ids": ["bob", "carol"]})
    block(sb, "bob", {"target_id": "carol"})
    assert ok(sb.delete(upath("bob"))) == {}
    assert blocked(sb, "alice") == ["carol"]
    assert blocked(sb, "carol", list="blocking_me") == ["alice"]
    create(sb, "bob")  # a new user with the old id is not blocked
    assert blocked(sb, "alice") == ["carol"]
    assert blocked(sb, "bob") == []
    err(sb.delete(block_path("alice", "ghost")), 400201)


# --- across dialects --------------------------------------------------------------------


def cc_blocked(cc: Any, uid: str, **params: Any) -> list[dict[str, Any]]:
    response = cc.get(f"/users/{uid}/blockedusers", params={"perPage": 100, **params})
    assert response.status_code == 200, response.text
    users: list[dict[str, Any]] = response.json()["data"]
    return users


def test_sendbird_block_shows_in_cometchat(sb, cc):
    create_all(sb, "alice", "bob", "carol", "dave")
    block(sb, "alice", {"target_id": "bob"})
    block(sb, "alice", {"user_ids": ["carol"]})
    block(sb, "dave", {"target_id": "alice"})
    seen = cc_blocked(cc, "alice")
    assert sorted(u["uid"] for u in seen) == ["bob", "carol"]
    for user in seen:
        assert user["blockedByMe"] is True
        assert isinstance(user["blockedByMeAt"], int)
    assert [u["uid"] for u in cc_blocked(cc, "alice", direction="hasBlockedMe")] == ["dave"]
    unblock(sb, "alice", "bob")
    assert [u["uid"] for u in cc_blocked(cc, "alice")] == ["carol"]


def test_cometchat_block_shows_in_sendbird(sb, cc):
    create_all(sb, "alice", "bob", "carol")
    response = cc.post("/users/alice/blockedusers", json={"blockedUids": ["bob", "carol"]})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["bob"]["success"] is True
    assert data["carol"]["success"] is True
    assert blocked(sb, "alice") == ["bob", "carol"]
    assert blocked(sb, "bob", list="blocking_me") == ["alice"]
    unblock(sb, "alice", "carol")
    response = cc.request("DELETE", "/users/alice/blockedusers", json={"blockedUids": ["bob"]})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["bob"]["success"] is True
    assert blocked(sb, "alice") == []
    assert cc_blocked(cc, "alice") == []


def test_one_block_whichever_dialect_made_it(sb, cc):
    create_all(sb, "alice", "bob")
    block(sb, "alice", {"target_id": "bob"})
    response = cc.post("/users/alice/blockedusers", json={"blockedUids": ["bob"]})
    assert response.status_code == 200, response.text
    assert blocked(sb, "alice") == ["bob"]
    assert [u["uid"] for u in cc_blocked(cc, "alice")] == ["bob"]
