"""Bad input on POST/PUT /users: a 4xx CometChat error body and an untouched store (§3, §4, §12)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import make_user
from tests.test_users import data, error, snapshot

DROP = object()  # marks a key to remove from the base body
BASE = {"uid": "newbie", "name": "Newbie"}

# (override of the create body, field expected in `details`)
BAD_FIELDS: list[tuple[dict[str, Any], str]] = [
    ({"name": 5}, "name"),
    ({"name": ["Newbie"]}, "name"),
    ({"name": None}, "name"),
    ({"name": DROP}, "name"),
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "\t\n"}, "name"),
    ({"name": "n" * 101}, "name"),
    ({"name": "😀" * 101}, "name"),
    ({"uid": 5}, "uid"),
    ({"uid": None}, "uid"),
    ({"uid": DROP}, "uid"),
    ({"uid": ""}, "uid"),
    ({"uid": "u" * 101}, "uid"),
    ({"avatar": 5}, "avatar"),
    ({"avatar": {"url": "https://e.org/a.png"}}, "avatar"),
    ({"avatar": "e.org/a.png"}, "avatar"),
    ({"avatar": "javascript:x"}, "avatar"),
    ({"avatar": "ftp://e.org/a.png"}, "avatar"),
    ({"avatar": "http://"}, "avatar"),
    ({"avatar": "https://e.org/a b.png"}, "avatar"),
    ({"avatar": "https://e.org/" + "a" * 3000}, "avatar"),
    ({"link": 5}, "link"),
    ({"link": "example.org/me"}, "link"),
    ({"link": "javascript:x"}, "link"),
    ({"link": "ftp://example.org/me"}, "link"),
    ({"link": ""}, "link"),
    ({"link": "http://[::1/me"}, "link"),  # urlsplit raises on an unbalanced bracket
    ({"avatar": "https://[e.org/a.png"}, "avatar"),
    ({"tags": "beta"}, "tags"),
    ({"tags": ["beta", 1]}, "tags"),
    ({"tags": [1, 2]}, "tags"),
    ({"tags": [None]}, "tags"),
    ({"tags": {"beta": True}}, "tags"),
    ({"tags": [f"t{i}" for i in range(26)]}, "tags"),
    ({"tags": ["x" * 101]}, "tags"),
    ({"tags": [""]}, "tags"),
    ({"tags": ["ok", "  "]}, "tags"),
    ({"metadata": []}, "metadata"),
    ({"metadata": [{"a": 1}]}, "metadata"),
    ({"metadata": "{}"}, "metadata"),
    ({"metadata": 5}, "metadata"),
    ({"metadata": True}, "metadata"),
    ({"metadata": {"blob": "x" * 5200}}, "metadata"),
    ({"statusMessage": 5}, "statusMessage"),
    ({"role": 5}, "role"),
    ({"role": ["default"]}, "role"),
]

CREATE_ONLY: list[tuple[dict[str, Any], str]] = [
    ({"withAuthToken": "true"}, "withAuthToken"),
    ({"withAuthToken": 1}, "withAuthToken"),
]

# "\u212a" is KELVIN SIGN: it lowercases to ASCII "k" but is not alpha-dash itself.
BAD_UIDS = ["new bie", "new@bie", "new/bie", "newbié", "new.bie", "new+bie", "new:bie", "😀"]
BAD_UIDS += ["\u212aelvin", "newbie\n", " newbie"]

NOT_OBJECTS = [b"", b"   ", b"{oops", b'{"uid": "newbie",}', b"[]", b'[{"uid": "newbie"}]']
NOT_OBJECTS += [b'"newbie"', b"42", b"true", b"null", b"\xff\xfe"]


def body_with(override: dict[str, Any], base: dict[str, Any] | None = None) -> dict[str, Any]:
    body = dict(BASE if base is None else base)
    for key, value in override.items():
        if value is DROP:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def ident(value: Any) -> str:
    text = json.dumps(value, default=lambda _: "DROP", ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


@pytest.fixture
def store(cc: Any) -> dict[str, Any]:
    """One user already present, so 'unchanged' is more than 'still empty'."""
    make_user(cc, "keeper", "Keeper", tags=["k"], metadata={"m": 1}, avatar="https://e.org/k.png")
    return {"before": snapshot(cc), "keeper": data(cc.get("/users/keeper"))}


def assert_unchanged(cc: Any, store: dict[str, Any]) -> None:
    assert snapshot(cc) == store["before"]
    assert data(cc.get("/users/keeper")) == store["keeper"]
    error(cc.get("/users/newbie"), 404, "ERR_UID_NOT_FOUND")


def raw_request(cc: Any, method: str, path: str, raw: bytes) -> Any:
    return cc.request(method, path, content=raw, headers={"content-type": "application/json"})


# --- POST /users -------------------------------------------------------------------------


@pytest.mark.parametrize(("override", "field"), BAD_FIELDS + CREATE_ONLY, ids=ident)
def test_create_bad_field(cc, store, override, field):
    err = error(cc.post("/users", json=body_with(override)), 400, "ERR_BAD_REQUEST")
    assert field in err["details"], err
    assert all(isinstance(m, str) and m for m in err["details"][field])
    assert_unchanged(cc, store)


def test_create_reports_every_bad_field(cc, store):
    body = {"uid": "newbie", "name": 5, "tags": "x", "metadata": [], "avatar": "nope"}
    err = error(cc.post("/users", json=body), 400, "ERR_BAD_REQUEST")
    assert {"name", "tags", "metadata", "avatar"} <= set(err["details"])
    assert_unchanged(cc, store)


def test_create_name_too_long_details(cc, store):
    err = error(cc.post("/users", json=body_with({"name": "n" * 101})), 400, "ERR_BAD_REQUEST")
    assert set(err["details"]) == {"name"}
    assert "100" in err["details"]["name"][0]
    assert_unchanged(cc, store)


def test_create_empty_object(cc, store):
    err = error(cc.post("/users", json={}), 400, "ERR_BAD_REQUEST")
    assert {"uid", "name"} <= set(err["details"])
    assert_unchanged(cc, store)


@pytest.mark.parametrize("uid", BAD_UIDS)
def test_create_uid_forbidden_characters(cc, store, uid):
    err = error(cc.post("/users", json=body_with({"uid": uid})), 400, "ERR_INVALID_UID")
    assert uid in err["message"]
    assert_unchanged(cc, store)


@pytest.mark.parametrize("raw", NOT_OBJECTS, ids=repr)
def test_create_body_not_a_json_object(cc, store, raw):
    error(raw_request(cc, "POST", "/users", raw), 400, "ERR_BAD_REQUEST")
    assert_unchanged(cc, store)


def test_create_without_body(cc, store):
    error(cc.post("/users"), 400, "ERR_BAD_REQUEST")
    assert_unchanged(cc, store)


@pytest.mark.parametrize("size", [10 * 1024 + 1, 11_000, 64 * 1024])
def test_create_body_too_large(cc, store, size):
    body = body_with({"statusMessage": ""})
    padding = size - len(json.dumps(body).encode())
    body["statusMessage"] = "s" * padding
    raw = json.dumps(body).encode()
    assert len(raw) == size
    error(raw_request(cc, "POST", "/users", raw), 413, "ERR_BAD_REQUEST")
    assert_unchanged(cc, store)


def test_create_body_too_large_streamed(cc, store):
    raw = json.dumps(body_with({"metadata": {"blob": "x" * 12_000}})).encode()
    chunks = iter([raw[:4000], raw[4000:8000], raw[8000:]])
    response = cc.request(
        "POST", "/users", content=chunks, headers={"content-type": "application/json"}
    )
    error(response, 413, "ERR_BAD_REQUEST")
    assert_unchanged(cc, store)


def test_create_metadata_over_5kb_in_a_small_body(cc, store):
    body = body_with({"metadata": {"blob": "x" * (5 * 1024)}})
    assert len(json.dumps(body)) < 10 * 1024
    err = error(cc.post("/users", json=body), 400, "ERR_BAD_REQUEST")
    assert "metadata" in err["details"]
    assert_unchanged(cc, store)


def test_create_limits_are_inclusive(cc):
    body = {
        "uid": "U" * 100,
        "name": "😀" * 100,
        "avatar": "https://e.org/" + "a" * (3000 - len("https://e.org/")),
        "link": "http://e.org/" + "b" * (3000 - len("http://e.org/")),
        "tags": [f"{i:02d}" + "t" * 98 for i in range(25)],
    }
    created = data(cc.post("/users", json=body))
    assert created["uid"] == "u" * 100
    for key in ("name", "avatar", "link", "tags"):
        assert created[key] == body[key], key


def test_create_metadata_of_exactly_5kb(cc):
    metadata = {"blob": "x" * (5 * 1024 - len('{"blob":""}'))}
    created = data(cc.post("/users", json={"uid": "meta", "name": "Meta", "metadata": metadata}))
    assert created["metadata"] == metadata


# --- PUT /users/{uid} --------------------------------------------------------------------

PUT_FIELDS = [(o, f) for o, f in BAD_FIELDS if f not in ("uid",) and DROP not in o.values()]
PUT_FIELDS = [(o, f) for o, f in PUT_FIELDS if o != {"name": None}] + [
    ({"name": None}, "name"),
    ({"unset": "avatar"}, "unset"),
    ({"unset": {"avatar": True}}, "unset"),
    ({"unset": ["avatar", 1]}, "unset"),
    ({"unset": ["name"]}, "unset"),
    ({"unset": ["bogus"]}, "unset"),
]


def put_body(override: dict[str, Any]) -> dict[str, Any]:
    return body_with(override, base={})


@pytest.mark.parametrize(("override", "field"), PUT_FIELDS, ids=ident)
def test_update_bad_field(cc, store, override, field):
    err = error(cc.put("/users/keeper", json=put_body(override)), 400, "ERR_BAD_REQUEST")
    assert field in err["details"], err
    assert_unchanged(cc, store)


def test_update_bad_field_mixed_with_good_ones(cc, store):
    body = {"name": "Changed", "tags": ["new"], "metadata": {"n": 2}, "avatar": "javascript:x"}
    err = error(cc.put("/users/keeper", json=body), 400, "ERR_BAD_REQUEST")
    assert set(err["details"]) == {"avatar"}
    assert_unchanged(cc, store)


def test_update_name_too_long_details(cc, store):
    err = error(cc.put("/users/keeper", json={"name": "n" * 101}), 400, "ERR_BAD_REQUEST")
    assert set(err["details"]) == {"name"}
    assert_unchanged(cc, store)


@pytest.mark.parametrize("raw", NOT_OBJECTS, ids=repr)
def test_update_body_not_a_json_object(cc, store, raw):
    error(raw_request(cc, "PUT", "/users/keeper", raw), 400, "ERR_BAD_REQUEST")
    assert_unchanged(cc, store)


def test_update_body_too_large(cc, store):
    body = {"name": "Changed", "statusMessage": "s" * (10 * 1024)}
    error(
        raw_request(cc, "PUT", "/users/keeper", json.dumps(body).encode()), 413, "ERR_BAD_REQUEST"
    )
    assert_unchanged(cc, store)


def test_update_metadata_over_5kb(cc, store):
    body = {"metadata": {"blob": "x" * (5 * 1024)}}
    err = error(cc.put("/users/keeper", json=body), 400, "ERR_BAD_REQUEST")
    assert "metadata" in err["details"]
    assert_unchanged(cc, store)


# --- hostile but well-formed input: never a 5xx, same outcome on every engine ------------

NUL_FIELDS: list[tuple[str, Any]] = [
    ("name", "a\u0000b"),
    ("statusMessage", "a\u0000b"),
    ("tags", ["a\u0000b"]),
    ("avatar", "https://e.org/a\u0000b.png"),
    ("link", "https://e.org/a\u0000b"),
    ("metadata", {"k": "a\u0000b"}),
    ("metadata", {"k\u0000": "v"}),
]


def assert_stored_or_refused(
    cc: Any, store: dict[str, Any], response: Any, uid: str, key: str, value: Any
) -> None:
    """Either the value is kept verbatim, or a 400 names the field and nothing changed."""
    assert response.status_code in (200, 400), response.text
    if response.status_code == 200:
        assert response.json()["data"][key] == value
        assert data(cc.get(f"/users/{uid}"))[key] == value
    else:
        assert key in error(response, 400, "ERR_BAD_REQUEST")["details"]
        assert_unchanged(cc, store)


@pytest.mark.parametrize(("key", "value"), NUL_FIELDS, ids=ident)
def test_create_nul_character(cc, store, key, value):
    response = cc.post("/users", json={**BASE, key: value})
    assert_stored_or_refused(cc, store, response, "newbie", key, value)


@pytest.mark.parametrize(("key", "value"), NUL_FIELDS, ids=ident)
def test_update_nul_character(cc, store, key, value):
    response = cc.put("/users/keeper", json={key: value})
    assert_stored_or_refused(cc, store, response, "keeper", key, value)


def test_nul_character_in_role(cc, store):
    response = cc.post("/users", json={**BASE, "role": "a\u0000b"})
    assert response.status_code in (400, 404), response.text
    assert response.json()["error"]["code"] in ("ERR_BAD_REQUEST", "ERR_ROLE_NOT_FOUND")
    response = cc.put("/users/keeper", json={"role": "a\u0000b"})
    assert response.status_code in (400, 404), response.text
    assert response.json()["error"]["code"] in ("ERR_BAD_REQUEST", "ERR_ROLE_NOT_FOUND")
    assert_unchanged(cc, store)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_nul_character_in_path_uid(cc, store, method):
    body = {"name": "x"} if method == "PUT" else None
    error(cc.request(method, "/users/kee%00per", json=body), 404, "ERR_UID_NOT_FOUND")
    assert_unchanged(cc, store)


@pytest.mark.parametrize(
    ("method", "key", "result_key"),
    [("DELETE", "uidsToDeactivate", "notFound"), ("PUT", "uidsToActivate", "nonDeactivatedUids")],
)
def test_nul_character_in_bulk_uids(cc, store, method, key, result_key):
    result = data(cc.request(method, "/users", json={key: ["kee\u0000per"]}))
    assert result[result_key] == ["kee\u0000per"]
    assert_unchanged(cc, store)


@pytest.mark.parametrize(("method", "path"), [("POST", "/users"), ("PUT", "/users/keeper")])
def test_deeply_nested_metadata(cc, store, method, path):
    depth = 2000
    raw = b'{"uid":"newbie","name":"N","metadata":{"a":' + b"[" * depth + b"]" * depth + b"}}"
    assert len(raw) < 10 * 1024
    error(raw_request(cc, method, path, raw), 400, "ERR_BAD_REQUEST")
    assert_unchanged(cc, store)
