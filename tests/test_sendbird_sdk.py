"""The official Sendbird Platform SDK (`sendbird-platform-sdk==2.1.5`) against a real Roster.

One `roster serve` process per engine (a SQLite file, a fresh PostgreSQL schema) listens on a
real socket, and the SDK talks to it exactly as it would talk to `api-{app}.sendbird.com`. The
SDK checks every response strictly (no coercion, few nullable fields), so any of its
deserialisation errors (ApiTypeError, ApiValueError, TypeError) fails the test: they are never
caught and `_check_return_type` is never turned off. Only `ApiException` is expected, on errors.

Tests share one server per engine and stay independent through unique user ids and nicknames.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sendbird_platform_sdk
from sendbird_platform_sdk.api.bot_api import BotApi
from sendbird_platform_sdk.api.user_api import UserApi
from sendbird_platform_sdk.exceptions import ApiException, UnauthorizedException
from sendbird_platform_sdk.model.create_a_bot_request import CreateABotRequest
from sendbird_platform_sdk.model.create_a_bot_response import CreateABotResponse
from sendbird_platform_sdk.model.create_a_bot_response_bot import CreateABotResponseBot
from sendbird_platform_sdk.model.create_a_user_request import CreateAUserRequest
from sendbird_platform_sdk.model.create_user_metadata_request import CreateUserMetadataRequest
from sendbird_platform_sdk.model.create_user_token_request import CreateUserTokenRequest
from sendbird_platform_sdk.model.create_user_token_response import CreateUserTokenResponse
from sendbird_platform_sdk.model.list_bots_response import ListBotsResponse
from sendbird_platform_sdk.model.list_bots_response_bots_inner import ListBotsResponseBotsInner
from sendbird_platform_sdk.model.list_users_response import ListUsersResponse
from sendbird_platform_sdk.model.sendbird_user import SendbirdUser
from sendbird_platform_sdk.model.update_a_user_request import UpdateAUserRequest
from sendbird_platform_sdk.model.update_bot_by_id_data import UpdateBotByIdData
from sendbird_platform_sdk.model.update_bot_by_id_response import UpdateBotByIdResponse
from sendbird_platform_sdk.model.update_specific_user_metadata_request import (
    UpdateSpecificUserMetadataRequest,
)
from sendbird_platform_sdk.model.update_user_metadata_request import UpdateUserMetadataRequest
from sendbird_platform_sdk.model.view_bot_by_id_response import ViewBotByIdResponse
from sendbird_platform_sdk.model.view_bot_by_id_response_bot import ViewBotByIdResponseBot

from tests.conftest import PG_URL, fresh_pg_schema
from tests.sendbird_helpers import USER_FIELDS

ROSTER = str(Path(sys.executable).parent / "roster")
FORBIDDEN_PORTS = {5432, 6379, 3306, 5672, 1883, 4222}
APP_ID = "sdkapp"
API_KEY = "5dca9b0e7f1e4c2a8b3d6f0a1c2e4b6d8f0a2c4e"
START_TIMEOUT = 30.0
HEX40 = re.compile(r"^[0-9a-f]{40}$")
WEEK_MS = 7 * 24 * 3600 * 1000
SLACK_MS = 5 * 60 * 1000

# User ids that only survive a round trip when the server routes on the raw path and decodes
# each segment afterwards (the SDK percent-encodes all of these, `/` included).
AWKWARD_IDS = [
    "slash/in/id",
    "per%cent",
    "per%2Fcent",
    "with space",
    "at@example.com",
    "ques?tion=1",
    "hash#tag",
    "plus+sign",
    "accénted-ünïcode-日本",
    "a/b c@é?#%",
]


# --- the server -----------------------------------------------------------------------------


# The SDK model's typed fields: all of the resource's but session_tokens (kept as an extra).
SDK_USER_TYPES = {k: v for k, v in USER_FIELDS.items() if k != "session_tokens"}


def free_port() -> int:
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if port not in FORBIDDEN_PORTS:
            return port


def wait_ready(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"roster serve exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1.0) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)
    raise AssertionError(f"roster serve not ready after {START_TIMEOUT}s:\n{log.read_text()}")


def serve(args: list[str], workdir: Path) -> Iterator[str]:
    """Run `roster serve` with the test app and key; always terminated when done."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = workdir / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROSTER_")}
    command = [ROSTER, "serve", *args, "--app-id", APP_ID, "--api-key", API_KEY]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    with log.open("w") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=workdir)
        try:
            wait_ready(proc, url, log)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp(f"sdk_{request.param}")
    if request.param == "sqlite":
        yield from serve(["--db", str(workdir / "roster.db")], workdir)
        return
    with fresh_pg_schema() as schema:
        yield from serve(["--database-url", PG_URL, "--pg-schema", schema], workdir)


@dataclass
class Sdk:
    users: UserApi
    bots: BotApi

    def create(self, label: str = "u", **fields: Any) -> SendbirdUser:
        """A new user with a unique id (nickname defaults to the id)."""
        uid = fields.pop("user_id", None) or unique(label)
        request = CreateAUserRequest(user_id=uid, nickname=fields.pop("nickname", uid), **fields)
        user = self.users.create_a_user(api_token=API_KEY, create_a_user_request=request)
        check_user(user)
        assert user.user_id == uid
        return user

    def deactivate(self, uid: str) -> SendbirdUser:
        request = UpdateAUserRequest(is_active=False)
        user = self.users.update_a_user(uid, api_token=API_KEY, update_a_user_request=request)
        assert check_user(user).is_active is False
        return user

    def create_bot(self, label: str = "bot", **fields: Any) -> CreateABotResponse:
        bot_userid = fields.pop("bot_userid", None) or unique(label)
        request = CreateABotRequest(
            bot_callback_url=fields.pop("bot_callback_url", "https://example.com/hook"),
            bot_nickname=fields.pop("bot_nickname", bot_userid),
            bot_profile_url=fields.pop("bot_profile_url", ""),
            bot_type=fields.pop("bot_type", "helper"),
            bot_userid=bot_userid,
            is_privacy_mode=fields.pop("is_privacy_mode", False),
            **fields,
        )
        created = self.bots.create_a_bot(api_token=API_KEY, create_a_bot_request=request)
        assert isinstance(created, CreateABotResponse)
        assert isinstance(created.bot, CreateABotResponseBot)
        assert created.bot.bot_userid == bot_userid
        return created

    def list_ids(self, **params: Any) -> tuple[list[str], str]:
        page = self.users.list_users(api_token=API_KEY, **params)
        assert isinstance(page, ListUsersResponse)
        assert type(page.next) is str
        for user in page.users:
            check_user(user)
        return [u.user_id for u in page.users], page.next

    def walk_users(self, **params: Any) -> list[list[str]]:
        """Every page of a listing, following `next` until it is empty."""
        pages: list[list[str]] = []
        token: str | None = None
        for _ in range(10_000):
            extra = {"token": token} if token else {}
            ids, token = self.list_ids(**params, **extra)
            pages.append(ids)
            if token == "":
                return pages
        raise AssertionError("list_users never returned an empty `next`")


@pytest.fixture(scope="module")
def sdk(server: str) -> Iterator[Sdk]:
    configuration = sendbird_platform_sdk.Configuration(host=server)
    with sendbird_platform_sdk.ApiClient(configuration) as client:
        yield Sdk(UserApi(client), BotApi(client))
        client.rest_client.pool_manager.clear()


# --- helpers --------------------------------------------------------------------------------


def unique(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:12]}"


def check_user(user: Any) -> SendbirdUser:
    """A SendbirdUser whose every field is present with its exact Python type."""
    assert isinstance(user, SendbirdUser), type(user)
    for name, kind in SDK_USER_TYPES.items():
        assert name in user, name
        assert type(user[name]) is kind, (name, user[name])
    assert all(type(k) is str and type(v) is str for k, v in user.metadata.items())
    assert all(type(key) is str for key in user.discovery_keys)
    assert all(type(lang) is str for lang in user.preferred_languages)
    return user


def check_string_map(found: Any, expected: dict[str, str]) -> None:
    assert type(found) is dict, type(found)
    assert found == expected
    assert all(type(k) is str and type(v) is str for k, v in found.items())


def error_of(call: Callable[[], Any], status: int = 400) -> dict[str, Any]:
    """Run an SDK call that must fail with `status`; return the parsed Sendbird error body."""
    with pytest.raises(ApiException) as caught:
        call()
    error = caught.value
    assert error.status == status, (error.status, error.body)
    body: dict[str, Any] = json.loads(error.body)
    assert body["error"] is True
    assert type(body["code"]) is int
    assert type(body["message"]) is str and body["message"]
    return body


def now_ms() -> int:
    return int(time.time() * 1000)


# --- create_a_user --------------------------------------------------------------------------


def test_create_a_user_with_every_field(sdk):
    uid = unique("create")
    request = CreateAUserRequest(
        user_id=uid,
        nickname="Full Name",
        profile_url="https://example.com/p.png",
        issue_access_token=True,
        discovery_keys=["disc-1", "disc-2"],
        metadata={"team": "blue", "level": "3"},
    )
    before = time.time()
    user = sdk.users.create_a_user(api_token=API_KEY, create_a_user_request=request)
    check_user(user)
    assert user.user_id == uid
    assert user.nickname == "Full Name"
    assert user.profile_url == "https://example.com/p.png"
    assert HEX40.match(user.access_token), user.access_token
    assert user.metadata == {"team": "blue", "level": "3"}
    assert user.discovery_keys == ["disc-1", "disc-2"]
    assert user.preferred_languages == []
    assert user.is_active is True
    assert user.is_online is False
    assert user.has_ever_logged_in is False
    assert user.require_auth_for_profile_image is False
    assert abs(user.created_at - before) < 300  # seconds, not milliseconds
    assert user.last_seen_at in (0, -1)

    viewed = check_user(sdk.users.view_a_user(uid, api_token=API_KEY))
    assert viewed.nickname == "Full Name"
    assert viewed.profile_url == "https://example.com/p.png"
    assert viewed.metadata == {"team": "blue", "level": "3"}
    assert viewed.discovery_keys == ["disc-1", "disc-2"]
    assert viewed.created_at == user.created_at


def test_create_a_user_without_access_token(sdk):
    uid = unique("plain")
    request = CreateAUserRequest(user_id=uid, nickname="Plain")
    user = check_user(sdk.users.create_a_user(api_token=API_KEY, create_a_user_request=request))
    assert user.access_token == ""
    assert user.profile_url == ""  # the SDK sends "" when profile_url is left out
    assert user.metadata == {}
    assert user.discovery_keys == []


def test_create_a_user_with_issue_access_token_false(sdk):
    user = sdk.create("noaccess", issue_access_token=False)
    assert user.access_token == ""


def test_create_a_user_twice_is_400202(sdk):
    user = sdk.create("dup")
    again = CreateAUserRequest(user_id=user.user_id, nickname="Other")
    body = error_of(lambda: sdk.users.create_a_user(api_token=API_KEY, create_a_user_request=again))
    assert body["code"] == 400202
    assert check_user(sdk.users.view_a_user(user.user_id, api_token=API_KEY)).nickname == (
        user.nickname
    )


def test_access_tokens_differ_per_user(sdk):
    first = sdk.create("tok", issue_access_token=True)
    second = sdk.create("tok", issue_access_token=True)
    assert HEX40.match(first.access_token)
    assert HEX40.match(second.access_token)
    assert first.access_token != second.access_token


# --- view_a_user ----------------------------------------------------------------------------


def test_view_a_user(sdk):
    created = sdk.create("view", nickname="Viewer", metadata={"a": "1"})
    user = check_user(sdk.users.view_a_user(created.user_id, api_token=API_KEY))
    assert user.user_id == created.user_id
    assert user.nickname == "Viewer"
    assert user.metadata == {"a": "1"}
    assert user.is_active is True
    assert "unread_message_count" not in user
    assert "unread_channel_count" not in user


def test_view_a_user_with_unread_count(sdk):
    uid = sdk.create("unread").user_id
    user = check_user(sdk.users.view_a_user(uid, include_unread_count=True, api_token=API_KEY))
    assert user.unread_message_count == 0
    assert type(user.unread_message_count) is int
    assert user.unread_channel_count == 0
    assert type(user.unread_channel_count) is int


@pytest.mark.parametrize("super_mode", ["all", "super", "nonsuper"])
def test_view_a_user_with_custom_types_and_super_mode(sdk, super_mode):
    uid = sdk.create("supermode").user_id
    user = sdk.users.view_a_user(
        uid,
        include_unread_count=True,
        custom_types="sales,support",
        super_mode=super_mode,
        api_token=API_KEY,
    )
    assert check_user(user).user_id == uid
    assert user.unread_message_count == 0


def test_view_a_user_with_include_unread_count_false(sdk):
    uid = sdk.create("nounread").user_id
    user = check_user(sdk.users.view_a_user(uid, include_unread_count=False, api_token=API_KEY))
    assert user.user_id == uid
    assert "unread_message_count" not in user


def test_view_an_unknown_user_is_400201(sdk):
    body = error_of(lambda: sdk.users.view_a_user(unique("ghost"), api_token=API_KEY))
    assert body["code"] == 400201
    assert body["message"] == '"User" not found.'


def test_user_ids_are_case_sensitive(sdk):
    user = sdk.create("CaseID")
    assert user.user_id != user.user_id.lower()
    body = error_of(lambda: sdk.users.view_a_user(user.user_id.lower(), api_token=API_KEY))
    assert body["code"] == 400201


# --- update_a_user --------------------------------------------------------------------------


def test_update_a_user_profile_fields(sdk):
    uid = sdk.create("upd", nickname="Before", metadata={"keep": "me"}).user_id
    request = UpdateAUserRequest(
        nickname="After",
        profile_url="https://example.com/after.png",
        discovery_keys=["k1", "k2"],
        preferred_languages=["en", "ko"],
    )
    user = check_user(
        sdk.users.update_a_user(uid, api_token=API_KEY, update_a_user_request=request)
    )
    assert user.user_id == uid
    assert user.nickname == "After"
    assert user.profile_url == "https://example.com/after.png"
    assert user.discovery_keys == ["k1", "k2"]
    assert user.preferred_languages == ["en", "ko"]
    assert user.metadata == {"keep": "me"}
    assert user.access_token == ""

    viewed = check_user(sdk.users.view_a_user(uid, api_token=API_KEY))
    assert viewed.nickname == "After"
    assert viewed.profile_url == "https://example.com/after.png"
    assert viewed.discovery_keys == ["k1", "k2"]
    assert viewed.preferred_languages == ["en", "ko"]
    assert viewed.metadata == {"keep": "me"}


def test_update_a_user_changes_only_what_is_sent(sdk):
    uid = sdk.create("partial", nickname="Same", profile_url="https://example.com/x.png").user_id
    request = UpdateAUserRequest(preferred_languages=["fr"])
    user = check_user(
        sdk.users.update_a_user(uid, api_token=API_KEY, update_a_user_request=request)
    )
    assert user.nickname == "Same"
    assert user.profile_url == "https://example.com/x.png"
    assert user.preferred_languages == ["fr"]


def test_update_a_user_clears_profile_url(sdk):
    uid = sdk.create("clearurl", profile_url="https://example.com/x.png").user_id
    request = UpdateAUserRequest(profile_url="")
    user = check_user(
        sdk.users.update_a_user(uid, api_token=API_KEY, update_a_user_request=request)
    )
    assert user.profile_url == ""


def test_update_a_user_last_seen_at(sdk):
    uid = sdk.create("seen").user_id
    seen = 1_700_000_000_123
    request = UpdateAUserRequest(last_seen_at=seen)
    user = check_user(
        sdk.users.update_a_user(uid, api_token=API_KEY, update_a_user_request=request)
    )
    assert user.last_seen_at == seen
    assert check_user(sdk.users.view_a_user(uid, api_token=API_KEY)).last_seen_at == seen


def test_update_a_user_deactivates_and_reactivates(sdk):
    nickname = unique("Active")
    uid = sdk.create("act", nickname=nickname).user_id

    off = UpdateAUserRequest(is_active=False)
    user = check_user(sdk.users.update_a_user(uid, api_token=API_KEY, update_a_user_request=off))
    assert user.is_active is False
    assert check_user(sdk.users.view_a_user(uid, api_token=API_KEY)).is_active is False
    assert sdk.list_ids(nickname=nickname) == ([], "")
    body = error_of(lambda: sdk.users.create_user_token(uid, api_token=API_KEY))
    assert body["code"] == 400300

    on = UpdateAUserRequest(is_active=True)
    user = check_user(sdk.users.update_a_user(uid, api_token=API_KEY, update_a_user_request=on))
    assert user.is_active is True
    assert check_user(sdk.users.view_a_user(uid, api_token=API_KEY)).is_active is True
    assert sdk.list_ids(nickname=nickname) == ([uid], "")


def test_update_a_user_deactivate_with_leave_all(sdk):
    uid = sdk.create("leave").user_id
    request = UpdateAUserRequest(is_active=False, leave_all_when_deactivated=True)
    user = check_user(
        sdk.users.update_a_user(uid, api_token=API_KEY, update_a_user_request=request)
    )
    assert user.is_active is False


def test_update_a_user_issues_a_new_access_token(sdk):
    created = sdk.create("reissue", issue_access_token=True)
    request = UpdateAUserRequest(issue_access_token=True)
    user = check_user(
        sdk.users.update_a_user(created.user_id, api_token=API_KEY, update_a_user_request=request)
    )
    assert HEX40.match(user.access_token), user.access_token
    assert user.access_token != created.access_token

    request = UpdateAUserRequest(nickname="No new token")
    user = check_user(
        sdk.users.update_a_user(created.user_id, api_token=API_KEY, update_a_user_request=request)
    )
    assert user.access_token == ""
    assert user.nickname == "No new token"


def test_update_a_user_with_an_empty_request(sdk):
    created = sdk.create("emptyupd", nickname="Unchanged")
    user = check_user(
        sdk.users.update_a_user(
            created.user_id, api_token=API_KEY, update_a_user_request=UpdateAUserRequest()
        )
    )
    assert user.nickname == "Unchanged"
    assert user.is_active is True


# --- delete_a_user --------------------------------------------------------------------------


def test_delete_a_user(sdk):
    uid = sdk.create("del", metadata={"gone": "soon"}).user_id
    assert sdk.users.delete_a_user(uid, api_token=API_KEY) == {}
    assert error_of(lambda: sdk.users.view_a_user(uid, api_token=API_KEY))["code"] == 400201
    assert error_of(lambda: sdk.users.delete_a_user(uid, api_token=API_KEY))["code"] == 400201
    assert sdk.list_ids(user_ids=uid) == ([], "")

    again = sdk.create("del", user_id=uid)  # the id is free again, without the old metadata
    assert again.metadata == {}


# --- create_user_token ----------------------------------------------------------------------


def check_token(found: Any) -> CreateUserTokenResponse:
    assert isinstance(found, CreateUserTokenResponse)
    assert type(found.token) is str
    assert 119 <= len(found.token) <= 168, len(found.token)
    assert type(found.expires_at) is int
    return found


def test_create_user_token_without_a_request(sdk):
    uid = sdk.create("session").user_id
    before = now_ms()
    token = check_token(sdk.users.create_user_token(uid, api_token=API_KEY))
    after = now_ms()
    assert before + WEEK_MS - SLACK_MS <= token.expires_at <= after + WEEK_MS + SLACK_MS

    second = check_token(sdk.users.create_user_token(uid, api_token=API_KEY))
    assert second.token != token.token


def test_create_user_token_with_an_empty_request(sdk):
    uid = sdk.create("session").user_id
    token = check_token(
        sdk.users.create_user_token(
            uid, api_token=API_KEY, create_user_token_request=CreateUserTokenRequest()
        )
    )
    assert abs(token.expires_at - (now_ms() + WEEK_MS)) < SLACK_MS


def test_create_user_token_with_expires_at(sdk):
    uid = sdk.create("session").user_id
    expires_at = now_ms() + 3600 * 1000
    request = CreateUserTokenRequest(expires_at=expires_at)
    token = check_token(
        sdk.users.create_user_token(uid, api_token=API_KEY, create_user_token_request=request)
    )
    assert token.expires_at == expires_at


def test_create_user_token_for_an_unknown_user_is_400201(sdk):
    body = error_of(lambda: sdk.users.create_user_token(unique("ghost"), api_token=API_KEY))
    assert body["code"] == 400201


# --- metadata -------------------------------------------------------------------------------


def test_create_user_metadata(sdk):
    uid = sdk.create("meta", metadata={"old": "1"}).user_id
    request = CreateUserMetadataRequest(metadata={"color": "red", "size": "L"})
    created = sdk.users.create_user_metadata(
        uid, api_token=API_KEY, create_user_metadata_request=request
    )
    check_string_map(created, {"color": "red", "size": "L"})
    user = check_user(sdk.users.view_a_user(uid, api_token=API_KEY))
    assert user.metadata == {"old": "1", "color": "red", "size": "L"}


def test_create_user_metadata_with_an_existing_key_is_400202(sdk):
    uid = sdk.create("meta", metadata={"color": "red"}).user_id
    request = CreateUserMetadataRequest(metadata={"color": "blue", "new": "x"})
    body = error_of(
        lambda: sdk.users.create_user_metadata(
            uid, api_token=API_KEY, create_user_metadata_request=request
        )
    )
    assert body["code"] == 400202
    assert check_user(sdk.users.view_a_user(uid, api_token=API_KEY)).metadata == {"color": "red"}


def test_update_user_metadata_without_upsert(sdk):
    uid = sdk.create("meta", metadata={"a": "1", "b": "2"}).user_id
    request = UpdateUserMetadataRequest(metadata={"a": "10"}, upsert=False)
    updated = sdk.users.update_user_metadata(
        uid, api_token=API_KEY, update_user_metadata_request=request
    )
    check_string_map(updated, {"a": "10"})
    assert check_user(sdk.users.view_a_user(uid, api_token=API_KEY)).metadata == {
        "a": "10",
        "b": "2",
    }

    missing = UpdateUserMetadataRequest(metadata={"a": "11", "c": "3"}, upsert=False)
    body = error_of(
        lambda: sdk.users.update_user_metadata(
            uid, api_token=API_KEY, update_user_metadata_request=missing
        )
    )
    assert body["code"] == 400201
    assert check_user(sdk.users.view_a_user(uid, api_token=API_KEY)).metadata == {
        "a": "10",
        "b": "2",
    }


def test_update_user_metadata_without_the_upsert_field(sdk):
    uid = sdk.create("meta", metadata={"a": "1"}).user_id
    request = UpdateUserMetadataRequest(metadata={"a": "2"})
    updated = sdk.users.update_user_metadata(
        uid, api_token=API_KEY, update_user_metadata_request=request
    )
    check_string_map(updated, {"a": "2"})
    missing = UpdateUserMetadataRequest(metadata={"z": "9"})
    body = error_of(
        lambda: sdk.users.update_user_metadata(
            uid, api_token=API_KEY, update_user_metadata_request=missing
        )
    )
    assert body["code"] == 400201


def test_update_user_metadata_with_upsert(sdk):
    uid = sdk.create("meta", metadata={"a": "1"}).user_id
    request = UpdateUserMetadataRequest(metadata={"a": "2", "new": "yes"}, upsert=True)
    updated = sdk.users.update_user_metadata(
        uid, api_token=API_KEY, update_user_metadata_request=request
    )
    check_string_map(updated, {"a": "2", "new": "yes"})
    assert check_user(sdk.users.view_a_user(uid, api_token=API_KEY)).metadata == {
        "a": "2",
        "new": "yes",
    }


def test_update_specific_user_metadata(sdk):
    uid = sdk.create("meta", metadata={"mood": "calm", "other": "x"}).user_id
    request = UpdateSpecificUserMetadataRequest(value="happy")
    updated = sdk.users.update_specific_user_metadata(
        uid, "mood", api_token=API_KEY, update_specific_user_metadata_request=request
    )
    check_string_map(updated, {"mood": "happy"})
    assert check_user(sdk.users.view_a_user(uid, api_token=API_KEY)).metadata == {
        "mood": "happy",
        "other": "x",
    }


def test_view_specific_user_metadata(sdk):
    uid = sdk.create("meta", metadata={"one": "1", "two": "2"}).user_id
    check_string_map(
        sdk.users.view_specific_user_metadata(uid, "two", api_token=API_KEY), {"two": "2"}
    )
    body = error_of(lambda: sdk.users.view_specific_user_metadata(uid, "nope", api_token=API_KEY))
    assert body["code"] == 400201


def test_delete_specific_user_metadata(sdk):
    uid = sdk.create("meta", metadata={"one": "1", "two": "2"}).user_id
    assert sdk.users.delete_specific_user_metadata(uid, "one", api_token=API_KEY) == {}
    assert check_user(sdk.users.view_a_user(uid, api_token=API_KEY)).metadata == {"two": "2"}
    body = error_of(lambda: sdk.users.view_specific_user_metadata(uid, "one", api_token=API_KEY))
    assert body["code"] == 400201
    body = error_of(lambda: sdk.users.delete_specific_user_metadata(uid, "one", api_token=API_KEY))
    assert body["code"] == 400201


def test_delete_user_all_metadata(sdk):
    uid = sdk.create("meta", metadata={"one": "1", "two": "2", "three": "3"}).user_id
    assert sdk.users.delete_user_all_metadata(uid, api_token=API_KEY) == {}
    assert check_user(sdk.users.view_a_user(uid, api_token=API_KEY)).metadata == {}
    # deleting from an already empty set is fine too
    assert sdk.users.delete_user_all_metadata(uid, api_token=API_KEY) == {}


def test_metadata_of_an_unknown_user_is_400201(sdk):
    ghost = unique("ghost")
    users = sdk.users
    calls: list[Callable[[], Any]] = [
        lambda: users.create_user_metadata(
            ghost,
            api_token=API_KEY,
            create_user_metadata_request=CreateUserMetadataRequest(metadata={"a": "b"}),
        ),
        lambda: users.update_user_metadata(
            ghost,
            api_token=API_KEY,
            update_user_metadata_request=UpdateUserMetadataRequest(
                metadata={"a": "b"}, upsert=True
            ),
        ),
        lambda: users.update_specific_user_metadata(
            ghost,
            "a",
            api_token=API_KEY,
            update_specific_user_metadata_request=UpdateSpecificUserMetadataRequest(value="b"),
        ),
        lambda: users.view_specific_user_metadata(ghost, "a", api_token=API_KEY),
        lambda: users.delete_specific_user_metadata(ghost, "a", api_token=API_KEY),
        lambda: users.delete_user_all_metadata(ghost, api_token=API_KEY),
        lambda: users.update_a_user(
            ghost, api_token=API_KEY, update_a_user_request=UpdateAUserRequest(nickname="x")
        ),
        lambda: users.delete_a_user(ghost, api_token=API_KEY),
    ]
    for call in calls:
        assert error_of(call)["code"] == 400201


# --- awkward user ids through every per-user route --------------------------------------------


@pytest.mark.parametrize("raw", AWKWARD_IDS)
def test_awkward_user_id_round_trip(sdk, raw):
    uid = f"{raw}-{uuid.uuid4().hex[:8]}"
    users = sdk.users
    created = sdk.create(user_id=uid, nickname="Awk", metadata={"k": "v"})
    assert created.user_id == uid

    viewed = check_user(users.view_a_user(uid, api_token=API_KEY))
    assert viewed.user_id == uid
    assert viewed.nickname == "Awk"

    request = UpdateAUserRequest(nickname="Awkward")
    updated = check_user(users.update_a_user(uid, api_token=API_KEY, update_a_user_request=request))
    assert (updated.user_id, updated.nickname) == (uid, "Awkward")

    check_token(users.create_user_token(uid, api_token=API_KEY))

    key = "co lor/x?#%é"
    check_string_map(
        users.create_user_metadata(
            uid,
            api_token=API_KEY,
            create_user_metadata_request=CreateUserMetadataRequest(metadata={key: "red"}),
        ),
        {key: "red"},
    )
    check_string_map(
        users.update_user_metadata(
            uid,
            api_token=API_KEY,
            update_user_metadata_request=UpdateUserMetadataRequest(
                metadata={"k": "w"}, upsert=False
            ),
        ),
        {"k": "w"},
    )
    check_string_map(
        users.update_specific_user_metadata(
            uid,
            key,
            api_token=API_KEY,
            update_specific_user_metadata_request=UpdateSpecificUserMetadataRequest(value="blue"),
        ),
        {key: "blue"},
    )
    check_string_map(users.view_specific_user_metadata(uid, key, api_token=API_KEY), {key: "blue"})
    assert users.delete_specific_user_metadata(uid, key, api_token=API_KEY) == {}
    assert check_user(users.view_a_user(uid, api_token=API_KEY)).metadata == {"k": "w"}
    assert users.delete_user_all_metadata(uid, api_token=API_KEY) == {}
    assert check_user(users.view_a_user(uid, api_token=API_KEY)).metadata == {}

    assert sdk.list_ids(user_ids=uid) == ([uid], "")

    assert users.delete_a_user(uid, api_token=API_KEY) == {}
    assert error_of(lambda: users.view_a_user(uid, api_token=API_KEY))["code"] == 400201


def test_a_slash_id_is_not_a_sub_route(sdk):
    """`a/metadata` is one id, not user `a`'s metadata collection."""
    base = unique("base")
    sdk.create(user_id=base, metadata={"x": "1"})
    tricky = f"{base}/metadata"
    sdk.create(user_id=tricky, nickname="Tricky")
    assert check_user(sdk.users.view_a_user(tricky, api_token=API_KEY)).nickname == "Tricky"
    assert check_user(sdk.users.view_a_user(base, api_token=API_KEY)).metadata == {"x": "1"}
    assert sdk.users.delete_a_user(tricky, api_token=API_KEY) == {}
    assert check_user(sdk.users.view_a_user(base, api_token=API_KEY)).user_id == base


# --- list_users -----------------------------------------------------------------------------


def test_list_users_token_walk(sdk):
    nickname = unique("Walker")
    ids = {sdk.create("walk", nickname=nickname).user_id for _ in range(5)}
    pages = sdk.walk_users(nickname=nickname, limit=2)
    assert [len(page) for page in pages] == [2, 2, 1]
    seen = [uid for page in pages for uid in page]
    assert len(seen) == len(set(seen))
    assert set(seen) == ids


def test_list_users_token_walk_over_everything(sdk):
    ids = {sdk.create("all").user_id for _ in range(3)}
    pages = sdk.walk_users(limit=2)
    assert all(1 <= len(page) <= 2 for page in pages)
    assert all(len(page) == 2 for page in pages[:-1])
    seen = [uid for page in pages for uid in page]
    assert len(seen) == len(set(seen)), "a user appeared on two pages"
    assert ids <= set(seen)


def test_list_users_next_token_is_opaque_and_reusable(sdk):
    nickname = unique("Again")
    for _ in range(3):
        sdk.create("again", nickname=nickname)
    first, token = sdk.list_ids(nickname=nickname, limit=2)
    assert token != ""
    second, end = sdk.list_ids(nickname=nickname, limit=2, token=token)
    assert sdk.list_ids(nickname=nickname, limit=2, token=token) == (second, end)
    assert end == ""
    assert len(second) == 1
    assert not set(first) & set(second)


def test_list_users_limit(sdk):
    nickname = unique("Limit")
    ids = {sdk.create("lim", nickname=nickname).user_id for _ in range(3)}
    page, token = sdk.list_ids(nickname=nickname, limit=2)
    assert len(page) == 2
    assert token != ""
    assert set(page) <= ids
    page, token = sdk.list_ids(nickname=nickname, limit=3)
    assert set(page) == ids
    assert token == ""
    page, token = sdk.list_ids(nickname=nickname, limit=100)
    assert set(page) == ids
    assert token == ""
    page, _token = sdk.list_ids(limit=1)
    assert len(page) == 1


def test_list_users_default_limit_is_ten(sdk):
    nickname = unique("Ten")
    for _ in range(11):
        sdk.create("ten", nickname=nickname)
    page, token = sdk.list_ids(nickname=nickname)
    assert len(page) == 10
    assert token != ""
    rest, end = sdk.list_ids(nickname=nickname, token=token)
    assert len(rest) == 1
    assert end == ""


@pytest.mark.parametrize("limit", [0, 101])
def test_list_users_limit_out_of_range_is_400111(sdk, limit):
    body = error_of(lambda: sdk.users.list_users(limit=limit, api_token=API_KEY))
    assert body["code"] == 400111


def test_list_users_active_mode(sdk):
    nickname = unique("Mode")
    active = sdk.create("on", nickname=nickname).user_id
    inactive = sdk.create("off", nickname=nickname).user_id
    sdk.deactivate(inactive)

    assert sdk.list_ids(nickname=nickname) == ([active], "")
    assert sdk.list_ids(nickname=nickname, active_mode="activated") == ([active], "")
    assert sdk.list_ids(nickname=nickname, active_mode="deactivated") == ([inactive], "")
    ids, token = sdk.list_ids(nickname=nickname, active_mode="all")
    assert sorted(ids) == sorted([active, inactive])
    assert token == ""

    page = sdk.users.list_users(nickname=nickname, active_mode="deactivated", api_token=API_KEY)
    assert check_user(page.users[0]).is_active is False


def test_list_users_show_bot(sdk):
    nickname = unique("Botty")
    human = sdk.create("human", nickname=nickname).user_id
    bot = sdk.create_bot(bot_nickname=nickname).bot.bot_userid

    ids, _ = sdk.list_ids(nickname=nickname)
    assert sorted(ids) == sorted([human, bot])
    ids, _ = sdk.list_ids(nickname=nickname, show_bot=True)
    assert sorted(ids) == sorted([human, bot])
    assert sdk.list_ids(nickname=nickname, show_bot=False) == ([human], "")


def test_list_users_user_ids(sdk):
    wanted = [
        sdk.create(user_id=f"{raw}-{uuid.uuid4().hex[:8]}").user_id
        for raw in ("sl/ash", "sp ace", "at@sign", "é-accent", "plain")
    ]
    other = sdk.create("other").user_id
    missing = unique("missing")
    ids, token = sdk.list_ids(user_ids=",".join([*wanted, missing]))
    assert sorted(ids) == sorted(wanted)
    assert other not in ids
    assert token == ""

    assert sdk.list_ids(user_ids=wanted[0]) == ([wanted[0]], "")
    pages = sdk.walk_users(user_ids=",".join(wanted), limit=2)
    assert [len(p) for p in pages] == [2, 2, 1]
    assert sorted(uid for page in pages for uid in page) == sorted(wanted)


def test_list_users_nickname(sdk):
    nickname = unique("Exact Name é")
    ids = {sdk.create("nick", nickname=nickname).user_id for _ in range(2)}
    sdk.create("nick", nickname=nickname + "x")
    sdk.create("nick", nickname="x" + nickname)
    found, token = sdk.list_ids(nickname=nickname)
    assert set(found) == ids
    assert len(found) == 2
    assert token == ""
    for user in sdk.users.list_users(nickname=nickname, api_token=API_KEY).users:
        assert user.nickname == nickname


def test_list_users_nickname_startswith(sdk):
    prefix = unique("Pre fix")
    ids = {
        sdk.create("pre", nickname=prefix + "-alpha").user_id,
        sdk.create("pre", nickname=prefix + "-beta").user_id,
        sdk.create("pre", nickname=prefix).user_id,
    }
    sdk.create("pre", nickname="x" + prefix)
    sdk.create("pre", nickname=prefix[:-1])
    found, token = sdk.list_ids(nickname_startswith=prefix)
    assert set(found) == ids
    assert len(found) == 3
    assert token == ""
    narrower, _ = sdk.list_ids(nickname_startswith=prefix + "-al")
    assert len(narrower) == 1
    assert narrower[0] in ids


def test_list_users_metadata_filter(sdk):
    tag = uuid.uuid4().hex[:10]
    red = sdk.create("red", metadata={"team": f"red-{tag}"}).user_id
    blue = sdk.create("blue", metadata={"team": f"dark blue/{tag}"}).user_id
    sdk.create("green", metadata={"team": f"green-{tag}"})
    sdk.create("other", metadata={"squad": f"red-{tag}"})

    found, token = sdk.list_ids(metadatakey="team", metadatavalues_in=f"red-{tag},dark blue/{tag}")
    assert sorted(found) == sorted([red, blue])
    assert token == ""
    assert sdk.list_ids(metadatakey="team", metadatavalues_in=f"red-{tag}") == ([red], "")
    assert sdk.list_ids(metadatakey="team", metadatavalues_in=f"none-{tag}") == ([], "")

    page = sdk.users.list_users(
        metadatakey="team", metadatavalues_in=f"dark blue/{tag}", api_token=API_KEY
    )
    assert check_user(page.users[0]).metadata == {"team": f"dark blue/{tag}"}


def test_list_users_filters_combine(sdk):
    nickname = unique("Combo")
    tag = uuid.uuid4().hex[:10]
    hit = sdk.create("combo", nickname=nickname, metadata={"k": tag}).user_id
    sdk.create("combo", nickname=nickname, metadata={"k": "other"})
    sleeper = sdk.create("combo", nickname=nickname, metadata={"k": tag}).user_id
    sdk.deactivate(sleeper)
    assert sdk.list_ids(nickname=nickname, metadatakey="k", metadatavalues_in=tag) == ([hit], "")
    ids, _ = sdk.list_ids(
        nickname=nickname, metadatakey="k", metadatavalues_in=tag, active_mode="all"
    )
    assert sorted(ids) == sorted([hit, sleeper])


# --- authentication -------------------------------------------------------------------------


def test_bad_api_token_is_401_with_400401(sdk):
    users, bots = sdk.users, sdk.bots
    bad = "0" * 40
    uid = sdk.create("auth").user_id
    calls: list[Callable[[], Any]] = [
        lambda: users.list_users(api_token=bad),
        lambda: users.view_a_user(uid, api_token=bad),
        lambda: users.create_a_user(
            api_token=bad,
            create_a_user_request=CreateAUserRequest(user_id=unique("x"), nickname="x"),
        ),
        lambda: users.update_a_user(
            uid, api_token=bad, update_a_user_request=UpdateAUserRequest(nickname="hacked")
        ),
        lambda: users.delete_a_user(uid, api_token=bad),
        lambda: users.create_user_token(uid, api_token=bad),
        lambda: users.delete_user_all_metadata(uid, api_token=bad),
        lambda: bots.list_bots(api_token=bad),
    ]
    for call in calls:
        with pytest.raises(UnauthorizedException) as caught:
            call()
        assert caught.value.status == 401
        body = json.loads(caught.value.body)
        assert body["code"] == 400401
        assert body["error"] is True
    user = check_user(users.view_a_user(uid, api_token=API_KEY))
    assert user.nickname == uid


# --- bots -----------------------------------------------------------------------------------


def test_create_a_bot(sdk):
    bot_userid = unique("bot")
    created = sdk.create_bot(
        bot_userid=bot_userid,
        bot_nickname="Helper Bot",
        bot_profile_url="https://example.com/bot.png",
        bot_type="assistant",
        bot_callback_url="https://example.com/callback",
        is_privacy_mode=True,
        enable_mark_as_read=False,
        show_member=True,
        channel_invitation_preference=1,
    )
    bot = created.bot
    assert bot.bot_nickname == "Helper Bot"
    assert bot.bot_profile_url == "https://example.com/bot.png"
    assert bot.bot_type == "assistant"
    assert type(bot.bot_token) is str
    assert HEX40.match(bot.bot_token), bot.bot_token
    assert bot.bot_metadata == {}
    assert bot.bot_require_auth_for_profile_image is False
    assert created.bot_callback_url == "https://example.com/callback"
    assert created.is_privacy_mode is True
    assert created.enable_mark_as_read is False
    assert created.show_member is True
    assert created.channel_invitation_preference == 1
    assert type(created.created_at) is int
    assert abs(created.created_at - time.time()) < 300

    # a bot is a user too
    user = check_user(sdk.users.view_a_user(bot_userid, api_token=API_KEY))
    assert user.nickname == "Helper Bot"
    assert user.profile_url == "https://example.com/bot.png"


def test_create_a_bot_defaults(sdk):
    created = sdk.create_bot()
    assert created.enable_mark_as_read is True
    assert created.show_member is False
    assert created.channel_invitation_preference == 0
    assert created.is_privacy_mode is False


def test_create_a_bot_with_a_taken_id_is_400202(sdk):
    uid = sdk.create("taken").user_id
    request = CreateABotRequest(
        bot_callback_url="https://example.com/hook",
        bot_nickname="Dup",
        bot_profile_url="",
        bot_type="helper",
        bot_userid=uid,
        is_privacy_mode=False,
    )
    body = error_of(lambda: sdk.bots.create_a_bot(api_token=API_KEY, create_a_bot_request=request))
    assert body["code"] == 400202


def test_list_bots_token_walk(sdk):
    ours = {sdk.create_bot("walkbot").bot.bot_userid for _ in range(3)}
    seen: list[str] = []
    sizes: list[int] = []
    token: str | None = None
    for _ in range(10_000):
        extra = {"token": token} if token else {}
        page = sdk.bots.list_bots(limit=2, api_token=API_KEY, **extra)
        assert isinstance(page, ListBotsResponse)
        assert type(page.next) is str
        for item in page.bots:
            assert isinstance(item, ListBotsResponseBotsInner)
            assert type(item.bot.bot_userid) is str
            assert type(item.bot.bot_nickname) is str
            assert type(item.bot.bot_type) is str
            assert item.bot.bot_token == ""  # shown only once, on create
            assert type(item.bot_callback_url) is str
            assert type(item.is_privacy_mode) is bool
            assert type(item.created_at) is int
            seen.append(item.bot.bot_userid)
        sizes.append(len(page.bots))
        token = page.next
        if token == "":
            break
    else:
        raise AssertionError("list_bots never returned an empty `next`")
    assert all(size == 2 for size in sizes[:-1])
    assert 1 <= sizes[-1] <= 2
    assert len(seen) == len(set(seen))
    assert ours <= set(seen)


def test_list_bots_default_page(sdk):
    sdk.create_bot()
    page = sdk.bots.list_bots(api_token=API_KEY)
    assert isinstance(page, ListBotsResponse)
    assert 1 <= len(page.bots) <= 10
    assert type(page.next) is str


def test_view_bot_by_id(sdk):
    created = sdk.create_bot(bot_nickname="Viewable", bot_type="faq")
    bot_userid = created.bot.bot_userid
    viewed = sdk.bots.view_bot_by_id(bot_userid, api_token=API_KEY)
    assert isinstance(viewed, ViewBotByIdResponse)
    assert isinstance(viewed.bot, ViewBotByIdResponseBot)
    assert viewed.bot.bot_userid == bot_userid
    assert viewed.bot.bot_nickname == "Viewable"
    assert viewed.bot.bot_type == "faq"
    assert viewed.bot.bot_token == ""
    assert viewed.bot_callback_url == created.bot_callback_url
    assert viewed.is_privacy_mode is False
    assert viewed.enable_mark_as_read is True
    assert viewed.show_member is False
    assert viewed.channel_invitation_preference == 0
    # not in this model, so the SDK keeps it as an extra number
    assert viewed["created_at"] == created.created_at


def test_view_an_unknown_bot_is_400201(sdk):
    body = error_of(lambda: sdk.bots.view_bot_by_id(unique("nobot"), api_token=API_KEY))
    assert body["code"] == 400201
    plain = sdk.create("notabot").user_id
    body = error_of(lambda: sdk.bots.view_bot_by_id(plain, api_token=API_KEY))
    assert body["code"] == 400201


def test_update_bot_by_id(sdk):
    bot_userid = sdk.create_bot(bot_nickname="Old").bot.bot_userid
    data = UpdateBotByIdData(
        bot_userid=bot_userid,
        bot_nickname="New Name",
        bot_profile_url="https://example.com/new.png",
        bot_callback_url="https://example.com/new-hook",
        is_privacy_mode=True,
        enable_mark_as_read=False,
        show_member=True,
        channel_invitation_preference=1,
    )
    updated = sdk.bots.update_bot_by_id(bot_userid, api_token=API_KEY, update_bot_by_id_data=data)
    assert isinstance(updated, UpdateBotByIdResponse)
    assert isinstance(updated.bot, ViewBotByIdResponseBot)
    assert updated.bot.bot_userid == bot_userid
    assert updated.bot.bot_nickname == "New Name"
    assert updated.bot.bot_profile_url == "https://example.com/new.png"
    assert updated.bot_callback_url == "https://example.com/new-hook"
    assert updated.is_privacy_mode is True
    assert updated.enable_mark_as_read is False
    assert updated.show_member is True
    assert updated.channel_invitation_preference == 1

    viewed = sdk.bots.view_bot_by_id(bot_userid, api_token=API_KEY)
    assert viewed.bot.bot_nickname == "New Name"
    assert viewed.bot_callback_url == "https://example.com/new-hook"
    assert viewed.is_privacy_mode is True
    user = check_user(sdk.users.view_a_user(bot_userid, api_token=API_KEY))
    assert user.nickname == "New Name"
    assert user.profile_url == "https://example.com/new.png"


def test_delete_bot_by_id(sdk):
    bot_userid = sdk.create_bot().bot.bot_userid
    assert sdk.bots.delete_bot_by_id(bot_userid, api_token=API_KEY) == {}
    body = error_of(lambda: sdk.bots.view_bot_by_id(bot_userid, api_token=API_KEY))
    assert body["code"] == 400201
    body = error_of(lambda: sdk.users.view_a_user(bot_userid, api_token=API_KEY))
    assert body["code"] == 400201
    body = error_of(lambda: sdk.bots.delete_bot_by_id(bot_userid, api_token=API_KEY))
    assert body["code"] == 400201
