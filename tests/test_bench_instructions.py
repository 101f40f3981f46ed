"""bench.instructions' children: Roster's in-process requests record the SQL they ran, and the
floor replays exactly that SQL on the same store (valgrind, which counts them, is not run here)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

from bench.instructions import TARGETS, _floor, _roster
from bench.seed import load_users
from roster.settings import Settings


def test_roster_records_its_page_sql_and_the_floor_replays_it(tmp_path: Path) -> None:
    db = str(tmp_path / "store.db")
    asyncio.run(load_users(Settings(db=db), 300))
    for target in TARGETS.values():
        sql_file = tmp_path / "sql.json"
        asyncio.run(_roster(db, target, 2, 3, str(sql_file)))
        statements = json.loads(sql_file.read_text())
        per_page = 100 if target.endswith("=100") else 1
        with sqlite3.connect(db) as conn:
            pages = [conn.execute(sql, args).fetchall() for sql, args in statements]
        assert [len(rows) for rows in pages] == [per_page + 1], target  # one look-ahead row
        _floor(db, str(sql_file), 1, 2)
