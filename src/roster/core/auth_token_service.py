"""CometChat auth tokens: minted for end users, listed and revoked by the server side.

Only a hash of a token is stored, so lists show a masked form (the uid, the creation second
and the last four characters); a caller that holds a token can still read, update and delete
it by the token itself. At most `MAX_ACTIVE` tokens live per user: minting more archives
(removes) the oldest.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from roster.core.clock import Clock
from roster.core.errors import ErrorKind, FieldProblem, RosterError, Rule, invalid
from roster.core.tokens import cometchat_auth_token, masked, token_hash
from roster.core.user_lookup import active_user
from roster.core.user_rules import NUL, UserRules
from roster.model.users import LoginToken
from roster.store import token_rows
from roster.store.database import Conn, Database

KIND = "cometchat"
MAX_ACTIVE = 100
TEXT_MAX = 1000


def _details(raw: Mapping[str, object], *, required: bool) -> dict[str, str | None]:
    """platform, deviceId, userAgent (strings) and appInfo (a JSON object)."""
    found: dict[str, str | None] = {}
    for key, column in (
        ("platform", "platform"),
        ("deviceId", "device_id"),
        ("userAgent", "user_agent"),
    ):
        value = raw.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise invalid(FieldProblem(key, Rule.TYPE_STRING))
        if len(value) > TEXT_MAX or NUL in value:
            raise invalid(FieldProblem(key, Rule.TOO_LONG, TEXT_MAX))
        found[column] = value
    info = raw.get("appInfo")
    if info is not None:
        if not isinstance(info, dict):
            raise invalid(FieldProblem("appInfo", Rule.TYPE_OBJECT))
        text = msgspec.json.encode(info).decode()
        if len(text) > TEXT_MAX or NUL in text:
            raise invalid(FieldProblem("appInfo", Rule.TOO_LONG, TEXT_MAX))
        found["app_info"] = text
    if required and not found:
        raise invalid(FieldProblem("platform", Rule.REQUIRED))
    return found


class AuthTokenService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def create(
        self, app_id: str, uid: str, rules: UserRules, raw: Mapping[str, object]
    ) -> tuple[str, int]:
        """A new token and its creation time (ms). Every call mints one (`force` or not)."""
        details = _details(raw, required=False)
        now = self._clock.now_ms()
        async with self._db.transaction() as conn:
            user = await active_user(conn, app_id, uid, rules)
            token = cometchat_auth_token(user.uid, now // 1000)
            await token_rows.insert_token(
                conn,
                app_id,
                user.pk,
                token_hash(token),
                KIND,
                now,
                shown=masked(token),
                details=details,
            )
            await token_rows.keep_newest(conn, user.pk, KIND, MAX_ACTIVE)
        return token, now

    async def list(
        self, app_id: str, uid: str, rules: UserRules, page: int, per_page: int
    ) -> tuple[list[LoginToken], int]:
        async with self._db.reader() as conn:
            user = await active_user(conn, app_id, uid, rules)
            tokens = await token_rows.list_tokens(
                conn, user.pk, KIND, per_page, (page - 1) * per_page
            )
            total = await token_rows.count_tokens(conn, user.pk, KIND)
        return tokens, total

    async def get(self, app_id: str, uid: str, rules: UserRules, token: str) -> LoginToken:
        async with self._db.reader() as conn:
            return await _owned(conn, app_id, uid, rules, token)

    async def update(
        self, app_id: str, uid: str, rules: UserRules, token: str, raw: Mapping[str, object]
    ) -> LoginToken:
        details = _details(raw, required=True)
        async with self._db.transaction() as conn:
            await _owned(conn, app_id, uid, rules, token)
            await token_rows.update_token(conn, token_hash(token), details)
            return await _owned(conn, app_id, uid, rules, token)

    async def delete(self, app_id: str, uid: str, rules: UserRules, token: str) -> None:
        async with self._db.transaction() as conn:
            await _owned(conn, app_id, uid, rules, token)
            await token_rows.delete_token(conn, token_hash(token))

    async def flush(self, app_id: str, uid: str, rules: UserRules) -> None:
        async with self._db.transaction() as conn:
            user = await active_user(conn, app_id, uid, rules)
            await token_rows.delete_tokens(conn, user.pk, KIND)


async def _owned(conn: Conn, app_id: str, uid: str, rules: UserRules, token: str) -> LoginToken:
    """The token, which must exist in this app and belong to `uid`."""
    user = await active_user(conn, app_id, uid, rules)
    found = (
        None if NUL in token else await token_rows.find_token(conn, app_id, KIND, token_hash(token))
    )
    if found is None:
        raise RosterError(ErrorKind.TOKEN_NOT_FOUND, subject=token)
    if found[0] != user.pk:
        raise RosterError(ErrorKind.TOKEN_NOT_YOURS, subject=token)
    return found[1]
