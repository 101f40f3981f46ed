"""Virtual generated columns set aside while a bulk load fills an empty SQLite table.

SQLite computes a table's virtual generated columns on every INSERT, whether or not anything
reads them. The users table's `grams_id` (migration 7) calls `unicode(substr(...))` about 24
times a row: 2.8 of the 5.9 s that inserting a million users took. Dropped before the rows go
in and added back after, it costs nothing at insert time and is computed only where it is
read (the trigram fill). Dropping a virtual column rewrites no rows, and adding one back reads
none, so both are a schema change only. The definitions are taken from the catalog and put
back as the migrations wrote them, inside the load's transaction: nobody sees the gap.

SQLite refuses to drop a column a trigger names, so those triggers are set aside with it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from roster.store import schema_aside
from roster.store.database import Conn

_VIRTUAL = 2  # PRAGMA table_xinfo's `hidden` for a virtual generated column


def column_definitions(create_table: str) -> dict[str, str]:
    """Each column's definition in a CREATE TABLE statement, by name, as written.

    Splits the column list on the commas outside parentheses, quotes and comments, so an
    expression's own commas stay with its column. Table constraints (PRIMARY KEY (...),
    FOREIGN KEY ..., and so on) are keyed by their first word, which no column here is named.
    """
    body = create_table[create_table.index("(") + 1 : create_table.rindex(")")]
    parts: list[str] = []
    part: list[str] = []
    depth, i = 0, 0
    while i < len(body):
        ch = body[i]
        if body.startswith("--", i):  # dropped up to the end of its line
            end = body.find("\n", i)
            i = len(body) if end < 0 else end
            continue
        if ch in "'\"`[":
            end = body.index("]" if ch == "[" else ch, i + 1)
            part.append(body[i : end + 1])
            i = end + 1
            continue
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append("".join(part))
            part = []
        else:
            part.append(ch)
        i += 1
    parts.append("".join(part))
    found = {}
    for text in map(str.strip, parts):
        if text[0] in "'\"`[":
            name = text[1 : text.index("]" if text[0] == "[" else text[0], 1)]
        else:
            name = text.split(None, 1)[0]
        found[name] = text
    return found


@asynccontextmanager
async def set_aside(conn: Conn, table: str) -> AsyncIterator[None]:
    """Inside a transaction: `table` without its virtual generated columns until the block
    ends (then with them again, and with the triggers that name them). A block that fails
    puts nothing back: the caller's rollback undoes the drops with everything else."""
    columns = [
        row[1] for row in await conn.fetch(f"PRAGMA table_xinfo({table})") if row[6] == _VIRTUAL
    ]
    if not columns:
        yield
        return
    found = await conn.fetchone(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    )
    assert found is not None
    definitions = column_definitions(found[0])
    drop_triggers = [
        (f"DROP TRIGGER {name}", sql)
        for name, sql in await conn.fetch(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
            (table,),
        )
        if any(column in sql for column in columns)
    ]
    drop_columns = [
        (f"ALTER TABLE {table} DROP COLUMN {c}", f"ALTER TABLE {table} ADD COLUMN {definitions[c]}")
        for c in columns
    ]
    async with (
        schema_aside.suspended(conn, drop_triggers),
        schema_aside.suspended(conn, drop_columns),
    ):
        yield
