"""Users and bots as Sendbird JSON: every field present, with the SDK's exact JSON types.

The official Python SDK coerces nothing and accepts `null` only for a few fields, so empty
strings, `false`, `0` and `[]` stand in for absent values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from roster.core.metadata_service import as_text, as_text_json
from roster.model.users import Bot, User


class SendbirdUser(msgspec.Struct, omit_defaults=True):
    """A user on the wire. A Struct, not a dict: built and encoded in C with its keys encoded
    once (docs/benchmarks.md). Every field is sent; only the last three are left out when None.
    Built positionally: keywords cost a list page of a hundred users about a tenth more.
    """

    user_id: str
    nickname: str
    profile_url: str
    require_auth_for_profile_image: bool
    metadata: msgspec.Raw
    access_token: str
    is_online: bool
    last_seen_at: int  # milliseconds; 0 while online (and for a user never seen)
    is_active: bool
    has_ever_logged_in: bool
    created_at: int
    discovery_keys: Sequence[str]
    preferred_languages: Sequence[str]
    locale: str
    phone_number: str
    is_hide_me_from_friends: bool
    is_shadow_blocked: bool
    session_tokens: Sequence[dict[str, Any]]
    is_created: bool | None = None
    unread_message_count: int | None = None
    unread_channel_count: int | None = None


_NONE: tuple[()] = ()  # shared, encoded as [] like an empty list, never allocated per user
# discovery_keys, preferred_languages, locale, phone_number of a user without them.
_NO_EXTRA: tuple[Sequence[str], Sequence[str], str, str] = (_NONE, _NONE, "", "")


def user(
    u: User,
    *,
    access_token: str = "",
    session_tokens: list[dict[str, Any]] | None = None,
    unread_counts: bool = False,
    created: bool = False,
) -> SendbirdUser:
    # Most users have no fields of Sendbird's own: their defaults are shared, not looked up.
    discovery_keys, languages, locale, phone = _NO_EXTRA
    if u.extra:
        extra: dict[str, Any] = msgspec.json.decode(u.extra)
        discovery_keys = extra.get("discovery_keys", _NONE)
        languages = extra.get("preferred_languages", _NONE)
        locale, phone = extra.get("locale", ""), extra.get("phone_number", "")
    # Roster has no channels yet, so nothing is unread.
    unread = 0 if unread_counts else None
    return SendbirdUser(
        u.uid,
        u.name,
        u.avatar or "",
        False,  # require_auth_for_profile_image
        as_text_json(u.metadata),
        access_token,
        u.online,
        0 if u.online else (u.last_active_at or 0),  # last_seen_at
        u.deactivated_at is None,  # is_active
        u.has_ever_logged_in,
        u.created_at // 1000,
        discovery_keys,
        languages,
        locale,
        phone,
        False,  # is_hide_me_from_friends
        False,  # is_shadow_blocked
        session_tokens or _NONE,
        True if created else None,  # is_created
        unread,
        unread,
    )


def bot(b: Bot, *, token: str = "") -> dict[str, Any]:
    u = b.user
    return {
        "bot": {
            "bot_userid": u.uid,
            "bot_nickname": u.name,
            "bot_profile_url": u.avatar or "",
            "bot_type": b.bot_type,
            "bot_token": token,
            "bot_metadata": as_text(u.metadata),
            "bot_require_auth_for_profile_image": False,
        },
        "bot_callback_url": b.callback_url,
        "is_privacy_mode": b.is_privacy_mode,
        "enable_mark_as_read": b.enable_mark_as_read,
        "show_member": b.show_member,
        "channel_invitation_preference": b.channel_invitation_preference,
        "created_at": b.created_at // 1000,
    }
