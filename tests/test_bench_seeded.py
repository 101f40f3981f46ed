"""bench.run.seeded on PostgreSQL reuses a seeded schema only while no run has written to it.

SQLite runs start from a fresh copy of the seeded file; PostgreSQL runs share one schema, so
an earlier run's creates, renames and deactivations would otherwise stay in the next run's
store (docs/benchmarks.md, "List rounds before writes").
"""

from __future__ import annotations

import asyncio

from bench.run import seeded
from tests.conftest import pg_value

N = 1_200
SCHEMA = f"roster_bench_{N}"


def test_a_written_schema_is_seeded_again_and_an_untouched_one_kept() -> None:
    asyncio.run(pg_value(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    try:
        asyncio.run(seeded("postgres", N))
        # A mark outside the users: it survives only if the schema is kept.
        asyncio.run(pg_value(f"INSERT INTO {SCHEMA}.apps VALUES ('mark', 'mark', 0)"))
        asyncio.run(seeded("postgres", N))
        assert (
            asyncio.run(pg_value(f"SELECT COUNT(*) FROM {SCHEMA}.apps WHERE app_id = 'mark'")) == 1
        )
        for write in (
            f"UPDATE {SCHEMA}.users SET updated_at = 5 WHERE uid = 'user-3'",
            f"UPDATE {SCHEMA}.users SET active = 0, deactivated_at = 5 WHERE uid = 'user-4'",
            f"INSERT INTO {SCHEMA}.users (app_id, uid, uid_key, name, name_key, role, created_at)"
            " VALUES ('a', 'b5-0', 'b5-0', 'New', 'new', 'default', 5)",
        ):
            asyncio.run(
                pg_value(
                    f"INSERT INTO {SCHEMA}.apps VALUES ('mark', 'mark', 0) ON CONFLICT DO NOTHING"
                )
            )
            asyncio.run(pg_value(write))
            asyncio.run(seeded("postgres", N))
            assert (
                asyncio.run(pg_value(f"SELECT COUNT(*) FROM {SCHEMA}.apps WHERE app_id = 'mark'"))
                == 0
            )
            assert asyncio.run(pg_value(f"SELECT COUNT(*) FROM {SCHEMA}.users")) == N
    finally:
        asyncio.run(pg_value(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
