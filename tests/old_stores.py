"""Stores written by an older schema version, for tests of the migrations that follow it."""

from __future__ import annotations

import asyncio

import pytest

from roster.app import open_database
from roster.settings import Settings
from roster.store import migrations
from tests.conftest import APP_ID

# (uid, uid_key, name, name_key, active): keys as that version would have stored them.
OldUser = tuple[str, str, str, str, int]


def store_at(
    settings: Settings, version: int, users: list[OldUser], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migrate a new store up to `version` only, then write the app and `users` into it."""
    everything = migrations.load

    async def build() -> None:
        monkeypatch.setattr(migrations, "load", lambda engine: everything(engine)[:version])
        db = await open_database(settings)
        try:
            assert await db.migrate() == version
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO apps VALUES (?, ?, 0)", (APP_ID, APP_ID))
                await conn.execute(
                    "INSERT INTO roles (app_id, role, name, created_at) VALUES (?, ?, ?, 0)",
                    (APP_ID, "default", "default"),
                )
                for user in users:
                    await conn.execute(
                        "INSERT INTO users (app_id, uid, uid_key, name, name_key, role, active,"
                        " created_at) VALUES (?, ?, ?, ?, ?, 'default', ?, 0)",
                        (APP_ID, *user),
                    )
        finally:
            await db.close()
            monkeypatch.setattr(migrations, "load", everything)

    asyncio.run(build())
