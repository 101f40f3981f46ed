"""The ASGI application: routes requests to a dialect by path prefix and credential header."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from importlib import resources
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from roster.core.auth_token_service import AuthTokenService
from roster.core.bot_service import BotService
from roster.core.clock import Clock, SystemClock
from roster.core.metadata_service import MetadataService
from roster.core.page_marks import PageMarks
from roster.core.presence_service import PresenceService
from roster.core.relation_service import RelationService
from roster.core.role_service import RoleService
from roster.core.services import Services
from roster.core.tenancy import Tenancy
from roster.core.user_service import UserService
from roster.dialects.cometchat.routes import cometchat
from roster.dialects.sendbird.routes import sendbird
from roster.http.dialect import Dialect, header_map
from roster.realtime.socket import presence_socket
from roster.settings import Settings
from roster.store.database import Database

log = logging.getLogger("roster")


async def open_database(settings: Settings) -> Database:
    if settings.database_url:
        from roster.store.postgres import PostgresDatabase

        return await PostgresDatabase.connect(
            settings.database_url, schema=settings.pg_schema, max_size=settings.pg_pool_size
        )
    from roster.store.sqlite import SqliteDatabase

    return SqliteDatabase(settings.db)


def _openapi(dialect: str) -> bytes:
    text = resources.files(f"roster.dialects.{dialect}").joinpath("openapi.json").read_bytes()
    return json.dumps(json.loads(text), separators=(",", ":")).encode()


class RosterApp:
    """Start with `start()` (the ASGI lifespan does it); tests may call it directly."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.db: Database | None = None
        self.tenancy: Tenancy | None = None
        self.presence: PresenceService | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._cometchat: Dialect | None = None
        self._sendbird: Dialect | None = None
        self._docs: dict[str, bytes] = {}
        self._starting = asyncio.Lock()

    async def start(self) -> None:
        if self.db is not None:
            return
        async with self._starting:
            if self.db is None:
                await self._open()

    async def _open(self) -> None:
        db = await open_database(self.settings)
        await db.migrate()
        self.db = db
        self.tenancy = Tenancy(db, self.clock)
        marks = PageMarks(ttl_ms=self.settings.page_mark_ttl_ms)
        services = Services(
            users=UserService(db, self.clock, marks),
            roles=RoleService(db, self.clock),
            metadata=MetadataService(db, self.clock),
            bots=BotService(db, self.clock),
            relations=RelationService(db, self.clock),
            auth_tokens=AuthTokenService(db, self.clock),
            tenancy=self.tenancy,
        )
        self._cometchat = cometchat(services)
        self._sendbird = sendbird(services)
        self.presence = PresenceService(db, self.clock, self.settings.presence_lease_ms)
        services.users.presence = self.presence
        await self.presence.start()
        self._heartbeat = asyncio.create_task(self._beat(self.presence))

    async def _beat(self, presence: PresenceService) -> None:
        """Refresh this process's presence leases and reap dead ones, three times a lease."""
        while True:
            await asyncio.sleep(presence.lease_ms / 3000)
            try:
                await presence.heartbeat()
            except Exception:
                log.exception("presence heartbeat failed")

    async def stop(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
            self._heartbeat = None
        if self.db is not None:
            await self.db.close()
            self.db = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] == "websocket":
            await self.start()
            if scope["path"] == "/presence" and self.presence is not None:
                await presence_socket(scope, receive, send, self.presence)
            else:
                await send({"type": "websocket.close", "code": 4404, "reason": "no such endpoint"})
            return
        if scope["type"] != "http":
            return
        await self.start()
        request = Request(scope, receive)
        response = await self._dispatch(request, scope)
        await response(scope, receive, send)

    async def _dispatch(self, request: Request, scope: Scope) -> Response:
        raw = scope.get("raw_path") or scope["path"].encode()
        path = raw.decode("latin-1").split("?", 1)[0]
        comet, bird = self._cometchat, self._sendbird
        assert comet is not None and bird is not None
        if path in ("/cometchat/openapi.json", "/sendbird/openapi.json"):
            return self._doc(path.split("/")[1])
        if path in ("/healthz", "/health"):
            return Response(b'{"ok":true}', 200, media_type="application/json")
        headers = header_map(scope)
        rest = _strip(path, ("/cometchat/v3.0", "/cometchat/v3"))
        if rest is not None:
            return await comet.handle(request, rest, headers)
        rest = _strip(path, ("/sendbird/v3",))
        if rest is not None:
            return await bird.handle(request, rest, headers)
        # The bare prefix is shared: the credential header says which vendor is calling.
        dialect = bird if "api-token" in headers and "apikey" not in headers else comet
        rest = _strip(path, ("/v3",) if dialect is bird else ("/v3.0", "/v3"))
        if rest is not None:
            return await dialect.handle(request, rest, headers)
        return dialect.not_found()

    def _doc(self, dialect: str) -> Response:
        if dialect not in self._docs:
            self._docs[dialect] = _openapi(dialect)
        return Response(self._docs[dialect], 200, media_type="application/json")

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message: dict[str, Any] = dict(await receive())
            if message["type"] == "lifespan.startup":
                try:
                    await self.start()
                except Exception as exc:
                    log.exception("start-up failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return


def _strip(path: str, prefixes: tuple[str, ...]) -> str | None:
    for prefix in prefixes:
        if path == prefix or path.startswith(prefix + "/"):
            return path[len(prefix) :] or "/"
    return None


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> RosterApp:
    return RosterApp(settings or Settings.from_env(), clock)
