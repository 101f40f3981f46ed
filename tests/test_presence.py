"""Presence over the `/presence` WebSocket, through the ASGI test client, on both engines.

A user is online while one of their authenticated connections is open; CometChat shows it as
`status` / `lastActiveAt`, Sendbird as `is_online` / `last_seen_at` / `has_ever_logged_in`.
A connection may subscribe to other users and then receives their presence events.

The test client runs every socket on the loop of the `running` app. Its own exit cancels the
socket's task, which would cut short the server's clean-up on PostgreSQL (the lease delete
awaits the database), so every socket here is closed by `Socket.close`: it sends the close
frame, waits (bounded) until the server's handler has returned, and only then leaves the
session. Every receive has a timeout.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import pytest
from starlette.testclient import TestClient, WebSocketTestSession
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect

from roster.app import RosterApp
from roster.settings import Settings
from tests.conftest import ContractClient, SendbirdClient, make_user

RECEIVE_TIMEOUT = 5.0
SETTLE = 0.3  # time for a PostgreSQL NOTIFY in flight to arrive
BAD_TOKEN = (4001, "invalid or expired token")
SHORT_LEASE_MS = 600


def now_ms() -> int:
    return int(time.time() * 1000)


# --- a socket client with bounded waits -----------------------------------------------------------


class Tracker:
    """Wraps the app and records which WebSocket handlers have returned."""

    def __init__(self, app: RosterApp) -> None:
        self.app = app
        self.finished: set[int] = set()
        self.gates: dict[int, anyio.Event] = {}  # stalls a connection's outgoing messages

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def gated_send(message: Message) -> None:
            gate = self.gates.get(id(scope))
            if gate is not None and message["type"] == "websocket.send":
                await gate.wait()
            await send(message)

        try:
            await self.app(scope, receive, gated_send)
        finally:
            if scope["type"] == "websocket":
                self.finished.add(id(scope))


class Socket:
    def __init__(self, session: WebSocketTestSession, tracker: Tracker) -> None:
        self.session = session
        self.tracker = tracker
        self.left = False

    @property
    def handler_done(self) -> bool:
        return id(self.session.scope) in self.tracker.finished

    def receive(self, timeout: float = RECEIVE_TIMEOUT) -> Message:
        """The next ASGI message the server sent; TimeoutError after `timeout` seconds."""
        stream = self.session._send_rx

        async def get() -> Message:
            with anyio.fail_after(timeout):
                message: Message = await stream.receive()
                return message

        return self.session.portal.call(get)

    def json(self, timeout: float = RECEIVE_TIMEOUT) -> dict[str, Any]:
        message = self.receive(timeout)
        assert message["type"] == "websocket.send", message
        assert message.get("text") is not None, message
        decoded: dict[str, Any] = json.loads(message["text"])
        return decoded

    def closed_with(self, timeout: float = RECEIVE_TIMEOUT) -> tuple[int, str]:
        """Read up to the close; assert nothing but pongs came before it."""
        for _ in range(200):
            message = self.receive(timeout)
            if message["type"] == "websocket.close":
                return message.get("code", 1000), message.get("reason", "")
            assert message["type"] == "websocket.send", message
            assert json.loads(message["text"]) == {"type": "pong"}, message
        raise AssertionError("no close after 200 messages")

    def send(self, payload: Any) -> None:
        self.session.send_text(json.dumps(payload, separators=(",", ":")))

    def send_text(self, text: str) -> None:
        self.session.send_text(text)

    def send_bytes(self, data: bytes) -> None:
        self.session.send_bytes(data)

    def ping_pong(self) -> None:
        """The next message after a ping is its pong: nothing else was queued before it."""
        self.send({"type": "ping"})
        assert self.json() == {"type": "pong"}

    def quiet(self) -> None:
        """No event arrives (after giving a NOTIFY time to travel)."""
        time.sleep(SETTLE)
        self.ping_pong()

    def wait_handler(self, timeout: float = RECEIVE_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not self.handler_done:
            assert time.monotonic() < deadline, "the server's socket handler did not return"
            time.sleep(0.002)

    def stall(self) -> Callable[[], None]:
        """Make the server's sends to this client block (a client that does not read);
        returns the function that lets them through again."""
        gate: anyio.Event = self.session.portal.call(anyio.Event)
        self.tracker.gates[id(self.session.scope)] = gate
        return lambda: self.session.portal.call(gate.set)

    def close(self) -> None:
        """Close from the client and wait until the server has finished with the connection."""
        if self.left:
            return
        if not self.handler_done:
            self.session.send({"type": "websocket.disconnect", "code": 1000})
        self.wait_handler()
        self.left = True
        self.session.__exit__(None, None, None)


class Sockets:
    """Opens sockets on a started app's loop; closes every one still open at the end."""

    def __init__(self, running: TestClient, app: RosterApp) -> None:
        self.tracker = Tracker(app)
        self.client = TestClient(self.tracker)
        self.client.portal = running.portal
        self.opened: list[Socket] = []

    def open(self, path: str = "/presence", headers: dict[str, str] | None = None) -> Socket:
        session = self.client.websocket_connect(path, headers=headers or {})
        session.__enter__()
        socket = Socket(session, self.tracker)
        self.opened.append(socket)
        return socket

    def connect(self, token: str, *, header: bool = False) -> Socket:
        """A logged-in connection; asserts the `connected` greeting."""
        if header:
            socket = self.open(headers={"Authorization": f"Bearer {token}"})
        else:
            socket = self.open(f"/presence?token={token}")
        greeting = socket.json()
        assert greeting["type"] == "connected", greeting
        return socket

    def refused(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
        try:
            socket = self.open(path, headers)
        except WebSocketDisconnect as exc:  # closed before it was accepted
            return exc.code, exc.reason
        code = socket.closed_with()
        socket.close()
        return code

    def close_all(self) -> None:
        for socket in self.opened:
            socket.close()


@dataclasses.dataclass
class Rig:
    app: RosterApp
    cc: ContractClient
    sb: ContractClient
    ws: Sockets


@pytest.fixture
def rig(
    app: RosterApp, running: TestClient, cc: ContractClient, sb: ContractClient
) -> Iterator[Rig]:
    sockets = Sockets(running, app)
    try:
        yield Rig(app, cc, sb, sockets)
    finally:
        sockets.close_all()


@pytest.fixture
def short_rig(settings: Settings, keys: dict[str, str]) -> Iterator[Rig]:
    """An app whose presence lease is 600 ms: heartbeats every 200 ms."""
    app = RosterApp(dataclasses.replace(settings, presence_lease_ms=SHORT_LEASE_MS))
    with TestClient(app) as running:
        cc = ContractClient(app, base_url="http://testserver/v3", headers={"apikey": keys["full"]})
        sb = SendbirdClient(
            app, base_url="http://testserver/v3", headers={"Api-Token": keys["full"]}
        )
        cc.portal = running.portal
        sb.portal = running.portal
        sockets = Sockets(running, app)
        try:
            yield Rig(app, cc, sb, sockets)
        finally:
            sockets.close_all()


# --- HTTP helpers ---------------------------------------------------------------------------------


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def cc_user(cc: ContractClient, uid: str) -> dict[str, Any]:
    found: dict[str, Any] = ok(cc.get(f"/users/{uid}"))["data"]
    return found


def sb_user(sb: ContractClient, uid: str) -> dict[str, Any]:
    found: dict[str, Any] = ok(sb.get(f"/users/{uid}"))
    return found


def cc_listed(cc: ContractClient, status: str) -> list[str]:
    body = ok(cc.get(f"/users?status={status}&perPage=100"))
    return [u["uid"] for u in body["data"]]


def cc_token(cc: ContractClient, uid: str) -> str:
    token: str = ok(cc.post(f"/users/{uid}/auth_tokens", json={}))["data"]["authToken"]
    return token


def sb_session_token(sb: ContractClient, uid: str, expires_at: int | None = None) -> str:
    body = {} if expires_at is None else {"expires_at": expires_at}
    issued = ok(sb.post(f"/users/{uid}/token", json=body))
    assert isinstance(issued["token"], str) and issued["token"], issued
    token: str = issued["token"]
    return token


def assert_online(rig: Rig, uid: str) -> None:
    assert cc_user(rig.cc, uid)["status"] == "available"
    assert uid in cc_listed(rig.cc, "available")
    assert uid not in cc_listed(rig.cc, "offline")
    user = sb_user(rig.sb, uid)
    assert user["is_online"] is True, user
    assert user["last_seen_at"] == 0, user
    assert user["has_ever_logged_in"] is True, user


def assert_offline(rig: Rig, uid: str) -> dict[str, Any]:
    """Offline in both dialects; returns the CometChat user."""
    shown = cc_user(rig.cc, uid)
    assert shown["status"] == "offline", shown
    assert uid in cc_listed(rig.cc, "offline")
    assert uid not in cc_listed(rig.cc, "available")
    assert sb_user(rig.sb, uid)["is_online"] is False
    return shown


def assert_seen_between(rig: Rig, uid: str, before_ms: int, after_ms: int) -> None:
    """CometChat lastActiveAt (s) and Sendbird last_seen_at (ms) are within a second of the
    window [before_ms, after_ms] measured around the event."""
    seen = sb_user(rig.sb, uid)["last_seen_at"]
    assert before_ms - 1000 <= seen <= after_ms + 1000, (before_ms, seen, after_ms)
    active = cc_user(rig.cc, uid)["lastActiveAt"]
    assert before_ms // 1000 - 1 <= active <= after_ms // 1000 + 1, (before_ms, active, after_ms)
    assert active == seen // 1000


# --- tokens of each kind --------------------------------------------------------------------------


def token_cometchat(rig: Rig, uid: str) -> str:
    make_user(rig.cc, uid)
    return cc_token(rig.cc, uid)


def token_cometchat_on_create(rig: Rig, uid: str) -> str:
    created = ok(rig.cc.post("/users", json={"uid": uid, "name": uid, "withAuthToken": True}))
    token: str = created["data"]["authToken"]
    return token


def token_sendbird_session(rig: Rig, uid: str) -> str:
    ok(rig.sb.post("/users", json={"user_id": uid, "nickname": uid}))
    return sb_session_token(rig.sb, uid)


def token_sendbird_access(rig: Rig, uid: str) -> str:
    body = {"user_id": uid, "nickname": uid, "issue_access_token": True}
    created = ok(rig.sb.post("/users", json=body))
    token: str = created["access_token"]
    assert token
    return token


TOKEN_KINDS: dict[str, Callable[[Rig, str], str]] = {
    "cometchat_auth_token": token_cometchat,
    "cometchat_with_auth_token": token_cometchat_on_create,
    "sendbird_session_token": token_sendbird_session,
    "sendbird_access_token": token_sendbird_access,
}


@pytest.mark.parametrize("header", [False, True], ids=["query", "bearer"])
@pytest.mark.parametrize("kind", list(TOKEN_KINDS))
def test_connect_with_each_token_kind(rig, kind, header):
    token = TOKEN_KINDS[kind](rig, "alice")
    before = sb_user(rig.sb, "alice")
    assert before["is_online"] is False
    assert before["has_ever_logged_in"] is False
    assert before["last_seen_at"] == 0
    assert cc_user(rig.cc, "alice")["status"] == "offline"
    assert "lastActiveAt" not in cc_user(rig.cc, "alice")
    assert "alice" in cc_listed(rig.cc, "offline")
    assert cc_listed(rig.cc, "available") == []

    if header:
        socket = rig.ws.open(headers={"Authorization": f"Bearer {token}"})
    else:
        socket = rig.ws.open(f"/presence?token={token}")
    assert socket.json() == {"type": "connected", "uid": "alice"}
    assert_online(rig, "alice")
    socket.ping_pong()

    before = now_ms()
    socket.close()
    closed = now_ms()
    assert_offline(rig, "alice")
    assert_seen_between(rig, "alice", before, closed)
    assert sb_user(rig.sb, "alice")["has_ever_logged_in"] is True


def test_query_token_wins_over_the_header(rig):
    token = token_cometchat(rig, "alice")
    socket = rig.ws.open(f"/presence?token={token}", headers={"Authorization": "Bearer nope"})
    assert socket.json() == {"type": "connected", "uid": "alice"}
    socket.close()


def test_a_user_is_online_only_for_its_own_app(rig, keys):
    token = token_cometchat(rig, "alice")
    other = {"apikey": keys["other_app"]}
    ok(rig.cc.post("/users", json={"uid": "alice", "name": "Other Alice"}, headers=other))
    socket = rig.ws.connect(token)
    assert_online(rig, "alice")
    shown = ok(rig.cc.get("/users/alice", headers=other))["data"]
    assert shown["name"] == "Other Alice"
    assert shown["status"] == "offline"
    socket.close()


def test_two_connections_of_one_user(rig):
    token = token_cometchat(rig, "alice")
    first = rig.ws.connect(token)
    second = rig.ws.connect(sb_session_token(rig.sb, "alice"))
    assert_online(rig, "alice")

    first.close()
    assert_online(rig, "alice")
    assert "lastActiveAt" not in cc_user(rig.cc, "alice")
    second.ping_pong()
    assert_online(rig, "alice")

    before = now_ms()
    second.close()
    after = now_ms()
    assert_offline(rig, "alice")
    assert_seen_between(rig, "alice", before, after)


def test_offline_again_after_a_reconnect_records_the_latest_close(rig):
    token = token_cometchat(rig, "alice")
    rig.ws.connect(token).close()
    first_seen = sb_user(rig.sb, "alice")["last_seen_at"]
    time.sleep(1.1)
    socket = rig.ws.connect(token)
    assert_online(rig, "alice")
    before = now_ms()
    socket.close()
    after = now_ms()
    assert_offline(rig, "alice")
    assert_seen_between(rig, "alice", before, after)
    assert sb_user(rig.sb, "alice")["last_seen_at"] >= first_seen + 1000


# --- refused logins -------------------------------------------------------------------------------


def test_missing_and_unknown_tokens_are_refused(rig, keys):
    token_cometchat(rig, "alice")
    assert rig.ws.refused("/presence") == BAD_TOKEN
    assert rig.ws.refused("/presence?token=") == BAD_TOKEN
    assert rig.ws.refused("/presence?token=nope") == BAD_TOKEN
    assert rig.ws.refused("/presence?token=a%00b") == BAD_TOKEN
    assert rig.ws.refused("/presence", {"Authorization": "Bearer nope"}) == BAD_TOKEN
    assert rig.ws.refused("/presence", {"Authorization": "Basic abc"}) == BAD_TOKEN
    # an API key is not a login token
    assert rig.ws.refused(f"/presence?token={keys['full']}") == BAD_TOKEN
    user = sb_user(rig.sb, "alice")
    assert user["is_online"] is False
    assert user["has_ever_logged_in"] is False


def test_a_full_process_refuses_new_connections(rig, monkeypatch):
    """Past CONNECTIONS_MAX open connections a process closes new ones with 4013."""
    from roster.realtime import socket as presence_socket

    monkeypatch.setattr(presence_socket, "CONNECTIONS_MAX", 1)
    first = rig.ws.connect(token_cometchat(rig, "alice"))  # asserts the greeting
    assert sb_user(rig.sb, "alice")["is_online"] is True
    bob = token_cometchat(rig, "bob")
    code, reason = rig.ws.refused(f"/presence?token={bob}")
    assert code == 4013
    assert "too many connections" in reason
    assert sb_user(rig.sb, "bob")["is_online"] is False
    first.close()
    second = rig.ws.connect(bob)
    assert sb_user(rig.sb, "bob")["is_online"] is True
    second.close()


def test_an_unknown_path_is_refused(rig):
    token = token_cometchat(rig, "alice")
    assert rig.ws.refused(f"/presence/x?token={token}") == (4404, "no such endpoint")
    assert sb_user(rig.sb, "alice")["is_online"] is False


def test_an_expired_sendbird_session_token_is_refused(rig):
    token_sendbird_session(rig, "alice")
    expires = now_ms() + 1500
    token = sb_session_token(rig.sb, "alice", expires_at=expires)
    socket = rig.ws.connect(token)  # still valid
    socket.close()
    time.sleep(max(0.0, (expires - now_ms()) / 1000) + 0.1)
    assert rig.ws.refused(f"/presence?token={token}") == BAD_TOKEN
    assert sb_user(rig.sb, "alice")["is_online"] is False


def test_a_session_token_expiring_in_a_few_ms_is_refused_afterwards(rig):
    token_sendbird_session(rig, "alice")
    token = sb_session_token(rig.sb, "alice", expires_at=now_ms() + 200)
    time.sleep(0.4)
    assert rig.ws.refused(f"/presence?token={token}") == BAD_TOKEN
    assert sb_user(rig.sb, "alice")["has_ever_logged_in"] is False


def deactivate_cometchat(rig: Rig, uid: str) -> None:
    ok(rig.cc.delete(f"/users/{uid}"))


def deactivate_cometchat_bulk(rig: Rig, uid: str) -> None:
    done = ok(rig.cc.request("DELETE", "/users", json={"uidsToDeactivate": [uid]}))
    assert done["data"]["deactivatedUids"] == [uid]


def deactivate_sendbird(rig: Rig, uid: str) -> None:
    assert ok(rig.sb.put(f"/users/{uid}", json={"is_active": False}))["is_active"] is False


DEACTIVATE = {
    "cometchat_delete": deactivate_cometchat,
    "cometchat_bulk": deactivate_cometchat_bulk,
    "sendbird_is_active_false": deactivate_sendbird,
}


@pytest.mark.parametrize("how", list(DEACTIVATE))
@pytest.mark.parametrize("kind", list(TOKEN_KINDS))
def test_a_deactivated_users_token_is_refused(rig, kind, how):
    token = TOKEN_KINDS[kind](rig, "alice")
    DEACTIVATE[how](rig, "alice")
    assert rig.ws.refused(f"/presence?token={token}") == BAD_TOKEN
    user = sb_user(rig.sb, "alice")
    assert (user["is_active"], user["is_online"]) == (False, False)


def test_a_reactivated_user_needs_a_new_token(rig):
    token = token_cometchat(rig, "alice")
    deactivate_sendbird(rig, "alice")
    assert ok(rig.sb.put("/users/alice", json={"is_active": True}))["is_active"] is True
    assert rig.ws.refused(f"/presence?token={token}") == BAD_TOKEN
    socket = rig.ws.connect(cc_token(rig.cc, "alice"))
    assert_online(rig, "alice")
    socket.close()


def test_a_permanently_deleted_users_token_is_refused(rig):
    token = token_cometchat(rig, "alice")
    ok(rig.cc.request("DELETE", "/users/alice", json={"permanent": True}))
    assert rig.ws.refused(f"/presence?token={token}") == BAD_TOKEN


def test_a_revoked_cometchat_token_is_refused(rig):
    token = token_cometchat(rig, "alice")
    kept = cc_token(rig.cc, "alice")
    ok(rig.cc.delete(f"/users/alice/auth_tokens/{token}"))
    assert rig.ws.refused(f"/presence?token={token}") == BAD_TOKEN
    socket = rig.ws.connect(kept)  # only the revoked one is gone
    socket.close()
    ok(rig.cc.delete("/users/alice/auth_tokens"))  # flush all
    assert rig.ws.refused(f"/presence?token={kept}") == BAD_TOKEN


def test_revoked_sendbird_session_tokens_are_refused(rig):
    access = token_sendbird_access(rig, "alice")
    first = sb_session_token(rig.sb, "alice")
    second = sb_session_token(rig.sb, "alice")
    assert ok(rig.sb.delete("/users/alice/token")) == {}
    assert rig.ws.refused(f"/presence?token={first}") == BAD_TOKEN
    assert rig.ws.refused(f"/presence?token={second}") == BAD_TOKEN
    socket = rig.ws.connect(access)  # revoking session tokens leaves the access token
    socket.close()


def test_a_replaced_sendbird_access_token_is_refused(rig):
    old = token_sendbird_access(rig, "alice")
    new = ok(rig.sb.put("/users/alice", json={"issue_access_token": True}))["access_token"]
    assert new and new != old
    assert rig.ws.refused(f"/presence?token={old}") == BAD_TOKEN
    rig.ws.connect(new).close()


# --- subscriptions --------------------------------------------------------------------------------


def presence_event(event: dict[str, Any], uid: str, status: str, lo: int, hi: int) -> None:
    assert set(event) == {"type", "uid", "status", "at"}, event
    assert (event["type"], event["uid"], event["status"]) == ("presence", uid, status), event
    assert lo - 50 <= event["at"] <= hi + 50, (lo, event, hi)


def test_subscribe_and_receive_presence_events(rig):
    watcher = rig.ws.connect(token_cometchat(rig, "watcher"))
    a_token = token_cometchat(rig, "a")
    b_token = token_sendbird_session(rig, "b")
    a = rig.ws.connect(a_token)
    time.sleep(SETTLE)  # let a's own online event pass before subscribing

    watcher.send({"type": "subscribe", "uids": ["a", "b", "ghost"]})
    assert watcher.json() == {
        "type": "subscribed",
        "presence": {"a": "online", "b": "offline", "ghost": "offline"},
    }

    lo = now_ms()
    b = rig.ws.connect(b_token)
    presence_event(watcher.json(), "b", "online", lo, now_ms())

    # a second connection of an online user is no change
    b2 = rig.ws.connect(b_token)
    b.close()
    watcher.quiet()

    lo = now_ms()
    b2.close()
    presence_event(watcher.json(), "b", "offline", lo, now_ms())
    lo = now_ms()
    a.close()
    presence_event(watcher.json(), "a", "offline", lo, now_ms())

    # the event's time is the user's last_seen_at
    watcher.send({"type": "subscribe", "uids": ["a"]})
    assert watcher.json() == {"type": "subscribed", "presence": {"a": "offline"}}
    lo = now_ms()
    a = rig.ws.connect(a_token)
    event = watcher.json()
    presence_event(event, "a", "online", lo, now_ms())
    a.close()
    event = watcher.json()
    assert event["status"] == "offline"
    assert sb_user(rig.sb, "a")["last_seen_at"] == event["at"]
    watcher.close()


def test_unsubscribe_stops_events(rig):
    watcher = rig.ws.connect(token_cometchat(rig, "watcher"))
    a_token = token_cometchat(rig, "a")
    b_token = token_cometchat(rig, "b")
    watcher.send({"type": "subscribe", "uids": ["a", "b"]})
    assert watcher.json()["type"] == "subscribed"

    watcher.send({"type": "unsubscribe", "uids": ["a", "never-watched"]})
    assert watcher.json() == {"type": "unsubscribed", "uids": ["a", "never-watched"]}
    a = rig.ws.connect(a_token)
    watcher.quiet()
    a.close()
    watcher.quiet()

    lo = now_ms()
    b = rig.ws.connect(b_token)
    presence_event(watcher.json(), "b", "online", lo, now_ms())
    b.close()
    assert watcher.json()["status"] == "offline"


def test_only_watchers_receive_events(rig):
    """Two watchers of different users; each hears only its own, and a closed watcher is
    forgotten (its events do not break the others)."""
    w1 = rig.ws.connect(token_cometchat(rig, "w1"))
    w2 = rig.ws.connect(token_cometchat(rig, "w2"))
    w3 = rig.ws.connect(token_cometchat(rig, "w3"))
    a_token = token_cometchat(rig, "a")
    b_token = token_cometchat(rig, "b")
    w1.send({"type": "subscribe", "uids": ["a"]})
    assert w1.json() == {"type": "subscribed", "presence": {"a": "offline"}}
    w2.send({"type": "subscribe", "uids": ["b"]})
    assert w2.json() == {"type": "subscribed", "presence": {"b": "offline"}}
    w3.send({"type": "subscribe", "uids": ["a", "b"]})
    assert w3.json()["type"] == "subscribed"
    w3.close()

    a = rig.ws.connect(a_token)
    assert w1.json()["uid"] == "a"
    w2.quiet()
    b = rig.ws.connect(b_token)
    assert w2.json()["uid"] == "b"
    w1.quiet()
    a.close()
    b.close()
    assert (w1.json()["uid"], w2.json()["uid"]) == ("a", "b")


def test_watching_oneself_and_being_watched_by_oneself(rig):
    token = token_cometchat(rig, "alice")
    first = rig.ws.connect(token)
    time.sleep(SETTLE)  # let alice's online event pass before subscribing
    first.send({"type": "subscribe", "uids": ["alice"]})
    assert first.json() == {"type": "subscribed", "presence": {"alice": "online"}}
    second = rig.ws.connect(token)
    second.close()
    first.quiet()  # alice stayed online: no event


def test_watch_limit(rig):
    watcher = rig.ws.connect(token_cometchat(rig, "watcher"))
    uids = [f"w{i:03d}" for i in range(1000)]
    for chunk in (uids[:400], uids[400:800], uids[800:]):
        watcher.send({"type": "subscribe", "uids": chunk})
        reply = watcher.json()
        assert reply["type"] == "subscribed", reply
        assert reply["presence"] == dict.fromkeys(chunk, "offline")

    watcher.send({"type": "subscribe", "uids": ["one-more"]})
    assert watcher.json() == {"type": "error", "message": "at most 1000 watched users"}
    # re-subscribing to already watched users does not grow the set
    watcher.send({"type": "subscribe", "uids": uids[:10]})
    assert watcher.json()["type"] == "subscribed"
    # freeing one slot makes room for one
    watcher.send({"type": "unsubscribe", "uids": ["w000"]})
    assert watcher.json()["type"] == "unsubscribed"
    watcher.send({"type": "subscribe", "uids": ["one-more", "two-more"]})
    assert watcher.json() == {"type": "error", "message": "at most 1000 watched users"}
    token = token_cometchat(rig, "one-more")
    watcher.send({"type": "subscribe", "uids": ["one-more"]})
    assert watcher.json() == {"type": "subscribed", "presence": {"one-more": "offline"}}
    # the refused subscription watches nothing
    rig.ws.connect(token_cometchat(rig, "two-more")).close()
    watcher.quiet()
    lo = now_ms()
    one = rig.ws.connect(token)
    presence_event(watcher.json(), "one-more", "online", lo, now_ms())
    one.close()


def test_a_refused_subscribe_watches_none_of_its_ids(rig):
    watcher = rig.ws.connect(token_cometchat(rig, "watcher"))
    uids = [f"u{i:03d}" for i in range(1001)]
    for chunk in (uids[:350], uids[350:700]):
        watcher.send({"type": "subscribe", "uids": chunk})
        assert len(watcher.json()["presence"]) == 350
    watcher.send({"type": "subscribe", "uids": uids[700:]})  # 301 more: one too many
    assert watcher.json() == {"type": "error", "message": "at most 1000 watched users"}
    watcher.send({"type": "subscribe", "uids": uids[700:1000]})
    assert len(watcher.json()["presence"]) == 300
    token = token_cometchat(rig, "u1000")  # the one left out
    rig.ws.connect(token).close()
    watcher.quiet()


def test_ping_and_bad_messages(rig):
    socket = rig.ws.connect(token_cometchat(rig, "alice"))
    socket.send({"type": "ping"})
    assert socket.json() == {"type": "pong"}
    socket.send({"type": "pong"})
    assert socket.json() == {"type": "error", "message": "unknown message type"}
    socket.send({"kind": "ping"})
    assert socket.json() == {"type": "error", "message": "unknown message type"}
    socket.send(["ping"])
    assert socket.json() == {"type": "error", "message": "unknown message type"}
    socket.send("ping")
    assert socket.json() == {"type": "error", "message": "unknown message type"}
    socket.send_text("not json")
    assert socket.json() == {"type": "error", "message": "not JSON"}
    socket.send_text("")
    assert socket.json() == {"type": "error", "message": "not JSON"}
    socket.send_text('{"type": "ping"')
    assert socket.json() == {"type": "error", "message": "not JSON"}
    for uids in (None, "a", [1], ["a", None], {"a": 1}):
        socket.send({"type": "subscribe", "uids": uids})
        assert socket.json() == {"type": "error", "message": "uids must be a list of strings"}
    socket.send({"type": "unsubscribe"})
    assert socket.json() == {"type": "error", "message": "uids must be a list of strings"}
    socket.send({"type": "subscribe", "uids": []})
    assert socket.json() == {"type": "subscribed", "presence": {}}
    # still connected and online after all that
    socket.ping_pong()
    assert_online(rig, "alice")
    socket.close()


def test_a_message_of_exactly_the_limit_is_accepted(rig):
    socket = rig.ws.connect(token_cometchat(rig, "alice"))
    head = '{"type":"ping","pad":"'
    text = head + "x" * (4096 - len(head) - 2) + '"}'
    assert len(text.encode()) == 4096
    socket.send_text(text)
    assert socket.json() == {"type": "pong"}
    socket.close()


def message_too_big_ascii() -> tuple[str, Any]:
    head = '{"type":"ping","pad":"'
    return "text", head + "x" * (4097 - len(head) - 2) + '"}'


def message_too_big_in_bytes() -> tuple[str, Any]:
    # 2000 characters, but 4000+ bytes of UTF-8
    return "text", '{"type":"ping","pad":"' + "é" * 2040 + '"}'


def message_binary() -> tuple[str, Any]:
    return "bytes", b'{"type":"ping"}'


@pytest.mark.parametrize(
    "message", [message_too_big_ascii, message_too_big_in_bytes, message_binary]
)
def test_binary_or_oversized_messages_close_4004(rig, message):
    token = token_cometchat(rig, "alice")
    socket = rig.ws.connect(token)
    kind, payload = message()
    if kind == "text":
        assert len(payload.encode()) > 4096
        socket.send_text(payload)
    else:
        socket.send_bytes(payload)
    assert socket.closed_with() == (4004, "send JSON text of at most 4096 bytes")
    socket.wait_handler()
    assert_offline(rig, "alice")
    socket.close()
    # the server is fine and the user may come back
    again = rig.ws.connect(token)
    again.ping_pong()
    again.close()


def test_a_flood_closes_4008_and_the_server_keeps_serving(rig):
    token = token_cometchat(rig, "alice")
    other = rig.ws.connect(token_cometchat(rig, "bob"))
    other.send({"type": "subscribe", "uids": ["alice"]})
    assert other.json()["type"] == "subscribed"
    flooder = rig.ws.connect(token)
    assert other.json()["status"] == "online"

    for _ in range(100):
        flooder.send({"type": "ping"})
    pongs = 0
    for _ in range(101):
        message = flooder.receive()
        if message["type"] == "websocket.close":
            break
        assert json.loads(message["text"]) == {"type": "pong"}
        pongs += 1
    assert (message.get("code"), message.get("reason")) == (4008, "at most 20 messages a second")
    assert 30 <= pongs <= 60, pongs  # the burst (40) and what refilled while sending
    flooder.wait_handler()

    # the flooder is gone, everyone else carries on
    assert_offline(rig, "alice")
    assert other.json()["status"] == "offline"
    other.ping_pong()
    assert sorted(u["uid"] for u in ok(rig.cc.get("/users?perPage=10"))["data"]) == ["alice", "bob"]
    flooder.close()
    back = rig.ws.connect(token)
    assert other.json()["status"] == "online"
    back.ping_pong()
    back.close()


def test_a_client_that_does_not_read_is_closed_4009(rig):
    """Events for a connection that does not take them pile up to 1000, then it is closed."""
    watcher = rig.ws.connect(token_cometchat(rig, "watcher"))
    watcher.send({"type": "subscribe", "uids": ["alice"]})
    assert watcher.json() == {"type": "subscribed", "presence": {"alice": "offline"}}
    release = watcher.stall()
    token = token_cometchat(rig, "alice")
    for _ in range(505):  # 1010 events
        rig.ws.connect(token).close()
    time.sleep(3 * SETTLE)  # every NOTIFY has arrived
    assert not watcher.handler_done
    assert_online(rig, "watcher")  # stalled, not yet closed
    release()

    statuses = []
    for _ in range(1100):
        message = watcher.receive()
        if message["type"] == "websocket.close":
            break
        event = json.loads(message["text"])
        assert (event["type"], event["uid"]) == ("presence", "alice"), event
        statuses.append(event["status"])
    assert (message.get("code"), message.get("reason")) == (4009, "too many undelivered events")
    # the queue's 1000 and the one the writer held; in order, alternating
    assert 1000 <= len(statuses) <= 1001, len(statuses)
    assert statuses == ["online", "offline"] * (len(statuses) // 2) + ["online"] * (
        len(statuses) % 2
    )
    watcher.wait_handler()
    assert_offline(rig, "watcher")
    # the server carries on
    again = rig.ws.connect(token)
    again.ping_pong()
    again.close()


def test_messages_at_a_steady_rate_are_not_a_flood(rig):
    socket = rig.ws.connect(token_cometchat(rig, "alice"))
    for _ in range(2):  # bursts of 35 with a 1.7 s rest: the bucket refills in between
        for _ in range(35):
            socket.send({"type": "ping"})
        for _ in range(35):
            assert socket.json() == {"type": "pong"}
        time.sleep(1.7)
    socket.ping_pong()
    socket.close()


# --- deactivation while connected (a 600 ms lease: a heartbeat every 200 ms) ----------------------


def closed_within(socket: Socket, started: float, limit: float) -> tuple[tuple[int, str], float]:
    code = socket.closed_with(timeout=limit + 2.0)
    return code, time.monotonic() - started


@pytest.mark.parametrize("how", list(DEACTIVATE))
def test_deactivating_a_connected_user_logs_them_out(short_rig, how):
    rig = short_rig
    token = token_cometchat(rig, "alice")
    socket = rig.ws.connect(token)
    second = rig.ws.connect(sb_session_token(rig.sb, "alice"))
    assert_online(rig, "alice")

    before, started = now_ms(), time.monotonic()
    DEACTIVATE[how](rig, "alice")
    after = now_ms()
    user = sb_user(rig.sb, "alice")  # offline at once
    assert (user["is_active"], user["is_online"]) == (False, False)
    assert before - 1000 <= user["last_seen_at"] <= after + 1000, (before, user, after)

    heartbeat = SHORT_LEASE_MS / 3000
    code, elapsed = closed_within(socket, started, heartbeat)
    assert code == (4003, "logged out")
    assert elapsed <= heartbeat + 0.6, elapsed
    code, elapsed = closed_within(second, started, heartbeat)
    assert code == (4003, "logged out")
    assert elapsed <= heartbeat + 0.6, elapsed
    socket.wait_handler()
    second.wait_handler()
    assert sb_user(rig.sb, "alice")["last_seen_at"] == user["last_seen_at"]
    assert rig.ws.refused(f"/presence?token={token}") == BAD_TOKEN


def test_a_permanently_deleted_user_is_logged_out(short_rig):
    rig = short_rig
    socket = rig.ws.connect(token_sendbird_access(rig, "alice"))
    started = time.monotonic()
    assert rig.sb.delete("/users/alice").status_code == 200
    code, elapsed = closed_within(socket, started, SHORT_LEASE_MS / 3000)
    assert code == (4003, "logged out")
    assert elapsed <= SHORT_LEASE_MS / 3000 + 0.6, elapsed
    assert rig.sb.get("/users/alice").status_code == 400


def test_a_watcher_hears_that_a_deactivated_user_went_offline(short_rig):
    """Deactivation makes the user offline; their watchers are told."""
    rig = short_rig
    watcher = rig.ws.connect(token_cometchat(rig, "watcher"))
    socket = rig.ws.connect(token_cometchat(rig, "alice"))
    time.sleep(SETTLE)  # let alice's online event pass before subscribing
    watcher.send({"type": "subscribe", "uids": ["alice"]})
    assert watcher.json() == {"type": "subscribed", "presence": {"alice": "online"}}
    lo = now_ms()
    deactivate_sendbird(rig, "alice")
    hi = now_ms()
    assert socket.closed_with(timeout=3.0) == (4003, "logged out")
    presence_event(watcher.json(timeout=3.0), "alice", "offline", lo, hi)


def test_a_connected_user_stays_online_across_many_leases(short_rig):
    """Each process refreshes its leases every lease/3: an open connection never expires."""
    rig = short_rig
    watcher = rig.ws.connect(token_cometchat(rig, "watcher"))
    watcher.send({"type": "subscribe", "uids": ["alice"]})
    assert watcher.json()["type"] == "subscribed"
    socket = rig.ws.connect(token_cometchat(rig, "alice"))
    assert watcher.json()["status"] == "online"
    deadline = time.monotonic() + 5 * SHORT_LEASE_MS / 1000
    while time.monotonic() < deadline:
        assert sb_user(rig.sb, "alice")["is_online"] is True
        time.sleep(0.1)
    socket.ping_pong()
    watcher.quiet()  # no offline event in between
    before = now_ms()
    socket.close()
    assert_seen_between(rig, "alice", before, now_ms())
    assert watcher.json()["status"] == "offline"
