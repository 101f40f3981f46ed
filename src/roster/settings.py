"""One typed settings object, built once (from flags or ROSTER_* variables) and passed in."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class Settings:
    db: str = "./roster.db"
    database_url: str | None = None
    pg_schema: str | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    app_id: str | None = None
    api_key: str | None = None
    page_mark_ttl_ms: int = 300_000
    # A connection's presence lease: a crashed process's users go offline within this time.
    presence_lease_ms: int = 15_000
    # PostgreSQL connections per worker. A worker runs one request's Python at a time, so a
    # few queries in flight keep it busy; more only queue inside PostgreSQL, where they share
    # its cores with every other backend and the slowest wait longest (docs/operations.md).
    pg_pool_size: int = 4

    @property
    def engine(self) -> str:
        return "postgres" if self.database_url else "sqlite"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"ROSTER_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            values[f.name] = int(raw) if f.type in ("int", int) else raw
        return cls(**values)  # type: ignore[arg-type]

    def to_env(self) -> dict[str, str]:
        """The ROSTER_* variables that rebuild these settings in a worker process."""
        return {
            f"ROSTER_{f.name.upper()}": str(getattr(self, f.name))
            for f in fields(self)
            if getattr(self, f.name) is not None
        }
