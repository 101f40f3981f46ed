"""Bots: users with a bot flag and a few settings of their own.

A bot is created, renamed and deleted with its user row, so it shows up in user lists (unless
the caller hides bots) and can be addressed as a user by either dialect.
"""

from __future__ import annotations

from collections.abc import Mapping

from roster.core.clock import Clock
from roster.core.errors import ErrorKind, FieldProblem, RosterError, Rule, invalid
from roster.core.tokens import sendbird_access_token, token_hash
from roster.core.user_rules import FieldChecker, UserRules, check_new_user, check_patch
from roster.model.users import Bot
from roster.store import bot_rows, token_rows, user_rows
from roster.store.database import Database, UniqueViolation

BOT_TYPE_MAX = 100
CALLBACK_URL_MAX = 1024
# setting -> (kind, default); a None default makes the setting required on create.
SETTINGS: dict[str, tuple[type, object]] = {
    "bot_type": (str, None),
    "callback_url": (str, None),
    "is_privacy_mode": (bool, None),
    "enable_mark_as_read": (bool, True),
    "show_member": (bool, False),
    "channel_invitation_preference": (int, 0),
}


def _settings(raw: Mapping[str, object], *, creating: bool) -> dict[str, object]:
    checker = FieldChecker()
    found: dict[str, object] = {}
    for name, (kind, default) in SETTINGS.items():
        value = raw.get(name)
        if value is None:
            if creating and default is None:
                checker.fail(name, Rule.REQUIRED)
            elif creating:
                found[name] = default
            continue
        if kind is str:
            limit = BOT_TYPE_MAX if name == "bot_type" else CALLBACK_URL_MAX
            text = checker.text(raw, name, limit, required=False)
            if text is not None:
                found[name] = text
        elif kind is bool:
            if isinstance(value, bool):
                found[name] = int(value)
            else:
                checker.fail(name, Rule.TYPE_BOOLEAN)
        elif isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**31:
            found[name] = value
        else:
            checker.fail(name, Rule.TYPE_INTEGER)
    checker.done()
    return found


class BotService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def create_bot(
        self, app_id: str, raw: Mapping[str, object], rules: UserRules
    ) -> tuple[Bot, str]:
        """The new bot and its bot token (shown once; only its hash is stored)."""
        if raw.get("avatar") is None:  # Sendbird requires the key, though "" is a fine value
            raise invalid(FieldProblem("avatar", Rule.REQUIRED))
        checked = check_new_user(raw, rules)
        checked.user.is_bot = True
        settings = _settings(raw, creating=True)
        now = self._clock.now_ms()
        token = sendbird_access_token()
        async with self._db.transaction() as conn:
            try:
                pk = (
                    await user_rows.insert_user(
                        conn, app_id, checked.user, checked.keys, checked.meta_entries, now
                    )
                ).pk
            except UniqueViolation:
                raise RosterError(ErrorKind.USER_EXISTS, subject=checked.user.uid) from None
            await bot_rows.insert_bot(conn, app_id, pk, settings, now)
            await token_rows.insert_token(conn, app_id, pk, token_hash(token), "sb_bot", now)
            bot = await bot_rows.get_bot(conn, app_id, checked.user.uid)
        assert bot is not None
        return bot, token

    async def get_bot(self, app_id: str, uid: str) -> Bot:
        async with self._db.reader() as conn:
            bot = await bot_rows.get_bot(conn, app_id, uid)
        if bot is None:
            raise RosterError(ErrorKind.BOT_NOT_FOUND, subject=uid)
        return bot

    async def list_bots(self, app_id: str, after: str | None, limit: int) -> tuple[list[Bot], bool]:
        async with self._db.reader() as conn:
            bots = await bot_rows.list_bots(conn, app_id, after, limit + 1)
        return bots[:limit], len(bots) > limit

    async def update_bot(
        self, app_id: str, uid: str, raw: Mapping[str, object], rules: UserRules
    ) -> Bot:
        checked = check_patch(raw, None, rules, {})
        settings = _settings(raw, creating=False)
        now = self._clock.now_ms()
        async with self._db.transaction() as conn:
            bot = await bot_rows.get_bot(conn, app_id, uid)
            if bot is None:
                raise RosterError(ErrorKind.BOT_NOT_FOUND, subject=uid)
            await user_rows.update_user(conn, bot.user.pk, checked.patch.set, now)
            await bot_rows.update_bot(conn, bot.user.pk, settings)
            updated = await bot_rows.get_bot(conn, app_id, uid)
        assert updated is not None
        return updated

    async def delete_bot(self, app_id: str, uid: str) -> None:
        async with self._db.transaction() as conn:
            bot = await bot_rows.get_bot(conn, app_id, uid)
            if bot is None:
                raise RosterError(ErrorKind.BOT_NOT_FOUND, subject=uid)
            await user_rows.delete_user(conn, bot.user.pk)
