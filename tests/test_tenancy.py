"""Keys, scopes, app claims, app isolation and routing (reference §1.1, §1.2, §12).

Every test runs on SQLite and PostgreSQL; every response is checked against the OpenAPI document.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from roster.app import RosterApp, open_database
from roster.core.clock import SystemClock
from roster.core.tenancy import KEY_CACHE_MS, Tenancy
from roster.model.apps import Scope
from roster.settings import Settings
from tests.conftest import APP_ID, ContractClient, ManualClock

PREFIXES = ["/cometchat/v3", "/cometchat/v3.0", "/v3", "/v3.0"]


@pytest.fixture
def client(app: RosterApp) -> Iterator[ContractClient]:
    """A client with no default headers, at the server root: each test says what it sends."""
    with ContractClient(app, base_url="http://testserver") as c:
        yield c


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code, error
    return error


def _ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


# --- the apikey header ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v3/users"),
        ("POST", "/v3/users"),
        ("GET", "/v3/users/alice"),
        ("PUT", "/v3/users/alice"),
        ("DELETE", "/v3/users/alice"),
        ("GET", "/v3/roles"),
        ("POST", "/v3/roles"),
    ],
)
def test_missing_apikey(client, method, path):
    kwargs = {"json": {"uid": "alice", "name": "A"}} if method in ("POST", "PUT") else {}
    _error(client.request(method, path, **kwargs), 401, "AUTH_ERR_EMPTY_APIKEY")


def test_empty_apikey_is_missing(client):
    _error(client.get("/v3/users", headers={"apikey": ""}), 401, "AUTH_ERR_EMPTY_APIKEY")


@pytest.mark.parametrize(
    "secret",
    [
        "0" * 40,
        "not-a-key",
        "0123456789ABCDEF0123456789ABCDEF01234567",  # the app1 key upper-cased
        "0123456789abcdef0123456789abcdef0123456",  # the app1 key minus one character
    ],
)
def test_unknown_apikey(client, secret):
    _error(client.get("/v3/users", headers={"apikey": secret}), 401, "AUTH_ERR_APIKEY_NOT_FOUND")


def test_missing_key_writes_nothing(client, keys):
    _error(
        client.post("/v3/users", json={"uid": "ghost", "name": "G"}), 401, "AUTH_ERR_EMPTY_APIKEY"
    )
    response = client.post(
        "/v3/users", json={"uid": "ghost", "name": "G"}, headers={"apikey": "f" * 40}
    )
    _error(response, 401, "AUTH_ERR_APIKEY_NOT_FOUND")
    listed = _ok(client.get("/v3/users", headers={"apikey": keys["full"]}))
    assert listed["data"] == []


@pytest.mark.parametrize("header", ["apikey", "apiKey", "APIKEY", "ApiKey", "APIKey"])
def test_apikey_header_name_in_any_case(client, keys, header):
    body = _ok(
        client.post("/v3/users", json={"uid": "alice", "name": "A"}, headers={header: keys["full"]})
    )
    assert body["data"]["uid"] == "alice"
    assert _ok(client.get("/v3/users/alice", headers={header: keys["full"]}))["data"]["name"] == "A"


def test_a_repeated_apikey_header_counts_by_its_first_value(client, keys):
    """Headers are read once per request into a map; the first of a repeated header counts."""
    good_first = [("apikey", keys["full"]), ("apikey", "nope")]
    assert _ok(client.get("/v3/users", headers=good_first))["data"] == []
    bad_first = [("apikey", "nope"), ("apikey", keys["full"])]
    _error(client.get("/v3/users", headers=bad_first), 401, "AUTH_ERR_APIKEY_NOT_FOUND")


def test_a_repeated_appid_header_counts_by_its_first_value(client, keys):
    headers = [("apikey", keys["full"]), ("appid", "nope"), ("appid", "app1")]
    _error(client.get("/v3/users", headers=headers), 401, "AUTH_ERR_INVALID_APPID")


@pytest.mark.parametrize("path", ["/v3/users", "/v3/users/alice", "/v3/roles"])
def test_json_responses_say_their_type_and_length(client, keys, path):
    _ok(
        client.post(
            "/v3/users", json={"uid": "alice", "name": "A"}, headers={"apikey": keys["full"]}
        )
    )
    response = client.get(path, headers={"apikey": keys["full"]})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content) > 2
    assert response.headers.get_list("content-type") == ["application/json"]


# --- the appId header and the host name -------------------------------------------------------


@pytest.mark.parametrize("header", ["appId", "appid", "APPID", "AppId"])
@pytest.mark.parametrize("value", ["app1", "APP1", "App1"])
def test_matching_appid_header(client, keys, header, value):
    body = _ok(client.get("/v3/users", headers={"apikey": keys["full"], header: value}))
    assert body["data"] == []


@pytest.mark.parametrize("value", ["app2", "nope", "app1x", "app"])
def test_mismatching_appid_header(client, keys, value):
    headers = {"apikey": keys["full"], "appId": value}
    _error(client.get("/v3/users", headers=headers), 401, "AUTH_ERR_INVALID_APPID")
    response = client.post("/v3/users", json={"uid": "alice", "name": "A"}, headers=headers)
    _error(response, 401, "AUTH_ERR_INVALID_APPID")
    assert _ok(client.get("/v3/users", headers={"apikey": keys["full"]}))["data"] == []


def test_appid_header_of_the_other_app_with_its_own_key(client, keys):
    body = _ok(client.get("/v3/users", headers={"apikey": keys["other_app"], "appId": "app2"}))
    assert body["data"] == []
    response = client.get("/v3/users", headers={"apikey": keys["other_app"], "appId": APP_ID})
    _error(response, 401, "AUTH_ERR_INVALID_APPID")


@pytest.mark.parametrize(
    "host",
    [
        "app1.api-us.cometchat.io",
        "app1.api-eu.cometchat.io",
        "app1.api-in.cometchat.io",
        "APP1.api-us.cometchat.io",
        "app1.api-us.cometchat.io:443",
        "localhost:8080",
        "roster.internal",
    ],
)
def test_host_name_that_matches_or_names_no_app(client, keys, host):
    body = _ok(client.get("/v3/users", headers={"apikey": keys["full"], "host": host}))
    assert body["data"] == []


@pytest.mark.parametrize(
    "host",
    ["other.api-eu.example.com", "app2.api-us.cometchat.io", "other.api-us.cometchat.io"],
)
def test_host_name_of_another_app(client, keys, host):
    response = client.get("/v3/users", headers={"apikey": keys["full"], "host": host})
    _error(response, 401, "AUTH_ERR_INVALID_APPID")


def test_host_name_and_appid_header_must_both_match(client, keys):
    host = "app1.api-us.cometchat.io"
    good = {"apikey": keys["full"], "host": host, "appId": "app1"}
    assert _ok(client.get("/v3/users", headers=good))["data"] == []
    bad_header = {**good, "appId": "app2"}
    _error(client.get("/v3/users", headers=bad_header), 401, "AUTH_ERR_INVALID_APPID")
    bad_host = {**good, "host": "app2.api-us.cometchat.io"}
    _error(client.get("/v3/users", headers=bad_host), 401, "AUTH_ERR_INVALID_APPID")


# --- authOnly keys ----------------------------------------------------------------------------


def test_auth_only_key_may_create_and_update_users(client, keys):
    auth = {"apikey": keys["auth_only"]}
    created = _ok(client.post("/v3/users", json={"uid": "Alice", "name": "Alice"}, headers=auth))
    assert created["data"]["uid"] == "alice"
    updated = _ok(client.put("/v3/users/alice", json={"name": "Alicia"}, headers=auth))
    assert updated["data"]["name"] == "Alicia"
    full = {"apikey": keys["full"]}
    assert _ok(client.get("/v3/users/alice", headers=full))["data"]["name"] == "Alicia"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v3/users", None),
        ("GET", "/v3/users/alice", None),
        ("DELETE", "/v3/users/alice", None),
        ("DELETE", "/v3/users/alice", {"permanent": True}),
        ("DELETE", "/v3/users", {"uidsToDeactivate": ["alice"]}),
        ("PUT", "/v3/users", {"uidsToActivate": ["alice"]}),
        ("GET", "/v3/roles", None),
        ("POST", "/v3/roles", {"role": "mod", "name": "Mods"}),
        ("GET", "/v3/roles/default", None),
        ("PUT", "/v3/roles/default", {"name": "Renamed"}),
        ("DELETE", "/v3/roles/mod", None),
    ],
)
def test_auth_only_key_is_denied_everything_else(client, keys, method, path, body):
    full = {"apikey": keys["full"]}
    _ok(client.post("/v3/users", json={"uid": "alice", "name": "Alice"}, headers=full))
    _ok(client.post("/v3/roles", json={"role": "mod", "name": "Mods"}, headers=full))
    roles_before = _ok(client.get("/v3/roles", headers=full))

    kwargs: dict[str, Any] = {"headers": {"apikey": keys["auth_only"]}}
    if body is not None:
        kwargs["json"] = body
    _error(client.request(method, path, **kwargs), 403, "AUTH_ERR_NO_ACCESS")

    user = _ok(client.get("/v3/users/alice", headers=full))["data"]
    assert user["name"] == "Alice"
    assert "deactivatedAt" not in user
    assert _ok(client.get("/v3/roles", headers=full)) == roles_before


def test_auth_only_key_failures_still_name_the_problem(client, keys):
    auth = {"apikey": keys["auth_only"]}
    _ok(client.post("/v3/users", json={"uid": "alice", "name": "A"}, headers=auth))
    again = client.post("/v3/users", json={"uid": "alice", "name": "A"}, headers=auth)
    _error(again, 409, "ERR_UID_ALREADY_EXISTS")
    _error(
        client.put("/v3/users/nobody", json={"name": "x"}, headers=auth), 404, "ERR_UID_NOT_FOUND"
    )


# --- app isolation ----------------------------------------------------------------------------


def test_users_of_one_app_are_invisible_to_another(client, keys):
    one = {"apikey": keys["full"]}
    two = {"apikey": keys["other_app"]}
    _ok(client.post("/v3/users", json={"uid": "alice", "name": "Alice"}, headers=one))

    listed = _ok(client.get("/v3/users", params={"count": "true"}, headers=two))
    assert listed["data"] == []
    assert listed["meta"]["pagination"]["total"] == 0
    searched = _ok(client.get("/v3/users", params={"searchKey": "ali"}, headers=two))
    assert searched["data"] == []
    _error(client.get("/v3/users/alice", headers=two), 404, "ERR_UID_NOT_FOUND")
    response = client.put("/v3/users/alice", json={"name": "Hijacked"}, headers=two)
    _error(response, 404, "ERR_UID_NOT_FOUND")
    _error(client.delete("/v3/users/alice", headers=two), 404, "ERR_UID_NOT_FOUND")
    response = client.request("DELETE", "/v3/users/alice", json={"permanent": True}, headers=two)
    _error(response, 404, "ERR_UID_NOT_FOUND")
    bulk = _ok(
        client.request("DELETE", "/v3/users", json={"uidsToDeactivate": ["alice"]}, headers=two)
    )
    assert bulk["data"]["deactivatedUids"] == []
    assert bulk["data"].get("notFound") == ["alice"]

    mine = _ok(client.get("/v3/users/alice", headers=one))["data"]
    assert mine["name"] == "Alice"
    assert "deactivatedAt" not in mine
    assert [u["uid"] for u in _ok(client.get("/v3/users", headers=one))["data"]] == ["alice"]


def test_auth_only_key_of_one_app_cannot_touch_another(client, keys):
    _ok(
        client.post(
            "/v3/users", json={"uid": "bob", "name": "Bob"}, headers={"apikey": keys["other_app"]}
        )
    )
    auth = {"apikey": keys["auth_only"]}
    _error(client.put("/v3/users/bob", json={"name": "x"}, headers=auth), 404, "ERR_UID_NOT_FOUND")
    response = client.get("/v3/users/bob", headers={"apikey": keys["other_app"]})
    assert _ok(response)["data"]["name"] == "Bob"


def test_same_uid_in_two_apps_is_two_users(client, keys):
    one = {"apikey": keys["full"]}
    two = {"apikey": keys["other_app"]}
    _ok(client.post("/v3/users", json={"uid": "sam", "name": "Sam One"}, headers=one))
    _ok(client.post("/v3/users", json={"uid": "SAM", "name": "Sam Two"}, headers=two))

    assert _ok(client.get("/v3/users/sam", headers=one))["data"]["name"] == "Sam One"
    assert _ok(client.get("/v3/users/sam", headers=two))["data"]["name"] == "Sam Two"

    _ok(client.put("/v3/users/sam", json={"name": "Sam Renamed"}, headers=two))
    assert _ok(client.get("/v3/users/sam", headers=one))["data"]["name"] == "Sam One"

    _ok(client.request("DELETE", "/v3/users/sam", json={"permanent": True}, headers=two))
    _error(client.get("/v3/users/sam", headers=two), 404, "ERR_UID_NOT_FOUND")
    assert _ok(client.get("/v3/users/sam", headers=one))["data"]["name"] == "Sam One"

    # and the uid is free again in app2 only
    _ok(client.post("/v3/users", json={"uid": "sam", "name": "Sam Three"}, headers=two))
    again = client.post("/v3/users", json={"uid": "sam", "name": "x"}, headers=one)
    _error(again, 409, "ERR_UID_ALREADY_EXISTS")


def test_lists_count_only_their_own_app(client, keys):
    one = {"apikey": keys["full"]}
    two = {"apikey": keys["other_app"]}
    for uid in ("a1", "a2", "a3"):
        _ok(client.post("/v3/users", json={"uid": uid, "name": uid}, headers=one))
    _ok(client.post("/v3/users", json={"uid": "b1", "name": "b1"}, headers=two))
    first = _ok(client.get("/v3/users", params={"count": "true"}, headers=one))
    second = _ok(client.get("/v3/users", params={"count": "true"}, headers=two))
    assert [u["uid"] for u in first["data"]] == ["a1", "a2", "a3"]
    assert first["meta"]["pagination"]["total"] == 3
    assert [u["uid"] for u in second["data"]] == ["b1"]
    assert second["meta"]["pagination"]["total"] == 1


# --- paths ------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_version_prefix_reaches_the_same_routes(client, keys, prefix):
    headers = {"apikey": keys["full"]}
    created = _ok(
        client.post(f"{prefix}/users", json={"uid": "Zed", "name": "Zed"}, headers=headers)
    )
    assert created["data"]["uid"] == "zed"
    assert _ok(client.get(f"{prefix}/users/zed", headers=headers))["data"]["name"] == "Zed"
    assert [u["uid"] for u in _ok(client.get(f"{prefix}/users", headers=headers))["data"]] == [
        "zed"
    ]
    _ok(client.put(f"{prefix}/users/zed", json={"name": "Zed 2"}, headers=headers))
    assert "default" in {
        r["role"] for r in _ok(client.get(f"{prefix}/roles", headers=headers))["data"]
    }
    assert _ok(client.get(f"{prefix}/roles/default", headers=headers))["data"]["role"] == "default"
    _ok(client.delete(f"{prefix}/users/zed", headers=headers))
    # the same store behind every prefix
    for other in PREFIXES:
        _error(client.get(f"{other}/users/zed", headers=headers), 404, "ERR_UID_NOT_FOUND")


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_prefix_checks_the_key(client, prefix):
    _error(client.get(f"{prefix}/users"), 401, "AUTH_ERR_EMPTY_APIKEY")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "/v3/users"),
        ("PATCH", "/v3/users/x"),
        ("POST", "/v3/users/x"),
        ("POST", "/v3/roles/x"),
        ("DELETE", "/v3/roles"),
        ("PUT", "/v3/roles"),
        ("GET", "/v3/nothing"),
        ("GET", "/v3/users/x/y"),
        ("GET", "/v3/users/x/auth_tokens/a/b"),
        ("GET", "/v3"),
        ("GET", "/v3/"),
        ("GET", "/v4/users"),
        ("GET", "/v2.0/users"),
        ("GET", "/users"),
        ("GET", "/"),
        ("GET", "/cometchat/v2/users"),
        ("GET", "/cometchat/users"),
        ("GET", "/cometchat/v3.1/users"),
        ("GET", "/v3users"),
        ("GET", "/cometchat/v3/nothing"),
        ("PATCH", "/cometchat/v3.0/users"),
    ],
)
def test_unknown_route_or_method(client, keys, method, path):
    response = client.request(method, path, headers={"apikey": keys["full"]})
    _error(response, 404, "ERR_API_NOT_FOUND")


def test_wrong_method_changes_nothing(client, keys):
    headers = {"apikey": keys["full"]}
    _ok(client.post("/v3/users", json={"uid": "x", "name": "X"}, headers=headers))
    response = client.request("PATCH", "/v3/users/x", json={"name": "Y"}, headers=headers)
    _error(response, 404, "ERR_API_NOT_FOUND")
    response = client.post("/v3/users/x", json={"name": "Y"}, headers=headers)
    _error(response, 404, "ERR_API_NOT_FOUND")
    assert _ok(client.get("/v3/users/x", headers=headers))["data"]["name"] == "X"


def test_openapi_document(client):
    response = client.get("/cometchat/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    assert "/users" in doc["paths"]
    assert "/users/{uid}" in doc["paths"]
    assert "/roles" in doc["paths"]
    assert "post" in doc["paths"]["/users"]


def test_sendbird_openapi_document(client):
    """Served without credentials; it describes every Sendbird route Roster answers."""
    response = client.get("/sendbird/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    for template in ("/v3/users", "/v3/users/{user_id}", "/v3/users/{user_id}/metadata/{key}"):
        assert template in doc["paths"]
    assert set(doc["paths"]["/v3/bots/{bot_userid}"]) >= {"get", "put", "delete"}


def test_health_needs_no_key(app):
    with ContractClient(app, base_url="http://testserver") as c:
        # /healthz is not part of the CometChat contract, so bypass the contract check
        response = super(ContractClient, c).request("GET", "/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True}


# --- revoked keys -----------------------------------------------------------------------------


async def _revoke(settings: Settings, app_id: str, secret: str) -> str:
    db = await open_database(settings)
    try:
        await db.migrate()
        tenancy = Tenancy(db, SystemClock())
        matches = [
            k
            for k in await tenancy.list_keys(app_id)
            if k.hint == secret[-4:] and k.revoked_at is None
        ]
        assert len(matches) == 1, matches
        assert await tenancy.revoke_key(app_id, matches[0].key_id)
        revoked = [k for k in await tenancy.list_keys(app_id) if k.key_id == matches[0].key_id]
        assert revoked[0].revoked_at is not None
        return matches[0].key_id
    finally:
        await db.close()


def test_revoked_key_stops_working_in_a_fresh_process(settings, keys):
    with ContractClient(RosterApp(settings), base_url="http://testserver/v3") as before:
        _ok(
            before.post(
                "/users", json={"uid": "alice", "name": "A"}, headers={"apikey": keys["full"]}
            )
        )

    asyncio.run(_revoke(settings, APP_ID, keys["full"]))

    with ContractClient(RosterApp(settings), base_url="http://testserver/v3") as after:
        for method, path in (("GET", "/users"), ("GET", "/users/alice"), ("GET", "/roles")):
            response = after.request(method, path, headers={"apikey": keys["full"]})
            _error(response, 401, "AUTH_ERR_APIKEY_NOT_FOUND")
        # the app's other key and the other app's key still work
        response = after.post(
            "/users", json={"uid": "bob", "name": "B"}, headers={"apikey": keys["auth_only"]}
        )
        assert _ok(response)["data"]["uid"] == "bob"
        assert _ok(after.get("/users", headers={"apikey": keys["other_app"]}))["data"] == []


def test_revoked_key_stops_working_once_the_cache_expires(settings, keys):
    clock = ManualClock(SystemClock().now_ms())
    headers = {"apikey": keys["full"]}
    with ContractClient(RosterApp(settings, clock), base_url="http://testserver/v3") as c:
        assert _ok(c.get("/users", headers=headers))["data"] == []
        asyncio.run(_revoke(settings, APP_ID, keys["full"]))
        clock.advance(KEY_CACHE_MS + 1)
        _error(c.get("/users", headers=headers), 401, "AUTH_ERR_APIKEY_NOT_FOUND")
        _error(
            c.post("/users", json={"uid": "z", "name": "Z"}, headers=headers),
            401,
            "AUTH_ERR_APIKEY_NOT_FOUND",
        )
        assert _ok(c.get("/users", headers={"apikey": keys["other_app"]}))["data"] == []


def test_revoked_key_stops_working_within_the_cache_ttl_in_real_time(settings, keys):
    """The documented bound: a revoked key stops working within KEY_CACHE_MS in every process."""
    headers = {"apikey": keys["full"]}
    with ContractClient(RosterApp(settings), base_url="http://testserver/v3") as c:
        _ok(c.get("/users", headers=headers))
        asyncio.run(_revoke(settings, APP_ID, keys["full"]))
        time.sleep(KEY_CACHE_MS / 1000 + 0.2)
        _error(c.get("/users", headers=headers), 401, "AUTH_ERR_APIKEY_NOT_FOUND")


def test_new_key_works_at_once(settings, keys):
    async def create() -> str:
        db = await open_database(settings)
        try:
            await db.migrate()
            _key, secret = await Tenancy(db, SystemClock()).create_key(APP_ID, Scope.FULL_ACCESS)
            return secret
        finally:
            await db.close()

    with ContractClient(RosterApp(settings), base_url="http://testserver/v3") as c:
        _ok(c.get("/users", headers={"apikey": keys["full"]}))
        secret = asyncio.run(create())
        assert len(secret) == 40
        assert int(secret, 16) >= 0
        assert _ok(c.get("/users", headers={"apikey": secret}))["data"] == []
