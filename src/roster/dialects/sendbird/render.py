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


def users(found: list[User]) -> list[SendbirdUser]:
    """Users as a list shows them. One comprehension for the lot: a call per user was a
    sixth of rendering a list page of a hundred (docs/benchmarks.md, session 16)."""
    out = [
        SendbirdUser(
            u.uid,
            u.name,
            u.avatar or "",
            False,  # require_auth_for_profile_image
            as_text_json(u.metadata),
            "",  # access_token
            u.online == 1,
            0 if u.online else (u.last_active_at or 0),  # last_seen_at
            u.deactivated_at is None,  # is_active
            u.has_ever_logged_in == 1,
            u.created_at // 1000,
            _NONE,  # discovery_keys
            _NONE,  # preferred_languages
            "",  # locale
            "",  # phone_number
            False,  # is_hide_me_from_friends
            False,  # is_shadow_blocked
            _NONE,  # session_tokens
        )
        for u in found
    ]
    for u, shown in zip(found, out, strict=True):
        if u.extra:  # fields of Sendbird's own: most users have none
            extra: dict[str, Any] = msgspec.json.decode(u.extra)
            shown.discovery_keys = extra.get("discovery_keys", _NONE)
            shown.preferred_languages = extra.get("preferred_languages", _NONE)
            shown.locale, shown.phone_number = (
                extra.get("locale", ""),
                extra.get("phone_number", ""),
            )
    return out


def user(
    u: User,
    *,
    access_token: str = "",
    session_tokens: list[dict[str, Any]] | None = None,
    unread_counts: bool = False,
    created: bool = False,
) -> SendbirdUser:
    out = users([u])[0]
    out.access_token = access_token
    if session_tokens:
        out.session_tokens = session_tokens
    if created:
        out.is_created = True
    if unread_counts:  # Roster has no channels yet, so nothing is unread.
        out.unread_message_count = out.unread_channel_count = 0
    return out


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
