"""What a pooled PostgreSQL connection keeps between requests (store/postgres.py).

Releasing a connection sends no reset query (a round trip per request); asyncpg still rolls
back a transaction left open. Both are checked on a pool of one connection, so each request
gets the connection the previous one released. A worker's pool holds at most `pg_pool_size`
connections (`serve --pg-pool-size`), named "roster", and gives them to requests in the order
they asked.
"""

from __future__ import annotations

import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import asyncpg

from roster.app import open_database
from roster.settings import Settings
from roster.store.postgres import PostgresDatabase
from tests.conftest import PG_URL, pg_value
from tests.test_cli import StartServer, Store, get_users, pg_store, start_server  # noqa: F401

KEY = "a1" * 20


async def one_connection_twice(schema: str) -> tuple[str, bool, int]:
    db = await PostgresDatabase.connect(PG_URL, schema=schema, max_size=1)
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


async def held_to_the_limit(schema: str, size: int) -> tuple[bool, bool, str]:
    """Hold `size` connections; is one more refused for a while, then given once one is back?"""
    db = await open_database(Settings(database_url=PG_URL, pg_schema=schema, pg_pool_size=size))
    try:
        async with contextlib.AsyncExitStack() as held:
            conns = [await held.enter_async_context(db.reader()) for _ in range(size)]
            name = await conns[0].fetchone("SHOW application_name")
            assert name is not None
            one_more = db.reader()
            try:
                await asyncio.wait_for(one_more.__aenter__(), 0.3)
            except TimeoutError:
                refused = True
            else:
                refused = False
                await one_more.__aexit__(None, None, None)
        async with db.reader() as conn:
            given = await conn.fetchone("SELECT 1") is not None
        return refused, given, str(name[0])
    finally:
        await db.close()


def test_a_worker_holds_at_most_pg_pool_size_connections(pg_schema: str) -> None:
    refused, given, name = asyncio.run(held_to_the_limit(pg_schema, 3))
    assert refused  # a fourth request waits for one of the three
    assert given
    assert name == "roster"  # how an operator finds them in pg_stat_activity


def test_workers_are_given_the_pool_size() -> None:
    # `serve` passes its settings to worker processes through ROSTER_* variables.
    settings = Settings(database_url=PG_URL, pg_pool_size=7)
    assert Settings.from_env(settings.to_env()).pg_pool_size == 7
    assert Settings.from_env({"ROSTER_PG_POOL_SIZE": "2"}).pg_pool_size == 2
    assert Settings().pg_pool_size == 4


async def roster_connections(since: datetime) -> int:
    conn = await asyncpg.connect(PG_URL)
    try:
        found = await conn.fetchval(
            "SELECT COUNT(*) FROM pg_stat_activity"
            " WHERE application_name = 'roster' AND backend_start >= $1",
            since,
        )
        return int(found)
    finally:
        await conn.close()


def test_serve_opens_no_more_than_pg_pool_size_connections(
    start_server: StartServer,  # noqa: F811
    pg_store: Store,  # noqa: F811
) -> None:
    since = asyncio.run(pg_value("SELECT now()"))
    assert isinstance(since, datetime)
    server = start_server(*pg_store.args, "--pg-pool-size", "2", "--app-id", "p", "--api-key", KEY)

    def page(_: int) -> int:
        return get_users(server, KEY).status_code

    with ThreadPoolExecutor(16) as pool:
        assert set(pool.map(page, range(64))) == {200}
    # The pool's two and the one that listens for other processes' events. With the default
    # of four, sixteen requests at once open five.
    assert asyncio.run(roster_connections(since)) == 3


async def overtaken(schema: str) -> int:
    """Requests arriving every millisecond on a pool of one connection, each query taking
    about two: how many times did a request get the connection ahead of one that had asked
    before it?"""
    db = await open_database(Settings(database_url=PG_URL, pg_schema=schema, pg_pool_size=1))
    asked: list[int] = []
    granted: list[int] = []

    async def request(n: int) -> None:
        asked.append(n)
        async with db.reader() as conn:
            granted.append(n)
            await conn.fetchone("SELECT pg_sleep(0.002)")

    try:
        arrivals = []
        for n in range(80):
            arrivals.append(asyncio.create_task(request(n)))
            await asyncio.sleep(0.001)
        await asyncio.gather(*arrivals)
    finally:
        await db.close()
    place = {n: i for i, n in enumerate(asked)}
    order = [place[n] for n in granted]
    return sum(1 for i, p in enumerate(order) if any(q < p for q in order[i + 1 :]))


def test_waiting_requests_get_connections_in_the_order_they_asked(pg_schema: str) -> None:
    # asyncpg's pool alone gives a released connection to whoever asks next, even ahead of
    # requests already waiting.
    assert asyncio.run(overtaken(pg_schema)) == 0
