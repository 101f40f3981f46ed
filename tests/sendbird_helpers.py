"""Assertions and paths shared by the Sendbird HTTP tests."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

HEX40 = re.compile(r"[0-9a-f]{40}")

# Every field of the user resource and its JSON type (the SDK coerces nothing).
USER_FIELDS: dict[str, type] = {
    "user_id": str,
    "nickname": str,
    "profile_url": str,
    "require_auth_for_profile_image": bool,
    "metadata": dict,
    "access_token": str,
    "is_online": bool,
    "last_seen_at": int,
    "is_active": bool,
    "has_ever_logged_in": bool,
    "created_at": int,
    "discovery_keys": list,
    "preferred_languages": list,
    "locale": str,
    "phone_number": str,
    "is_hide_me_from_friends": bool,
    "is_shadow_blocked": bool,
    "session_tokens": list,
}


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def err(response: Any, code: int, status: int = 400) -> dict[str, Any]:
    """Assert a Sendbird error body with this HTTP status and code; return the body."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] is True, body
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"], body
    return body


def upath(uid: str, suffix: str = "") -> str:
    """The user's path. A segment of dots only is sent as %2E..., or clients would resolve it
    as a relative path before sending."""
    encoded = quote(uid, safe="")
    if set(uid) == {"."}:
        encoded = encoded.replace(".", "%2E")
    return "/users/" + encoded + suffix
