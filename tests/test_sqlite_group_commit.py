"""SQLite group commit: writers that start together share one COMMIT, and each still gets its
own all-or-nothing unit, released only once its writes are committed."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from roster.store.sqlite import SqliteDatabase


async def _open(path: Path) -> SqliteDatabase:
    db = SqliteDatabase(str(path))
    await db.migrate()
    return db


def _apps_elsewhere(path: Path) -> list[str]:
    """App ids as another connection sees them: committed rows only."""
    with sqlite3.connect(path) as other:
        return [r[0] for r in other.execute("SELECT app_id FROM apps ORDER BY app_id")]


async def _add_app(db: SqliteDatabase, app_id: str, fail: bool = False) -> list[str]:
    """Insert an app in a unit; once released, what another connection sees."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO apps (app_id, name, created_at) VALUES (?, ?, 0)", (app_id, app_id)
        )
        if fail:
            raise ValueError(app_id)
    path = db._conn.raw.execute("PRAGMA database_list").fetchone()[2]
    return _apps_elsewhere(Path(path))


def test_concurrent_writers_share_a_commit_and_return_committed(tmp_path: Path) -> None:
    async def scenario() -> tuple[int, list[list[str]]]:
        db = await _open(tmp_path / "s.db")
        try:
            before = db._group.commits
            seen = await asyncio.gather(*(_add_app(db, f"a{i:02d}") for i in range(20)))
            return db._group.commits - before, seen
        finally:
            await db.close()

    commits, seen = asyncio.run(scenario())
    assert commits < 20  # started together: fewer commits than writers (one, in practice)
    for i, committed in enumerate(seen):
        assert f"a{i:02d}" in committed  # each writer returned after its row was committed
    assert _apps_elsewhere(tmp_path / "s.db") == [f"a{i:02d}" for i in range(20)]


@pytest.mark.parametrize("failing", [0, 3])  # 0 opens the shared transaction, 3 joins it
def test_a_failing_writer_is_undone_alone(tmp_path: Path, failing: int) -> None:
    async def scenario() -> list[Any]:
        db = await _open(tmp_path / "s.db")
        try:
            return await asyncio.gather(
                *(_add_app(db, f"a{i}", fail=i == failing) for i in range(6)),
                return_exceptions=True,
            )
        finally:
            await db.close()

    results = asyncio.run(scenario())
    assert isinstance(results[failing], ValueError)
    assert all(isinstance(r, list) for i, r in enumerate(results) if i != failing)
    expected = [f"a{i}" for i in range(6) if i != failing]
    assert _apps_elsewhere(tmp_path / "s.db") == expected


def test_a_unit_inside_a_unit_is_a_savepoint(tmp_path: Path) -> None:
    async def scenario() -> None:
        db = await _open(tmp_path / "s.db")
        try:
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO apps (app_id, name, created_at) VALUES ('o', 'o', 0)"
                )
                with pytest.raises(ValueError):
                    async with db.transaction() as inner:
                        await inner.execute(
                            "INSERT INTO apps (app_id, name, created_at) VALUES ('i', 'i', 0)"
                        )
                        raise ValueError("inner")
                async with db.transaction() as inner:
                    await inner.execute(
                        "INSERT INTO apps (app_id, name, created_at) VALUES ('j', 'j', 0)"
                    )
        finally:
            await db.close()

    asyncio.run(asyncio.wait_for(scenario(), timeout=10))  # no waiting on itself
    assert _apps_elsewhere(tmp_path / "s.db") == ["j", "o"]


class _FailingCommit:
    """The connection, except that COMMIT fails (as a full disk would make it)."""

    def __init__(self, raw: sqlite3.Connection) -> None:
        self.raw = raw

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql == "COMMIT":
            raise sqlite3.OperationalError("database or disk is full")
        return self.raw.execute(sql, *args)


def test_a_failed_commit_fails_every_writer_in_it(tmp_path: Path) -> None:
    async def scenario() -> tuple[list[Any], list[str]]:
        db = await _open(tmp_path / "s.db")
        try:
            real = db._group._raw
            db._group._raw = _FailingCommit(real)  # type: ignore[assignment]
            results = await asyncio.gather(
                *(_add_app(db, f"a{i}") for i in range(4)), return_exceptions=True
            )
            db._group._raw = real
            after = await _add_app(db, "later")  # the next writer starts afresh
            return results, after
        finally:
            await db.close()

    results, after = asyncio.run(scenario())
    assert all(isinstance(r, sqlite3.OperationalError) for r in results)
    assert after == ["later"]


def _gate_free(db: SqliteDatabase) -> bool:
    gate = db._checkpoints.gate
    if not gate.acquire(blocking=False):
        return False
    gate.release()
    return True


def test_a_shared_transaction_waits_for_the_checkpoint_gate(tmp_path: Path) -> None:
    """While the checkpoint thread restarts the log it holds the gate; no transaction of this
    process may begin meanwhile, and each gives the gate back however it ends (checked at
    once: a gate kept would make the next writer wait forever)."""

    async def scenario() -> list[str]:
        db = await _open(tmp_path / "s.db")
        order: list[str] = []
        try:
            gate = db._checkpoints.gate
            gate.acquire()

            def hold_then_release() -> None:
                time.sleep(0.05)  # room for a writer that ignored the gate to go first
                order.append("gate released")
                gate.release()

            holder = threading.Thread(target=hold_then_release)
            holder.start()
            async with db.transaction() as conn:
                order.append("transaction began")
                await conn.execute(
                    "INSERT INTO apps (app_id, name, created_at) VALUES ('g', 'g', 0)"
                )
            holder.join()
            assert _gate_free(db), "kept after a commit"
            with pytest.raises(ValueError):
                await _add_app(db, "failing", fail=True)
            assert _gate_free(db), "kept after a rolled-back body"
            real = db._group._raw
            db._group._raw = _FailingCommit(real)  # type: ignore[assignment]
            with pytest.raises(sqlite3.OperationalError):
                await _add_app(db, "unlucky")
            db._group._raw = real
            assert _gate_free(db), "kept after a failed COMMIT"
        finally:
            await db.close()
        return order

    assert asyncio.run(scenario()) == ["gate released", "transaction began"]


class _OtherProcessWriter:
    """A write transaction held open on another connection to the file, as a second worker's."""

    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None)
        self._conn.execute("BEGIN IMMEDIATE")
        self._conn.execute("INSERT INTO apps (app_id, name, created_at) VALUES ('other', 'o', 0)")

    def commit(self) -> None:
        self._conn.execute("COMMIT")
        self._conn.close()


async def _loop_turns_during(seconds: float) -> int:
    """How many times a task got to run on this loop in `seconds` (0 if the loop was blocked)."""
    turns = 0
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while loop.time() < end:
        await asyncio.sleep(0.001)
        turns += 1
    return turns


def test_a_writer_waits_for_another_process_with_the_loop_free(tmp_path: Path) -> None:
    """SQLite's busy handler would have stopped the whole loop (every request of the worker)
    for as long as the other process wrote; the unit waits on the loop instead."""

    async def scenario() -> tuple[int, bool, list[str], int]:
        db = await _open(tmp_path / "s.db")
        try:
            other = _OtherProcessWriter(tmp_path / "s.db")
            writers = [asyncio.ensure_future(_add_app(db, f"w{i}")) for i in range(3)]
            turns = await _loop_turns_during(0.1)
            waiting = not any(w.done() for w in writers)
            other.commit()
            seen = await asyncio.gather(*writers)
            return turns, waiting, seen[-1], db._group._raw.in_transaction
        finally:
            await db.close()

    turns, waiting, seen, in_transaction = asyncio.run(scenario())
    assert waiting  # nobody wrote past the other process's transaction
    assert turns >= 20  # about 100 with the loop free; 0 when BEGIN blocked it
    assert {"other", "w0", "w1", "w2"} <= set(seen)
    assert not in_transaction
    assert _apps_elsewhere(tmp_path / "s.db") == ["other", "w0", "w1", "w2"]


def test_a_writer_gives_up_when_another_process_never_lets_go(tmp_path: Path) -> None:
    async def scenario() -> tuple[int, int, list[str]]:
        db = await _open(tmp_path / "s.db")
        try:
            db._group.busy_seconds = 0.05
            other = _OtherProcessWriter(tmp_path / "s.db")
            turns, failed = await asyncio.gather(  # the count starts first, its clock with it
                _loop_turns_during(0.04), _add_app(db, "gave up"), return_exceptions=True
            )
            assert isinstance(failed, sqlite3.OperationalError), failed
            assert "database is locked" in str(failed)
            other.commit()
            assert _gate_free(db)
            busy_ms = db._group._raw.execute("PRAGMA busy_timeout").fetchone()[0]
            return turns, busy_ms, await _add_app(db, "later")
        finally:
            await db.close()

    turns, busy_ms, seen = asyncio.run(scenario())
    assert turns >= 10  # the loop ran while the writer waited
    assert busy_ms == 5000  # the connection's own timeout, put back after each try
    assert seen == ["later", "other"]
