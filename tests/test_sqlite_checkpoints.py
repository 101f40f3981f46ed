"""SQLite WAL checkpoints run on their own thread, so no request pays for one."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
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


@pytest.mark.parametrize("long_log", [True, False])
def test_a_long_log_once_caught_up_is_restarted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, long_log: bool
) -> None:
    """The thread's rounds, driven here one at a time: a log past RESTART_FRAMES that a round
    caught up with is restarted (the next writer starts it over instead of appending until the
    writer's own threshold makes a request copy it); a short one is left alone, and a round
    with nothing new written does nothing."""
    monkeypatch.setattr(sqlite_checkpoints, "EVERY_SECONDS", 3600)  # the test drives the rounds
    monkeypatch.setattr(sqlite_checkpoints, "RESTART_FRAMES", 8 if long_log else 1_000_000)
    # Every round counts as short: how long an fsync takes here is not what is tested.
    monkeypatch.setattr(sqlite_checkpoints, "_CAUGHT_UP_SECONDS", 60.0)
    path = tmp_path / "store.db"

    async def scenario() -> tuple[int, int, list[tuple[str]]]:
        db = SqliteDatabase(str(path))
        await db.migrate()
        for i in range(20):
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO apps (app_id, name, created_at) VALUES (?, ?, 0)", (f"a{i}", "x")
                )
        rounds = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        rounds.execute("PRAGMA busy_timeout=10")
        fd = os.open(path, os.O_RDONLY)
        try:
            checkpoints = db._checkpoints
            checkpoints._catch_up(rounds, fd)
            after_one = checkpoints.restarts
            checkpoints._catch_up(rounds, fd)  # nothing written since
            after_two = checkpoints.restarts
        finally:
            os.close(fd)
            rounds.close()
        seen = _in_file(path)
        await db.close()
        return after_one, after_two, seen

    after_one, after_two, seen = asyncio.run(scenario())
    assert (after_one, after_two) == ((1, 1) if long_log else (0, 0))
    assert ("a19",) in seen  # copied back either way


def test_an_in_memory_store_has_no_file_to_flush(monkeypatch: pytest.MonkeyPatch) -> None:
    """`--db :memory:` has no database file: the thread must not die looking for one."""
    monkeypatch.setattr(sqlite_checkpoints, "EVERY_SECONDS", 0.01)
    crashes: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: crashes.append(args.exc_value))

    async def scenario() -> bool:
        db = SqliteDatabase(":memory:")
        await db.migrate()
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO apps (app_id, name, created_at) VALUES ('m', 'm', 0)")
        await asyncio.sleep(0.1)  # several rounds of the thread
        alive = db._checkpoints.running
        await db.close()
        return alive

    assert asyncio.run(scenario())
    assert crashes == []
