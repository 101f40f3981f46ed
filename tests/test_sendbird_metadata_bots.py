"""Sendbird user metadata routes (all seven) and bots (reference sendbird-users-api.md §3.7, §6).

Every test runs on SQLite and PostgreSQL; every response is validated against the dialect's
OpenAPI document.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import pytest

from tests.sendbird_helpers import HEX40, err, ok, upath

BOT: dict[str, Any] = {
    "bot_nickname": "Helper",
    "bot_profile_url": "https://example.org/helper.png",
    "bot_type": "assistant",
    "bot_callback_url": "https://example.org/callback",
    "is_privacy_mode": False,
}


# --- helpers -----------------------------------------------------------------------------


def segment(text: str) -> str:
    """A percent-encoded path segment; dots too when the segment is all dots, or clients
    would resolve it as a relative path."""
    encoded = quote(text, safe="")
    return encoded.replace(".", "%2E") if set(text) == {"."} else encoded


def mpath(uid: str, key: str | None = None) -> str:
    return upath(uid, "/metadata" + ("" if key is None else "/" + segment(key)))


def bpath(uid: str) -> str:
    return "/bots/" + quote(uid, safe="")


def create(sb: Any, uid: str, **fields: Any) -> dict[str, Any]:
    made: dict[str, Any] = ok(sb.post("/users", json={"user_id": uid, "nickname": uid, **fields}))
    return made


def stored(sb: Any, uid: str = "u") -> dict[str, str]:
    """The metadata as both the metadata route and the user resource show it."""
    items: dict[str, str] = ok(sb.get(mpath(uid)))
    assert ok(sb.get(upath(uid)))["metadata"] == items
    return items


def make_bot(sb: Any, uid: str, **fields: Any) -> dict[str, Any]:
    made: dict[str, Any] = ok(sb.post("/bots", json={"bot_userid": uid, **BOT, **fields}))
    return made


def user_ids(sb: Any, query: str = "") -> list[str]:
    return [u["user_id"] for u in ok(sb.get(f"/users?limit=100{query}"))["users"]]


# --- create metadata -------------------------------------------------------------------------


def test_create_metadata(sb):
    create(sb, "u")
    added = ok(sb.post(mpath("u"), json={"metadata": {"font_color": "black", "size": "12"}}))
    assert added == {"font_color": "black", "size": "12"}
    more = ok(sb.post(mpath("u"), json={"metadata": {"font preference": "times new roman"}}))
    assert more == {"font preference": "times new roman"}  # only the items just added
    assert stored(sb) == {"font_color": "black", "size": "12", "font preference": "times new roman"}


def test_create_metadata_ignores_extra_body_keys(sb):
    create(sb, "u")
    added = ok(sb.post(mpath("u"), json={"metadata": {"k": "v"}, "upsert": True, "x": 1}))
    assert added == {"k": "v"}


def test_create_existing_key_changes_nothing(sb):
    create(sb, "u", metadata={"a": "1"})
    err(sb.post(mpath("u"), json={"metadata": {"a": "2"}}), 400202)
    err(sb.post(mpath("u"), json={"metadata": {"b": "2", "a": "3"}}), 400202)
    assert stored(sb) == {"a": "1"}


def test_create_metadata_unknown_user(sb):
    err(sb.post(mpath("nobody"), json={"metadata": {"k": "v"}}), 400201)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, 400105),
        ({"metadata": None}, 400105),
        ({"metadata": "k=v"}, 400103),
        ({"metadata": ["k"]}, 400103),
        ({"metadata": {"k": 1}}, 400100),
        ({"metadata": {"k": None}}, 400100),
        ({"metadata": {"k": {"x": "y"}}}, 400100),
        ({"metadata": {f"k{i}": "v" for i in range(6)}}, 400203),
        ({"metadata": {"a,b": "v"}}, 400151),
        ({"metadata": {"": "v"}}, 400151),
        ({"metadata": {"k" * 129: "v"}}, 400110),
        ({"metadata": {"k": "v" * 191}}, 400110),
    ],
)
def test_create_metadata_refused(sb, body, code):
    create(sb, "u", metadata={"a": "1"})
    err(sb.post(mpath("u"), json=body), code)
    assert stored(sb) == {"a": "1"}


@pytest.mark.parametrize("content", [b"", b"{", b"[]"])
def test_create_metadata_needs_a_json_object_body(sb, content):
    create(sb, "u")
    response = sb.post(mpath("u"), content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["code"] in (400403, 400105)
    assert stored(sb) == {}


def test_metadata_at_its_limits(sb):
    create(sb, "u")
    items = {"k" * 128: "v" * 190, "a": "", "b": "é" * 190, "c/d e": "3", "😀": "4"}
    assert ok(sb.post(mpath("u"), json={"metadata": items})) == items
    assert stored(sb) == items


def test_at_most_five_items_in_all(sb):
    """Reference §1.6/§6: a user holds at most 5 metadata items, however they are added."""
    create(sb, "u", metadata={f"k{i}": "v" for i in range(5)})
    err(sb.post(mpath("u"), json={"metadata": {"k5": "v"}}), 400203)
    err(sb.put(mpath("u"), json={"metadata": {"k5": "v"}, "upsert": True}), 400203)
    err(sb.put(mpath("u", "k5"), json={"value": "v", "upsert": True}), 400203)
    assert stored(sb) == {f"k{i}": "v" for i in range(5)}


def test_five_items_in_all_across_calls(sb):
    create(sb, "u", metadata={"a": "1", "b": "2", "c": "3"})
    assert ok(sb.post(mpath("u"), json={"metadata": {"d": "4", "e": "5"}})) == {"d": "4", "e": "5"}
    # Overwriting existing keys keeps the count at 5.
    assert ok(sb.put(mpath("u"), json={"metadata": {"a": "x", "e": "y"}, "upsert": True})) == {
        "a": "x",
        "e": "y",
    }
    assert stored(sb) == {"a": "x", "b": "2", "c": "3", "d": "4", "e": "y"}


# --- view metadata -------------------------------------------------------------------------


def test_view_all_metadata(sb):
    create(sb, "u", metadata={"a": "1", "b": "2", "c": "3"})
    create(sb, "empty")
    assert ok(sb.get(mpath("u"))) == {"a": "1", "b": "2", "c": "3"}
    assert ok(sb.get(mpath("empty"))) == {}
    err(sb.get(mpath("nobody")), 400201)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("key=a", {"a": "1"}),
        ("key=missing", {}),
        ("keys=a,c", {"a": "1", "c": "3"}),
        ("keys=a%2Cc", {"a": "1", "c": "3"}),
        ("keys=a&keys=b", {"a": "1", "b": "2"}),
        ("keys=a,missing", {"a": "1"}),
        ("keys=c", {"c": "3"}),
        ("key=b&keys=a", {"a": "1", "b": "2"}),
        (f"key={quote('sp ace/slash', safe='')}", {"sp ace/slash": "4"}),
        (f"keys={quote('sp ace/slash', safe='')},a", {"a": "1", "sp ace/slash": "4"}),
    ],
)
def test_view_selected_metadata(sb, query, expected):
    create(sb, "u", metadata={"a": "1", "b": "2", "c": "3", "sp ace/slash": "4"})
    assert ok(sb.get(f"{mpath('u')}?{query}")) == expected


def test_view_one_item(sb):
    create(sb, "u", metadata={"a": "1", "b": "2"})
    assert ok(sb.get(mpath("u", "a"))) == {"a": "1"}
    assert ok(sb.get(mpath("u", "b"))) == {"b": "2"}
    err(sb.get(mpath("u", "missing")), 400201)
    err(sb.get(mpath("u", "A")), 400201)  # keys are case-sensitive
    err(sb.get(mpath("nobody", "a")), 400201)


@pytest.mark.parametrize(
    "key", ["a/b", "two words", "50%", "q?x=1", "hash#", "é😀", "+plus", ".", "..", "..."]
)
def test_special_keys_in_the_path(sb, key):
    create(sb, "u/ser x")
    assert ok(sb.post(mpath("u/ser x"), json={"metadata": {key: "v1", "other": "o"}})) == {
        key: "v1",
        "other": "o",
    }
    assert ok(sb.get(mpath("u/ser x", key))) == {key: "v1"}
    assert ok(sb.put(mpath("u/ser x", key), json={"value": "v2"})) == {key: "v2"}
    assert ok(sb.get(mpath("u/ser x", key))) == {key: "v2"}
    assert ok(sb.delete(mpath("u/ser x", key))) == {}
    err(sb.get(mpath("u/ser x", key)), 400201)
    assert stored(sb, "u/ser x") == {"other": "o"}


# --- update metadata (several items) ---------------------------------------------------------


def test_update_existing_keys_without_upsert(sb):
    create(sb, "u", metadata={"a": "1", "b": "2"})
    assert ok(sb.put(mpath("u"), json={"metadata": {"a": "10"}})) == {"a": "10"}
    assert ok(sb.put(mpath("u"), json={"metadata": {"b": "20"}, "upsert": False})) == {"b": "20"}
    assert stored(sb) == {"a": "10", "b": "20"}


@pytest.mark.parametrize("upsert", [False, None, "absent"])
def test_update_missing_key_without_upsert_changes_nothing(sb, upsert):
    create(sb, "u", metadata={"a": "1", "b": "2"})
    body: dict[str, Any] = {"metadata": {"a": "10", "new": "x"}}
    if upsert != "absent":
        body["upsert"] = upsert
    err(sb.put(mpath("u"), json=body), 400201)
    assert stored(sb) == {"a": "1", "b": "2"}


def test_update_with_upsert_adds_and_overwrites(sb):
    create(sb, "u", metadata={"a": "1", "b": "2"})
    updated = ok(sb.put(mpath("u"), json={"metadata": {"a": "10", "c": "3"}, "upsert": True}))
    assert updated == {"a": "10", "c": "3"}
    assert stored(sb) == {"a": "10", "b": "2", "c": "3"}


def test_update_with_upsert_on_a_user_without_metadata(sb):
    create(sb, "u")
    assert ok(sb.put(mpath("u"), json={"metadata": {"k": "v"}, "upsert": True})) == {"k": "v"}
    assert stored(sb) == {"k": "v"}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, 400105),
        ({"upsert": True}, 400105),
        ({"metadata": "k", "upsert": True}, 400103),
        ({"metadata": {"a": 1}, "upsert": True}, 400100),
        ({"metadata": {"a": "v" * 191}, "upsert": True}, 400110),
        ({"metadata": {"a,b": "v"}, "upsert": True}, 400151),
        ({"metadata": {f"k{i}": "v" for i in range(6)}, "upsert": True}, 400203),
        ({"metadata": {"a": "2"}, "upsert": "yes"}, 400104),
    ],
)
def test_update_metadata_refused(sb, body, code):
    create(sb, "u", metadata={"a": "1"})
    err(sb.put(mpath("u"), json=body), code)
    assert stored(sb) == {"a": "1"}


def test_update_metadata_unknown_user(sb):
    err(sb.put(mpath("nobody"), json={"metadata": {"k": "v"}, "upsert": True}), 400201)


# --- update one item -------------------------------------------------------------------------


def test_update_one_item(sb):
    create(sb, "u", metadata={"a": "1", "b": "2"})
    assert ok(sb.put(mpath("u", "a"), json={"value": "10"})) == {"a": "10"}
    assert ok(sb.put(mpath("u", "a"), json={"value": ""})) == {"a": ""}
    assert stored(sb) == {"a": "", "b": "2"}


def test_update_one_missing_item(sb):
    """The document: without upsert a missing key is 400201; with upsert it is created."""
    create(sb, "u", metadata={"a": "1"})
    err(sb.put(mpath("u", "new"), json={"value": "x"}), 400201)
    assert stored(sb) == {"a": "1"}
    assert ok(sb.put(mpath("u", "new"), json={"value": "x", "upsert": True})) == {"new": "x"}
    assert stored(sb) == {"a": "1", "new": "x"}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, 400105),
        ({"value": None}, 400105),
        ({"value": 1}, 400100),
        ({"value": ["x"]}, 400100),
        ({"value": "v" * 191}, 400110),
    ],
)
def test_update_one_item_refused(sb, body, code):
    create(sb, "u", metadata={"a": "1"})
    err(sb.put(mpath("u", "a"), json=body), code)
    assert stored(sb) == {"a": "1"}


def test_update_one_item_with_a_comma_key(sb):
    create(sb, "u", metadata={"a": "1"})
    err(sb.put(mpath("u", "x,y"), json={"value": "v", "upsert": True}), 400151)
    err(sb.put(mpath("u", "k" * 129), json={"value": "v", "upsert": True}), 400110)
    assert stored(sb) == {"a": "1"}


def test_update_one_item_unknown_user(sb):
    err(sb.put(mpath("nobody", "a"), json={"value": "v"}), 400201)


# --- delete ------------------------------------------------------------------------------


def test_delete_one_item(sb):
    create(sb, "u", metadata={"a": "1", "b": "2"})
    assert ok(sb.delete(mpath("u", "a"))) == {}
    assert stored(sb) == {"b": "2"}
    err(sb.delete(mpath("u", "a")), 400201)
    err(sb.delete(mpath("u", "missing")), 400201)
    err(sb.delete(mpath("nobody", "b")), 400201)
    assert stored(sb) == {"b": "2"}


def test_delete_all_items(sb):
    create(sb, "u", metadata={"a": "1", "b": "2"})
    create(sb, "v", metadata={"a": "1"})
    assert ok(sb.delete(mpath("u"))) == {}
    assert stored(sb) == {}
    assert ok(sb.delete(mpath("u"))) == {}  # nothing left is fine
    assert stored(sb, "v") == {"a": "1"}
    err(sb.delete(mpath("nobody")), 400201)
    # Freed slots can be used again.
    added = {f"k{i}": "v" for i in range(5)}
    assert ok(sb.post(mpath("u"), json={"metadata": added})) == added


def test_metadata_of_a_deleted_user_is_gone(sb):
    create(sb, "u", metadata={"a": "1"})
    ok(sb.delete(upath("u")))
    create(sb, "u")
    assert stored(sb) == {}


# --- bots: create ----------------------------------------------------------------------------


def test_create_bot(sb):
    before = int(time.time())
    made = make_bot(sb, "helper")
    after = int(time.time())
    inner = made["bot"]
    assert inner["bot_userid"] == "helper"
    assert inner["bot_nickname"] == "Helper"
    assert inner["bot_profile_url"] == "https://example.org/helper.png"
    assert inner["bot_type"] == "assistant"
    assert HEX40.fullmatch(inner["bot_token"]), inner["bot_token"]
    assert inner["bot_metadata"] == {}
    assert inner["bot_require_auth_for_profile_image"] is False
    assert made["bot_callback_url"] == "https://example.org/callback"
    assert made["is_privacy_mode"] is False
    assert made["enable_mark_as_read"] is True
    assert made["show_member"] is False
    assert made["channel_invitation_preference"] == 0
    assert before - 1 <= made["created_at"] <= after + 1
    viewed = ok(sb.get("/bots/helper"))
    assert viewed["bot"]["bot_token"] == ""  # shown once
    assert {k: v for k, v in viewed.items() if k != "bot"} == {
        k: v for k, v in made.items() if k != "bot"
    }
    # The bot is a user too.
    user = ok(sb.get("/users/helper"))
    assert user["nickname"] == "Helper"
    assert user["profile_url"] == "https://example.org/helper.png"


def test_create_bot_with_every_setting(sb):
    made = make_bot(
        sb,
        "b/1 é",
        is_privacy_mode=True,
        enable_mark_as_read=False,
        show_member=True,
        channel_invitation_preference=1,
    )
    assert made["bot"]["bot_userid"] == "b/1 é"
    assert made["is_privacy_mode"] is True
    assert made["enable_mark_as_read"] is False
    assert made["show_member"] is True
    assert made["channel_invitation_preference"] == 1
    viewed = ok(sb.get(bpath("b/1 é")))
    assert viewed["is_privacy_mode"] is True and viewed["show_member"] is True


@pytest.mark.parametrize(
    "missing",
    [
        "bot_userid",
        "bot_nickname",
        "bot_profile_url",
        "bot_type",
        "bot_callback_url",
        "is_privacy_mode",
    ],
)
def test_create_bot_required_fields(sb, missing):
    body = {"bot_userid": "helper", **BOT}
    del body[missing]
    err(sb.post("/bots", json=body), 400105)
    assert ok(sb.get("/bots"))["bots"] == []
    assert user_ids(sb, "&active_mode=all") == []


def test_create_bot_empty_body(sb):
    err(sb.post("/bots", content=b"", headers={"Content-Type": "application/json"}), 400105)
    err(sb.post("/bots", json={}), 400105)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("bot_userid", "", 400151),
        ("bot_userid", "b" * 81, 400110),
        ("bot_userid", 5, 400100),
        ("bot_nickname", 5, 400100),
        ("bot_nickname", "n" * 81, 400110),
        ("bot_type", 5, 400100),
        ("bot_callback_url", 5, 400100),
        ("is_privacy_mode", "yes", 400104),
        ("enable_mark_as_read", 1, 400104),
        ("show_member", "true", 400104),
        ("channel_invitation_preference", "1", 400101),
        ("channel_invitation_preference", True, 400101),
    ],
)
def test_create_bot_field_refused(sb, field, value, code):
    body = {"bot_userid": "helper", **BOT, field: value}
    err(sb.post("/bots", json=body), code)
    assert ok(sb.get("/bots"))["bots"] == []


def test_create_bot_with_a_taken_id(sb):
    create(sb, "human")
    make_bot(sb, "helper")
    err(sb.post("/bots", json={"bot_userid": "human", **BOT}), 400202)
    err(sb.post("/bots", json={"bot_userid": "helper", **BOT}), 400202)
    err(sb.post("/users", json={"user_id": "helper", "nickname": "x"}), 400202)
    assert [b["bot"]["bot_userid"] for b in ok(sb.get("/bots"))["bots"]] == ["helper"]
    assert ok(sb.get("/users/human"))["nickname"] == "human"


# --- bots: list ------------------------------------------------------------------------------


def test_list_bots_token_walk(sb):
    names = ["delta", "Alpha", "b/ravo", "charlie", "echo"]
    for name in names:
        make_bot(sb, name)
    create(sb, "a-human")  # users are not bots
    seen: list[str] = []
    pages = 0
    token = ""
    while True:
        body = ok(sb.get("/bots?limit=2" + (f"&token={quote(token, safe='')}" if token else "")))
        assert set(body) == {"bots", "next"}
        pages += 1
        seen.extend(b["bot"]["bot_userid"] for b in body["bots"])
        for bot in body["bots"]:
            assert bot["bot"]["bot_token"] == ""
        token = body["next"]
        assert isinstance(token, str)
        if token == "":
            break
        assert len(body["bots"]) == 2
        assert pages < 10
    assert seen == sorted(names)
    assert pages == 3


def test_list_bots_default_limit_and_empty_list(sb):
    assert ok(sb.get("/bots")) == {"bots": [], "next": ""}
    for i in range(12):
        make_bot(sb, f"bot{i:02d}")
    first = ok(sb.get("/bots"))
    assert [b["bot"]["bot_userid"] for b in first["bots"]] == [f"bot{i:02d}" for i in range(10)]
    assert first["next"] != ""
    rest = ok(sb.get(f"/bots?token={quote(first['next'], safe='')}"))
    assert [b["bot"]["bot_userid"] for b in rest["bots"]] == ["bot10", "bot11"]
    assert rest["next"] == ""


@pytest.mark.parametrize(
    ("query", "code"),
    [("limit=0", 400111), ("limit=101", 400111), ("limit=x", 400101), ("token=garbage", 400111)],
)
def test_list_bots_bad_parameters(sb, query, code):
    make_bot(sb, "helper")
    err(sb.get(f"/bots?{query}"), code)


def test_list_bots_token_of_the_user_list(sb):
    for i in range(3):
        make_bot(sb, f"b{i}")
    users = ok(sb.get("/users?limit=1"))
    assert users["next"] != ""
    err(sb.get(f"/bots?limit=1&token={quote(users['next'], safe='')}"), 400111)


def test_bots_are_isolated_by_app(sb, keys):
    make_bot(sb, "helper")
    other = {"Api-Token": keys["other_app"]}
    assert ok(sb.get("/bots", headers=other)) == {"bots": [], "next": ""}
    err(sb.get("/bots/helper", headers=other), 400201)
    err(sb.delete("/bots/helper", headers=other), 400201)
    assert ok(sb.get("/bots/helper"))["bot"]["bot_userid"] == "helper"


# --- bots: view, update, delete --------------------------------------------------------------


def test_view_unknown_bot(sb):
    create(sb, "human")
    err(sb.get("/bots/nobody"), 400201)
    err(sb.get("/bots/human"), 400201)  # a plain user is not a bot


def test_update_bot(sb):
    made = make_bot(sb, "helper")
    updated = ok(
        sb.put(
            "/bots/helper",
            json={
                "bot_nickname": "Renamed",
                "bot_callback_url": "https://example.org/new",
                "is_privacy_mode": True,
                "show_member": True,
                "channel_invitation_preference": 1,
            },
        )
    )
    assert updated["bot"]["bot_nickname"] == "Renamed"
    assert updated["bot_callback_url"] == "https://example.org/new"
    assert updated["is_privacy_mode"] is True
    assert updated["show_member"] is True
    assert updated["channel_invitation_preference"] == 1
    assert updated["enable_mark_as_read"] is True  # not sent: unchanged
    assert updated["bot"]["bot_type"] == "assistant"
    assert updated["bot"]["bot_profile_url"] == made["bot"]["bot_profile_url"]
    assert updated["created_at"] == made["created_at"]
    viewed = ok(sb.get("/bots/helper"))
    assert viewed["bot"]["bot_nickname"] == "Renamed"
    assert viewed["bot_callback_url"] == "https://example.org/new"
    assert ok(sb.get("/users/helper"))["nickname"] == "Renamed"


def test_update_bot_type_and_profile(sb):
    make_bot(sb, "helper")
    updated = ok(
        sb.put("/bots/helper", json={"bot_type": "faq", "bot_profile_url": "https://e.org/n.png"})
    )
    assert updated["bot"]["bot_type"] == "faq"
    assert updated["bot"]["bot_profile_url"] == "https://e.org/n.png"
    assert ok(sb.get("/users/helper"))["profile_url"] == "https://e.org/n.png"


def test_update_bot_cannot_change_its_id(sb):
    make_bot(sb, "helper")
    updated = ok(sb.put("/bots/helper", json={"bot_userid": "other", "bot_nickname": "N"}))
    assert updated["bot"]["bot_userid"] == "helper"
    err(sb.get("/bots/other"), 400201)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("bot_nickname", 5, 400100),
        ("is_privacy_mode", "yes", 400104),
        ("channel_invitation_preference", "x", 400101),
        ("bot_callback_url", 1, 400100),
    ],
)
def test_update_bot_refused(sb, field, value, code):
    made = make_bot(sb, "helper")
    err(sb.put("/bots/helper", json={field: value}), code)
    viewed = ok(sb.get("/bots/helper"))
    assert viewed["bot"]["bot_nickname"] == made["bot"]["bot_nickname"]
    assert viewed["is_privacy_mode"] == made["is_privacy_mode"]
    assert viewed["bot_callback_url"] == made["bot_callback_url"]


def test_update_unknown_bot(sb):
    create(sb, "human")
    err(sb.put("/bots/nobody", json={"bot_nickname": "x"}), 400201)
    err(sb.put("/bots/human", json={"bot_nickname": "x"}), 400201)
    assert ok(sb.get("/users/human"))["nickname"] == "human"


def test_delete_bot_removes_the_user(sb):
    make_bot(sb, "helper")
    make_bot(sb, "other")
    assert ok(sb.delete("/bots/helper")) == {}
    err(sb.get("/bots/helper"), 400201)
    err(sb.get("/users/helper"), 400201)
    err(sb.delete("/bots/helper"), 400201)
    assert user_ids(sb, "&active_mode=all") == ["other"]
    assert [b["bot"]["bot_userid"] for b in ok(sb.get("/bots"))["bots"]] == ["other"]
    # The id is free again.
    create(sb, "helper")


def test_delete_unknown_bot(sb):
    create(sb, "human")
    err(sb.delete("/bots/nobody"), 400201)
    err(sb.delete("/bots/human"), 400201)
    assert ok(sb.get("/users/human"))["user_id"] == "human"


def test_deleting_the_bot_user_deletes_the_bot(sb):
    make_bot(sb, "helper")
    assert ok(sb.delete("/users/helper")) == {}
    err(sb.get("/bots/helper"), 400201)
    assert ok(sb.get("/bots")) == {"bots": [], "next": ""}


# --- bots in the user list -------------------------------------------------------------------


def test_bot_appears_in_user_list_unless_hidden(sb):
    create(sb, "alice")
    make_bot(sb, "helper")
    create(sb, "zed")
    assert user_ids(sb) == ["alice", "helper", "zed"]
    assert user_ids(sb, "&show_bot=true") == ["alice", "helper", "zed"]
    assert user_ids(sb, "&show_bot=false") == ["alice", "zed"]
    assert user_ids(sb, "&show_bot=False") == ["alice", "zed"]
    listed = ok(sb.get("/users?user_ids=helper"))["users"]
    assert [u["nickname"] for u in listed] == ["Helper"]
    ok(sb.delete("/bots/helper"))
    assert user_ids(sb) == ["alice", "zed"]


def test_bot_metadata_through_the_user_routes(sb):
    make_bot(sb, "helper")
    ok(sb.post(mpath("helper"), json={"metadata": {"lang": "en"}}))
    assert ok(sb.get("/bots/helper"))["bot"]["bot_metadata"] == {"lang": "en"}
    found = ok(sb.get("/users?metadatakey=lang&metadatavalues_in=en"))["users"]
    assert [u["user_id"] for u in found] == ["helper"]
