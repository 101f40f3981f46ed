"""Users and bots as Sendbird JSON: every field present, with the SDK's exact JSON types.

The official Python SDK coerces nothing and accepts `null` only for a few fields, so empty
strings, `false`, `0` and `[]` stand in for absent values.
"""

from __future__ import annotations

from typing import Any

import msgspec

from roster.core.metadata_service import as_text
from roster.model.users import Bot, User


def user(
    u: User,
    *,
    access_token: str = "",
    session_tokens: list[dict[str, Any]] | None = None,
    unread_counts: bool = False,
    created: bool = False,
) -> dict[str, Any]:
    extra: dict[str, Any] = msgspec.json.decode(u.extra) if u.extra else {}
    out: dict[str, Any] = {
        "user_id": u.uid,
        "nickname": u.name,
        "profile_url": u.avatar or "",
        "require_auth_for_profile_image": False,
        "metadata": as_text(u.metadata),
        "access_token": access_token,
        "is_online": u.online,
        # milliseconds; 0 while online (and for a user never seen)
        "last_seen_at": 0 if u.online else (u.last_active_at or 0),
        "is_active": u.active,
        "has_ever_logged_in": u.has_ever_logged_in,
        "created_at": u.created_at // 1000,
        "discovery_keys": extra.get("discovery_keys", []),
        "preferred_languages": extra.get("preferred_languages", []),
        "locale": extra.get("locale", ""),
        "phone_number": extra.get("phone_number", ""),
        "is_hide_me_from_friends": False,
        "is_shadow_blocked": False,
        "session_tokens": session_tokens or [],
    }
    if created:
        out["is_created"] = True
    if unread_counts:
        # Roster has no channels yet, so nothing is unread.
        out["unread_message_count"] = 0
        out["unread_channel_count"] = 0
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
