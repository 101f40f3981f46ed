"""Apps, keys and what each key may do.

Keys are random secrets, so a SHA-256 of the key is a safe lookup handle; the stored hash is
then compared with `hmac.compare_digest`. A short in-process cache keeps the key lookup off the
hot path; a revoked key stops working within `KEY_CACHE_MS` in every process.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
import secrets
from enum import Enum

from roster.core.clock import Clock
from roster.core.errors import ErrorKind, FieldProblem, RosterError, Rule, invalid
from roster.memo import Memo
from roster.model.apps import ApiKey, App, Scope
from roster.model.users import DEFAULT_ROLE, Role
from roster.store import app_rows, role_rows
from roster.store.database import Database, UniqueViolation

KEY_CACHE_MS = 2_000
KEYS_KEPT = 10_000  # resolved keys kept at most; one more clears them all
APP_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


class Operation(Enum):
    """What a request does, for scope checks; dialects tag their routes with these."""

    CREATE_USER = "create_user"
    UPDATE_USER = "update_user"
    CREATE_AUTH_TOKEN = "create_auth_token"
    OTHER = "other"


AUTH_ONLY_OPERATIONS = frozenset(
    {Operation.CREATE_USER, Operation.UPDATE_USER, Operation.CREATE_AUTH_TOKEN}
)


def authorize(key: ApiKey, operation: Operation) -> None:
    if key.scope is Scope.AUTH_ONLY and operation not in AUTH_ONLY_OPERATIONS:
        raise RosterError(ErrorKind.SCOPE_DENIED)


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    """40 lowercase hex characters, the shape of a CometChat API key."""
    return secrets.token_hex(20)


class Tenancy:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._cache: Memo[str, tuple[ApiKey, int]] = Memo(KEYS_KEPT)

    async def resolve_key(self, secret: str | None) -> ApiKey:
        if not secret:
            raise RosterError(ErrorKind.MISSING_CREDENTIALS)
        digest = hash_key(secret)
        now = self._clock.now_ms()
        cached = self._cache.get(digest)
        if cached is not None and now - cached[1] <= KEY_CACHE_MS:
            return cached[0]
        async with self._db.reader() as conn:
            found = await app_rows.find_key_by_hash(conn, digest)
        if found is None or not hmac.compare_digest(found[1], digest):
            self._cache.pop(digest, None)
            raise RosterError(ErrorKind.UNKNOWN_CREDENTIALS)
        self._cache.put(digest, (found[0], now))
        return found[0]

    async def create_app(self, app_id: str | None = None, name: str | None = None) -> App:
        app_id = app_id or secrets.token_hex(8)
        if not APP_ID_PATTERN.fullmatch(app_id):
            raise invalid(FieldProblem("app_id", Rule.BAD_FORMAT))
        now = self._clock.now_ms()
        app = App(app_id=app_id, name=name or app_id, created_at=now)
        async with self._db.transaction() as conn:
            if await app_rows.get_app(conn, app_id) is not None:
                raise RosterError(ErrorKind.APP_EXISTS, subject=app_id)
            await app_rows.insert_app(conn, app)
            await role_rows.insert_role(
                conn,
                app_id,
                Role(DEFAULT_ROLE, "Default", "Default role of the app", None, None, now, now),
            )
        return app

    async def list_apps(self) -> list[App]:
        async with self._db.reader() as conn:
            return await app_rows.list_apps(conn)

    async def count_apps(self) -> int:
        async with self._db.reader() as conn:
            return await app_rows.count_apps(conn)

    async def get_app(self, app_id: str) -> App | None:
        async with self._db.reader() as conn:
            return await app_rows.get_app(conn, app_id)

    async def create_key(
        self, app_id: str, scope: Scope, name: str | None = None, secret: str | None = None
    ) -> tuple[ApiKey, str]:
        """A new key and its secret; the secret is shown once and never stored."""
        secret = secret or new_secret()
        now = self._clock.now_ms()
        key = ApiKey(
            key_id=secrets.token_hex(6),
            app_id=app_id,
            name=name or scope.value,
            scope=scope,
            hint=secret[-4:],
            created_at=now,
            revoked_at=None,
        )
        async with self._db.transaction() as conn:
            if await app_rows.get_app(conn, app_id) is None:
                raise RosterError(ErrorKind.APP_MISMATCH, subject=app_id)
            await app_rows.insert_key(conn, key, hash_key(secret))
        return key, secret

    async def list_keys(self, app_id: str) -> list[ApiKey]:
        async with self._db.reader() as conn:
            return await app_rows.list_keys(conn, app_id)

    async def revoke_key(self, app_id: str, key_id: str) -> bool:
        async with self._db.transaction() as conn:
            return await app_rows.revoke_key(conn, app_id, key_id, self._clock.now_ms())

    async def ensure_app_key(self, app_id: str, secret: str) -> tuple[App, bool]:
        """Make `secret` a live fullAccess key of app `app_id`; idempotent across restarts.

        Returns the app and whether anything was created.
        """
        created = False
        app = await self.get_app(app_id)
        if app is None:
            app = await self.create_app(app_id)
            created = True
        digest = hash_key(secret)
        async with self._db.transaction() as conn:
            owner = await app_rows.find_key_owner(conn, digest)
            if owner is not None and owner[1] != app_id:
                raise RosterError(ErrorKind.APP_MISMATCH, subject="key belongs to another app")
            if owner is not None:
                await app_rows.set_key_scope(conn, owner[0], Scope.FULL_ACCESS.value)
                return app, created
        with contextlib.suppress(UniqueViolation):  # another process made it at the same moment
            await self.create_key(app_id, Scope.FULL_ACCESS, name="bootstrap", secret=secret)
        return app, True


def check_app_claims(key: ApiKey, claims: list[str]) -> None:
    """Every app id a request names (header, host name) must be the key's own app."""
    for claim in claims:
        if claim.lower() != key.app_id.lower():
            raise RosterError(ErrorKind.APP_MISMATCH, subject=claim)
