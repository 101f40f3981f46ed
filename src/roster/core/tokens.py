"""Minting user login tokens. Only a hash is stored; the token is shown once."""

from __future__ import annotations

import hashlib
import secrets


def cometchat_auth_token(uid: str, created_at_s: int) -> str:
    """`<uid>_` + 10-digit creation second + 30 hex characters, as CometChat issues them."""
    return f"{uid}_{created_at_s:010d}{secrets.token_hex(15)}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
