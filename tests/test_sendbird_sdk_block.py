"""Sendbird blocking through the official SDK's `ModerationApi` (`sendbird-platform-sdk==2.1.5`).

The server and SDK fixtures come from `tests.test_sendbird_sdk` (one `roster serve` per engine).
The SDK checks every response strictly; its deserialisation errors (ApiTypeError,
ApiValueError, TypeError) are never caught, so any of them fails the test. Only `ApiException`
is expected, on errors. Tests share the server and stay independent through unique ids.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sendbird_platform_sdk.api.moderation_api import ModerationApi
from sendbird_platform_sdk.model.block_a_user_request import BlockAUserRequest
from sendbird_platform_sdk.model.block_a_user_response import BlockAUserResponse
from sendbird_platform_sdk.model.list_blocked_users_response import ListBlockedUsersResponse
from sendbird_platform_sdk.model.sendbird_user import SendbirdUser

from tests.test_sendbird_sdk import (  # noqa: F401  (server, sdk: fixtures)
    API_KEY,
    AWKWARD_IDS,
    Sdk,
    check_user,
    error_of,
    sdk,
    server,
    unique,
)


@pytest.fixture(scope="module")
def mod(sdk: Sdk) -> Iterator[ModerationApi]:  # noqa: F811
    """ModerationApi on the same ApiClient (and server) as the shared `sdk` fixture."""
    yield ModerationApi(sdk.users.api_client)


# --- helpers --------------------------------------------------------------------------------


def users_of(sdk: Sdk, label: str, count: int) -> list[str]:  # noqa: F811
    """`count` new users whose ids sort in the order given (one unique prefix)."""
    base = unique(label)
    ids = [f"{base}-{i:03d}" for i in range(count)]
    for uid in ids:
        sdk.create(user_id=uid)
    return ids


def block_one(mod: ModerationApi, uid: str, target: str) -> BlockAUserResponse:
    reply = mod.block_a_user(
        uid, api_token=API_KEY, block_a_user_request=BlockAUserRequest(target_id=target)
    )
    assert isinstance(reply, BlockAUserResponse), type(reply)
    assert [check_user(u).user_id for u in reply.users] == [target]
    assert "next" not in reply
    return reply


def block_many(mod: ModerationApi, uid: str, targets: list[str]) -> BlockAUserResponse:
    reply = mod.block_a_user(
        uid, api_token=API_KEY, block_a_user_request=BlockAUserRequest(user_ids=targets)
    )
    assert isinstance(reply, BlockAUserResponse), type(reply)
    for user in reply.users:
        check_user(user)
    assert "user_id" not in reply
    assert "next" not in reply
    return reply


def listed(mod: ModerationApi, uid: str, **params: Any) -> tuple[list[str], str]:
    page = mod.list_blocked_users(uid, api_token=API_KEY, **params)
    assert isinstance(page, ListBlockedUsersResponse), type(page)
    assert type(page.next) is str
    for user in page.users:
        check_user(user)
    return [u.user_id for u in page.users], page.next


def blocked(mod: ModerationApi, uid: str, **params: Any) -> list[str]:
    """The whole list in one page of 100."""
    ids, next_token = listed(mod, uid, limit=100, **params)
    assert next_token == ""
    return ids


def walk(mod: ModerationApi, uid: str, limit: int, **params: Any) -> list[list[str]]:
    pages: list[list[str]] = []
    token: str | None = None
    for _ in range(1000):
        extra = {"token": token} if token else {}
        ids, token = listed(mod, uid, limit=limit, **params, **extra)
        pages.append(ids)
        if token == "":
            return pages
    raise AssertionError("list_blocked_users never returned an empty `next`")


def unblock(mod: ModerationApi, uid: str, target: str) -> None:
    reply = mod.unblock_a_user(uid, target, api_token=API_KEY)
    assert reply == {}
    assert type(reply) is dict


# --- block_a_user ---------------------------------------------------------------------------


def test_block_a_user_with_target_id(sdk, mod):  # noqa: F811
    me = sdk.create("blocker").user_id
    target = sdk.create("target", nickname="Target Nick", metadata={"team": "red"}).user_id
    reply = block_one(mod, me, target)
    user = reply.users[0]
    assert isinstance(user, SendbirdUser)
    assert user.nickname == "Target Nick"
    assert user.metadata == {"team": "red"}
    assert user.is_active is True
    # the blocked user's own fields sit beside `users` (kept by the SDK as extra properties)
    assert reply["user_id"] == target
    assert reply["nickname"] == "Target Nick"
    assert reply["metadata"] == {"team": "red"}
    assert reply["is_active"] is True
    viewed = check_user(sdk.users.view_a_user(target, api_token=API_KEY))
    assert user.to_dict() == viewed.to_dict()
    assert blocked(mod, me) == [target]
    assert blocked(mod, target, list="blocking_me") == [me]


def test_block_a_user_with_user_ids(sdk, mod):  # noqa: F811
    me = sdk.create("blocker").user_id
    a, b, c = users_of(sdk, "bulk", 3)
    reply = block_many(mod, me, [c, a])
    assert [u.user_id for u in reply.users] == [c, a]
    assert blocked(mod, me) == [a, c]
    assert blocked(mod, b, list="blocking_me") == []


def test_block_a_user_twice_is_fine(sdk, mod):  # noqa: F811
    me = sdk.create("blocker").user_id
    a, b = users_of(sdk, "twice", 2)
    block_one(mod, me, a)
    block_one(mod, me, a)
    assert [u.user_id for u in block_many(mod, me, [a, b, a]).users] == [a, b]
    assert blocked(mod, me) == [a, b]


def test_block_a_user_self_is_400112(sdk, mod):  # noqa: F811
    me = sdk.create("self").user_id
    other = sdk.create("other").user_id
    body = error_of(
        lambda: mod.block_a_user(
            me, api_token=API_KEY, block_a_user_request=BlockAUserRequest(target_id=me)
        )
    )
    assert body["code"] == 400112
    body = error_of(
        lambda: mod.block_a_user(
            me, api_token=API_KEY, block_a_user_request=BlockAUserRequest(user_ids=[other, me])
        )
    )
    assert body["code"] == 400112
    assert blocked(mod, me) == []


def test_block_a_user_unknown_target_is_400201_and_blocks_none(sdk, mod):  # noqa: F811
    me = sdk.create("blocker").user_id
    a, b = users_of(sdk, "known", 2)
    ghost = unique("ghost")
    body = error_of(
        lambda: mod.block_a_user(
            me, api_token=API_KEY, block_a_user_request=BlockAUserRequest(target_id=ghost)
        )
    )
    assert (body["code"], body["message"]) == (400201, '"User" not found.')
    body = error_of(
        lambda: mod.block_a_user(
            me, api_token=API_KEY, block_a_user_request=BlockAUserRequest(user_ids=[a, ghost, b])
        )
    )
    assert body["code"] == 400201
    assert blocked(mod, me) == []
    assert blocked(mod, a, list="blocking_me") == []


def test_block_a_user_by_an_unknown_user_is_400201(sdk, mod):  # noqa: F811
    target = sdk.create("target").user_id
    body = error_of(
        lambda: mod.block_a_user(
            unique("ghost"),
            api_token=API_KEY,
            block_a_user_request=BlockAUserRequest(target_id=target),
        )
    )
    assert body["code"] == 400201
    assert blocked(mod, target, list="blocking_me") == []


def test_block_a_user_without_targets_is_400105(sdk, mod):  # noqa: F811
    me = sdk.create("blocker").user_id
    # no request at all: the SDK POSTs an empty body
    assert error_of(lambda: mod.block_a_user(me, api_token=API_KEY))["code"] == 400105
    body = error_of(
        lambda: mod.block_a_user(me, api_token=API_KEY, block_a_user_request=BlockAUserRequest())
    )
    assert body["code"] == 400105
    assert blocked(mod, me) == []


# --- list_blocked_users ---------------------------------------------------------------------


def test_list_blocked_users_both_directions(sdk, mod):  # noqa: F811
    me = sdk.create("me").user_id
    a, b = users_of(sdk, "mine", 2)
    c, d = users_of(sdk, "theirs", 2)
    block_many(mod, me, [b, a])
    block_one(mod, c, me)
    block_one(mod, d, me)
    assert blocked(mod, me) == [a, b]
    assert blocked(mod, me, list="blocked_by_me") == [a, b]
    assert blocked(mod, me, list="blocking_me") == [c, d]
    assert blocked(mod, a, list="blocking_me") == [me]
    assert blocked(mod, a) == []


def test_list_blocked_users_default_page(sdk, mod):  # noqa: F811
    me = sdk.create("me").user_id
    targets = users_of(sdk, "many", 12)
    block_many(mod, me, targets)
    ids, next_token = listed(mod, me)
    assert ids == targets[:10]
    assert next_token != ""
    ids, next_token = listed(mod, me, token=next_token)
    assert (ids, next_token) == (targets[10:], "")


def test_list_blocked_users_token_walk(sdk, mod):  # noqa: F811
    me = sdk.create("me").user_id
    targets = users_of(sdk, "walk", 5)
    block_many(mod, me, [targets[i] for i in (3, 0, 4, 1, 2)])
    expected = [targets[0:2], targets[2:4], targets[4:]]
    assert walk(mod, me, 2) == expected
    assert walk(mod, me, 2, list="blocked_by_me") == expected
    for blocker in targets:
        block_one(mod, blocker, me)
    assert walk(mod, me, 2, list="blocking_me") == expected


def test_list_blocked_users_token_of_another_list_is_400111(sdk, mod):  # noqa: F811
    me = sdk.create("me").user_id
    other = sdk.create("other").user_id
    targets = users_of(sdk, "tok", 3)
    block_many(mod, me, targets)
    block_many(mod, other, targets)
    _ids, token = listed(mod, me, limit=1)
    assert token
    for call in (
        lambda: mod.list_blocked_users(other, api_token=API_KEY, limit=1, token=token),
        lambda: mod.list_blocked_users(me, api_token=API_KEY, list="blocking_me", token=token),
    ):
        assert error_of(call)["code"] == 400111


def test_list_blocked_users_user_ids(sdk, mod):  # noqa: F811
    me = sdk.create("me").user_id
    a, b, c, d = users_of(sdk, "ids", 4)
    block_many(mod, me, [a, b, c])
    assert blocked(mod, me, user_ids=f"{c},{a}") == [a, c]
    assert blocked(mod, me, user_ids=f"{d},{unique('ghost')},{b}") == [b]
    assert blocked(mod, me, user_ids=d) == []
    assert walk(mod, me, 1, user_ids=f"{a},{b},{c},{d}") == [[a], [b], [c]]


def test_list_blocked_users_metadata_filter(sdk, mod):  # noqa: F811
    me = sdk.create("me").user_id
    key = f"team{uuid.uuid4().hex[:6]}"
    base = unique("meta")
    red = sdk.create(user_id=f"{base}-1", metadata={key: "red"}).user_id
    blue = sdk.create(user_id=f"{base}-2", metadata={key: "blue"}).user_id
    green = sdk.create(user_id=f"{base}-3", metadata={key: "green"}).user_id
    sdk.create(user_id=f"{base}-4", metadata={key: "red"})  # not blocked
    block_many(mod, me, [green, blue, red])
    assert blocked(mod, me, metadatakey=key, metadatavalues_in="red,blue") == [red, blue]
    assert blocked(mod, me, metadatakey=key, metadatavalues_in="green") == [green]
    assert blocked(mod, me, metadatakey=key, metadatavalues_in="purple") == []
    assert blocked(
        mod, me, metadatakey=key, metadatavalues_in="red,blue", user_ids=f"{blue},{green}"
    ) == [blue]
    for params in ({"metadatakey": key}, {"metadatavalues_in": "red"}):
        call = lambda p=params: mod.list_blocked_users(me, api_token=API_KEY, **p)  # noqa: E731
        assert error_of(call)["code"] == 400105


def test_list_blocked_users_of_an_unknown_user_is_400201(mod):
    body = error_of(lambda: mod.list_blocked_users(unique("ghost"), api_token=API_KEY))
    assert body["code"] == 400201


def test_list_blocked_users_bad_limit_is_400111(sdk, mod):  # noqa: F811
    me = sdk.create("me").user_id
    for limit in (0, 101):
        call = lambda n=limit: mod.list_blocked_users(me, api_token=API_KEY, limit=n)  # noqa: E731
        assert error_of(call)["code"] == 400111


# --- unblock_a_user -------------------------------------------------------------------------


def test_unblock_a_user(sdk, mod):  # noqa: F811
    me = sdk.create("me").user_id
    a, b = users_of(sdk, "unblock", 2)
    block_many(mod, me, [a, b])
    unblock(mod, me, a)
    assert blocked(mod, me) == [b]
    assert blocked(mod, a, list="blocking_me") == []
    # someone not blocked (any more): harmless
    unblock(mod, me, a)
    assert blocked(mod, me) == [b]


def test_unblock_a_user_errors(sdk, mod):  # noqa: F811
    me = sdk.create("me").user_id
    target = sdk.create("target").user_id
    block_one(mod, me, target)
    calls = [
        (lambda: mod.unblock_a_user(me, unique("ghost"), api_token=API_KEY), 400201),
        (lambda: mod.unblock_a_user(unique("ghost"), target, api_token=API_KEY), 400201),
        (lambda: mod.unblock_a_user(me, me, api_token=API_KEY), 400112),
    ]
    for call, code in calls:
        assert error_of(call)["code"] == code
    assert blocked(mod, me) == [target]


# --- awkward ids, deactivation ----------------------------------------------------------------


@pytest.mark.parametrize("raw", AWKWARD_IDS)
def test_awkward_ids_block_list_unblock(sdk, mod, raw):  # noqa: F811
    suffix = uuid.uuid4().hex[:8]
    awkward = sdk.create(user_id=f"{raw}-{suffix}").user_id
    plain = sdk.create(user_id=f"plain-{suffix}").user_id
    also = sdk.create(user_id=f"{raw}-{suffix}-2").user_id
    # awkward as the target, then as the blocker
    assert block_one(mod, plain, awkward)["user_id"] == awkward
    assert blocked(mod, plain) == [awkward]
    assert blocked(mod, plain, user_ids=awkward) == [awkward]
    assert blocked(mod, awkward, list="blocking_me") == [plain]
    block_many(mod, awkward, [also, plain])
    assert blocked(mod, awkward) == sorted([also, plain])
    assert blocked(mod, also, list="blocking_me") == [awkward]
    unblock(mod, plain, awkward)
    unblock(mod, awkward, also)
    assert blocked(mod, plain) == []
    assert blocked(mod, awkward) == [plain]
    assert error_of(lambda: mod.unblock_a_user(awkward, awkward, api_token=API_KEY))["code"] == (
        400112
    )


def test_deactivated_target_stays_blocked_and_listed(sdk, mod):  # noqa: F811
    me = sdk.create("me").user_id
    a, b = users_of(sdk, "deact", 2)
    block_many(mod, me, [a, b])
    sdk.deactivate(a)
    page = mod.list_blocked_users(me, api_token=API_KEY, list="blocked_by_me", limit=100)
    assert isinstance(page, ListBlockedUsersResponse)
    assert [(check_user(u).user_id, u.is_active) for u in page.users] == [(a, False), (b, True)]
    assert page.next == ""
    assert a not in sdk.list_ids(user_ids=f"{a},{b}")[0]  # list users hides it
    # a deactivated blocker still shows in its target's blocking_me list
    block_one(mod, b, me)
    sdk.deactivate(b)
    assert blocked(mod, me, list="blocking_me") == [b]
    # the deactivated user's own block routes answer 400300 (Roster's current rule)
    body = error_of(lambda: mod.list_blocked_users(b, api_token=API_KEY))
    assert body["code"] == 400300
