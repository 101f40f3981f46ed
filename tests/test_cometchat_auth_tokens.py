"""CometChat v3 auth tokens: create, list (masked), get, update, delete, flush (reference §8)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from roster.app import RosterApp
from roster.settings import Settings
from tests.cometchat_helpers import bad_request, data, error
from tests.conftest import ContractClient, ManualClock, make_user

NO_BODY = object()
SDK_BODY = {
    "platform": "WEB",
    "deviceId": "app1_0b7f6c1e-8d2a-4c55-9a51-1d2f3e4a5b6c_1700000000000",
    "appInfo": {"version": "v4.2.0", "apiVersion": "v3.0", "userAgent": "Mozilla/5.0"},
}
UNKNOWN_TOKEN = "u_1700000000" + "0" * 30


# --- helpers -----------------------------------------------------------------------------


def send(client: TestClient, method: str, path: str, body: Any = NO_BODY, **kw: Any) -> Any:
    if body is NO_BODY:
        return client.request(method, path, **kw)
    return client.request(method, path, json=body, **kw)


def token_pattern(uid: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(uid)}_\d{{10}}[0-9a-f]{{30}}$")


def mask(token: str) -> str:
    """The listed form: `<uid>_` + the creation second + stars + the last four characters."""
    head, _, tail = token.rpartition("_")
    return f"{head}_{tail[:10]}{'*' * 26}{tail[-4:]}"


def mint(client: TestClient, uid: str, body: Any = NO_BODY, **kw: Any) -> dict[str, Any]:
    created: dict[str, Any] = data(send(client, "POST", f"/users/{uid}/auth_tokens", body, **kw))
    return created


def token_of(client: TestClient, uid: str, body: Any = NO_BODY) -> str:
    token: str = mint(client, uid, body)["authToken"]
    return token


def listed(client: TestClient, uid: str, **query: Any) -> tuple[list[dict[str, Any]], Any]:
    response = client.get(f"/users/{uid}/auth_tokens", params=query)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"data", "meta"}, body
    return body["data"], body["meta"]["pagination"]


def tpath(uid: str, token: str) -> str:
    return f"/users/{uid}/auth_tokens/{token}"


T0 = 1_700_000_000_000


def clocked_client(
    settings: Settings, keys: dict[str, str], clock: ManualClock
) -> Iterator[TestClient]:
    app = RosterApp(settings, clock)
    with ContractClient(
        app, base_url="http://testserver/v3", headers={"apikey": keys["full"]}
    ) as client:
        yield client


@pytest.fixture
def ticking(settings: Settings, keys: dict[str, str]) -> Iterator[TestClient]:
    """Like `cc`, on a clock that moves 1 ms at every reading."""
    yield from clocked_client(settings, keys, ManualClock(T0, step=1))


@pytest.fixture
def frozen(settings: Settings, keys: dict[str, str]) -> Iterator[tuple[TestClient, ManualClock]]:
    """Like `cc`, on a clock that only moves when the test sets it."""
    clock = ManualClock(T0)
    for client in clocked_client(settings, keys, clock):
        yield client, clock


# --- create ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [NO_BODY, {}, {"force": True}, {"force": False}, {"force": None}, SDK_BODY],
    ids=["no-body", "empty", "force", "no-force", "force-null", "sdk"],
)
def test_create_token(cc: TestClient, body: Any) -> None:
    make_user(cc, "alice")
    before = int(time.time())
    created = mint(cc, "alice", body)
    after = int(time.time())
    assert set(created) == {"uid", "authToken", "createdAt"}
    assert created["uid"] == "alice"
    token = created["authToken"]
    assert token_pattern("alice").match(token), token
    assert before <= created["createdAt"] <= after
    # The ten digits after the uid are the creation second.
    assert token[len("alice_") : len("alice_") + 10] == str(created["createdAt"])


def test_every_create_mints_a_new_token(cc: TestClient) -> None:
    make_user(cc, "alice")
    tokens = {token_of(cc, "alice"), token_of(cc, "alice", {"force": True})}
    tokens |= {token_of(cc, "alice", {"force": False}), token_of(cc, "alice", SDK_BODY)}
    assert len(tokens) == 4
    _rows, pagination = listed(cc, "alice")
    assert pagination["total"] == 4


def test_create_lowercases_the_uid(cc: TestClient) -> None:
    make_user(cc, "Alice-01")
    created = mint(cc, "ALICE-01")
    assert created["uid"] == "alice-01"
    assert token_pattern("alice-01").match(created["authToken"])
    assert data(cc.get(tpath("alice-01", created["authToken"])))["uid"] == "alice-01"


def test_create_with_uid_of_a_hundred_characters(cc: TestClient) -> None:
    uid = "u" * 100
    make_user(cc, uid)
    token = token_of(cc, uid)
    assert token_pattern(uid).match(token)
    assert len(token) == 100 + 1 + 40


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"appInfo": "v4.2.0"}, "appInfo"),
        ({"appInfo": ["v4.2.0"]}, "appInfo"),
        ({"appInfo": 4}, "appInfo"),
        ({"appInfo": True}, "appInfo"),
        ({"platform": 7}, "platform"),
        ({"platform": {"os": "web"}}, "platform"),
        ({"deviceId": ["d"]}, "deviceId"),
        ({"force": "yes"}, "force"),
        ({"force": 1}, "force"),
        ({"appInfo": {"blob": "x" * 1100}}, "appInfo"),
        ({"platform": "p" * 1001}, "platform"),
    ],
)
def test_bad_create_body_is_bad_request(cc: TestClient, body: Any, field: str) -> None:
    make_user(cc, "alice")
    bad_request(cc.post("/users/alice/auth_tokens", json=body), field)
    _rows, pagination = listed(cc, "alice")
    assert pagination["total"] == 0


@pytest.mark.parametrize("raw", [b"[]", b'"x"', b"{nope"])
def test_create_body_that_is_not_an_object_is_bad_request(cc: TestClient, raw: bytes) -> None:
    make_user(cc, "alice")
    response = cc.post(
        "/users/alice/auth_tokens", content=raw, headers={"Content-Type": "application/json"}
    )
    error(response, 400, "ERR_BAD_REQUEST")


def test_create_for_unknown_or_deactivated_user_is_not_found(cc: TestClient) -> None:
    make_user(cc, "gone")
    data(send(cc, "DELETE", "/users/gone"))
    for uid in ("ghost", "gone"):
        error(cc.post(f"/users/{uid}/auth_tokens", json={}), 404, "ERR_UID_NOT_FOUND")


def test_auth_only_key_creates_tokens(cc: TestClient, keys: dict[str, str]) -> None:
    auth = {"apikey": keys["auth_only"]}
    make_user(cc, "alice")
    created = mint(cc, "alice", SDK_BODY, headers=auth)
    assert token_pattern("alice").match(created["authToken"])
    got = data(cc.get(tpath("alice", created["authToken"])))
    assert got["platform"] == "WEB"
    # Without a body too.
    assert token_pattern("alice").match(mint(cc, "alice", headers=auth)["authToken"])


def test_auth_only_key_cannot_read_or_revoke_tokens(cc: TestClient, keys: dict[str, str]) -> None:
    auth = {"apikey": keys["auth_only"]}
    make_user(cc, "alice")
    token = token_of(cc, "alice", SDK_BODY)
    calls = [
        ("GET", "/users/alice/auth_tokens", NO_BODY),
        ("DELETE", "/users/alice/auth_tokens", NO_BODY),
        ("GET", tpath("alice", token), NO_BODY),
        ("PUT", tpath("alice", token), {"platform": "ios"}),
        ("DELETE", tpath("alice", token), NO_BODY),
    ]
    for method, path, body in calls:
        error(send(cc, method, path, body, headers=auth), 403, "AUTH_ERR_NO_ACCESS")
    # Nothing changed.
    got = data(cc.get(tpath("alice", token)))
    assert got["platform"] == "WEB"
    _rows, pagination = listed(cc, "alice")
    assert pagination["total"] == 1


# --- list -----------------------------------------------------------------------------------


def test_list_shows_masked_tokens_with_exact_total(cc: TestClient) -> None:
    make_user(cc, "alice")
    make_user(cc, "bob")
    tokens = [token_of(cc, "alice", SDK_BODY), token_of(cc, "alice"), token_of(cc, "alice")]
    token_of(cc, "bob")
    rows, pagination = listed(cc, "alice")
    assert pagination == {
        "total": 3,
        "count": 3,
        "per_page": 100,
        "current_page": 1,
        "total_pages": 1,
    }
    assert sorted(r["authToken"] for r in rows) == sorted(mask(t) for t in tokens)
    masked = re.compile(r"^alice_\d{10}\*{26}[0-9a-f]{4}$")
    for row in rows:
        assert masked.match(row["authToken"]), row
        assert row["uid"] == "alice"
        assert isinstance(row["createdAt"], int)
        assert row["authToken"][len("alice_") :][:10] == str(row["createdAt"])
        assert row["authToken"] not in tokens  # never the real token
    [with_details] = [r for r in rows if r["authToken"] == mask(tokens[0])]
    assert with_details["platform"] == "WEB"
    assert with_details["deviceId"] == SDK_BODY["deviceId"]
    assert with_details["appInfo"] == SDK_BODY["appInfo"]
    [plain, _] = [r for r in rows if r["authToken"] != mask(tokens[0])]
    assert "platform" not in plain and "appInfo" not in plain
    # bob's token is bob's alone.
    bob_rows, bob_pages = listed(cc, "bob")
    assert bob_pages["total"] == 1 and len(bob_rows) == 1


def test_list_is_empty_for_a_user_without_tokens(cc: TestClient) -> None:
    make_user(cc, "alice")
    rows, pagination = listed(cc, "alice")
    assert rows == []
    assert pagination["total"] == 0 and pagination["count"] == 0


def test_list_page_walk(ticking: TestClient) -> None:
    cc = ticking
    make_user(cc, "alice")
    tokens = [token_of(cc, "alice") for _ in range(5)]
    seen: list[str] = []
    for page, size in ((1, 2), (2, 2), (3, 1)):
        rows, pagination = listed(cc, "alice", perPage=2, page=page)
        assert len(rows) == size
        assert pagination == {
            "total": 5,
            "count": size,
            "per_page": 2,
            "current_page": page,
            "total_pages": 3,
        }
        seen += [r["authToken"] for r in rows]
    assert sorted(seen) == sorted(mask(t) for t in tokens)
    assert len(set(seen)) == 5
    rows, pagination = listed(cc, "alice", perPage=2, page=4)
    assert rows == [] and pagination["count"] == 0 and pagination["total"] == 5
    rows, _ = listed(cc, "alice", per_page=5)
    assert len(rows) == 5


@pytest.mark.parametrize(
    ("name", "value"), [("perPage", "0"), ("perPage", "1001"), ("page", "0"), ("page", "one")]
)
def test_list_bad_paging_is_bad_request(cc: TestClient, name: str, value: str) -> None:
    make_user(cc, "alice")
    bad_request(cc.get("/users/alice/auth_tokens", params={name: value}), name)


def test_token_from_create_user_is_listed_masked(cc: TestClient) -> None:
    """POST /users withAuthToken=true mints an auth token like any other."""
    response = cc.post("/users", json={"uid": "alice", "name": "Alice", "withAuthToken": True})
    assert response.status_code == 200, response.text
    token = response.json()["data"]["authToken"]
    assert token_pattern("alice").match(token)
    got = data(cc.get(tpath("alice", token)))
    assert got["authToken"] == token
    rows, pagination = listed(cc, "alice")
    assert pagination["total"] == 1
    assert [r["authToken"] for r in rows] == [mask(token)]


# --- get / update / delete one ----------------------------------------------------------------


def test_get_echoes_the_full_token(cc: TestClient) -> None:
    make_user(cc, "alice")
    created = mint(cc, "alice", SDK_BODY)
    token = created["authToken"]
    got = data(cc.get(tpath("alice", token)))
    assert got == {
        "uid": "alice",
        "authToken": token,
        "createdAt": created["createdAt"],
        "platform": "WEB",
        "deviceId": SDK_BODY["deviceId"],
        "appInfo": SDK_BODY["appInfo"],
    }
    bare = token_of(cc, "alice")
    got = data(cc.get(tpath("alice", bare)))
    assert set(got) == {"uid", "authToken", "createdAt"}
    assert got["authToken"] == bare
    # The uid in the path may use any case.
    assert data(cc.get(tpath("ALICE", bare)))["authToken"] == bare


def test_unknown_token_is_not_found(cc: TestClient) -> None:
    make_user(cc, "alice")
    token = token_of(cc, "alice")
    unknown = [
        UNKNOWN_TOKEN.replace("u_", "alice_"),
        token[:-1] + ("0" if token[-1] != "0" else "1"),
        mask(token),
        "nope",
    ]
    for candidate in unknown:
        error(cc.get(tpath("alice", candidate)), 404, "ERR_AUTH_TOKEN_NOT_FOUND")
        response = cc.put(tpath("alice", candidate), json={"platform": "ios"})
        error(response, 404, "ERR_AUTH_TOKEN_NOT_FOUND")
        error(send(cc, "DELETE", tpath("alice", candidate)), 404, "ERR_AUTH_TOKEN_NOT_FOUND")
    assert listed(cc, "alice")[1]["total"] == 1


def test_token_of_another_user_is_not_accessible(cc: TestClient) -> None:
    make_user(cc, "alice")
    make_user(cc, "bob")
    token = token_of(cc, "alice", SDK_BODY)
    error(cc.get(tpath("bob", token)), 403, "ERR_AUTHTOKEN_NOT_ACCESSIBLE")
    response = cc.put(tpath("bob", token), json={"platform": "ios"})
    error(response, 403, "ERR_AUTHTOKEN_NOT_ACCESSIBLE")
    error(send(cc, "DELETE", tpath("bob", token)), 403, "ERR_AUTHTOKEN_NOT_ACCESSIBLE")
    # Untouched.
    assert data(cc.get(tpath("alice", token)))["platform"] == "WEB"


def test_token_routes_for_unknown_user_are_not_found(cc: TestClient) -> None:
    make_user(cc, "alice")
    token = token_of(cc, "alice")
    calls = [
        ("GET", "/users/ghost/auth_tokens", NO_BODY),
        ("DELETE", "/users/ghost/auth_tokens", NO_BODY),
        ("GET", tpath("ghost", token), NO_BODY),
        ("PUT", tpath("ghost", token), {"platform": "ios"}),
        ("DELETE", tpath("ghost", token), NO_BODY),
    ]
    for method, path, body in calls:
        error(send(cc, method, path, body), 404, "ERR_UID_NOT_FOUND")
    assert data(cc.get(tpath("alice", token)))["authToken"] == token


def test_token_of_another_app_is_not_found(cc: TestClient, keys: dict[str, str]) -> None:
    """A token is looked up within the caller's app: another app's token does not exist here."""
    other = {"apikey": keys["other_app"]}
    make_user(cc, "alice")
    response = cc.post("/users", json={"uid": "alice", "name": "Alice"}, headers=other)
    assert response.status_code == 200, response.text
    token = token_of(cc, "alice")
    error(cc.get(tpath("alice", token), headers=other), 404, "ERR_AUTH_TOKEN_NOT_FOUND")
    error(send(cc, "DELETE", tpath("alice", token), headers=other), 404, "ERR_AUTH_TOKEN_NOT_FOUND")
    assert listed(cc, "alice")[1]["total"] == 1
    response = cc.get("/users/alice/auth_tokens", headers=other)
    assert response.status_code == 200 and response.json()["data"] == []


def test_sendbird_session_token_is_not_a_cometchat_auth_token(
    cc: TestClient, sb: TestClient
) -> None:
    make_user(cc, "alice")
    response = sb.post("/users/alice/token", json={})
    assert response.status_code == 200, response.text
    session = response.json()["token"]
    error(cc.get(tpath("alice", session)), 404, "ERR_AUTH_TOKEN_NOT_FOUND")
    error(send(cc, "DELETE", tpath("alice", session)), 404, "ERR_AUTH_TOKEN_NOT_FOUND")
    assert listed(cc, "alice")[1]["total"] == 0


def test_update_token(cc: TestClient) -> None:
    make_user(cc, "alice")
    created = mint(cc, "alice", SDK_BODY)
    token = created["authToken"]
    updated = data(cc.put(tpath("alice", token), json={"platform": "ios"}))
    assert updated == {
        "uid": "alice",
        "authToken": token,
        "createdAt": created["createdAt"],
        "platform": "ios",
        "deviceId": SDK_BODY["deviceId"],
        "appInfo": SDK_BODY["appInfo"],
    }
    info = {"version": "v4.3.0", "nested": {"ok": True, "n": [1, 2]}}
    updated = data(cc.put(tpath("alice", token), json={"userAgent": "curl/8", "appInfo": info}))
    assert updated["platform"] == "ios"
    assert updated["userAgent"] == "curl/8"
    assert updated["appInfo"] == info
    # Stored: a later read and the list agree.
    got = data(cc.get(tpath("alice", token)))
    assert got == updated
    [row] = listed(cc, "alice")[0]
    assert row["authToken"] == mask(token)
    assert row["platform"] == "ios" and row["userAgent"] == "curl/8" and row["appInfo"] == info


def test_update_a_token_without_details(cc: TestClient) -> None:
    make_user(cc, "alice")
    token = token_of(cc, "alice")
    updated = data(cc.put(tpath("alice", token), json={"platform": "android"}))
    assert updated["platform"] == "android"
    assert "appInfo" not in updated and "userAgent" not in updated


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"platform": 1}, "platform"),
        ({"userAgent": ["x"]}, "userAgent"),
        ({"appInfo": "v1"}, "appInfo"),
        ({"appInfo": [1]}, "appInfo"),
    ],
)
def test_bad_update_body_is_bad_request(cc: TestClient, body: Any, field: str) -> None:
    make_user(cc, "alice")
    token = token_of(cc, "alice", SDK_BODY)
    bad_request(cc.put(tpath("alice", token), json=body), field)
    assert data(cc.get(tpath("alice", token)))["platform"] == "WEB"


@pytest.mark.parametrize("body", [NO_BODY, {}, {"platform": None}, {"unrelated": 1}])
def test_empty_update_is_bad_request(cc: TestClient, body: Any) -> None:
    make_user(cc, "alice")
    token = token_of(cc, "alice", SDK_BODY)
    error(send(cc, "PUT", tpath("alice", token), body), 400, "ERR_BAD_REQUEST")
    assert data(cc.get(tpath("alice", token)))["platform"] == "WEB"


def test_delete_one_token(cc: TestClient) -> None:
    make_user(cc, "alice")
    keep, drop = token_of(cc, "alice"), token_of(cc, "alice")
    result = data(send(cc, "DELETE", tpath("alice", drop)))
    assert result["success"] is True
    assert isinstance(result["message"], str) and result["message"]
    error(cc.get(tpath("alice", drop)), 404, "ERR_AUTH_TOKEN_NOT_FOUND")
    error(send(cc, "DELETE", tpath("alice", drop)), 404, "ERR_AUTH_TOKEN_NOT_FOUND")
    assert data(cc.get(tpath("alice", keep)))["authToken"] == keep
    rows, pagination = listed(cc, "alice")
    assert pagination["total"] == 1
    assert [r["authToken"] for r in rows] == [mask(keep)]


def test_flush_deletes_all_tokens_of_the_user(cc: TestClient) -> None:
    make_user(cc, "alice")
    make_user(cc, "bob")
    mine = [token_of(cc, "alice") for _ in range(3)]
    theirs = token_of(cc, "bob")
    result = data(send(cc, "DELETE", "/users/alice/auth_tokens"))
    assert result["success"] is True
    assert "alice" in result["message"]
    rows, pagination = listed(cc, "alice")
    assert rows == [] and pagination["total"] == 0
    for token in mine:
        error(cc.get(tpath("alice", token)), 404, "ERR_AUTH_TOKEN_NOT_FOUND")
    assert data(cc.get(tpath("bob", theirs)))["authToken"] == theirs
    # Flushing an empty set is fine; new tokens work afterwards.
    assert data(send(cc, "DELETE", "/users/alice/auth_tokens"))["success"] is True
    fresh = token_of(cc, "alice")
    assert data(cc.get(tpath("alice", fresh)))["authToken"] == fresh


# --- the hundred-token limit --------------------------------------------------------------------


def test_at_most_a_hundred_tokens_live(ticking: TestClient) -> None:
    cc = ticking
    make_user(cc, "alice")
    tokens = [token_of(cc, "alice") for _ in range(101)]
    rows, pagination = listed(cc, "alice")
    assert pagination["total"] == 100
    assert len(rows) == 100
    assert sorted(r["authToken"] for r in rows) == sorted(mask(t) for t in tokens[1:])
    error(cc.get(tpath("alice", tokens[0])), 404, "ERR_AUTH_TOKEN_NOT_FOUND")
    for token in (tokens[1], tokens[50], tokens[100]):
        assert data(cc.get(tpath("alice", token)))["authToken"] == token
    rows, pagination = listed(cc, "alice", perPage=100, page=2)
    assert rows == [] and pagination["total"] == 100
    # One more pushes out the next oldest.
    newest = token_of(cc, "alice")
    error(cc.get(tpath("alice", tokens[1])), 404, "ERR_AUTH_TOKEN_NOT_FOUND")
    assert data(cc.get(tpath("alice", newest)))["authToken"] == newest
    assert listed(cc, "alice")[1]["total"] == 100


def test_the_limit_is_per_user(ticking: TestClient) -> None:
    cc = ticking
    make_user(cc, "alice")
    make_user(cc, "bob")
    bobs = token_of(cc, "bob")
    for _ in range(101):
        token_of(cc, "alice")
    assert data(cc.get(tpath("bob", bobs)))["authToken"] == bobs
    assert listed(cc, "bob")[1]["total"] == 1


def test_oldest_goes_first_even_within_one_millisecond(
    frozen: tuple[TestClient, ManualClock],
) -> None:
    """Tokens minted in the same millisecond still leave in the order they were minted."""
    cc, _clock = frozen
    make_user(cc, "alice")
    tokens = [token_of(cc, "alice") for _ in range(150)]
    rows, pagination = listed(cc, "alice")
    assert pagination["total"] == 100
    assert sorted(r["authToken"] for r in rows) == sorted(mask(t) for t in tokens[50:])
    error(cc.get(tpath("alice", tokens[0])), 404, "ERR_AUTH_TOKEN_NOT_FOUND")
    assert data(cc.get(tpath("alice", tokens[149])))["authToken"] == tokens[149]


def test_created_at_follows_the_clock(frozen: tuple[TestClient, ManualClock]) -> None:
    cc, clock = frozen
    make_user(cc, "alice")
    clock.ms = T0 + 42_999
    created = mint(cc, "alice")
    assert created["createdAt"] == T0 // 1000 + 42
    assert created["authToken"].startswith(f"alice_{T0 // 1000 + 42}")
    [row] = listed(cc, "alice")[0]
    assert row["createdAt"] == T0 // 1000 + 42


# --- deactivation -------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["delete-user", "bulk-deactivate"])
def test_deactivation_removes_tokens(cc: TestClient, how: str) -> None:
    make_user(cc, "alice")
    make_user(cc, "bob")
    tokens = [token_of(cc, "alice", SDK_BODY), token_of(cc, "alice")]
    bobs = token_of(cc, "bob")
    if how == "delete-user":
        data(send(cc, "DELETE", "/users/alice"))
    else:
        done = data(send(cc, "DELETE", "/users", {"uidsToDeactivate": ["alice"]}))
        assert done["deactivatedUids"] == ["alice"]
    # While deactivated the user does not exist for these routes.
    error(cc.get("/users/alice/auth_tokens"), 404, "ERR_UID_NOT_FOUND")
    error(cc.get(tpath("alice", tokens[0])), 404, "ERR_UID_NOT_FOUND")
    error(cc.post("/users/alice/auth_tokens", json={}), 404, "ERR_UID_NOT_FOUND")
    reactivated = data(cc.put("/users", json={"uidsToActivate": ["alice"]}))
    assert reactivated["reactivatedUids"] == ["alice"]
    for token in tokens:
        error(cc.get(tpath("alice", token)), 404, "ERR_AUTH_TOKEN_NOT_FOUND")
    rows, pagination = listed(cc, "alice")
    assert rows == [] and pagination["total"] == 0
    # Other users keep theirs; alice can log in again with a new token.
    assert data(cc.get(tpath("bob", bobs)))["authToken"] == bobs
    fresh = token_of(cc, "alice")
    assert data(cc.get(tpath("alice", fresh)))["authToken"] == fresh


def test_permanent_delete_leaves_no_token_behind(cc: TestClient) -> None:
    make_user(cc, "alice")
    old = token_of(cc, "alice")
    data(send(cc, "DELETE", "/users/alice", {"permanent": True}))
    make_user(cc, "alice")
    error(cc.get(tpath("alice", old)), 404, "ERR_AUTH_TOKEN_NOT_FOUND")
    assert listed(cc, "alice")[1]["total"] == 0
