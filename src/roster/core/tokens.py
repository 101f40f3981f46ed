"""Minting user login tokens. Only a hash is stored; the token is shown once."""

from __future__ import annotations

import hashlib
import secrets


def cometchat_auth_token(uid: str, created_at_s: int) -> str:
    """`<uid>_` + 10-digit creation second + 30 hex characters, as CometChat issues them."""
    return f"{uid}_{created_at_s:010d}{secrets.token_hex(15)}"


def masked(token: str) -> str:
    """What lists show of a CometChat token: `<uid>_<10-digit second>`, stars, the last four."""
    head, _, tail = token.rpartition("_")
    return f"{head}_{tail[:10]}{'*' * (len(tail) - 14)}{tail[-4:]}"


def sendbird_session_token() -> str:
    """120 URL-safe characters: inside the 119-168 Sendbird documents for session tokens."""
    return secrets.token_urlsafe(90)


def sendbird_access_token() -> str:
    """40 hex characters, the shape of Sendbird's legacy access tokens."""
    return secrets.token_hex(20)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
