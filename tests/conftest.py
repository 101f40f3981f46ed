"""Fresh store per test, on both engines: a SQLite file, or a PostgreSQL schema.

PostgreSQL is required: when it cannot be reached the PostgreSQL tests fail, they never skip.
Set ROSTER_TEST_DATABASE_URL to point them at another server.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from starlette.testclient import TestClient

from roster.app import RosterApp, open_database
from roster.core.clock import SystemClock
from roster.core.tenancy import Tenancy
from roster.model.apps import Scope
from roster.settings import Settings
from tests import contract

PG_URL = os.environ.get("ROSTER_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
APP_ID = "app1"
API_KEY = "0123456789abcdef0123456789abcdef01234567"
ENGINES = ["sqlite", "postgres"]


async def pg_execute(sql: str) -> None:
    conn = await asyncpg.connect(PG_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def pg_value(sql: str) -> object:
    """The first column of the first row of one statement."""
    conn = await asyncpg.connect(PG_URL)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


@contextlib.contextmanager
def fresh_pg_schema() -> Iterator[str]:
    """An empty PostgreSQL schema of its own, dropped afterwards with everything in it."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    asyncio.run(pg_execute(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        asyncio.run(pg_execute(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def pg_schema() -> Iterator[str]:
    with fresh_pg_schema() as schema:
        yield schema


@pytest.fixture(params=ENGINES)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings for a brand-new, empty store on the engine under test."""
    if request.param == "sqlite":
        yield Settings(db=str(tmp_path / "roster.db"))
        return
    with fresh_pg_schema() as schema:
        yield Settings(database_url=PG_URL, pg_schema=schema)


async def bootstrap(settings: Settings) -> dict[str, str]:
    db = await open_database(settings)
    try:
        await db.migrate()
        tenancy = Tenancy(db, SystemClock())
        await tenancy.ensure_app_key(APP_ID, API_KEY)
        _key, auth_only = await tenancy.create_key(APP_ID, Scope.AUTH_ONLY, "auth")
        other = await tenancy.create_app("app2")
        _key2, other_key = await tenancy.create_key(other.app_id, Scope.FULL_ACCESS)
        return {"full": API_KEY, "auth_only": auth_only, "other_app": other_key}
    finally:
        await db.close()


class ManualClock:
    """A clock the test sets; with `step`, every reading advances it (so no two readings tie)."""

    def __init__(self, now_ms: int, step: int = 0) -> None:
        self.ms = now_ms
        self.step = step

    def now_ms(self) -> int:
        now = self.ms
        self.ms += self.step
        return now

    def advance(self, ms: int) -> None:
        self.ms += ms


class ContractClient(TestClient):
    """A TestClient whose every response is validated against the dialect's OpenAPI file."""

    dialect = "cometchat"

    def request(self, method: str, url: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        response = super().request(method, url, *args, **kwargs)
        path = response.request.url.raw_path.decode().split("?", 1)[0]
        if not path.endswith("openapi.json"):
            contract.validate(self.dialect, method, path, response.status_code, response.json())
        return response


class SendbirdClient(ContractClient):
    dialect = "sendbird"


@pytest.fixture
def keys(settings: Settings) -> dict[str, str]:
    return asyncio.run(bootstrap(settings))


@pytest.fixture
def app(settings: Settings, keys: dict[str, str]) -> RosterApp:
    return RosterApp(settings)


CLOCK_T0 = 1_700_000_000_000  # ms: where `clocked` apps start


@pytest.fixture
def clocked(
    settings: Settings, keys: dict[str, str]
) -> Iterator[tuple[ContractClient, ManualClock]]:
    """Like `cc`, but the app's clock is set by the test (starting at CLOCK_T0)."""
    clock = ManualClock(CLOCK_T0)
    app = RosterApp(settings, clock)
    with ContractClient(
        app, base_url="http://testserver/v3", headers={"apikey": keys["full"]}
    ) as client:
        yield client, clock


@pytest.fixture
def running(app: RosterApp) -> Iterator[TestClient]:
    """The app started once (lifespan, event loop) for every client of a test.

    Clients share this loop: an asyncpg pool works only on the loop that opened it.
    """
    with TestClient(app) as client:
        yield client


def _on(running: TestClient, client: ContractClient) -> ContractClient:
    client.portal = running.portal
    return client


@pytest.fixture
def cc(app: RosterApp, keys: dict[str, str], running: TestClient) -> ContractClient:
    """A CometChat client of app1 with its fullAccess key, on /v3."""
    headers = {"apikey": keys["full"]}
    return _on(running, ContractClient(app, base_url="http://testserver/v3", headers=headers))


@pytest.fixture
def sb(app: RosterApp, keys: dict[str, str], running: TestClient) -> ContractClient:
    """A Sendbird client of app1 with its master API token, on the bare /v3 (paths: /users...)."""
    headers = {"Api-Token": keys["full"]}
    return _on(running, SendbirdClient(app, base_url="http://testserver/v3", headers=headers))


def make_user(client: TestClient, uid: str, name: str | None = None, **fields: Any) -> Any:
    response = client.post("/users", json={"uid": uid, "name": name or uid, **fields})
    assert response.status_code == 200, response.text
    return response.json()["data"]
