"""SQLite reads the store through a memory map (roster.store.sqlite.MMAP_BYTES), and the
benchmark floor reads it the same way, so the two stay comparable."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from bench.floor import Floor
from roster.store.sqlite import MMAP_BYTES, SqliteDatabase


def _mapped(path: Path) -> bool:
    return any(
        line.endswith(str(path)) for line in Path("/proc/self/maps").read_text().splitlines()
    )


def test_reads_go_through_a_memory_map_of_the_store(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    plain = tmp_path / "plain.db"  # the control: SQLite's default reads by system calls

    async def scenario() -> tuple[bool, bool, int]:
        db = SqliteDatabase(str(path))
        await db.migrate()
        with sqlite3.connect(plain) as other:
            other.execute("CREATE TABLE t (x)")
            other.execute("SELECT * FROM t").fetchall()
            control = _mapped(plain)
        async with db.reader() as conn:
            await conn.fetch("SELECT * FROM apps")
            size = (await conn.fetchone("PRAGMA mmap_size"))[0]  # type: ignore[index]
            mapped = _mapped(path)
        await db.close()
        return control, mapped, size

    control, mapped, size = asyncio.run(scenario())
    assert (control, mapped) == (False, True)
    assert size == MMAP_BYTES > 0


def test_the_floor_reads_the_store_as_roster_does(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    asyncio.run(SqliteDatabase(str(path)).migrate())
    floor = Floor(str(path), {})
    assert floor._conn.execute("PRAGMA mmap_size").fetchone()[0] == MMAP_BYTES
