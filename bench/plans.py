"""Plans and timings of every CometChat list query, straight against the store.

    .venv/bin/python -m bench.plans --engine sqlite --users 100000
    .venv/bin/python -m bench.plans --engine postgres --users 100000

Loads N users through the store's bulk path into a scratch SQLite file or PostgreSQL schema,
ANALYZEs, then prints one row per list query: median time of the page query (page 1 and a
page after a key), and the plan. It measures the SQL, not HTTP; the HTTP harness comes with
the benchmark issue.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time

import asyncpg

from bench.seed import LIST_QUERIES, load_users
from roster.app import open_database
from roster.settings import Settings
from roster.store import user_listing

SCHEMA = "roster_bench_plans"


async def measure(settings: Settings, repeat: int) -> list[tuple[str, float, float, str]]:
    db = await open_database(settings)
    rows = []
    async with db.reader() as conn:
        for label, query in LIST_QUERIES.items():
            timings = []
            for after in (None, ("m", "user-5")):
                sql, args = await user_listing.page_query(conn, query, after, 101)
                samples = []
                for _ in range(repeat):
                    t0 = time.perf_counter()
                    await conn.fetch(sql, args)
                    samples.append((time.perf_counter() - t0) * 1000)
                timings.append(statistics.median(samples))
            sql, args = await user_listing.page_query(conn, query, None, 101)
            if conn.engine == "sqlite":
                plan = " / ".join(
                    str(r[3]) for r in await conn.fetch("EXPLAIN QUERY PLAN " + sql, args)
                )
            else:
                plan = " / ".join(
                    str(r[0]).strip() for r in await conn.fetch("EXPLAIN (COSTS OFF) " + sql, args)
                )
            rows.append((label, timings[0], timings[1], plan))
    await db.close()
    return rows


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        if args.engine == "sqlite":
            settings = Settings(db=os.path.join(scratch, "bench.db"))
        else:
            conn = await asyncpg.connect(args.database_url)
            await conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}")
            await conn.close()
            settings = Settings(database_url=args.database_url, pg_schema=SCHEMA)
        started = time.perf_counter()
        await load_users(settings, args.users)
        seconds = time.perf_counter() - started
        print(f"{args.engine}: loaded {args.users} users in {seconds:.1f} s")
        print("| query | page 1 ms | page after key ms | plan (page 1) |")
        print("|---|---:|---:|---|")
        for label, first, later, plan in await measure(settings, args.repeat):
            print(f"| {label} | {first:.2f} | {later:.2f} | `{plan[:300]}` |")
        if args.engine == "postgres":
            conn = await asyncpg.connect(args.database_url)
            await conn.execute(f"DROP SCHEMA {SCHEMA} CASCADE")
            await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
