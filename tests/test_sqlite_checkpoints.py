"""SQLite WAL checkpoints run on their own thread, so no request pays for one."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest

from roster.store import sqlite_checkpoints
from roster.store.sqlite import SqliteDatabase


def _in_file(path: Path) -> list[tuple[str]]:
    """The apps rows in the database file itself: opened immutable, SQLite ignores the log, so
    only what a checkpoint copied back is seen."""
    with sqlite3.connect(f"file:{path}?immutable=1", uri=True) as check:
        tables = check.execute("SELECT name FROM sqlite_master WHERE name = 'apps'").fetchall()
        if not tables:
            return []  # not even the schema has been copied back yet
        return check.execute("SELECT app_id FROM apps ORDER BY app_id").fetchall()


@pytest.mark.parametrize("thread", [True, False])
def test_writes_are_checkpointed_off_the_request_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, thread: bool
) -> None:
    # thread=False is the control: with the thread slowed to a crawl, the write stays in the
    # log (the writer's own threshold is far away), so the check below can tell.
    monkeypatch.setattr(sqlite_checkpoints, "EVERY_SECONDS", 0.02 if thread else 3600)
    path = tmp_path / "store.db"

    async def scenario() -> tuple[int, list[tuple[str]], bool]:
        db = SqliteDatabase(str(path))
        await db.migrate()
        backstop = db._conn.raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO apps (app_id, name, created_at) VALUES ('x', 'x', 0)")
        deadline = time.monotonic() + 5
        while thread and ("x",) not in _in_file(path) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        seen = _in_file(path)
        await db.close()
        return backstop, seen, db._checkpoints.running

    backstop, seen, running = asyncio.run(scenario())
    assert backstop == sqlite_checkpoints.BACKSTOP_PAGES
    assert (("x",) in seen) is thread
    assert not running  # close() stops the thread
