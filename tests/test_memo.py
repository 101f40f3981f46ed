"""The bounded memo behind the store's plans, the service's queries and the page-token digests."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from roster.memo import Memo
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
