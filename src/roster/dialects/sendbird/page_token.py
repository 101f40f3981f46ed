"""Sendbird's opaque `token`/`next` pagination, over the store's keyset positions.

A token carries the sort key of the last row served, a digest of the filters it was issued for
and its issue time. Reusing it with other filters (or for another app) is refused, and it
expires after `TTL_MS`. Tokens are not signed: a forged token can only name another position in
a list the caller may read anyway, and every filter is applied again on each page.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Hashable

import msgspec

from roster.core.errors import ErrorKind, RosterError
from roster.memo import Memo

TTL_MS = 3600 * 1000
_VERSION = 1


def filter_digest(*filters: Hashable) -> str:
    """Stable across processes (unlike `hash`): the repr of frozen values and enums.

    Kept per distinct filters: the repr and its hash were a tenth of a one-user list
    request's Python (docs/benchmarks.md, session 16).
    """
    return _DIGESTS.get(filters) or _DIGESTS.put(
        filters, hashlib.sha256(repr(filters).encode()).hexdigest()[:16]
    )


_DIGESTS_MAX = 1024
_DIGESTS: Memo[tuple[Hashable, ...], str] = Memo(_DIGESTS_MAX)


def issue(position: tuple[str, ...], digest: str, now_ms: int) -> str:
    raw = msgspec.json.encode([_VERSION, list(position), digest, now_ms])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read(token: str, digest: str, now_ms: int) -> tuple[str, ...]:
    """The position a token names; refuses foreign, malformed and expired tokens."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        version, position, issued_for, issued_at = msgspec.json.decode(raw)
    except (binascii.Error, msgspec.DecodeError, ValueError, TypeError):
        raise RosterError(ErrorKind.PAGE_TOKEN_INVALID) from None
    valid = (
        version == _VERSION
        and isinstance(position, list)
        and position
        and all(isinstance(p, str) and "\x00" not in p for p in position)
        and isinstance(issued_at, int)
    )
    if not valid or issued_for != digest:
        raise RosterError(ErrorKind.PAGE_TOKEN_INVALID)
    if now_ms - issued_at > TTL_MS or issued_at > now_ms + 60_000:
        raise RosterError(ErrorKind.PAGE_TOKEN_EXPIRED)
    return tuple(position)
