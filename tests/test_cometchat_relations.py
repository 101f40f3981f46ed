"""CometChat v3 blocked users, friends and viewer-relative block fields (reference §9-§11).

Blocks are one relation whatever dialect made them, so a few tests also go through Sendbird.
"""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.cometchat_helpers import bad_request, data, error
from tests.conftest import CLOCK_T0, ManualClock, make_user

VIEWER_KEYS = (
    "conversationId",
    "blockedByMe",
    "hasBlockedMe",
    "blockedByMeAt",
    "hasBlockedMeAt",
    "blockedAt",
)
NO_BODY = object()


# --- helpers -----------------------------------------------------------------------------


def send(client: TestClient, method: str, path: str, body: Any = NO_BODY) -> Any:
    if body is NO_BODY:
        return client.request(method, path)
    return client.request(method, path, json=body)


def users(client: TestClient, *uid_list: str) -> None:
    for uid in uid_list:
        make_user(client, uid, uid.title())


def block(client: TestClient, uid: str, *targets: str) -> dict[str, Any]:
    return data(client.post(f"/users/{uid}/blockedusers", json={"blockedUids": list(targets)}))


def unblock(client: TestClient, uid: str, *targets: str) -> dict[str, Any]:
    return data(
        send(client, "DELETE", f"/users/{uid}/blockedusers", {"blockedUids": list(targets)})
    )


def blocked(client: TestClient, uid: str, **query: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = data(client.get(f"/users/{uid}/blockedusers", params=query))
    return rows


def befriend(client: TestClient, uid: str, *targets: str) -> dict[str, Any]:
    accepted: dict[str, Any] = data(
        client.post(f"/users/{uid}/friends", json={"accepted": list(targets)})
    )["accepted"]
    return accepted


def friends(client: TestClient, uid: str, **query: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = data(client.get(f"/users/{uid}/friends", params=query))
    return rows


def uids_of(rows: list[dict[str, Any]]) -> list[str]:
    return [row["uid"] for row in rows]


def view(row: dict[str, Any]) -> dict[str, Any]:
    """The viewer-relative keys of a rendered user."""
    return {key: row[key] for key in VIEWER_KEYS if key in row}


def expected_view(
    viewer: str, other: str, mine: int | None = None, theirs: int | None = None
) -> dict[str, Any]:
    """What `viewer` should see of `other`: `mine`/`theirs` are block times in seconds."""
    first, second = sorted((viewer, other))
    out: dict[str, Any] = {
        "conversationId": f"{first}_user_{second}",
        "blockedByMe": mine is not None,
        "hasBlockedMe": theirs is not None,
    }
    if mine is not None:
        out["blockedByMeAt"] = mine
    if theirs is not None:
        out["hasBlockedMeAt"] = theirs
    if mine is not None or theirs is not None:
        out["blockedAt"] = mine if mine is not None else theirs
    return out


def ok_entry(entry: dict[str, Any]) -> None:
    assert entry["success"] is True, entry
    assert isinstance(entry["message"], str) and entry["message"], entry
    assert "code" not in entry, entry


def failed_entry(entry: dict[str, Any], code: str) -> None:
    assert entry["success"] is False, entry
    assert entry["code"] == code, entry
    assert isinstance(entry["message"], str) and entry["message"], entry


def deactivate(client: TestClient, *uid_list: str) -> None:
    done = data(send(client, "DELETE", "/users", {"uidsToDeactivate": list(uid_list)}))
    assert sorted(done["deactivatedUids"]) == sorted(uid_list)


def reactivate(client: TestClient, *uid_list: str) -> None:
    done = data(client.put("/users", json={"uidsToActivate": list(uid_list)}))
    assert sorted(done["reactivatedUids"]) == sorted(uid_list)


T0 = CLOCK_T0  # ms


# --- block / unblock -----------------------------------------------------------------------


def test_block_reports_each_target(cc: TestClient) -> None:
    users(cc, "a", "b", "c")
    result = block(cc, "a", "b", "c", "a", "ghost")
    assert set(result) == {"b", "c", "a", "ghost"}
    ok_entry(result["b"])
    ok_entry(result["c"])
    failed_entry(result["a"], "ERR_CANNOT_BLOCK_SELF")
    failed_entry(result["ghost"], "ERR_UID_NOT_FOUND")
    assert uids_of(blocked(cc, "a")) == ["b", "c"]
    # The refused targets changed nothing: nobody blocked "a".
    assert blocked(cc, "a", direction="hasBlockedMe") == []
    assert uids_of(blocked(cc, "b", direction="hasBlockedMe")) == ["a"]


def test_block_message_names_both_users(cc: TestClient) -> None:
    users(cc, "alice", "bob")
    entry = block(cc, "alice", "bob")["bob"]
    ok_entry(entry)
    assert "alice" in entry["message"] and "bob" in entry["message"]


def test_block_uids_are_lowercased_and_deduplicated(cc: TestClient) -> None:
    users(cc, "a", "b")
    result = block(cc, "A", "B", "b", "B")
    assert set(result) == {"b"}
    ok_entry(result["b"])
    assert uids_of(blocked(cc, "a")) == ["b"]
    assert uids_of(blocked(cc, "A")) == ["b"]


def test_blocking_twice_keeps_the_first_time(clocked: tuple[TestClient, ManualClock]) -> None:
    cc, clock = clocked
    users(cc, "a", "b")
    clock.ms = T0 + 10_400
    ok_entry(block(cc, "a", "b")["b"])
    clock.ms = T0 + 500_000
    ok_entry(block(cc, "a", "b")["b"])
    first = (T0 + 10_400) // 1000
    [row] = blocked(cc, "a")
    assert view(row) == expected_view("a", "b", mine=first)
    seen = data(cc.get("/users/b", headers={"onBehalfOf": "a"}))
    assert view(seen) == expected_view("a", "b", mine=first)


def test_unblock_reports_each_target(cc: TestClient) -> None:
    users(cc, "a", "b", "c", "d")
    block(cc, "a", "b", "d")
    result = unblock(cc, "a", "b", "c", "a", "ghost")
    assert set(result) == {"b", "c", "a", "ghost"}
    ok_entry(result["b"])
    assert result["c"]["success"] is False, result  # c was never blocked
    assert isinstance(result["c"]["message"], str) and result["c"]["message"]
    failed_entry(result["a"], "ERR_CANNOT_BLOCK_SELF")
    failed_entry(result["ghost"], "ERR_UID_NOT_FOUND")
    assert uids_of(blocked(cc, "a")) == ["d"]
    assert blocked(cc, "b", direction="hasBlockedMe") == []
    # Unblocking again: b is no longer blocked.
    again = unblock(cc, "a", "b")
    assert again["b"]["success"] is False, again
    # The block from the other side is a different relation: a cannot lift it.
    block(cc, "c", "a")
    assert unblock(cc, "a", "c")["c"]["success"] is False
    assert uids_of(blocked(cc, "a", direction="hasBlockedMe")) == ["c"]


def test_unblock_then_block_again_takes_the_new_time(
    clocked: tuple[TestClient, ManualClock],
) -> None:
    cc, clock = clocked
    users(cc, "a", "b")
    block(cc, "a", "b")
    unblock(cc, "a", "b")
    clock.ms = T0 + 77_000
    block(cc, "a", "b")
    [row] = blocked(cc, "a")
    assert row["blockedByMeAt"] == (T0 + 77_000) // 1000


@pytest.mark.parametrize("method", ["POST", "DELETE"])
@pytest.mark.parametrize(
    "body",
    [
        NO_BODY,
        {},
        {"blockedUids": None},
        {"blockedUids": []},
        {"blockedUids": "b"},
        {"blockedUids": {"b": True}},
        {"blockedUids": ["b", 7]},
        {"blockedUids": [None]},
        {"uids": ["b"]},
    ],
    ids=["no-body", "empty", "null", "empty-list", "string", "object", "number", "null-item", "x"],
)
def test_bad_blocked_uids_is_bad_request(cc: TestClient, method: str, body: Any) -> None:
    users(cc, "a", "b")
    if method == "DELETE":
        block(cc, "a", "b")
    response = send(cc, method, "/users/a/blockedusers", body)
    err = error(response, 400, "ERR_BAD_REQUEST")
    if body is not NO_BODY:
        assert "blockedUids" in err.get("details", {}), err
    # Nothing changed.
    assert uids_of(blocked(cc, "a")) == (["b"] if method == "DELETE" else [])


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_more_than_a_hundred_targets_is_bad_request(cc: TestClient, method: str) -> None:
    users(cc, "a", "b")
    if method == "DELETE":
        block(cc, "a", "b")
    targets = ["b"] + [f"ghost-{i}" for i in range(100)]
    bad_request(send(cc, method, "/users/a/blockedusers", {"blockedUids": targets}), "blockedUids")
    assert uids_of(blocked(cc, "a")) == (["b"] if method == "DELETE" else [])
    # A hundred is allowed; b is one of them.
    result = data(send(cc, method, "/users/a/blockedusers", {"blockedUids": targets[:100]}))
    assert len(result) == 100
    ok_entry(result["b"])
    for target in targets[1:100]:
        failed_entry(result[target], "ERR_UID_NOT_FOUND")
    assert uids_of(blocked(cc, "a")) == ([] if method == "DELETE" else ["b"])


@pytest.mark.parametrize("method", ["POST", "DELETE", "GET"])
def test_unknown_or_deactivated_blocker_is_not_found(cc: TestClient, method: str) -> None:
    users(cc, "a", "b", "gone")
    deactivate(cc, "gone")
    body = NO_BODY if method == "GET" else {"blockedUids": ["a"]}
    for uid in ("ghost", "gone"):
        error(send(cc, method, f"/users/{uid}/blockedusers", body), 404, "ERR_UID_NOT_FOUND")
    assert blocked(cc, "a", direction="hasBlockedMe") == []


def test_deactivated_user_leaves_the_block_list_until_reactivated(
    clocked: tuple[TestClient, ManualClock],
) -> None:
    cc, clock = clocked
    users(cc, "a", "b", "c")
    clock.ms = T0 + 3_000
    block(cc, "a", "b", "c")
    clock.ms = T0 + 9_000
    block(cc, "b", "a")
    deactivate(cc, "b")
    assert uids_of(blocked(cc, "a")) == ["c"]
    assert blocked(cc, "a", direction="hasBlockedMe") == []
    reactivate(cc, "b")
    rows = blocked(cc, "a", direction="both")
    assert uids_of(rows) == ["b", "c"]
    assert view(rows[0]) == expected_view("a", "b", mine=T0 // 1000 + 3, theirs=T0 // 1000 + 9)


# --- list blocked users ---------------------------------------------------------------------


@pytest.mark.parametrize("scenario", ["a blocks b", "b blocks a", "both"])
def test_block_directions_matrix(clocked: tuple[TestClient, ManualClock], scenario: str) -> None:
    cc, clock = clocked
    users(cc, "a", "b", "c")
    a_at = b_at = None
    if scenario in ("a blocks b", "both"):
        clock.ms = T0 + 5_250
        block(cc, "a", "b")
        a_at = (T0 + 5_250) // 1000
    if scenario in ("b blocks a", "both"):
        clock.ms = T0 + 8_999
        block(cc, "b", "a")
        b_at = (T0 + 8_999) // 1000
    clock.ms = T0 + 60_000
    for owner, other, mine, theirs in (("a", "b", a_at, b_at), ("b", "a", b_at, a_at)):
        expected = expected_view(owner, other, mine, theirs)
        lists = {
            None: blocked(cc, owner),
            "blockedByMe": blocked(cc, owner, direction="blockedByMe"),
            "hasBlockedMe": blocked(cc, owner, direction="hasBlockedMe"),
            "both": blocked(cc, owner, direction="both"),
        }
        present = {
            None: mine is not None,
            "blockedByMe": mine is not None,
            "hasBlockedMe": theirs is not None,
            "both": True,
        }
        for direction, rows in lists.items():
            if present[direction]:
                assert uids_of(rows) == [other], (owner, direction, rows)
                assert view(rows[0]) == expected, (owner, direction, rows)
                assert rows[0]["name"] == other.title()
            else:
                assert rows == [], (owner, direction, rows)
        # GET /users/{other} on behalf of the owner gives the same fields.
        seen = data(cc.get(f"/users/{other}", headers={"onBehalfOf": owner}))
        assert view(seen) == expected
        # c takes no part in any block.
        assert view(data(cc.get("/users/c", headers={"onBehalfOf": owner}))) == expected_view(
            owner, "c"
        )
    assert blocked(cc, "c", direction="both") == []


def test_both_directions_list_with_mixed_relations(
    clocked: tuple[TestClient, ManualClock],
) -> None:
    cc, clock = clocked
    users(cc, "a", "b", "c", "d", "e")
    clock.ms = T0 + 1_000
    block(cc, "a", "b", "d")
    clock.ms = T0 + 2_000
    block(cc, "c", "a")
    clock.ms = T0 + 3_000
    block(cc, "d", "a")
    block(cc, "e", "b")  # not about a
    s = T0 // 1000
    assert uids_of(blocked(cc, "a")) == ["b", "d"]
    assert uids_of(blocked(cc, "a", direction="hasBlockedMe")) == ["c", "d"]
    rows = {row["uid"]: row for row in blocked(cc, "a", direction="both")}
    assert list(rows) == ["b", "c", "d"]
    assert view(rows["b"]) == expected_view("a", "b", mine=s + 1)
    assert view(rows["c"]) == expected_view("a", "c", theirs=s + 2)
    assert view(rows["d"]) == expected_view("a", "d", mine=s + 1, theirs=s + 3)
    assert rows["d"]["blockedAt"] == s + 1  # the owner's own block time first


def test_block_list_rows_are_full_users(cc: TestClient) -> None:
    make_user(cc, "a", "Ann")
    make_user(
        cc,
        "b",
        "Bea",
        avatar="https://img.example.com/b.png",
        metadata={"k": [1, 2]},
        statusMessage="away",
        tags=["vip"],
    )
    block(cc, "a", "b")
    [row] = blocked(cc, "a")
    assert row["uid"] == "b"
    assert row["name"] == "Bea"
    assert row["avatar"] == "https://img.example.com/b.png"
    assert row["metadata"] == {"k": [1, 2]}
    assert row["statusMessage"] == "away"
    assert row["status"] == "offline"
    assert row["role"] == "default"
    assert isinstance(row["createdAt"], int)


@pytest.mark.parametrize("direction", ["sideways", "blocked_by_me", "BOTH", "blockedbyme"])
def test_bad_direction_is_bad_request(cc: TestClient, direction: str) -> None:
    users(cc, "a")
    bad_request(cc.get("/users/a/blockedusers", params={"direction": direction}), "direction")


def test_empty_direction_means_blocked_by_me(cc: TestClient) -> None:
    users(cc, "a", "b", "c")
    block(cc, "a", "b")
    block(cc, "c", "a")
    assert uids_of(blocked(cc, "a", direction="")) == ["b"]


def test_block_list_search_key(cc: TestClient) -> None:
    make_user(cc, "a", "Ann")
    make_user(cc, "bob", "Robert")
    make_user(cc, "rob-2", "Zed")
    make_user(cc, "carl", "Bobby")
    make_user(cc, "dave", "Dåve")
    make_user(cc, "bo-hater", "Hater")
    block(cc, "a", "bob", "rob-2", "carl", "dave")
    block(cc, "bo-hater", "a")
    # uid or name, prefix, any case and accents; rows sorted by name.
    assert uids_of(blocked(cc, "a", searchKey="bo")) == ["carl", "bob"]
    assert uids_of(blocked(cc, "a", searchKey="ROB")) == ["bob", "rob-2"]
    assert uids_of(blocked(cc, "a", searchKey="obert")) == []
    assert uids_of(blocked(cc, "a", searchKey="x")) == []
    assert uids_of(blocked(cc, "a", searchKey="")) == ["carl", "dave", "bob", "rob-2"]
    # Search within the other direction, and within both.
    assert uids_of(blocked(cc, "a", searchKey="bo", direction="hasBlockedMe")) == ["bo-hater"]
    assert uids_of(blocked(cc, "a", searchKey="Bo", direction="both")) == [
        "carl",
        "bo-hater",
        "bob",
    ]
    # Our `searchMode=contains` extension: anywhere in the name or uid, never outside the list.
    contains = {"searchMode": "contains"}
    assert uids_of(blocked(cc, "a", searchKey="obert", **contains)) == ["bob"]
    assert uids_of(blocked(cc, "a", searchKey="OBB", **contains)) == ["carl"]
    assert uids_of(blocked(cc, "a", searchKey="AVE", **contains)) == ["dave"]
    assert uids_of(blocked(cc, "a", searchKey="ar", **contains)) == ["carl"]  # by uid
    assert uids_of(blocked(cc, "a", searchKey="nn", **contains)) == []  # Ann is not blocked
    bad_request(cc.get("/users/a/blockedusers", params={"searchMode": "fuzzy"}), "searchMode")


def test_block_list_page_walk(cc: TestClient) -> None:
    users(cc, "owner")
    targets = [f"t{i}" for i in range(7)]
    users(cc, *targets)
    block(cc, "owner", *targets)
    seen: list[str] = []
    for page, size, total_pages in ((1, 3, 2), (2, 3, 3), (3, 1, 3)):
        response = cc.get("/users/owner/blockedusers", params={"perPage": 3, "page": page})
        body = response.json()
        assert response.status_code == 200, body
        assert len(body["data"]) == size
        pagination = body["meta"]["pagination"]
        assert pagination["count"] == size
        assert pagination["per_page"] == 3
        assert pagination["current_page"] == page
        assert pagination["total_pages"] == total_pages
        seen += uids_of(body["data"])
    assert seen == targets
    beyond = cc.get("/users/owner/blockedusers", params={"perPage": 3, "page": 4}).json()
    assert beyond["data"] == []
    assert beyond["meta"]["pagination"]["count"] == 0
    # per_page alias and the default page size.
    assert uids_of(blocked(cc, "owner", per_page=7)) == targets
    assert uids_of(blocked(cc, "owner")) == targets


@pytest.mark.parametrize(
    ("name", "value"), [("perPage", "0"), ("perPage", "1001"), ("perPage", "x"), ("page", "0")]
)
def test_block_list_bad_paging_is_bad_request(cc: TestClient, name: str, value: str) -> None:
    users(cc, "a")
    bad_request(cc.get("/users/a/blockedusers", params={name: value}), name)


# --- viewer-relative fields (onBehalfOf) ------------------------------------------------------


def test_users_list_without_viewer_has_no_viewer_keys(cc: TestClient) -> None:
    users(cc, "a", "b", "c")
    block(cc, "a", "b")
    block(cc, "c", "a")
    for row in data(cc.get("/users")):
        assert view(row) == {}, row
    for uid in ("a", "b", "c"):
        assert view(data(cc.get(f"/users/{uid}"))) == {}
    # An empty header counts as absent.
    for row in data(cc.get("/users", headers={"onBehalfOf": ""})):
        assert view(row) == {}, row


def test_users_list_with_viewer(clocked: tuple[TestClient, ManualClock]) -> None:
    cc, clock = clocked
    users(cc, "a", "b", "c", "d", "e")
    clock.ms = T0 + 4_100
    block(cc, "a", "b", "d")
    clock.ms = T0 + 6_900
    block(cc, "c", "a")
    block(cc, "d", "a")
    block(cc, "e", "b")  # not about a: invisible to a
    s = T0 // 1000
    expected = {
        "a": expected_view("a", "a"),
        "b": expected_view("a", "b", mine=s + 4),
        "c": expected_view("a", "c", theirs=s + 6),
        "d": expected_view("a", "d", mine=s + 4, theirs=s + 6),
        "e": expected_view("a", "e"),
    }
    rows = data(cc.get("/users", headers={"onBehalfOf": "a"}))
    assert uids_of(rows) == ["a", "b", "c", "d", "e"]
    for row in rows:
        assert view(row) == expected[row["uid"]], row
    for uid, want in expected.items():
        assert view(data(cc.get(f"/users/{uid}", headers={"onBehalfOf": "a"}))) == want
    # Booleans are real JSON booleans, times are seconds.
    row_d = data(cc.get("/users/d", headers={"onBehalfOf": "a"}))
    assert row_d["blockedByMe"] is True and row_d["hasBlockedMe"] is True
    assert row_d["blockedAt"] == s + 4
    # Seen by e, only e's own block of b shows.
    rows = data(cc.get("/users", headers={"onBehalfOf": "e"}))
    for row in rows:
        want = expected_view("e", row["uid"], mine=s + 6 if row["uid"] == "b" else None)
        assert view(row) == want, row


def test_viewer_fields_on_paged_and_filtered_users_list(cc: TestClient) -> None:
    users(cc, "a", "b", "c")
    block(cc, "a", "c")
    page = cc.get("/users", params={"perPage": 1, "page": 3}, headers={"onBehalfOf": "a"})
    [row] = data(page)
    assert row["uid"] == "c"
    assert row["blockedByMe"] is True and isinstance(row["blockedByMeAt"], int)
    [row] = data(cc.get("/users", params={"searchKey": "b"}, headers={"onBehalfOf": "a"}))
    assert view(row) == expected_view("a", "b")


def test_conversation_id_sorts_the_two_uids(cc: TestClient) -> None:
    users(cc, "zed", "amy")
    seen = data(cc.get("/users/amy", headers={"onBehalfOf": "zed"}))
    assert seen["conversationId"] == "amy_user_zed"
    seen = data(cc.get("/users/zed", headers={"onBehalfOf": "amy"}))
    assert seen["conversationId"] == "amy_user_zed"


def test_viewer_uid_is_lowercased(cc: TestClient) -> None:
    users(cc, "a", "b")
    block(cc, "a", "b")
    seen = data(cc.get("/users/b", headers={"onBehalfOf": "A"}))
    assert seen["blockedByMe"] is True
    assert seen["conversationId"] == "a_user_b"


@pytest.mark.parametrize("viewer", ["ghost", "gone", "bad uid!"])
def test_unknown_or_deactivated_viewer_is_not_found(cc: TestClient, viewer: str) -> None:
    users(cc, "a", "gone")
    deactivate(cc, "gone")
    error(cc.get("/users", headers={"onBehalfOf": viewer}), 404, "ERR_UID_NOT_FOUND")
    error(cc.get("/users/a", headers={"onBehalfOf": viewer}), 404, "ERR_UID_NOT_FOUND")


def test_unblock_clears_viewer_fields(cc: TestClient) -> None:
    users(cc, "a", "b")
    block(cc, "a", "b")
    block(cc, "b", "a")
    unblock(cc, "a", "b")
    seen = data(cc.get("/users/b", headers={"onBehalfOf": "a"}))
    assert seen["blockedByMe"] is False
    assert "blockedByMeAt" not in seen
    assert seen["hasBlockedMe"] is True
    assert seen["blockedAt"] == seen["hasBlockedMeAt"]
    unblock(cc, "b", "a")
    assert view(data(cc.get("/users/b", headers={"onBehalfOf": "a"}))) == expected_view("a", "b")


# --- blocks across dialects -------------------------------------------------------------------


def test_sendbird_block_is_seen_by_cometchat(cc: TestClient, sb: TestClient) -> None:
    users(cc, "a", "b", "c")
    response = sb.post("/users/a/block", json={"target_id": "b"})
    assert response.status_code == 200, response.text
    assert response.json()["user_id"] == "b"
    [row] = blocked(cc, "a")
    assert row["uid"] == "b"
    assert row["blockedByMe"] is True and row["hasBlockedMe"] is False
    assert isinstance(row["blockedByMeAt"], int) and row["blockedAt"] == row["blockedByMeAt"]
    assert uids_of(blocked(cc, "b", direction="hasBlockedMe")) == ["a"]
    seen = data(cc.get("/users/b", headers={"onBehalfOf": "a"}))
    assert seen["blockedByMe"] is True and seen["blockedByMeAt"] == row["blockedByMeAt"]
    seen = data(cc.get("/users/a", headers={"onBehalfOf": "b"}))
    assert seen["hasBlockedMe"] is True and seen["blockedByMe"] is False
    # Several at once through Sendbird.
    response = sb.post("/users/c/block", json={"user_ids": ["a", "b"]})
    assert response.status_code == 200, response.text
    assert uids_of(blocked(cc, "c")) == ["a", "b"]
    assert uids_of(blocked(cc, "a", direction="hasBlockedMe")) == ["c"]
    # A Sendbird unblock lifts it for CometChat too.
    response = sb.delete("/users/a/block/b")
    assert response.status_code == 200, response.text
    assert blocked(cc, "a") == []
    assert data(cc.get("/users/b", headers={"onBehalfOf": "a"}))["blockedByMe"] is False


def test_cometchat_block_is_seen_by_sendbird(cc: TestClient, sb: TestClient) -> None:
    users(cc, "a", "b", "c")
    block(cc, "a", "b", "c")
    response = sb.get("/users/a/block")
    assert response.status_code == 200, response.text
    assert [u["user_id"] for u in response.json()["users"]] == ["b", "c"]
    response = sb.get("/users/c/block", params={"list": "blocking_me"})
    assert response.status_code == 200, response.text
    assert [u["user_id"] for u in response.json()["users"]] == ["a"]
    unblock(cc, "a", "c")
    response = sb.get("/users/a/block")
    assert [u["user_id"] for u in response.json()["users"]] == ["b"]
    # Sendbird can lift the block CometChat made.
    assert sb.delete("/users/a/block/b").status_code == 200
    assert blocked(cc, "a") == []
    assert sb.get("/users/a/block").json()["users"] == []


# --- friends ------------------------------------------------------------------------------------


def test_add_friends_reports_each_target(cc: TestClient) -> None:
    users(cc, "a", "b", "c", "gone")
    deactivate(cc, "gone")
    result = befriend(cc, "a", "b", "c", "a", "ghost", "gone")
    assert set(result) == {"b", "c", "a", "ghost", "gone"}
    ok_entry(result["b"])
    ok_entry(result["c"])
    failed_entry(result["a"], "ERR_CANNOT_FORM_SELF_RELATION")
    failed_entry(result["ghost"], "ERR_UID_NOT_FOUND")
    failed_entry(result["gone"], "ERR_UID_NOT_FOUND")
    assert uids_of(friends(cc, "a")) == ["b", "c"]
    # Friendship is two-way.
    assert uids_of(friends(cc, "b")) == ["a"]
    assert uids_of(friends(cc, "c")) == ["a"]
    # Already friends, from either side.
    failed_entry(befriend(cc, "a", "b")["b"], "ERR_ALREADY_FRIEND")
    failed_entry(befriend(cc, "c", "a")["a"], "ERR_ALREADY_FRIEND")
    # A mixed call still adds the new one.
    result = befriend(cc, "b", "a", "c")
    failed_entry(result["a"], "ERR_ALREADY_FRIEND")
    ok_entry(result["c"])
    assert uids_of(friends(cc, "c")) == ["a", "b"]
    assert uids_of(friends(cc, "a")) == ["b", "c"]


def test_add_friends_envelope_and_lowercasing(cc: TestClient) -> None:
    users(cc, "a", "b")
    response = cc.post("/users/A/friends", json={"accepted": ["B", "b"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"data"}
    assert set(body["data"]) == {"accepted"}
    assert set(body["data"]["accepted"]) == {"b"}
    ok_entry(body["data"]["accepted"]["b"])
    assert uids_of(friends(cc, "a")) == ["b"]


@pytest.mark.parametrize(
    "body",
    [NO_BODY, {}, {"accepted": None}, {"accepted": []}, {"accepted": "b"}, {"accepted": [1]}],
    ids=["no-body", "empty", "null", "empty-list", "string", "number"],
)
def test_bad_accepted_is_bad_request(cc: TestClient, body: Any) -> None:
    users(cc, "a", "b")
    err = error(send(cc, "POST", "/users/a/friends", body), 400, "ERR_BAD_REQUEST")
    if body is not NO_BODY:
        assert "accepted" in err.get("details", {}), err
    assert friends(cc, "a") == []


def test_more_than_25_friends_per_call_is_bad_request(cc: TestClient) -> None:
    targets = [f"f{i:02d}" for i in range(26)]
    users(cc, "a", *targets)
    bad_request(cc.post("/users/a/friends", json={"accepted": targets}), "accepted")
    assert friends(cc, "a") == []
    result = befriend(cc, "a", *targets[:25])
    assert len(result) == 25
    for entry in result.values():
        ok_entry(entry)
    assert uids_of(friends(cc, "a")) == targets[:25]
    assert uids_of(friends(cc, targets[25])) == []


@pytest.mark.parametrize("method", ["POST", "GET", "DELETE"])
def test_friends_of_unknown_or_deactivated_user_is_not_found(cc: TestClient, method: str) -> None:
    users(cc, "a", "gone")
    deactivate(cc, "gone")
    body: Any = NO_BODY
    if method == "POST":
        body = {"accepted": ["a"]}
    elif method == "DELETE":
        body = {"friends": ["a"]}
    for uid in ("ghost", "gone"):
        error(send(cc, method, f"/users/{uid}/friends", body), 404, "ERR_UID_NOT_FOUND")
    assert friends(cc, "a") == []


def test_friends_list_search_key_and_paging(cc: TestClient) -> None:
    make_user(cc, "a", "Ann")
    make_user(cc, "bob", "Robert")
    make_user(cc, "rob-2", "Zed")
    make_user(cc, "carl", "Bobby")
    make_user(cc, "dave", "Dave")
    make_user(cc, "eve", "Eve")
    make_user(cc, "stranger", "Bo Stranger")
    befriend(cc, "a", "bob", "rob-2", "carl", "dave", "eve")
    everyone = ["carl", "dave", "eve", "bob", "rob-2"]  # by name
    assert uids_of(friends(cc, "a")) == everyone
    assert uids_of(friends(cc, "a", searchKey="bo")) == ["carl", "bob"]
    assert uids_of(friends(cc, "a", searchKey="ROB")) == ["bob", "rob-2"]
    assert uids_of(friends(cc, "a", searchKey="zz")) == []
    seen: list[str] = []
    for page, size, total_pages in ((1, 2, 2), (2, 2, 3), (3, 1, 3)):
        response = cc.get("/users/a/friends", params={"perPage": 2, "page": page})
        body = response.json()
        assert response.status_code == 200, body
        assert len(body["data"]) == size
        pagination = body["meta"]["pagination"]
        assert pagination["count"] == size
        assert pagination["per_page"] == 2
        assert pagination["current_page"] == page
        assert pagination["total_pages"] == total_pages
        seen += uids_of(body["data"])
    assert seen == everyone
    beyond = data(cc.get("/users/a/friends", params={"perPage": 2, "page": 4}))
    assert beyond == []
    searched = cc.get("/users/a/friends", params={"perPage": 1, "page": 2, "searchKey": "bo"})
    assert uids_of(data(searched)) == ["bob"]
    bad_request(cc.get("/users/a/friends", params={"perPage": "1001"}), "perPage")


def test_friends_list_search_mode_contains(cc: TestClient) -> None:
    make_user(cc, "a", "Ann")
    make_user(cc, "bob", "Robert")
    make_user(cc, "carl", "Bobby")
    make_user(cc, "stranger", "Bo Roberts")
    befriend(cc, "a", "bob", "carl")
    assert uids_of(friends(cc, "a", searchKey="OBER", searchMode="contains")) == ["bob"]
    assert uids_of(friends(cc, "a", searchKey="ob", searchMode="contains")) == ["carl", "bob"]
    assert uids_of(friends(cc, "a", searchKey="zz", searchMode="contains")) == []
    bad_request(cc.get("/users/a/friends", params={"searchMode": "Contains"}), "searchMode")


def test_friend_rows_carry_fields_relative_to_the_owner(cc: TestClient) -> None:
    users(cc, "a", "b", "c")
    befriend(cc, "a", "b", "c")
    block(cc, "a", "b")
    block(cc, "c", "a")
    rows = {row["uid"]: row for row in friends(cc, "a")}
    assert rows["b"]["conversationId"] == "a_user_b"
    assert rows["b"]["blockedByMe"] is True and rows["b"]["hasBlockedMe"] is False
    assert isinstance(rows["b"]["blockedByMeAt"], int)
    assert rows["c"]["conversationId"] == "a_user_c"
    assert rows["c"]["blockedByMe"] is False and rows["c"]["hasBlockedMe"] is True
    assert isinstance(rows["c"]["hasBlockedMeAt"], int)
    [row] = friends(cc, "b")
    assert row["uid"] == "a"
    assert row["hasBlockedMe"] is True and row["blockedByMe"] is False


def test_remove_friends(cc: TestClient) -> None:
    users(cc, "a", "b", "c", "d")
    befriend(cc, "a", "b", "c", "d")
    response = send(cc, "DELETE", "/users/a/friends", {"friends": ["b"]})
    removed = data(response)
    assert removed["success"] is True
    assert isinstance(removed["message"], str) and removed["message"]
    assert uids_of(friends(cc, "a")) == ["c", "d"]
    assert friends(cc, "b") == []
    # From the other side, several at once, any case.
    data(send(cc, "DELETE", "/users/C/friends", {"friends": ["A"]}))
    assert uids_of(friends(cc, "a")) == ["d"]
    assert friends(cc, "c") == []
    # They can be friends again.
    ok_entry(befriend(cc, "b", "a")["a"])
    assert uids_of(friends(cc, "a")) == ["b", "d"]


@pytest.mark.parametrize("stranger", ["c", "ghost", "a"])
def test_removing_a_non_friend_removes_nothing(cc: TestClient, stranger: str) -> None:
    users(cc, "a", "b", "c")
    befriend(cc, "a", "b")
    response = send(cc, "DELETE", "/users/a/friends", {"friends": ["b", stranger]})
    error(response, 400, "ERR_NOT_A_FRIEND")
    assert uids_of(friends(cc, "a")) == ["b"]
    assert uids_of(friends(cc, "b")) == ["a"]


@pytest.mark.parametrize(
    "body",
    [NO_BODY, {}, {"friends": []}, {"friends": "b"}, {"friends": [2]}, {"accepted": ["b"]}],
    ids=["no-body", "empty", "empty-list", "string", "number", "wrong-key"],
)
def test_bad_friends_body_is_bad_request(cc: TestClient, body: Any) -> None:
    users(cc, "a", "b")
    befriend(cc, "a", "b")
    err = error(send(cc, "DELETE", "/users/a/friends", body), 400, "ERR_BAD_REQUEST")
    if body is not NO_BODY:
        assert "friends" in err.get("details", {}), err
    assert uids_of(friends(cc, "a")) == ["b"]


def test_removing_more_than_a_hundred_friends_is_bad_request(cc: TestClient) -> None:
    users(cc, "a", "b")
    befriend(cc, "a", "b")
    targets = ["b"] + [f"ghost-{i}" for i in range(100)]
    response = send(cc, "DELETE", "/users/a/friends", {"friends": targets})
    bad_request(response, "friends")
    assert uids_of(friends(cc, "a")) == ["b"]


def test_deactivated_friend_leaves_the_list_until_reactivated(cc: TestClient) -> None:
    users(cc, "a", "b", "c")
    befriend(cc, "a", "b", "c")
    deactivate(cc, "b")
    assert uids_of(friends(cc, "a")) == ["c"]
    reactivate(cc, "b")
    assert uids_of(friends(cc, "a")) == ["b", "c"]
    assert uids_of(friends(cc, "b")) == ["a"]


def test_friends_and_blocks_are_separate_relations(cc: TestClient) -> None:
    users(cc, "a", "b", "c")
    befriend(cc, "a", "b")
    block(cc, "a", "c")
    assert uids_of(friends(cc, "a")) == ["b"]
    assert uids_of(blocked(cc, "a")) == ["c"]
    seen = data(cc.get("/users/b", headers={"onBehalfOf": "a"}))
    assert view(seen) == expected_view("a", "b")
    data(send(cc, "DELETE", "/users/a/friends", {"friends": ["b"]}))
    assert uids_of(blocked(cc, "a")) == ["c"]
    unblock(cc, "a", "c")
    befriend(cc, "a", "c")
    assert uids_of(friends(cc, "a")) == ["c"]


def test_relations_are_per_app(cc: TestClient, keys: dict[str, str]) -> None:
    users(cc, "a", "b")
    block(cc, "a", "b")
    befriend(cc, "a", "b")
    other = {"apikey": keys["other_app"]}
    for uid in ("a", "b"):
        assert cc.post("/users", json={"uid": uid, "name": uid}, headers=other).status_code == 200
    assert data(cc.get("/users/a/blockedusers", headers=other)) == []
    assert data(cc.get("/users/a/friends", headers=other)) == []
    seen = data(cc.get("/users/b", headers={**other, "onBehalfOf": "a"}))
    assert view(seen) == expected_view("a", "b")
    # app1 still has both.
    assert uids_of(blocked(cc, "a")) == ["b"]
    assert uids_of(friends(cc, "a")) == ["b"]


def test_auth_only_key_cannot_touch_relations(cc: TestClient, keys: dict[str, str]) -> None:
    users(cc, "a", "b")
    auth = {"apikey": keys["auth_only"]}
    calls = [
        ("POST", "/users/a/blockedusers", {"blockedUids": ["b"]}),
        ("DELETE", "/users/a/blockedusers", {"blockedUids": ["b"]}),
        ("GET", "/users/a/blockedusers", None),
        ("POST", "/users/a/friends", {"accepted": ["b"]}),
        ("DELETE", "/users/a/friends", {"friends": ["b"]}),
        ("GET", "/users/a/friends", None),
    ]
    for method, path, body in calls:
        response = cc.request(method, path, json=body, headers=auth)
        error(response, 403, "AUTH_ERR_NO_ACCESS")
    assert blocked(cc, "a") == []
    assert friends(cc, "a") == []


def test_the_friend_limit_refuses_further_friends(cc: TestClient, monkeypatch: Any) -> None:
    """Past MAX_FRIENDS (1,000; 2 here) a friendship fails with ERR_FAILED_TO_ADD_FRIEND, on
    either side's limit, and nothing else changes."""
    from roster.core import relation_service

    monkeypatch.setattr(relation_service, "MAX_FRIENDS", 2)
    users(cc, "a", "b", "c", "d", "e", "f")
    results = befriend(cc, "a", "b", "c", "d")
    ok_entry(results["b"])
    ok_entry(results["c"])
    failed_entry(results["d"], "ERR_FAILED_TO_ADD_FRIEND")
    assert uids_of(friends(cc, "a")) == ["b", "c"]
    assert uids_of(friends(cc, "d")) == []
    # f has room, but b is full (a and e): the limit of the other side counts too
    ok_entry(befriend(cc, "b", "e")["e"])
    failed_entry(befriend(cc, "f", "b")["b"], "ERR_FAILED_TO_ADD_FRIEND")
    assert uids_of(friends(cc, "f")) == []
