"""A list's parsed query string is kept per app and query string (`Call.parsed`): the parse,
never the users. These show that a kept parse still sees every write, stays within its app,
is never kept for a query string that fails, and that the map stays bounded."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from roster.core.services import Services
from roster.dialects.cometchat import params as cc_params
from roster.dialects.sendbird import params as sb_params
from roster.http import dialect
from roster.http.dialect import PARSED_MAX, Call
from roster.http.query import Query
from tests.cometchat_helpers import error
from tests.conftest import APP_ID, ContractClient, SendbirdClient, make_user
from tests.sendbird_helpers import err, ok


def _kept(parse: object, app_id: str, query: bytes) -> Any:
    return dialect._PARSED.get((parse, app_id, query))


def test_cometchat_list_sees_writes_between_equal_queries(cc: ContractClient) -> None:
    make_user(cc, "p1", "Parsed One")
    first = cc.get("/users?perPage=5&searchKey=parsed")
    assert [u["uid"] for u in first.json()["data"]] == ["p1"]
    kept = _kept(cc_params.list_request, APP_ID, b"perPage=5&searchKey=parsed")
    assert kept is not None and kept.query.search is not None and kept.per_page == 5
    make_user(cc, "p2", "Parsed Two")
    cc.delete("/users/p1")  # deactivated: left out of a list of active users
    again = cc.get("/users?perPage=5&searchKey=parsed")
    assert [u["uid"] for u in again.json()["data"]] == ["p2"]
    assert _kept(cc_params.list_request, APP_ID, b"perPage=5&searchKey=parsed") is kept


def test_sendbird_list_sees_writes_between_equal_queries(sb: SendbirdClient) -> None:
    ok(sb.post("/users", json={"user_id": "s1", "nickname": "Kept Parse", "profile_url": ""}))
    first = ok(sb.get("/users?limit=5&nickname_startswith=kept"))
    assert [u["user_id"] for u in first["users"]] == ["s1"]
    kept = _kept(sb_params.list_users, APP_ID, b"limit=5&nickname_startswith=kept")
    assert kept is not None and kept.limit == 5
    ok(sb.put("/users/s1", json={"nickname": "Renamed"}))
    ok(sb.post("/users", json={"user_id": "s2", "nickname": "Kept Too", "profile_url": ""}))
    again = ok(sb.get("/users?limit=5&nickname_startswith=kept"))
    assert [u["user_id"] for u in again["users"]] == ["s2"]


def test_the_same_query_string_in_another_app_lists_that_apps_users(
    cc: ContractClient, keys: dict[str, str]
) -> None:
    make_user(cc, "mine", "Shared Query")
    assert [u["uid"] for u in cc.get("/users?searchKey=shared").json()["data"]] == ["mine"]
    other = cc.get("/users?searchKey=shared", headers={"apikey": keys["other_app"]})
    assert other.status_code == 200, other.text
    assert other.json()["data"] == []
    make_user(cc, "mine2", "Shared Query 2")
    other = cc.get("/users?searchKey=shared", headers={"apikey": keys["other_app"]})
    assert other.json()["data"] == []


def test_a_query_string_that_fails_is_refused_every_time_and_never_kept(
    cc: ContractClient, sb: SendbirdClient
) -> None:
    for _ in range(2):
        error(cc.get("/users?perPage=abc"), 400, "ERR_BAD_REQUEST")
        err(sb.get("/users?limit=abc"), 400101)
    assert _kept(cc_params.list_request, APP_ID, b"perPage=abc") is None
    assert _kept(sb_params.list_users, APP_ID, b"limit=abc") is None


def _call(query: bytes) -> Call:
    scope = {"type": "http", "method": "GET", "path": "/users", "query_string": query}
    return Call(Request(scope), {}, APP_ID, Services.__new__(Services), 1024, {})


def test_kept_parses_stay_bounded_and_equal_to_a_fresh_parse() -> None:
    for n in range(PARSED_MAX + 50):
        query = f"perPage={n % 100 + 1}&searchKey=b{n}".encode()
        parsed = _call(query).parsed(cc_params.list_request)
        assert parsed == cc_params.list_request(Query(query), APP_ID)
        assert _call(query).parsed(cc_params.list_request) is parsed
        assert len(dialect._PARSED) <= PARSED_MAX
