"""Presence over real sockets: `roster serve` processes and a `websockets` client.

1. One process on SQLite with a short lease: log in over a real WebSocket, see the presence over
   HTTP, subscribe, the limits' close codes on the wire, disconnect.
2. Two processes on one PostgreSQL schema: presence and events cross processes (the shared
   table, LISTEN/NOTIFY); when a process is killed, the other reaps its leases within a lease and
   a heartbeat, dating the user's last_seen_at at the dead process's last lease refresh.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from tests.conftest import PG_URL
from tests.test_cli import ROSTER, Server, clean_env, free_port, wait_ready

API_KEY = "5e" * 20
APP_ID = "acme"
RECEIVE_TIMEOUT = 5.0


def now_ms() -> int:
    return int(time.time() * 1000)


# --- processes ------------------------------------------------------------------------------------


class Servers:
    """`roster serve` processes of one test; all are stopped (and killed if need be) at the end."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.started: list[Server] = []

    def start(self, *store: str, lease_ms: int) -> Server:
        port = free_port()
        n = len(self.started)
        out_path = self.tmp_path / f"presence{n}.out"
        err_path = self.tmp_path / f"presence{n}.err"
        out, err = out_path.open("w"), err_path.open("w")
        command = [ROSTER, "serve", *store, "--app-id", APP_ID, "--api-key", API_KEY]
        command += ["--host", "127.0.0.1", "--port", str(port)]
        env = clean_env(ROSTER_PRESENCE_LEASE_MS=str(lease_ms))
        proc = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=self.tmp_path)
        server = Server(proc, port, out_path, err_path, [out, err])
        self.started.append(server)
        wait_ready(server)
        return server

    def stop_all(self) -> list[str]:
        errors = []
        for server in self.started:
            server.stop()
            errors.append(server.err_path.read_text())
        return errors


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    found = Servers(tmp_path)
    try:
        yield found
    finally:
        found.stop_all()


# --- clients --------------------------------------------------------------------------------------


class Http:
    """Both dialects of one server, over a real socket."""

    def __init__(self, server: Server) -> None:
        self.base = server.url
        self.client = httpx.AsyncClient(timeout=10, trust_env=False)

    async def close(self) -> None:
        await self.client.aclose()

    async def cc(self, method: str, path: str, body: Any = None) -> Any:
        response = await self.client.request(
            method, f"{self.base}/v3{path}", json=body, headers={"apikey": API_KEY}
        )
        assert response.status_code == 200, response.text
        return response.json()["data"]

    async def sb(self, method: str, path: str, body: Any = None) -> Any:
        response = await self.client.request(
            method, f"{self.base}/v3{path}", json=body, headers={"Api-Token": API_KEY}
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def user_with_token(self, uid: str) -> str:
        await self.cc("POST", "/users", {"uid": uid, "name": uid})
        token: str = (await self.cc("POST", f"/users/{uid}/auth_tokens", {}))["authToken"]
        return token

    async def online(self, uid: str) -> bool:
        """Whether uid is online, after checking that all three views agree.

        The views are read one after another while a reaper in another process may change the
        answer, so the Sendbird view is read before and after the others: only when it did not
        change in between must the others agree with it; otherwise the reading is taken again.
        """
        for _ in range(5):
            before: bool = (await self.sb("GET", f"/users/{uid}"))["is_online"]
            shown = await self.cc("GET", f"/users/{uid}")
            listed = await self.cc("GET", "/users?status=available&perPage=100")
            after: bool = (await self.sb("GET", f"/users/{uid}"))["is_online"]
            if before is after:
                assert (shown["status"] == "available") is before, (shown, before)
                assert (uid in [u["uid"] for u in listed]) is before, listed
                return before
        raise AssertionError(f"{uid}'s presence changed during each of five readings")


def ws_url(server: Server, token: str | None = None) -> str:
    url = f"ws://127.0.0.1:{server.port}/presence"
    return url if token is None else f"{url}?token={token}"


async def open_socket(url: str, headers: dict[str, str] | None = None) -> ClientConnection:
    return await websockets.connect(
        url, additional_headers=headers, proxy=None, open_timeout=10, close_timeout=5
    )


async def receive(ws: ClientConnection, timeout: float = RECEIVE_TIMEOUT) -> dict[str, Any]:
    message = await asyncio.wait_for(ws.recv(), timeout)
    assert isinstance(message, str), message
    decoded: dict[str, Any] = json.loads(message)
    return decoded


async def login(server: Server, token: str, uid: str, *, header: bool = False) -> ClientConnection:
    if header:
        ws = await open_socket(ws_url(server), {"Authorization": f"Bearer {token}"})
    else:
        ws = await open_socket(ws_url(server, token))
    assert await receive(ws) == {"type": "connected", "uid": uid}
    return ws


async def close_code(ws: ClientConnection, timeout: float = RECEIVE_TIMEOUT) -> tuple[int, str]:
    """Read until the server closes; only pongs may come first. The close frame's code."""
    for _ in range(200):
        try:
            message = await asyncio.wait_for(ws.recv(), timeout)
        except websockets.ConnectionClosed as exc:
            assert exc.rcvd is not None, f"closed without a close frame: {exc}"
            return exc.rcvd.code, exc.rcvd.reason
        assert json.loads(message) == {"type": "pong"}, message
    raise AssertionError("no close after 200 messages")


async def wait_until(check: Any, timeout: float, step: float = 0.05) -> float:
    """Poll an async predicate until it holds; the seconds it took. Fails after `timeout`."""
    started = time.monotonic()
    while not await check():
        assert time.monotonic() - started < timeout, f"not true after {timeout} s"
        await asyncio.sleep(step)
    return time.monotonic() - started


def assert_presence(event: dict[str, Any], uid: str, status: str, lo: int, hi: int) -> None:
    assert set(event) == {"type", "uid", "status", "at"}, event
    assert (event["type"], event["uid"], event["status"]) == ("presence", uid, status), event
    assert lo - 100 <= event["at"] <= hi + 100, (lo, event, hi)


# --- one process on SQLite ------------------------------------------------------------------------


SQLITE_LEASE_MS = 600


def test_serve_on_sqlite_presence_over_a_real_socket(servers, tmp_path):
    server = servers.start("--db", str(tmp_path / "presence.db"), lease_ms=SQLITE_LEASE_MS)
    asyncio.run(asyncio.wait_for(sqlite_scenario(server), 60))
    # nothing went wrong on the server side
    errors = servers.stop_all()
    assert "Traceback" not in errors[0], errors[0]


async def sqlite_scenario(server: Server) -> None:
    http = Http(server)
    sockets: list[ClientConnection] = []
    try:
        alice_token = await http.user_with_token("alice")
        bob_token = await http.user_with_token("bob")
        assert (await http.sb("GET", "/users/alice"))["has_ever_logged_in"] is False

        # refused logins carry their close code over the wire
        for url, headers in (
            (ws_url(server), None),
            (ws_url(server, "nope"), None),
            (ws_url(server), {"Authorization": "Bearer nope"}),
        ):
            ws = await open_socket(url, headers)
            sockets.append(ws)
            assert await close_code(ws) == (4001, "invalid or expired token")

        alice = await login(server, alice_token, "alice")
        sockets.append(alice)
        assert await http.online("alice") is True
        user = await http.sb("GET", "/users/alice")
        assert (user["is_online"], user["last_seen_at"], user["has_ever_logged_in"]) == (
            True,
            0,
            True,
        )

        # the lease is refreshed: still online after several leases
        await asyncio.sleep(3 * SQLITE_LEASE_MS / 1000)
        assert await http.online("alice") is True
        await alice.send(json.dumps({"type": "ping"}))
        assert await receive(alice) == {"type": "pong"}

        # subscriptions and events
        await alice.send(json.dumps({"type": "subscribe", "uids": ["bob", "alice"]}))
        assert await receive(alice) == {
            "type": "subscribed",
            "presence": {"bob": "offline", "alice": "online"},
        }
        lo = now_ms()
        bob = await login(server, bob_token, "bob", header=True)
        sockets.append(bob)
        assert_presence(await receive(alice), "bob", "online", lo, now_ms())
        assert await http.online("bob") is True
        lo = now_ms()
        await bob.close()
        assert_presence(await receive(alice), "bob", "offline", lo, now_ms())
        assert await http.online("bob") is False

        # a binary message: close 4004 on the wire, bob offline again
        bob = await login(server, bob_token, "bob")
        sockets.append(bob)
        assert (await receive(alice))["status"] == "online"
        await bob.send(b'{"type":"ping"}')
        assert await close_code(bob) == (4004, "send JSON text of at most 4096 bytes")
        assert (await receive(alice))["status"] == "offline"

        # an oversized one too
        bob = await login(server, bob_token, "bob")
        sockets.append(bob)
        assert (await receive(alice))["status"] == "online"
        await bob.send(json.dumps({"type": "ping", "pad": "x" * 4096}))
        assert await close_code(bob) == (4004, "send JSON text of at most 4096 bytes")
        assert (await receive(alice))["status"] == "offline"

        # a flood: close 4008 on the wire; the server keeps serving
        bob = await login(server, bob_token, "bob")
        sockets.append(bob)
        assert (await receive(alice))["status"] == "online"
        for _ in range(100):
            await bob.send(json.dumps({"type": "ping"}))
        assert await close_code(bob) == (4008, "at most 20 messages a second")
        assert (await receive(alice))["status"] == "offline"
        assert await http.online("bob") is False
        await alice.send(json.dumps({"type": "ping"}))
        assert await receive(alice) == {"type": "pong"}

        # disconnect: offline, seen at the moment of the close
        before = now_ms()
        await alice.close()
        await wait_until(lambda: _offline(http, "alice"), 5)
        after = now_ms()
        user = await http.sb("GET", "/users/alice")
        assert before - 1000 <= user["last_seen_at"] <= after + 1000, (before, user, after)
        shown = await http.cc("GET", "/users/alice")
        assert shown["status"] == "offline"
        assert shown["lastActiveAt"] == user["last_seen_at"] // 1000
        assert user["has_ever_logged_in"] is True
    finally:
        for ws in sockets:
            await ws.close()
        await http.close()


async def _offline(http: Http, uid: str) -> bool:
    return await http.online(uid) is False


# --- two processes on PostgreSQL ------------------------------------------------------------------


PG_LEASE_MS = 3000
HEARTBEAT_S = PG_LEASE_MS / 3000


def test_two_processes_share_presence_and_reap_a_dead_one(servers, pg_schema):
    store = ("--database-url", PG_URL, "--pg-schema", pg_schema)
    a = servers.start(*store, lease_ms=PG_LEASE_MS)
    b = servers.start(*store, lease_ms=PG_LEASE_MS)
    asyncio.run(asyncio.wait_for(two_process_scenario(a, b), 90))
    errors = servers.stop_all()
    assert "Traceback" not in errors[1], errors[1]


async def two_process_scenario(a: Server, b: Server) -> None:
    on_a, on_b = Http(a), Http(b)
    sockets: list[ClientConnection] = []
    try:
        alice_token = await on_a.user_with_token("alice")
        bob_token = await on_b.user_with_token("bob")
        watcher_token = await on_b.user_with_token("watcher")

        # a subscriber on B
        watcher = await login(b, watcher_token, "watcher")
        sockets.append(watcher)
        await watcher.send(json.dumps({"type": "subscribe", "uids": ["alice", "bob"]}))
        assert await receive(watcher) == {
            "type": "subscribed",
            "presence": {"alice": "offline", "bob": "offline"},
        }

        # alice logs in on A: online through B, and B's subscriber hears it (NOTIFY)
        lo = now_ms()
        alice = await login(a, alice_token, "alice")
        sockets.append(alice)
        assert_presence(await receive(watcher), "alice", "online", lo, now_ms())
        assert await on_b.online("alice") is True
        user = await on_b.sb("GET", "/users/alice")
        assert (user["last_seen_at"], user["has_ever_logged_in"]) == (0, True)

        # bob is connected to both processes
        bob_a = await login(a, bob_token, "bob")
        sockets.append(bob_a)
        assert (await receive(watcher))["uid"] == "bob"
        bob_b = await login(b, bob_token, "bob", header=True)
        sockets.append(bob_b)

        # a subscriber on A hears a login on B
        await alice.send(json.dumps({"type": "subscribe", "uids": ["watcher"]}))
        assert await receive(alice) == {"type": "subscribed", "presence": {"watcher": "online"}}

        # B does not reap A's leases while A refreshes them
        await asyncio.sleep(PG_LEASE_MS / 1000 + 2 * HEARTBEAT_S)
        assert await on_b.online("alice") is True
        await alice.send(json.dumps({"type": "ping"}))
        assert await receive(alice) == {"type": "pong"}
        await watcher.send(json.dumps({"type": "ping"}))
        assert await receive(watcher) == {"type": "pong"}  # no event in between

        # SIGKILL A: B reaps its leases within a lease and a heartbeat
        a.proc.kill()
        killed_ms, killed = now_ms(), time.monotonic()
        a.proc.wait(timeout=10)
        took = await wait_until(lambda: _offline(on_b, "alice"), 8.0)
        assert took <= PG_LEASE_MS / 1000 + HEARTBEAT_S + 1.0, took
        user = await on_b.sb("GET", "/users/alice")
        seen = user["last_seen_at"]
        # the last lease refresh of A: at most one heartbeat before the kill
        assert killed_ms - 1500 <= seen <= killed_ms + 100, (killed_ms, seen)
        assert (await on_b.cc("GET", "/users/alice"))["lastActiveAt"] == seen // 1000

        # B's subscriber hears it, dated at the last refresh; bob keeps his lease on B
        event = await receive(watcher, timeout=8.0 - (time.monotonic() - killed) + 2.0)
        assert event == {"type": "presence", "uid": "alice", "status": "offline", "at": seen}
        assert await on_b.online("bob") is True
        await watcher.send(json.dumps({"type": "ping"}))
        assert await receive(watcher) == {"type": "pong"}  # bob did not go offline

        # alice comes back through B
        lo = now_ms()
        alice = await login(b, alice_token, "alice")
        sockets.append(alice)
        assert_presence(await receive(watcher), "alice", "online", lo, now_ms())
        assert await on_b.online("alice") is True
        lo = now_ms()
        await alice.close()
        assert_presence(await receive(watcher), "alice", "offline", lo, now_ms())
        await bob_b.close()
        assert_presence(await receive(watcher), "bob", "offline", lo, now_ms())
        assert await on_b.online("bob") is False
    finally:
        for ws in sockets:
            await ws.close()
        await on_a.close()
        await on_b.close()
