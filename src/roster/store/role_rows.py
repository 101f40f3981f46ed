"""Roles of an app."""

from __future__ import annotations

from collections.abc import Mapping

from roster.model.users import Role
from roster.store.database import Conn, Row

_COLUMNS = "role, name, description, metadata, settings, created_at, updated_at"


def _role(row: Row) -> Role:
    return Role(row[0], row[1], row[2], row[3], row[4], row[5], row[6])


async def insert_role(conn: Conn, app_id: str, role: Role) -> None:
    await conn.execute(
        f"INSERT INTO roles (app_id, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            app_id,
            role.role,
            role.name,
            role.description,
            role.metadata,
            role.settings,
            role.created_at,
            role.updated_at,
        ),
    )


async def get_role(conn: Conn, app_id: str, role: str) -> Role | None:
    if "\x00" in role:  # no stored id holds U+0000, and PostgreSQL cannot even compare it
        return None
    row = await conn.fetchone(
        f"SELECT {_COLUMNS} FROM roles WHERE app_id = ? AND role = ?", (app_id, role)
    )
    return _role(row) if row else None


async def list_roles(conn: Conn, app_id: str, limit: int, offset: int) -> list[Role]:
    """Roles are few (at most 25 an app), so OFFSET costs nothing here."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM roles WHERE app_id = ? ORDER BY role LIMIT ? OFFSET ?",
        (app_id, limit, offset),
    )
    return [_role(r) for r in rows]


async def count_roles(conn: Conn, app_id: str) -> int:
    row = await conn.fetchone("SELECT COUNT(*) FROM roles WHERE app_id = ?", (app_id,))
    return int(row[0]) if row else 0


async def update_role(
    conn: Conn, app_id: str, role: str, changes: Mapping[str, object], now: int
) -> None:
    allowed = {"name", "description", "metadata", "settings"}
    assignments = [f"{column} = ?" for column in changes if column in allowed]
    args = [value for column, value in changes.items() if column in allowed]
    await conn.execute(
        f"UPDATE roles SET {', '.join([*assignments, 'updated_at = ?'])}"
        " WHERE app_id = ? AND role = ?",
        (*args, now, app_id, role),
    )


async def delete_role(conn: Conn, app_id: str, role: str) -> None:
    await conn.execute("DELETE FROM roles WHERE app_id = ? AND role = ?", (app_id, role))


async def role_in_use(conn: Conn, app_id: str, role: str) -> bool:
    row = await conn.fetchone(
        "SELECT 1 FROM users WHERE app_id = ? AND role = ? LIMIT 1", (app_id, role)
    )
    return row is not None
