"""Presence: a user is online while at least one authenticated connection is open.

Each connection is a lease row that its process refreshes every `lease_ms / 3`; any process
reaps expired leases, so a user whose process died goes offline within one lease, seen at the
last refresh. Changes are published through the store (PostgreSQL NOTIFY; in-process for
SQLite) and delivered to this process's subscribers.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import msgspec

from roster.core.clock import Clock
from roster.core.errors import ErrorKind, RosterError
from roster.core.tokens import token_hash
from roster.store import presence_rows, token_rows
from roster.store.database import Database

Listener = Callable[[str, bool, int], None]  # (uid, online, at ms)


@dataclass(frozen=True, slots=True)
class Session:
    app_id: str
    user_pk: int
    uid: str


class _Event(msgspec.Struct, array_like=True):
    app_id: str
    uid: str
    online: bool
    at: int


class PresenceService:
    def __init__(self, db: Database, clock: Clock, lease_ms: int) -> None:
        self._db = db
        self._clock = clock
        self.lease_ms = lease_ms
        self.process_id = secrets.token_hex(8)
        self._watchers: dict[tuple[str, str], set[Listener]] = {}
        self._kicks: dict[str, Callable[[], None]] = {}  # conn id -> close that connection

    @property
    def connections(self) -> int:
        """Connections open in this process."""
        return len(self._kicks)

    async def start(self) -> None:
        await self._db.subscribe(self._deliver)

    async def login(self, token: str | None) -> Session:
        """The user a login token names; refuses unknown, expired and deactivated ones."""
        if not token or "\x00" in token:
            raise RosterError(ErrorKind.TOKEN_NOT_FOUND)
        async with self._db.reader() as conn:
            found = await token_rows.find_login(conn, token_hash(token), self._clock.now_ms())
        if found is None:
            raise RosterError(ErrorKind.TOKEN_NOT_FOUND)
        return Session(*found)

    async def connect(self, session: Session, kick: Callable[[], None]) -> str:
        conn_id = secrets.token_hex(12)
        now = self._clock.now_ms()
        async with self._db.transaction() as conn:
            went_online = await presence_rows.open_lease(
                conn,
                conn_id,
                session.app_id,
                session.user_pk,
                self.process_id,
                now,
                now + self.lease_ms,
            )
        self._kicks[conn_id] = kick
        if went_online:
            await self._publish(session.app_id, session.uid, True, now)
        return conn_id

    async def disconnect(self, conn_id: str, session: Session) -> None:
        self._kicks.pop(conn_id, None)
        now = self._clock.now_ms()
        async with self._db.transaction() as conn:
            closed = await presence_rows.close_lease(conn, conn_id, now)
        if closed is not None and closed[1]:
            await self._publish(session.app_id, session.uid, False, now)

    async def heartbeat(self) -> None:
        """Keep this process's leases alive, close connections whose lease was taken away
        (their user was deactivated or deleted), and reap leases of dead processes."""
        now = self._clock.now_ms()
        async with self._db.transaction() as conn:
            alive = await presence_rows.refresh(conn, self.process_id, now, now + self.lease_ms)
            gone = await presence_rows.reap(conn, now)
        for conn_id in [c for c in self._kicks if c not in alive]:
            self._kicks.pop(conn_id)()
        for app_id, uid, seen in gone:
            await self._publish(app_id, uid, False, seen)

    async def snapshot(self, app_id: str, uids: Iterable[str]) -> dict[str, bool]:
        """Who of `uids` is online now (unknown ids are offline)."""
        wanted = list(dict.fromkeys(uids))
        async with self._db.reader() as conn:
            online = await presence_rows.online_uids(conn, app_id, wanted)
        return {uid: uid in online for uid in wanted}

    async def went_offline(self, app_id: str, uid: str, at: int) -> None:
        """Tell watchers that a user went offline outside a connection (deactivation)."""
        await self._publish(app_id, uid, False, at)

    def watch(self, app_id: str, uids: Iterable[str], listener: Listener) -> None:
        for uid in uids:
            self._watchers.setdefault((app_id, uid), set()).add(listener)

    def unwatch(self, app_id: str, uids: Iterable[str], listener: Listener) -> None:
        for uid in uids:
            listeners = self._watchers.get((app_id, uid))
            if listeners is not None:
                listeners.discard(listener)
                if not listeners:
                    del self._watchers[(app_id, uid)]

    async def _publish(self, app_id: str, uid: str, online: bool, at: int) -> None:
        await self._db.publish(msgspec.json.encode(_Event(app_id, uid, online, at)).decode())

    def _deliver(self, message: str) -> None:
        try:
            event = msgspec.json.decode(message, type=_Event)
        except msgspec.DecodeError:
            return
        for listener in list(self._watchers.get((event.app_id, event.uid), ())):
            listener(event.uid, event.online, event.at)
