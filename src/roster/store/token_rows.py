"""Login tokens of users (stored hashed)."""

from __future__ import annotations

from roster.store.database import Conn


async def insert_token(
    conn: Conn,
    app_id: str,
    user_pk: int,
    token_hash: str,
    kind: str,
    created_at: int,
    expires_at: int | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO auth_tokens (token_hash, app_id, user_pk, kind, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (token_hash, app_id, user_pk, kind, created_at, expires_at),
    )


async def delete_tokens(conn: Conn, user_pk: int, kind: str) -> int:
    return await conn.execute(
        "DELETE FROM auth_tokens WHERE user_pk = ? AND kind = ?", (user_pk, kind)
    )
