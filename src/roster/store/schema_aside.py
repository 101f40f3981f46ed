"""Schema set aside for the length of a block: statements before it, their inverses after.

A bulk load suspends what would cost it per row (triggers, foreign keys, virtual generated
columns) and restores each from its own catalog definition, inside the load's transaction. A
block that fails restores nothing: the caller's rollback undoes the changes with the rest.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from roster.store.database import Conn


@asynccontextmanager
async def suspended(conn: Conn, changes: Sequence[tuple[str, str]]) -> AsyncIterator[None]:
    """`changes`: (statement, its inverse) pairs. The inverses run in the same order, so a
    table's columns come back in their order; nest two blocks where one group must come back
    before another (columns before the triggers that name them)."""
    for change, _inverse in changes:
        await conn.execute(change)
    yield
    for _change, inverse in changes:
        await conn.execute(inverse)
