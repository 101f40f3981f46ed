"""Users: `check_*` validates, then the change is applied in one transaction.

Every rule about users lives here once; dialects translate names and shapes around it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import msgspec

from roster.core.clock import Clock
from roster.core.errors import ErrorKind, FieldProblem, RosterError, Rule, invalid
from roster.core.page_marks import PageMarks
from roster.core.tokens import (
    cometchat_auth_token,
    masked,
    sendbird_access_token,
    sendbird_session_token,
    token_hash,
)
from roster.core.user_lookup import active_user, existing_user
from roster.core.user_rules import (
    MAX_TIME_MS,
    UserRules,
    check_new_user,
    check_patch,
    check_uid,
)
from roster.memo import Memo
from roster.model.query import SortKey, UserQuery
from roster.model.users import User
from roster.store import role_rows, token_rows, user_listing, user_rows
from roster.store.database import Conn, Database, UniqueViolation

MAX_BULK_UIDS = 1000
# A page this many rows past its nearest mark is reached by skimming keys, not by OFFSET.
SKIM_FROM_ROWS = 1000
# Values one list filter may name (tags, roles); each tag becomes a branch of the page query.
MAX_FILTER_VALUES = 100


@dataclass(slots=True)
class UserPage:
    users: list[User]
    has_more: bool
    total: int | None


@dataclass(slots=True)
class Created:
    """A user with the tokens the same call issued (shown once: only hashes are stored)."""

    user: User
    auth_token: str | None = None
    access_token: str | None = None


SESSION_TOKEN_DAYS_MS = 7 * 24 * 3600 * 1000


# Distinct queries a service keeps one instance of (see `UserService._same`).
SAME_QUERIES = 1024


class OfflineNotice(Protocol):
    async def went_offline(self, app_id: str, uid: str, at: int) -> None: ...


class UserService:
    def __init__(self, db: Database, clock: Clock, marks: PageMarks) -> None:
        self._db = db
        self._clock = clock
        self._marks = marks
        # One instance per distinct query (see `_same`).
        self._queries: Memo[UserQuery, UserQuery] = Memo(SAME_QUERIES)
        # Set by the app once presence runs: deactivating an online user tells its watchers.
        self.presence: OfflineNotice | None = None

    async def _offline(self, app_id: str, users: Sequence[User], at: int) -> None:
        if self.presence is not None:
            for user in users:
                if user.online:
                    await self.presence.went_offline(app_id, user.uid, at)

    def now_ms(self) -> int:
        """The service's clock, so page tokens and expiries share one notion of now."""
        return self._clock.now_ms()

    async def create_user(
        self,
        app_id: str,
        raw: Mapping[str, object],
        rules: UserRules,
        *,
        with_auth_token: bool = False,
        issue_access_token: bool = False,
        is_bot: bool = False,
    ) -> Created:
        checked = check_new_user(raw, rules)
        checked.user.is_bot = is_bot
        now = self._clock.now_ms()
        auth_token = access_token = None
        async with self._db.transaction() as conn:
            await _require_role(conn, app_id, checked.user.role)
            try:
                user = await user_rows.insert_user(
                    conn, app_id, checked.user, checked.keys, checked.meta_entries, now
                )
            except UniqueViolation:
                raise RosterError(ErrorKind.USER_EXISTS, subject=checked.user.uid) from None
            pk = user.pk
            if with_auth_token:
                auth_token = cometchat_auth_token(checked.user.uid, now // 1000)
                await token_rows.insert_token(
                    conn,
                    app_id,
                    pk,
                    token_hash(auth_token),
                    "cometchat",
                    now,
                    shown=masked(auth_token),
                )
            if issue_access_token:
                access_token = await _new_access_token(conn, app_id, pk, now)
        return Created(user, auth_token, access_token)

    async def get_user(
        self,
        app_id: str,
        uid: str,
        rules: UserRules,
        *,
        with_tags: bool = True,
        include_deactivated: bool = False,
    ) -> User:
        """A user; a deactivated one only when the dialect shows deactivated users."""
        async with self._db.reader() as conn:
            user = await _fetch(conn, app_id, rules.uid.normalize(uid), with_tags=with_tags)
        if not user.active and not include_deactivated:
            raise RosterError(ErrorKind.USER_DEACTIVATED, subject=uid)
        return user

    async def update_user(
        self,
        app_id: str,
        uid: str,
        raw: Mapping[str, object],
        unset: object,
        rules: UserRules,
        unsettable: Mapping[str, str],
        *,
        issue_access_token: bool = False,
    ) -> Created:
        """Apply a partial update. A deactivated user can only be reactivated."""
        checked = check_patch(raw, unset, rules, unsettable)
        patch = checked.patch
        now = self._clock.now_ms()
        uid = rules.uid.normalize(uid)
        access_token = None
        async with self._db.transaction() as conn:
            user = await _fetch(conn, app_id, uid, with_tags=False)
            if not user.active and patch.active is not True:
                raise RosterError(ErrorKind.USER_DEACTIVATED, subject=uid)
            role = patch.set.get("role")
            if isinstance(role, str):
                await _require_role(conn, app_id, role)
            if patch.extra is not None:
                patch.set["extra"] = _merged_extra(user.extra, patch.extra)
            await user_rows.update_user(conn, user.pk, patch.set, now)
            if patch.tags is not None:
                await user_rows.replace_tags(conn, user.pk, patch.tags)
            if checked.meta_entries is not None:
                await user_rows.replace_meta_index(conn, user.pk, checked.meta_entries)
            if patch.active is not None and patch.active != user.active:
                await user_rows.set_deactivated(conn, [user.pk], not patch.active, now)
            if issue_access_token:
                access_token = await _new_access_token(conn, app_id, user.pk, now)
            before, user = user, await _fetch(conn, app_id, uid, with_tags=True)
        if patch.active is False:
            await self._offline(app_id, [before], now)
        return Created(user, access_token=access_token)

    async def delete_user(
        self, app_id: str, uid: str, rules: UserRules, *, permanent: bool
    ) -> User:
        """Soft delete deactivates an active user; permanent delete removes any user."""
        uid = rules.uid.normalize(uid)
        now = self._clock.now_ms()
        async with self._db.transaction() as conn:
            user = await _fetch(conn, app_id, uid, with_tags=False)
            if permanent:
                await user_rows.delete_user(conn, user.pk)
            elif not user.active:
                raise RosterError(ErrorKind.USER_DEACTIVATED, subject=uid)
            else:
                await user_rows.set_deactivated(conn, [user.pk], True, now)
        await self._offline(app_id, [user], now)
        return user

    async def issue_session_token(
        self, app_id: str, uid: str, rules: UserRules, expires_at: int | None
    ) -> tuple[str, int]:
        """A session token and its expiry (ms); default lifetime 7 days. Only its hash is kept."""
        now = self._clock.now_ms()
        expiry = now + SESSION_TOKEN_DAYS_MS if expires_at is None else expires_at
        if expiry <= now:
            raise invalid(FieldProblem("expires_at", Rule.TOO_SMALL, now))
        if expiry > MAX_TIME_MS:
            raise invalid(FieldProblem("expires_at", Rule.TOO_LARGE, MAX_TIME_MS))
        token = sendbird_session_token()
        async with self._db.transaction() as conn:
            user = await active_user(conn, app_id, uid, rules)
            await token_rows.insert_token(
                conn, app_id, user.pk, token_hash(token), "sb_session", now, expiry
            )
        return token, expiry

    async def revoke_session_tokens(self, app_id: str, uid: str, rules: UserRules) -> None:
        async with self._db.transaction() as conn:
            user = await existing_user(conn, app_id, uid, rules)
            await token_rows.delete_tokens(conn, user.pk, "sb_session")

    async def set_active(
        self, app_id: str, uids: Sequence[str], rules: UserRules, *, active: bool
    ) -> tuple[list[str], list[str], list[str]]:
        """Bulk (re)activation: (changed, already in that state, not found), in request order."""
        wanted = list(dict.fromkeys(rules.uid.normalize(u) for u in uids))
        now = self._clock.now_ms()
        async with self._db.transaction() as conn:
            found = {u.uid: u for u in await user_rows.get_users(conn, app_id, wanted)}
            changed = [uid for uid in wanted if uid in found and found[uid].active != active]
            already = [uid for uid in wanted if uid in found and found[uid].active == active]
            missing = [uid for uid in wanted if uid not in found]
            await user_rows.set_deactivated(
                conn, [found[uid].pk for uid in changed], not active, now
            )
        if not active:
            await self._offline(app_id, [found[uid] for uid in changed], now)
        return changed, already, missing

    async def viewer(self, app_id: str, uid: str, rules: UserRules) -> User:
        """The user a request acts on behalf of; must exist and be active."""
        try:
            normalized = check_uid(uid, rules.uid)
        except RosterError:
            raise RosterError(ErrorKind.USER_NOT_FOUND, subject=uid) from None
        return await self.get_user(app_id, normalized, rules, with_tags=False)

    def _same(self, query: UserQuery) -> UserQuery:
        """The instance of an equal query seen before: the memos a list consults (page marks,
        plans, first-page SQL) then find their keys by identity, not by comparing every field,
        which cost a request four comparisons of every field."""
        return self._queries.get(query) or self._queries.put(query, query)

    async def list_users(
        self, query: UserQuery, *, page: int, per_page: int, count: bool, with_tags: bool
    ) -> UserPage:
        query = self._same(query)
        now = self._clock.now_ms()
        series = (query, per_page)
        start = self._marks.start(series, page, per_page, now)
        async with self._db.reader() as conn:
            if start.offset >= SKIM_FROM_ROWS:
                # A jump far past the nearest mark: read the sort keys in between once (an
                # index-only walk) and keep one mark per page, instead of OFFSET every time.
                keys = await user_listing.skim_keys(
                    conn, query, start.after, per_page, start.offset
                )
                marks = [(start.page + n, key) for n, key in enumerate(keys, 1)]
                self._marks.remember_many(series, marks, now)
                start = self._marks.start(series, page, per_page, now)
            listed = await user_listing.list_users(
                conn, query, start.after, start.offset, per_page + 1
            )
            has_more = len(listed.users) > per_page
            users = listed.users[:per_page]
            if has_more:
                self._marks.remember(series, page + 1, listed.key(per_page - 1), now)
            if with_tags and users:
                tags = await user_rows.tags_of(conn, [u.pk for u in users])
                for user in users:
                    user.tags = tags[user.pk]
            total = await user_listing.count_users(conn, query) if count else None
        return UserPage(users, has_more, total)

    async def list_after(
        self, query: UserQuery, after: SortKey | None, limit: int
    ) -> tuple[list[User], SortKey | None]:
        """A page of users after a position, and the position after it (None: last page)."""
        query = self._same(query)
        async with self._db.reader() as conn:
            listed = await user_listing.list_users(conn, query, after, 0, limit + 1)
        more = len(listed.users) > limit
        users = listed.users[:limit]
        return users, listed.key(limit - 1) if more and users else None


async def _new_access_token(conn: Conn, app_id: str, pk: int, now: int) -> str:
    """Replace the user's access token (at most one lives) and return the new one."""
    token = sendbird_access_token()
    await token_rows.delete_tokens(conn, pk, "sb_access")
    await token_rows.insert_token(conn, app_id, pk, token_hash(token), "sb_access", now)
    return token


def _merged_extra(stored: str | None, changes: Mapping[str, object]) -> str | None:
    merged = msgspec.json.decode(stored) if stored else {}
    for name, value in changes.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return msgspec.json.encode(merged).decode() if merged else None


async def _require_role(conn: Conn, app_id: str, role: str) -> None:
    if await role_rows.get_role(conn, app_id, role) is None:
        raise RosterError(ErrorKind.ROLE_NOT_FOUND, subject=role)


async def _fetch(conn: Conn, app_id: str, uid: str, *, with_tags: bool) -> User:
    user = await user_rows.get_user(conn, app_id, uid)
    if user is None:
        raise RosterError(ErrorKind.USER_NOT_FOUND, subject=uid)
    if with_tags:
        user.tags = (await user_rows.tags_of(conn, [user.pk]))[user.pk]
    return user
