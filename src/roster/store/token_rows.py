"""Login tokens of users (stored hashed)."""

from __future__ import annotations

from collections.abc import Mapping

from roster.model.users import LoginToken
from roster.store.database import Conn, Row


async def insert_token(
    conn: Conn,
    app_id: str,
    user_pk: int,
    token_hash: str,
    kind: str,
    created_at: int,
    expires_at: int | None = None,
    *,
    shown: str | None = None,
    details: Mapping[str, str | None] | None = None,
) -> None:
    """Store a token's hash; `details` may hold platform, device_id, user_agent, app_info."""
    extra = dict(details or {})
    await conn.execute(
        "INSERT INTO auth_tokens (token_hash, app_id, user_pk, kind, created_at, expires_at,"
        " shown, platform, device_id, user_agent, app_info, seq)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " (SELECT COALESCE(MAX(s.seq), 0) + 1 FROM auth_tokens s WHERE s.user_pk = ?))",
        (
            token_hash,
            app_id,
            user_pk,
            kind,
            created_at,
            expires_at,
            shown,
            extra.get("platform"),
            extra.get("device_id"),
            extra.get("user_agent"),
            extra.get("app_info"),
            user_pk,
        ),
    )


_TOKEN_COLUMNS = "t.shown, u.uid, t.created_at, t.platform, t.device_id, t.user_agent, t.app_info"


def _token(row: Row) -> LoginToken:
    return LoginToken(row[0] or "", row[1], row[2], row[3], row[4], row[5], row[6])


async def find_token(
    conn: Conn, app_id: str, kind: str, token_hash: str
) -> tuple[int, LoginToken] | None:
    """The owner's pk and the token of this app and kind, by the token's hash."""
    row = await conn.fetchone(
        f"SELECT t.user_pk, {_TOKEN_COLUMNS} FROM auth_tokens t JOIN users u ON u.pk = t.user_pk"
        " WHERE t.token_hash = ? AND t.app_id = ? AND t.kind = ?",
        (token_hash, app_id, kind),
    )
    return (int(row[0]), _token(row[1:])) if row else None


async def list_tokens(
    conn: Conn, user_pk: int, kind: str, limit: int, offset: int
) -> list[LoginToken]:
    """Newest first; a user holds at most a hundred, so OFFSET is cheap."""
    rows = await conn.fetch(
        f"SELECT {_TOKEN_COLUMNS} FROM auth_tokens t JOIN users u ON u.pk = t.user_pk"
        " WHERE t.user_pk = ? AND t.kind = ? ORDER BY t.seq DESC"
        " LIMIT ? OFFSET ?",
        (user_pk, kind, limit, offset),
    )
    return [_token(r) for r in rows]


async def count_tokens(conn: Conn, user_pk: int, kind: str) -> int:
    row = await conn.fetchone(
        "SELECT COUNT(*) FROM auth_tokens WHERE user_pk = ? AND kind = ?", (user_pk, kind)
    )
    return int(row[0]) if row else 0


async def keep_newest(conn: Conn, user_pk: int, kind: str, keep: int) -> None:
    """Drop all but the `keep` newest tokens of a kind (older ones are archived: gone)."""
    await conn.execute(
        "DELETE FROM auth_tokens WHERE user_pk = ? AND kind = ? AND token_hash NOT IN"
        " (SELECT token_hash FROM auth_tokens WHERE user_pk = ? AND kind = ?"
        " ORDER BY seq DESC LIMIT ?)",
        (user_pk, kind, user_pk, kind, keep),
    )


async def update_token(conn: Conn, token_hash: str, details: Mapping[str, str | None]) -> None:
    columns = [c for c in ("platform", "user_agent", "app_info") if c in details]
    if columns:
        await conn.execute(
            f"UPDATE auth_tokens SET {', '.join(f'{c} = ?' for c in columns)} WHERE token_hash = ?",
            (*(details[c] for c in columns), token_hash),
        )


async def delete_token(conn: Conn, token_hash: str) -> None:
    await conn.execute("DELETE FROM auth_tokens WHERE token_hash = ?", (token_hash,))


async def delete_tokens(conn: Conn, user_pk: int, kind: str) -> int:
    return await conn.execute(
        "DELETE FROM auth_tokens WHERE user_pk = ? AND kind = ?", (user_pk, kind)
    )


async def find_login(conn: Conn, token_hash: str, now: int) -> tuple[str, int, str] | None:
    """(app id, user pk, uid) for a token that may log in: unexpired, of an active user."""
    row = await conn.fetchone(
        "SELECT u.app_id, u.pk, u.uid FROM auth_tokens t JOIN users u ON u.pk = t.user_pk"
        " WHERE t.token_hash = ? AND t.kind IN ('cometchat', 'sb_session', 'sb_access')"
        " AND (t.expires_at IS NULL OR t.expires_at > ?) AND u.active = 1",
        (token_hash, now),
    )
    return (str(row[0]), int(row[1]), str(row[2])) if row else None
