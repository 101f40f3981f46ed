"""Sendbird Platform API v3 users: routing, credentials, the user resource, create / view /
update / delete and session tokens (reference sendbird-users-api.md §1-§3, §5).

Every test runs on SQLite and PostgreSQL; every response is validated against the dialect's
OpenAPI document by the `sb` client.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.sendbird_helpers import HEX40, USER_FIELDS, err, ok, upath

SPECIAL_IDS = [
    "a/b",
    "100%",
    "%2F",
    "two words",
    "alice@example.org",
    "what?",
    "hash#tag",
    "ünïcødé-日本-😀",
    "a/b c@é?#%+&=;",
    " padded ",
    "dots.in.id",
    ".",
    "..",
]


# --- helpers -----------------------------------------------------------------------------


def create(sb: Any, uid: str, nickname: str | None = None, **fields: Any) -> dict[str, Any]:
    body = {"user_id": uid, "nickname": uid if nickname is None else nickname, **fields}
    created: dict[str, Any] = ok(sb.post("/users", json=body))
    assert created["user_id"] == uid
    return created


def listed(sb: Any, query: str = "") -> list[str]:
    body = ok(sb.get(f"/users?limit=100{query}"))
    return [u["user_id"] for u in body["users"]]


def assert_user_shape(user: dict[str, Any]) -> None:
    for name, kind in USER_FIELDS.items():
        assert name in user, f"{name} missing from {user}"
        value = user[name]
        assert isinstance(value, kind), f"{name}={value!r} is not {kind}"
        if kind is int:
            assert not isinstance(value, bool), name
    assert all(isinstance(v, str) for v in user["metadata"].values())
    assert all(isinstance(v, str) for v in user["discovery_keys"])
    assert all(isinstance(v, str) for v in user["preferred_languages"])


@contextmanager
def no_default_headers(sb: Any) -> Iterator[Any]:
    """The `sb` client without its Api-Token header (the same client, so the same loop)."""
    saved = sb.headers
    sb.headers = {}
    try:
        yield sb
    finally:
        sb.headers = saved


# --- routing and credentials ---------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["http://testserver/sendbird/v3", "http://testserver/v3"])
@pytest.mark.parametrize("header", ["Api-Token", "api-token", "API-TOKEN", "aPi-ToKeN"])
def test_prefixes_and_header_name_in_any_case(sb, keys, prefix, header):
    create(sb, "craig", "Craig")
    with no_default_headers(sb):
        body = ok(sb.get(f"{prefix}/users", headers={header: keys["full"]}))
        assert [u["user_id"] for u in body["users"]] == ["craig"]
        assert body["next"] == ""
        made = ok(
            sb.post(
                f"{prefix}/users",
                json={"user_id": "doris", "nickname": "Dojung"},
                headers={header: keys["full"]},
            )
        )
        assert made["nickname"] == "Dojung"
        one = ok(sb.get(f"{prefix}/users/doris", headers={header: keys["full"]}))
        assert one["user_id"] == "doris"


def test_sendbird_prefix_and_bare_prefix_see_the_same_users(sb):
    create(sb, "u1")
    ok(sb.post("http://testserver/sendbird/v3/users", json={"user_id": "u2", "nickname": "x"}))
    assert listed(sb) == ["u1", "u2"]
    body = ok(sb.get("http://testserver/sendbird/v3/users?limit=100"))
    assert [u["user_id"] for u in body["users"]] == ["u1", "u2"]


def test_missing_token_on_sendbird_prefix(sb):
    with no_default_headers(sb):
        body = err(sb.get("http://testserver/sendbird/v3/users"), 400401, 401)
        assert "Api-Token" in body["message"]
        err(
            sb.post("http://testserver/sendbird/v3/users", json={"user_id": "x", "nickname": ""}),
            400401,
            401,
        )
        err(sb.get("http://testserver/sendbird/v3/users/x"), 400401, 401)
    assert listed(sb) == []


@pytest.mark.parametrize("prefix", ["http://testserver/sendbird/v3", "http://testserver/v3"])
def test_empty_token_is_refused(sb, prefix):
    with no_default_headers(sb):
        err(sb.get(f"{prefix}/users", headers={"Api-Token": ""}), 400401, 401)


@pytest.mark.parametrize("prefix", ["http://testserver/sendbird/v3", "http://testserver/v3"])
@pytest.mark.parametrize(
    "token", ["f" * 40, "not-a-key", "0123456789abcdef0123456789abcdef0123456"]
)
def test_wrong_token_is_refused(sb, prefix, token):
    with no_default_headers(sb):
        err(sb.get(f"{prefix}/users", headers={"Api-Token": token}), 400401, 401)
        err(
            sb.post(
                f"{prefix}/users",
                json={"user_id": "intruder", "nickname": ""},
                headers={"Api-Token": token},
            ),
            400401,
            401,
        )
    assert listed(sb) == []


def test_duplicate_header_first_occurrence_wins(sb, keys):
    create(sb, "craig")
    good, bad = keys["full"], "f" * 40
    with no_default_headers(sb):
        body = ok(sb.get("/users", headers=[("api-token", good), ("Api-Token", bad)]))
        assert [u["user_id"] for u in body["users"]] == ["craig"]
        err(sb.get("/users", headers=[("api-token", bad), ("Api-Token", good)]), 400401, 401)
        # Two valid keys of different apps: the first one decides which app is read.
        other = keys["other_app"]
        body = ok(sb.get("/users", headers=[("Api-Token", other), ("api-token", good)]))
        assert body["users"] == []
        body = ok(sb.get("/users", headers=[("Api-Token", good), ("api-token", other)]))
        assert [u["user_id"] for u in body["users"]] == ["craig"]


@pytest.mark.parametrize("host", ["api-app1.sendbird.com", "API-APP1.SENDBIRD.COM", "testserver"])
def test_host_naming_the_keys_app(sb, host):
    create(sb, "craig")
    body = ok(sb.get("/users", headers={"Host": host}))
    assert [u["user_id"] for u in body["users"]] == ["craig"]


@pytest.mark.parametrize("host", ["api-other.sendbird.com", "api-app2.sendbird.com"])
def test_host_naming_another_app(sb, host):
    create(sb, "craig")
    err(sb.get("/users", headers={"Host": host}), 400401, 401)
    err(
        sb.post("/users", json={"user_id": "x", "nickname": ""}, headers={"Host": host}),
        400401,
        401,
    )
    assert listed(sb) == ["craig"]


def test_host_of_other_app_with_its_own_key(sb, keys):
    create(sb, "craig")
    headers = {"Host": "api-app2.sendbird.com", "Api-Token": keys["other_app"]}
    assert ok(sb.get("/users", headers=headers))["users"] == []


def test_auth_only_key_may_create_update_and_issue_tokens(sb, keys):
    auth = {"Api-Token": keys["auth_only"]}
    made = ok(sb.post("/users", json={"user_id": "a/1", "nickname": "A"}, headers=auth))
    assert made["user_id"] == "a/1"
    updated = ok(sb.put(upath("a/1"), json={"nickname": "B"}, headers=auth))
    assert updated["nickname"] == "B"
    token = ok(sb.post(upath("a/1", "/token"), headers=auth))
    assert isinstance(token["token"], str) and token["token"]
    assert ok(sb.get(upath("a/1")))["nickname"] == "B"


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("DELETE", "", None),
        ("DELETE", "/token", None),
        ("GET", "/metadata", None),
        ("POST", "/metadata", {"metadata": {"k": "v"}}),
        ("PUT", "/metadata", {"metadata": {"k": "v"}, "upsert": True}),
        ("DELETE", "/metadata", None),
        ("GET", "/metadata/k", None),
        ("PUT", "/metadata/k", {"value": "v"}),
        ("DELETE", "/metadata/k", None),
    ],
)
def test_auth_only_key_is_refused_elsewhere_on_a_user(sb, keys, method, suffix, body):
    create(sb, "a/1", metadata={"k": "v"})
    auth = {"Api-Token": keys["auth_only"]}
    kwargs: dict[str, Any] = {"headers": auth}
    if body is not None:
        kwargs["json"] = body
    err(sb.request(method, upath("a/1", suffix), **kwargs), 400108, 403)
    user = ok(sb.get(upath("a/1")))
    assert user["metadata"] == {"k": "v"}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/users", None),
        ("GET", "/bots", None),
        (
            "POST",
            "/bots",
            {
                "bot_userid": "b",
                "bot_nickname": "B",
                "bot_profile_url": "",
                "bot_type": "t",
                "bot_callback_url": "https://example.org/cb",
                "is_privacy_mode": False,
            },
        ),
    ],
)
def test_auth_only_key_is_refused_on_lists_and_bots(sb, keys, method, path, body):
    kwargs: dict[str, Any] = {"headers": {"Api-Token": keys["auth_only"]}}
    if body is not None:
        kwargs["json"] = body
    err(sb.request(method, path, **kwargs), 400108, 403)
    assert listed(sb) == []


def test_apps_are_isolated(sb, keys):
    create(sb, "shared", "App one", metadata={"k": "v"})
    create(sb, "only-app1")
    other = {"Api-Token": keys["other_app"]}
    assert ok(sb.get("/users?active_mode=all", headers=other)) == {"users": [], "next": ""}
    assert ok(sb.get("/users?user_ids=shared,only-app1", headers=other))["users"] == []
    err(sb.get("/users/shared", headers=other), 400201)
    err(sb.put("/users/shared", json={"nickname": "hijack"}, headers=other), 400201)
    err(sb.delete("/users/only-app1", headers=other), 400201)
    err(sb.get("/users/shared/metadata", headers=other), 400201)
    err(sb.post("/users/shared/token", headers=other), 400201)
    # The same id is free in the other app and names a different user there.
    made = ok(sb.post("/users", json={"user_id": "shared", "nickname": "App two"}, headers=other))
    assert made["metadata"] == {}
    assert ok(sb.get("/users/shared"))["nickname"] == "App one"
    assert ok(sb.get("/users/shared", headers=other))["nickname"] == "App two"
    assert listed(sb) == ["only-app1", "shared"]


def test_unknown_route_and_method(sb):
    err(sb.get("/nothing-here"), 400404)
    err(sb.patch("/users"), 400404)
    err(sb.get("/users/a/b/c"), 400404)


# --- user ids --------------------------------------------------------------------------------


@pytest.mark.parametrize("uid", SPECIAL_IDS)
def test_special_user_id_in_every_route(sb, uid):
    made = create(sb, uid, "Special")
    assert made["user_id"] == uid
    p = upath(uid)
    viewed = ok(sb.get(p))
    assert viewed["user_id"] == uid and viewed["nickname"] == "Special"
    assert ok(sb.put(p, json={"nickname": "Renamed"}))["nickname"] == "Renamed"
    assert ok(sb.get(p))["nickname"] == "Renamed"
    token = ok(sb.post(p + "/token"))
    assert isinstance(token["token"], str) and token["token"]
    assert ok(sb.delete(p + "/token")) == {}
    # metadata routes
    assert ok(sb.post(p + "/metadata", json={"metadata": {"k": "1"}})) == {"k": "1"}
    assert ok(sb.get(p + "/metadata")) == {"k": "1"}
    assert ok(sb.get(p + "/metadata/k")) == {"k": "1"}
    assert ok(sb.put(p + "/metadata", json={"metadata": {"k": "2"}})) == {"k": "2"}
    assert ok(sb.put(p + "/metadata/k", json={"value": "3"})) == {"k": "3"}
    assert ok(sb.delete(p + "/metadata/k")) == {}
    assert ok(sb.post(p + "/metadata", json={"metadata": {"j": "1"}})) == {"j": "1"}
    assert ok(sb.delete(p + "/metadata")) == {}
    assert ok(sb.get(p + "/metadata")) == {}
    # the list shows the id unchanged
    assert listed(sb) == [uid]
    assert ok(sb.delete(p)) == {}
    err(sb.get(p), 400201)
    assert listed(sb) == []


def test_slash_id_is_one_segment_not_two(sb):
    create(sb, "a/b", "slash")
    create(sb, "a", "plain")
    assert ok(sb.get(upath("a/b")))["nickname"] == "slash"
    assert ok(sb.get("/users/a"))["nickname"] == "plain"
    # An unencoded slash is another route, not the user "a/b".
    err(sb.get("/users/a/b"), 400404)


def test_plus_in_path_is_not_a_space(sb):
    create(sb, "a+b", "plus")
    create(sb, "a b", "space")
    assert ok(sb.get("/users/a+b"))["nickname"] == "plus"
    assert ok(sb.get("/users/a%2Bb"))["nickname"] == "plus"
    assert ok(sb.get("/users/a%20b"))["nickname"] == "space"


def test_user_ids_are_case_sensitive(sb):
    create(sb, "Alice", "Upper")
    create(sb, "alice", "Lower")
    assert ok(sb.get("/users/Alice"))["nickname"] == "Upper"
    assert ok(sb.get("/users/alice"))["nickname"] == "Lower"
    err(sb.get("/users/ALICE"), 400201)
    assert listed(sb) == ["Alice", "alice"]
    ok(sb.put("/users/alice", json={"nickname": "changed"}))
    assert ok(sb.get("/users/Alice"))["nickname"] == "Upper"
    assert ok(sb.delete("/users/alice")) == {}
    assert listed(sb) == ["Alice"]
    err(sb.post("/users", json={"user_id": "Alice", "nickname": "again"}), 400202)


def test_user_id_length(sb):
    create(sb, "x" * 80)
    create(sb, "é" * 80)
    err(sb.post("/users", json={"user_id": "y" * 81, "nickname": "n"}), 400110)
    err(sb.post("/users", json={"user_id": "é" * 81, "nickname": "n"}), 400110)
    assert len(listed(sb)) == 2


@pytest.mark.parametrize("uid", ["", " ", "\t", "   "])
def test_empty_or_blank_user_id(sb, uid):
    err(sb.post("/users", json={"user_id": uid, "nickname": "n"}), 400151)
    assert listed(sb) == []


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"nickname": "n"}, 400105),
        ({"user_id": None, "nickname": "n"}, 400105),
        ({}, 400105),
        ({"user_id": 5, "nickname": "n"}, 400100),
        ({"user_id": ["a"], "nickname": "n"}, 400100),
        ({"user_id": True, "nickname": "n"}, 400100),
    ],
)
def test_missing_or_wrongly_typed_user_id(sb, body, code):
    err(sb.post("/users", json=body), code)
    assert listed(sb) == []


@pytest.mark.parametrize(
    "headers", [{}, {"Content-Type": "application/json"}, {"Content-Length": "0"}]
)
def test_empty_post_body(sb, headers):
    body = err(sb.post("/users", content=b"", headers=headers), 400105)
    assert "user_id" in body["message"]
    assert listed(sb) == []


@pytest.mark.parametrize(
    "content", [b"{", b"not json", b"[1, 2]", b'"user"', b"null", b"42", b"\xff\xfe"]
)
def test_body_that_is_not_a_json_object(sb, content):
    err(
        sb.post("/users", content=content, headers={"Content-Type": "application/json"}),
        400403,
    )
    assert listed(sb) == []


def test_duplicate_user_id(sb):
    create(sb, "dup", "first")
    err(sb.post("/users", json={"user_id": "dup", "nickname": "second"}), 400202)
    assert ok(sb.get("/users/dup"))["nickname"] == "first"


# --- create: fields and types ------------------------------------------------------------


def test_created_user_has_every_field_with_its_type(sb):
    before = int(time.time())
    made = create(sb, "craig", "Shopperholic", profile_url="https://example.org/c.png")
    after = int(time.time())
    assert_user_shape(made)
    assert made["nickname"] == "Shopperholic"
    assert made["profile_url"] == "https://example.org/c.png"
    assert made["metadata"] == {}
    assert made["access_token"] == ""
    assert made["is_active"] is True
    assert made["is_online"] is False
    assert made["has_ever_logged_in"] is False
    assert made["last_seen_at"] == 0
    assert before - 1 <= made["created_at"] <= after + 1  # seconds, not milliseconds
    assert made["discovery_keys"] == [] and made["preferred_languages"] == []
    assert made["locale"] == "" and made["phone_number"] == ""
    assert made["require_auth_for_profile_image"] is False
    assert made["is_hide_me_from_friends"] is False and made["is_shadow_blocked"] is False
    assert made["session_tokens"] == []
    assert "unread_message_count" not in made and "unread_channel_count" not in made
    viewed = ok(sb.get("/users/craig"))
    assert_user_shape(viewed)
    for name in USER_FIELDS:
        assert viewed[name] == made[name], name
    listed_user = ok(sb.get("/users"))["users"][0]
    assert_user_shape(listed_user)
    assert listed_user == viewed


def test_create_reply_says_the_user_was_created(sb):
    """The document: `is_created` is present on creation replies, true when this call made it."""
    made = create(sb, "fresh")
    assert made.get("is_created") is True, made


@pytest.mark.parametrize(("nickname", "stored"), [(None, ""), ("", ""), ("  Craig ", "  Craig ")])
def test_nickname_values(sb, nickname, stored):
    made = ok(sb.post("/users", json={"user_id": "u", "nickname": nickname}))
    assert made["nickname"] == stored
    assert ok(sb.get("/users/u"))["nickname"] == stored


def test_nickname_key_is_required(sb):
    """Reference §3.2 and the document: nickname is required (null is fine, absence is not)."""
    err(sb.post("/users", json={"user_id": "u"}), 400105)
    err(sb.get("/users/u"), 400201)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("nickname", 5, 400100),
        ("nickname", ["n"], 400100),
        ("nickname", "n" * 81, 400110),
        ("profile_url", 5, 400100),
        ("profile_url", "https://e.org/" + "p" * 2035, 400110),
        ("issue_access_token", "yes", 400104),
        ("issue_access_token", 1, 400104),
        ("metadata", "k=v", 400103),
        ("metadata", ["k", "v"], 400103),
        ("discovery_keys", "key", 400102),
        ("discovery_keys", [1, 2], 400102),
        ("preferred_languages", "en", 400102),
        ("preferred_languages", ["en", "de", "fr", "ko", "ja"], 400203),
    ],
)
def test_create_field_refused(sb, field, value, code):
    body = {"user_id": "u", "nickname": "n", field: value}
    err(sb.post("/users", json=body), code)
    err(sb.get("/users/u"), 400201)


def test_nickname_and_profile_url_at_their_limits(sb):
    url = "https://e.org/" + "p" * 2034
    assert len(url) == 2048
    made = create(sb, "u", "n" * 80, profile_url=url)
    assert made["nickname"] == "n" * 80 and made["profile_url"] == url


@pytest.mark.parametrize("profile_url", ["", None])
def test_profile_url_empty_or_null_on_create(sb, profile_url):
    made = ok(sb.post("/users", json={"user_id": "u", "nickname": "n", "profile_url": profile_url}))
    assert made["profile_url"] == ""


def test_profile_url_is_not_checked_for_format(sb):
    made = create(sb, "u", profile_url="not a url")
    assert made["profile_url"] == "not a url"


def test_issue_access_token_on_create_is_shown_once(sb):
    made = create(sb, "u", issue_access_token=True)
    assert HEX40.fullmatch(made["access_token"]), made["access_token"]
    assert ok(sb.get("/users/u"))["access_token"] == ""
    assert ok(sb.get("/users"))["users"][0]["access_token"] == ""
    other = create(sb, "v", issue_access_token=False)
    assert other["access_token"] == ""
    third = create(sb, "w", issue_access_token=None)
    assert third["access_token"] == ""


def test_metadata_on_create(sb):
    metadata = {"font_color": "black", "font preference": "times new roman", "e": "", "ü/🙂": "ok"}
    made = create(sb, "u", metadata=metadata)
    assert made["metadata"] == metadata
    assert ok(sb.get("/users/u"))["metadata"] == metadata
    assert ok(sb.get("/users/u/metadata")) == metadata


def test_metadata_at_its_limits_on_create(sb):
    metadata = {"k" * 128: "v" * 190, "a": "1", "b": "2", "c": "3", "d": "4"}
    assert create(sb, "u", metadata=metadata)["metadata"] == metadata


@pytest.mark.parametrize(
    ("metadata", "code"),
    [
        ({"k": 1}, 400100),
        ({"k": True}, 400100),
        ({"k": None}, 400100),
        ({"k": {"nested": "x"}}, 400100),
        ({"k": ["x"]}, 400100),
        ({f"k{i}": "v" for i in range(6)}, 400203),
        ({"a,b": "v"}, 400151),
        ({",": "v"}, 400151),
        ({"k": "v" * 191}, 400110),
        ({"k" * 129: "v"}, 400110),
        ({"": "v"}, 400151),
    ],
)
def test_metadata_refused_on_create(sb, metadata, code):
    err(sb.post("/users", json={"user_id": "u", "nickname": "n", "metadata": metadata}), code)
    err(sb.get("/users/u"), 400201)


def test_discovery_keys_and_preferred_languages_on_create(sb):
    made = create(sb, "u", discovery_keys=["a@b.c", "+15550100"], preferred_languages=["en"])
    assert made["discovery_keys"] == ["a@b.c", "+15550100"]
    assert made["preferred_languages"] == ["en"]
    full = create(sb, "v", preferred_languages=["en", "de", "fr", "ko"])
    assert full["preferred_languages"] == ["en", "de", "fr", "ko"]
    viewed = ok(sb.get("/users/u"))
    assert viewed["discovery_keys"] == ["a@b.c", "+15550100"]
    assert viewed["preferred_languages"] == ["en"]


def test_a_list_shows_each_users_own_sendbird_fields(sb):
    """Lists render their users together: fields only some users have stay with those users."""
    create(sb, "a1")
    create(sb, "a2", discovery_keys=["k2"], locale="ko")
    create(sb, "a3")
    create(sb, "a4", preferred_languages=["en", "de"], phone_number="+15550104")
    listed = {u["user_id"]: u for u in ok(sb.get("/users?limit=10"))["users"]}
    shown = {
        uid: (u["discovery_keys"], u["preferred_languages"], u["locale"], u["phone_number"])
        for uid, u in listed.items()
    }
    assert shown == {
        "a1": ([], [], "", ""),
        "a2": (["k2"], [], "ko", ""),
        "a3": ([], [], "", ""),
        "a4": ([], ["en", "de"], "", "+15550104"),
    }


def test_unknown_body_keys_are_ignored(sb):
    made = create(sb, "u", whatever=1, is_online=True, created_at=5, access_token="x")
    assert made["is_online"] is False
    assert made["access_token"] == ""
    assert made["created_at"] > 1_600_000_000


# --- view ------------------------------------------------------------------------------------


def test_view_unknown_user(sb):
    body = err(sb.get("/users/nobody"), 400201)
    assert body["message"] == '"User" not found.'


@pytest.mark.parametrize("flag", ["true", "True", "TRUE", "1"])
def test_include_unread_count(sb, flag):
    create(sb, "u")
    viewed = ok(sb.get(f"/users/u?include_unread_count={flag}"))
    assert viewed["unread_message_count"] == 0
    assert viewed["unread_channel_count"] == 0
    assert_user_shape(viewed)


@pytest.mark.parametrize("flag", ["false", "False", "0", ""])
def test_unread_count_absent_unless_asked(sb, flag):
    create(sb, "u")
    viewed = ok(sb.get(f"/users/u?include_unread_count={flag}"))
    assert "unread_message_count" not in viewed
    assert "unread_channel_count" not in viewed


def test_include_unread_count_bad_boolean(sb):
    create(sb, "u")
    err(sb.get("/users/u?include_unread_count=maybe"), 400104)


@pytest.mark.parametrize("mode", ["all", "super", "nonsuper"])
def test_super_mode_values(sb, mode):
    create(sb, "u")
    viewed = ok(sb.get(f"/users/u?include_unread_count=true&super_mode={mode}&custom_types=a,b"))
    assert viewed["unread_message_count"] == 0


@pytest.mark.parametrize("mode", ["bad", "SUPER", "All"])
def test_super_mode_bad_value(sb, mode):
    create(sb, "u")
    err(sb.get(f"/users/u?include_unread_count=true&super_mode={mode}"), 400111)


# --- update ----------------------------------------------------------------------------------


def test_update_nickname_only_changes_nickname(sb):
    made = create(
        sb,
        "u",
        "old",
        profile_url="https://e.org/p.png",
        metadata={"k": "v"},
        discovery_keys=["d"],
        preferred_languages=["en"],
    )
    updated = ok(sb.put("/users/u", json={"nickname": "new"}))
    assert_user_shape(updated)
    assert updated["nickname"] == "new"
    for name in ("profile_url", "metadata", "discovery_keys", "preferred_languages", "is_active"):
        assert updated[name] == made[name], name
    assert updated["created_at"] == made["created_at"]
    assert ok(sb.get("/users/u"))["nickname"] == "new"


def test_empty_update_changes_nothing(sb):
    made = create(sb, "u", "n", metadata={"k": "v"})
    for request in (sb.put("/users/u", json={}), sb.put("/users/u", content=b"")):
        updated = ok(request)
        for name in USER_FIELDS:
            assert updated[name] == made[name], name


@pytest.mark.parametrize("clear", ["", None])
def test_profile_url_cleared(sb, clear):
    """Reference §3.4: "" removes the image; the document says "" or null does."""
    create(sb, "u", profile_url="https://e.org/p.png")
    updated = ok(sb.put("/users/u", json={"profile_url": clear}))
    assert updated["profile_url"] == ""
    assert ok(sb.get("/users/u"))["profile_url"] == ""


def test_profile_url_replaced(sb):
    create(sb, "u", profile_url="https://e.org/p.png")
    updated = ok(sb.put("/users/u", json={"profile_url": "https://e.org/q.png"}))
    assert updated["profile_url"] == "https://e.org/q.png"


def test_deactivate_and_reactivate(sb):
    create(sb, "a")
    create(sb, "b")
    off = ok(sb.put("/users/b", json={"is_active": False}))
    assert off["is_active"] is False
    viewed = ok(sb.get("/users/b"))
    assert viewed["is_active"] is False
    assert_user_shape(viewed)
    assert listed(sb) == ["a"]
    assert listed(sb, "&active_mode=deactivated") == ["b"]
    assert listed(sb, "&active_mode=all") == ["a", "b"]
    on = ok(sb.put("/users/b", json={"is_active": True}))
    assert on["is_active"] is True
    assert ok(sb.get("/users/b"))["is_active"] is True
    assert listed(sb) == ["a", "b"]
    assert listed(sb, "&active_mode=deactivated") == []


def test_deactivating_twice_and_reactivating_an_active_user(sb):
    create(sb, "u")
    assert ok(sb.put("/users/u", json={"is_active": True}))["is_active"] is True
    ok(sb.put("/users/u", json={"is_active": False, "leave_all_when_deactivated": True}))
    assert ok(sb.get("/users/u"))["is_active"] is False
    on = ok(sb.put("/users/u", json={"is_active": True, "nickname": "back"}))
    assert on["is_active"] is True and on["nickname"] == "back"


def test_last_seen_at(sb):
    create(sb, "u")
    updated = ok(sb.put("/users/u", json={"last_seen_at": 1540285396142}))
    assert updated["last_seen_at"] == 1540285396142
    assert ok(sb.get("/users/u"))["last_seen_at"] == 1540285396142
    assert ok(sb.get("/users"))["users"][0]["last_seen_at"] == 1540285396142


def test_issue_access_token_on_update_replaces_the_old_one(sb):
    first = create(sb, "u", issue_access_token=True)["access_token"]
    second = ok(sb.put("/users/u", json={"issue_access_token": True}))["access_token"]
    assert HEX40.fullmatch(second)
    assert second != first
    third = ok(sb.put("/users/u", json={"issue_access_token": True}))["access_token"]
    assert HEX40.fullmatch(third) and third not in (first, second)
    assert ok(sb.put("/users/u", json={"issue_access_token": False}))["access_token"] == ""
    assert ok(sb.put("/users/u", json={"nickname": "x"}))["access_token"] == ""
    assert ok(sb.get("/users/u"))["access_token"] == ""


def test_locale_phone_number_and_lists(sb):
    create(sb, "u")
    updated = ok(
        sb.put(
            "/users/u",
            json={
                "locale": "ko-KR",
                "phone_number": "+82 10-1234-5678",
                "discovery_keys": ["k1"],
                "preferred_languages": ["ko", "en"],
            },
        )
    )
    assert updated["locale"] == "ko-KR"
    assert updated["phone_number"] == "+82 10-1234-5678"
    assert updated["discovery_keys"] == ["k1"]
    assert updated["preferred_languages"] == ["ko", "en"]
    viewed = ok(sb.get("/users/u"))
    assert (viewed["locale"], viewed["phone_number"]) == ("ko-KR", "+82 10-1234-5678")
    # one field at a time leaves the others alone
    again = ok(sb.put("/users/u", json={"locale": "en-US"}))
    assert again["locale"] == "en-US"
    assert again["phone_number"] == "+82 10-1234-5678"
    assert again["preferred_languages"] == ["ko", "en"]
    # the nullable lists clear with null
    cleared = ok(sb.put("/users/u", json={"discovery_keys": None, "preferred_languages": None}))
    assert cleared["discovery_keys"] == [] and cleared["preferred_languages"] == []
    assert cleared["locale"] == "en-US"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("nickname", 5, 400100),
        ("nickname", "n" * 81, 400110),
        ("profile_url", 5, 400100),
        ("profile_url", "https://e.org/" + "p" * 2035, 400110),
        ("is_active", "no", 400104),
        ("is_active", 0, 400104),
        ("last_seen_at", "1540285396142", 400101),
        ("last_seen_at", 1.5, 400101),
        ("last_seen_at", True, 400101),
        ("issue_access_token", "yes", 400104),
        ("discovery_keys", "k", 400102),
        ("preferred_languages", "en", 400102),
        ("preferred_languages", ["a", "b", "c", "d", "e"], 400203),
        ("locale", 5, 400100),
        ("phone_number", 15550100, 400100),
    ],
)
def test_update_field_refused_and_nothing_changes(sb, field, value, code):
    made = create(sb, "u", "n", profile_url="https://e.org/p.png", metadata={"k": "v"})
    err(sb.put("/users/u", json={"nickname": "changed", field: value}), code)
    viewed = ok(sb.get("/users/u"))
    for name in USER_FIELDS:
        assert viewed[name] == made[name], name


def test_update_unknown_user(sb):
    err(sb.put("/users/nobody", json={"nickname": "x"}), 400201)
    err(sb.get("/users/nobody"), 400201)


def test_update_with_broken_json(sb):
    create(sb, "u", "n")
    err(
        sb.put("/users/u", content=b"{nickname", headers={"Content-Type": "application/json"}),
        400403,
    )
    assert ok(sb.get("/users/u"))["nickname"] == "n"


# --- delete ----------------------------------------------------------------------------------


def test_delete_user(sb):
    create(sb, "u", metadata={"k": "v"})
    create(sb, "v")
    assert ok(sb.delete("/users/u")) == {}
    err(sb.get("/users/u"), 400201)
    err(sb.get("/users/u/metadata"), 400201)
    err(sb.delete("/users/u"), 400201)
    assert listed(sb, "&active_mode=all") == ["v"]
    # The id can be used again, as a brand-new user.
    again = create(sb, "u")
    assert again["metadata"] == {}


def test_delete_deactivated_user(sb):
    create(sb, "u")
    ok(sb.put("/users/u", json={"is_active": False}))
    assert ok(sb.delete("/users/u")) == {}
    err(sb.get("/users/u"), 400201)
    assert listed(sb, "&active_mode=all") == []


def test_delete_unknown_user(sb):
    err(sb.delete("/users/nobody"), 400201)


# --- session tokens --------------------------------------------------------------------------


def test_session_token_without_body(sb):
    create(sb, "u")
    before = int(time.time() * 1000)
    issued = ok(sb.post("/users/u/token"))
    after = int(time.time() * 1000)
    assert set(issued) == {"token", "expires_at"}
    assert isinstance(issued["token"], str)
    assert 119 <= len(issued["token"]) <= 168
    week = 7 * 24 * 3600 * 1000
    assert before + week - 1000 <= issued["expires_at"] <= after + week + 1000
    second = ok(sb.post("/users/u/token"))
    assert second["token"] != issued["token"]


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        (b"", {"Content-Type": "application/json"}),
        (b"{}", {"Content-Type": "application/json"}),
        (b'{"expires_at": null}', {"Content-Type": "application/json"}),
    ],
)
def test_session_token_empty_bodies(sb, content, headers):
    create(sb, "u")
    issued = ok(sb.post("/users/u/token", content=content, headers=headers))
    assert issued["expires_at"] > int(time.time() * 1000)


def test_session_token_with_expiry(sb):
    create(sb, "u")
    expires = int(time.time() * 1000) + 3_600_000
    issued = ok(sb.post("/users/u/token", json={"expires_at": expires}))
    assert issued["expires_at"] == expires
    assert 119 <= len(issued["token"]) <= 168


@pytest.mark.parametrize("offset_ms", [-1, -3_600_000, None])
def test_session_token_expiry_in_the_past(sb, offset_ms):
    create(sb, "u")
    expires = 1 if offset_ms is None else int(time.time() * 1000) + offset_ms
    err(sb.post("/users/u/token", json={"expires_at": expires}), 400111)


@pytest.mark.parametrize("value", ["1598651815000", 1.5e12, True, [1], {"at": 1}])
def test_session_token_expiry_not_an_integer(sb, value):
    create(sb, "u")
    err(sb.post("/users/u/token", json={"expires_at": value}), 400101)


def test_session_token_unknown_user(sb):
    err(sb.post("/users/nobody/token"), 400201)
    future = int(time.time() * 1000) + 3_600_000
    err(sb.post("/users/nobody/token", json={"expires_at": future}), 400201)


def test_revoke_session_tokens(sb):
    create(sb, "u")
    ok(sb.post("/users/u/token"))
    ok(sb.post("/users/u/token"))
    assert ok(sb.delete("/users/u/token")) == {}
    assert ok(sb.delete("/users/u/token")) == {}  # nothing left to revoke is still fine
    assert ok(sb.get("/users/u"))["session_tokens"] == []
    err(sb.delete("/users/nobody/token"), 400201)


def test_deprecated_issue_session_token_on_update(sb):
    create(sb, "u")
    expires = int(time.time() * 1000) + 3_600_000
    updated = ok(
        sb.put("/users/u", json={"issue_session_token": True, "session_token_expires_at": expires})
    )
    assert len(updated["session_tokens"]) == 1
    entry = updated["session_tokens"][0]
    assert entry["expires_at"] == expires
    assert isinstance(entry["session_token"], str) and entry["session_token"]
    assert ok(sb.get("/users/u"))["session_tokens"] == []
