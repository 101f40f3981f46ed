"""The floor: the least a server can do to answer a workload, to measure Roster against.

A bare ASGI app on the same server (uvicorn), the same SQLite file and the same SQL statements
Roster ran for the request (recorded by the harness), executed with stdlib `sqlite3` and the
rows encoded with orjson: no routing, no auth, no validation, no dialect shapes. Roster's
requests/s divided by the floor's is how close Roster's layers come to free.

A workload whose requests differ (a walk, random pages) is recorded as the sequence of
requests the driver makes, and `GET /<workload>?i=<n>` replays request n of it (wrapping
around): the floor then reads the same rows Roster read, not one page over and over from cache.

    FLOOR_DB=store.db FLOOR_PLANS=plans.json uvicorn --factory bench.floor:create
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

import orjson

from roster.store.sqlite import MMAP_BYTES

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


Statements = list[tuple[str, list[Any]]]  # one request's SQL, in order


class Floor:
    def __init__(self, db_path: str, plans: dict[str, list[Statements]]) -> None:
        self._conn = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA cache_size=-65536")  # as Roster's connection
        self._conn.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        self._plans = plans

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        requests = self._plans.get(scope["path"].lstrip("/"))
        if requests is None:
            body, status = b"{}", 404
        else:
            query = parse_qs(scope["query_string"].decode())
            statements = requests[int(query.get("i", ["0"])[0]) % len(requests)]
            body = orjson.dumps([self._conn.execute(s, a).fetchall() for s, a in statements])
            status = 200
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def create() -> Floor:
    with open(os.environ["FLOOR_PLANS"], encoding="utf-8") as plans:
        return Floor(os.environ["FLOOR_DB"], json.load(plans))
