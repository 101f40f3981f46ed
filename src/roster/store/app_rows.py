"""Apps and API keys."""

from __future__ import annotations

from roster.model.apps import ApiKey, App, Scope
from roster.store.database import Conn, Row

_KEY_COLUMNS = "key_id, app_id, name, scope, hint, created_at, revoked_at"


def _key(row: Row) -> ApiKey:
    return ApiKey(row[0], row[1], row[2], Scope(row[3]), row[4], row[5], row[6])


async def insert_app(conn: Conn, app: App) -> None:
    await conn.execute(
        "INSERT INTO apps (app_id, name, created_at) VALUES (?, ?, ?)",
        (app.app_id, app.name, app.created_at),
    )


async def get_app(conn: Conn, app_id: str) -> App | None:
    row = await conn.fetchone(
        "SELECT app_id, name, created_at FROM apps WHERE app_id = ?", (app_id,)
    )
    return App(row[0], row[1], row[2]) if row else None


async def list_apps(conn: Conn) -> list[App]:
    rows = await conn.fetch("SELECT app_id, name, created_at FROM apps ORDER BY created_at, app_id")
    return [App(r[0], r[1], r[2]) for r in rows]


async def count_apps(conn: Conn) -> int:
    row = await conn.fetchone("SELECT COUNT(*) FROM apps")
    return int(row[0]) if row else 0


async def insert_key(conn: Conn, key: ApiKey, key_hash: str) -> None:
    await conn.execute(
        f"INSERT INTO api_keys ({_KEY_COLUMNS}, key_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            key.key_id,
            key.app_id,
            key.name,
            key.scope.value,
            key.hint,
            key.created_at,
            key.revoked_at,
            key_hash,
        ),
    )


async def find_key_by_hash(conn: Conn, key_hash: str) -> tuple[ApiKey, str] | None:
    """The live key with this hash, and the stored hash for a constant-time comparison."""
    row = await conn.fetchone(
        f"SELECT {_KEY_COLUMNS}, key_hash FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL",
        (key_hash,),
    )
    return (_key(row), str(row[7])) if row else None


async def list_keys(conn: Conn, app_id: str) -> list[ApiKey]:
    rows = await conn.fetch(
        f"SELECT {_KEY_COLUMNS} FROM api_keys WHERE app_id = ? ORDER BY created_at, key_id",
        (app_id,),
    )
    return [_key(r) for r in rows]


async def revoke_key(conn: Conn, app_id: str, key_id: str, now: int) -> bool:
    changed = await conn.execute(
        "UPDATE api_keys SET revoked_at = ? WHERE app_id = ? AND key_id = ? AND revoked_at IS NULL",
        (now, app_id, key_id),
    )
    return changed > 0


async def find_key_owner(conn: Conn, key_hash: str) -> tuple[str, str] | None:
    """(key_id, app_id) of the key with this hash, revoked or not."""
    row = await conn.fetchone("SELECT key_id, app_id FROM api_keys WHERE key_hash = ?", (key_hash,))
    return (str(row[0]), str(row[1])) if row else None


async def set_key_scope(conn: Conn, key_id: str, scope: str) -> None:
    await conn.execute(
        "UPDATE api_keys SET scope = ?, revoked_at = NULL WHERE key_id = ?", (scope, key_id)
    )
