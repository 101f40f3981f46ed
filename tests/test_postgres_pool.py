"""What a pooled PostgreSQL connection keeps between requests (store/postgres.py).

Releasing a connection sends no reset query (a round trip per request); asyncpg still rolls
back a transaction left open. Both are checked on a pool of one connection, so each request
gets the connection the previous one released.
"""

from __future__ import annotations

import asyncio

from roster.store.postgres import PostgresDatabase
from tests.conftest import PG_URL


async def one_connection_twice(schema: str) -> tuple[str, bool, int]:
    db = await PostgresDatabase.connect(PG_URL, schema=schema, min_size=1, max_size=1)
    try:
        async with db.reader() as conn:
            await conn.execute("SET application_name = 'roster-pool-test'")
            first = id(conn.raw._con)  # type: ignore[union-attr]
        async with db.reader() as conn:
            row = await conn.fetchone("SHOW application_name")
            assert row is not None and id(conn.raw._con) == first  # type: ignore[union-attr]
            kept = str(row[0])
            await conn.execute("BEGIN")
            await conn.execute("CREATE TABLE left_open (x INTEGER)")
        async with db.reader() as conn:
            in_transaction = conn.raw.is_in_transaction()
            found = await conn.fetchone(
                "SELECT COUNT(*) FROM pg_tables WHERE tablename = 'left_open'"
            )
            assert found is not None
            return kept, in_transaction, int(found[0])
    finally:
        await db.close()


def test_a_released_connection_keeps_its_session_but_not_an_open_transaction(
    pg_schema: str,
) -> None:
    kept, in_transaction, left = asyncio.run(one_connection_twice(pg_schema))
    # No reset query ran: asyncpg's default (RESET ALL) would have cleared it.
    assert kept == "roster-pool-test"
    # The transaction the second request left open was rolled back on release.
    assert not in_transaction and left == 0
