"""The presence WebSocket, `/presence`.

An end user connects with a login token (a CometChat auth token, or a Sendbird session or
access token) in the `token` query parameter or an `Authorization: Bearer` header. While a
user has one open connection they are online. A connection may subscribe to other users'
presence and then receives an event whenever one of them goes online or offline.

Limits keep one client from stalling the server: messages are JSON text of at most
`MESSAGE_MAX` bytes, at most `RATE` a second (bursts of `BURST`), at most `WATCH_MAX`
watched users per connection, at most `QUEUE_MAX` undelivered events, and at most
`CONNECTIONS_MAX` connections per process. A refused token costs one indexed lookup.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import msgspec
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from roster.core.errors import RosterError
from roster.core.presence_service import PresenceService, Session

CONNECTIONS_MAX = 10_000  # open presence connections per process
MESSAGE_MAX = 4096
RATE = 20.0
BURST = 40.0
WATCH_MAX = 1000
QUEUE_MAX = 1000

# Close codes (4000-4999 are the application's).
BAD_TOKEN = 4001
LOGGED_OUT = 4003
BAD_MESSAGE = 4004
TOO_MANY = 4008
TOO_SLOW = 4009
FULL = 4013


def _token(ws: WebSocket) -> str | None:
    token = ws.query_params.get("token")
    if token:
        return token
    header = ws.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


class _Bucket:
    """A token bucket: `RATE` messages a second, bursts of `BURST`."""

    def __init__(self) -> None:
        self.level = BURST
        self.at = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.level = min(BURST, self.level + (now - self.at) * RATE)
        self.at = now
        if self.level < 1:
            return False
        self.level -= 1
        return True


async def presence_socket(
    scope: Scope, receive: Receive, send: Send, presence: PresenceService
) -> None:
    ws = WebSocket(scope, receive, send)
    await ws.accept()
    if presence.connections >= CONNECTIONS_MAX:
        await ws.close(FULL, "too many connections, try again later")
        return
    try:
        session = await presence.login(_token(ws))
    except RosterError:
        await ws.close(BAD_TOKEN, "invalid or expired token")
        return
    outbox: asyncio.Queue[dict[str, Any] | tuple[int, str]] = asyncio.Queue(QUEUE_MAX + 1)

    def push(item: dict[str, Any] | tuple[int, str]) -> None:
        if outbox.qsize() >= QUEUE_MAX:
            item = (TOO_SLOW, "too many undelivered events")
        with contextlib.suppress(asyncio.QueueFull):
            outbox.put_nowait(item)

    def on_change(uid: str, online: bool, at: int) -> None:
        push(
            {"type": "presence", "uid": uid, "status": "online" if online else "offline", "at": at}
        )

    watched: set[str] = set()
    conn_id = await presence.connect(session, lambda: push((LOGGED_OUT, "logged out")))
    try:
        await ws.send_json({"type": "connected", "uid": session.uid})
        reader = asyncio.create_task(_read(ws, presence, session, watched, on_change, push))
        writer = asyncio.create_task(_write(ws, outbox))
        done, pending = await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
        if reader in done and not reader.exception() and reader.result():
            # The reader queued a close (a broken limit): let the writer send it first.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(writer), 1.0)
        for task in pending:
            task.cancel()
        for task in done:
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                task.result()
    finally:
        presence.unwatch(session.app_id, watched, on_change)
        await presence.disconnect(conn_id, session)


async def _write(ws: WebSocket, outbox: asyncio.Queue[dict[str, Any] | tuple[int, str]]) -> None:
    while True:
        item = await outbox.get()
        if isinstance(item, tuple):
            await ws.close(*item)
            return
        await ws.send_text(msgspec.json.encode(item).decode())


async def _read(
    ws: WebSocket,
    presence: PresenceService,
    session: Session,
    watched: set[str],
    on_change: Any,
    push: Any,
) -> bool:
    """Serve the client's messages; True when it stops because the client broke a limit."""
    bucket = _Bucket()
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return False
        text = message.get("text")
        if text is None or len(text.encode()) > MESSAGE_MAX:
            push((BAD_MESSAGE, f"send JSON text of at most {MESSAGE_MAX} bytes"))
            return True
        if not bucket.take():
            push((TOO_MANY, f"at most {int(RATE)} messages a second"))
            return True
        try:
            request = msgspec.json.decode(text)
        except msgspec.DecodeError:
            push({"type": "error", "message": "not JSON"})
            continue
        kind = request.get("type") if isinstance(request, dict) else None
        uids = request.get("uids") if isinstance(request, dict) else None
        if kind == "ping":
            push({"type": "pong"})
        elif kind in ("subscribe", "unsubscribe"):
            if not isinstance(uids, list) or not all(isinstance(u, str) for u in uids):
                push({"type": "error", "message": "uids must be a list of strings"})
            elif kind == "unsubscribe":
                presence.unwatch(session.app_id, uids, on_change)
                watched.difference_update(uids)
                push({"type": "unsubscribed", "uids": uids})
            elif len(watched | set(uids)) > WATCH_MAX:
                push({"type": "error", "message": f"at most {WATCH_MAX} watched users"})
            else:
                presence.watch(session.app_id, uids, on_change)
                watched.update(uids)
                now = await presence.snapshot(session.app_id, uids)
                status = {uid: "online" if on else "offline" for uid, on in now.items()}
                push({"type": "subscribed", "presence": status})
        else:
            push({"type": "error", "message": "unknown message type"})
