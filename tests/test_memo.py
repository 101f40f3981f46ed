"""The bounded memo behind the store's plans, the service's queries, the page-token digests
and the resolved API keys."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from roster.app import open_database
from roster.core import tenancy
from roster.core.clock import SystemClock
from roster.core.tenancy import Tenancy
from roster.memo import Memo
from roster.model.apps import Scope
from roster.settings import Settings
from roster.store.database import MEMO_ENTRIES
from roster.store.sqlite import SqliteConn


def test_put_keeps_and_returns_the_value() -> None:
    memo: Memo[str, int] = Memo(3)
    assert memo.put("a", 1) == 1
    assert memo.get("a") == 1
    assert memo.put("a", 2) == 2  # a put replaces: the store renews an expired plan this way
    assert memo == {"a": 2}


def test_a_full_memo_is_cleared_before_the_next_key() -> None:
    memo: Memo[int, int] = Memo(3)
    for n in range(3):
        memo.put(n, n)
    assert memo == {0: 0, 1: 1, 2: 2}
    memo.put(3, 3)
    assert memo == {3: 3}
    for n in range(100):
        memo.put(n, n)
        assert len(memo) <= 3


def test_the_store_memo_stays_bounded(tmp_path: Path) -> None:
    conn = SqliteConn(sqlite3.connect(tmp_path / "m.db"))
    assert conn.memo.limit == MEMO_ENTRIES
    for n in range(MEMO_ENTRIES + 10):
        conn.memo.put(("first page", n), n)
    assert len(conn.memo) == 10
    conn.raw.close()


def test_resolved_keys_stay_bounded(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tenancy, "KEYS_KEPT", 3)

    async def run() -> None:
        db = await open_database(settings)
        try:
            await db.migrate()
            keys = Tenancy(db, SystemClock())
            app = await keys.create_app("bounded")
            secrets = [(await keys.create_key(app.app_id, Scope.FULL_ACCESS))[1] for _ in range(5)]
            for _ in range(2):
                for secret in secrets:
                    assert (await keys.resolve_key(secret)).app_id == app.app_id
                    assert len(keys._cache) <= 3
        finally:
            await db.close()

    asyncio.run(run())
