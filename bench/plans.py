"""Plans and timings of every list query of both dialects, straight against the store.

    .venv/bin/python -m bench.plans --engine sqlite --users 1000000
    .venv/bin/python -m bench.plans --engine postgres --users 1000000

Loads N users through the store's bulk path into a scratch SQLite file or PostgreSQL schema,
ANALYZEs, then prints one row per list query: the median time the store takes to return a
page of 100 users as values (page 1, and page 50 reached by keyset), and the plan of page 1.
It measures the store, not HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time

import asyncpg

from bench.seed import LIST_QUERIES, SENDBIRD_QUERIES, load_users
from roster.app import open_database
from roster.settings import Settings
from roster.store import user_listing

SCHEMA = "roster_bench_plans"


async def measure(settings: Settings, repeat: int) -> list[tuple[str, float, float, str]]:
    db = await open_database(settings)
    rows = []
    async with db.reader() as conn:
        for label, query in {**LIST_QUERIES, **SENDBIRD_QUERIES}.items():
            deep = None  # the key that ends page 49: page 50 is a step deep into a walk
            for _ in range(49):
                page = await user_listing.list_users(conn, query, deep, 0, 100)
                if len(page.users) < 100:
                    break
                deep = page.key(99)
            timings = []
            for after in (None, deep):
                samples = []
                for _ in range(repeat):
                    t0 = time.perf_counter()
                    await user_listing.list_users(conn, query, after, 0, 101)
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


def report(rows: list[tuple[str, float, float, str]]) -> None:
    print("| query | page 1 ms | page 50 ms | plan (page 1) |")
    print("|---|---:|---:|---|")
    for label, first, later, plan in rows:
        print(f"| {label} | {first:.2f} | {later:.2f} | `{plan[:400]}` |")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument(
        "--existing", action="store_true", help="use the store bench.run seeded (bench/data/)"
    )
    args = parser.parse_args()
    if args.existing:
        if args.engine == "sqlite":
            settings = Settings(db=f"bench/data/sqlite-{args.users}.db")
        else:
            settings = Settings(
                database_url=args.database_url, pg_schema=f"roster_bench_{args.users}"
            )
        report(await measure(settings, args.repeat))
        return
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
        report(await measure(settings, args.repeat))
        if args.engine == "postgres":
            conn = await asyncpg.connect(args.database_url)
            await conn.execute(f"DROP SCHEMA {SCHEMA} CASCADE")
            await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
