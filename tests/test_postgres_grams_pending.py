"""The PostgreSQL trigram indexes keep their pending lists short (migration 5).

GIN gathers new entries in a pending list that every search reads in full; by default it
grows to 4 MB. `gin_clean_pending_list` empties it and returns how many pages it held, which
is what a search would have read.
"""

from __future__ import annotations

import asyncio

from roster.app import open_database
from roster.settings import Settings
from tests.conftest import PG_URL

USERS = 3_000
PAGE_KB = 8  # PostgreSQL's block size


async def pending_pages_after_writes(schema: str) -> dict[str, int]:
    db = await open_database(Settings(database_url=PG_URL, pg_schema=schema))
    try:
        await db.migrate()
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO apps (app_id, name, created_at) VALUES ('a', 'a', 0)")
        for start in range(0, USERS, 100):  # a transaction per 100 users, as writes come
            async with db.transaction() as conn:
                await conn.executemany(
                    "INSERT INTO users (app_id, uid, uid_key, name, name_key, role, created_at)"
                    " VALUES ('a', ?, ?, ?, ?, 'default', 0)",
                    [
                        (f"u{i}", f"u{i}", f"Name {i} Écrit", f"name {i} ecrit")
                        for i in range(start, start + 100)
                    ],
                )
        found = {}
        async with db.reader() as conn:
            for index in ("users_name_grams", "users_uid_grams"):
                row = await conn.fetchone(f"SELECT gin_clean_pending_list('{index}'::regclass)")
                assert row is not None
                found[index] = int(row[0])
        return found
    finally:
        await db.close()


def test_trigram_pending_lists_stay_within_64_kb(pg_schema: str) -> None:
    pending = asyncio.run(pending_pages_after_writes(pg_schema))
    assert all(pages <= 64 // PAGE_KB for pages in pending.values()), pending
