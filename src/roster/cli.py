"""The `roster` command: a thin Click shell over the same services the server uses."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click

from roster.app import open_database
from roster.core.clock import SystemClock
from roster.core.errors import RosterError
from roster.core.tenancy import Tenancy
from roster.model.apps import Scope
from roster.settings import Settings

T = TypeVar("T")
# Event loops `serve --loop` accepts; asyncio is the default (docs/operations.md).
LOOPS = ("asyncio", "uvloop")

_db_options = [
    click.option(
        "--db",
        envvar="ROSTER_DB",
        default="./roster.db",
        show_default=True,
        help="SQLite file (the default engine).",
    ),
    click.option(
        "--database-url",
        envvar="ROSTER_DATABASE_URL",
        default=None,
        help="postgresql://… to use PostgreSQL instead of SQLite.",
    ),
    click.option(
        "--pg-schema",
        envvar="ROSTER_PG_SCHEMA",
        default=None,
        help="PostgreSQL schema to use (default: the server's search_path).",
    ),
]


def db_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(_db_options):
        func = option(func)
    return func


def _settings(db: str, database_url: str | None, pg_schema: str | None, **more: Any) -> Settings:
    return Settings(db=db, database_url=database_url, pg_schema=pg_schema, **more)


async def _with_tenancy(settings: Settings, work: Callable[[Tenancy], Awaitable[T]]) -> T:
    db = await open_database(settings)
    try:
        await db.migrate()
        return await work(Tenancy(db, SystemClock()))
    finally:
        await db.close()


def _run(settings: Settings, work: Callable[[Tenancy], Awaitable[T]]) -> T:
    try:
        return asyncio.run(_with_tenancy(settings, work))
    except RosterError as error:
        raise click.ClickException(str(error)) from None


@click.group(invoke_without_command=True)
@click.pass_context
def main(ctx: click.Context) -> None:
    """Roster: a self-hosted users service speaking CometChat and Sendbird."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(serve)


@main.command()
@db_options
@click.option("--host", envvar="ROSTER_HOST", default="127.0.0.1", show_default=True)
@click.option("--port", envvar="ROSTER_PORT", default=8080, type=int, show_default=True)
@click.option(
    "--workers", envvar="ROSTER_WORKERS", default=1, type=click.IntRange(1, 64), show_default=True
)
@click.option(
    "--presence-lease-ms",
    envvar="ROSTER_PRESENCE_LEASE_MS",
    default=15_000,
    type=click.IntRange(300, 600_000),
    show_default=True,
    help="Presence lease: a dead process's users go offline within this time.",
)
@click.option(
    "--pg-pool-size",
    envvar="ROSTER_PG_POOL_SIZE",
    default=Settings().pg_pool_size,
    type=click.IntRange(1, 1000),
    show_default=True,
    help="PostgreSQL connections per worker (docs/operations.md).",
)
@click.option(
    "--loop",
    envvar="ROSTER_LOOP",
    type=click.Choice(LOOPS),
    default="asyncio",
    show_default=True,
    help="Event loop. asyncio serves waiting requests in arrival order; uvloop can make one"
    " wait through two rounds of the others (docs/operations.md).",
)
@click.option(
    "--app-id",
    envvar="ROSTER_APP_ID",
    default=None,
    help="Ensure this app exists (with --api-key as a fullAccess key).",
)
@click.option(
    "--api-key",
    envvar="ROSTER_API_KEY",
    default=None,
    help="Ensure this key is a fullAccess key of --app-id.",
)
def serve(
    db: str,
    database_url: str | None,
    pg_schema: str | None,
    host: str,
    port: int,
    workers: int,
    presence_lease_ms: int,
    pg_pool_size: int,
    loop: str,
    app_id: str | None,
    api_key: str | None,
) -> None:
    """Run the HTTP server (the default command)."""
    if bool(app_id) != bool(api_key):
        raise click.UsageError("--app-id and --api-key go together")
    settings = _settings(
        db,
        database_url,
        pg_schema,
        host=host,
        port=port,
        workers=workers,
        presence_lease_ms=presence_lease_ms,
        pg_pool_size=pg_pool_size,
    )
    if app_id and api_key:
        _run(settings, lambda t: t.ensure_app_key(app_id, api_key))
        click.echo(f"roster: app {app_id} ready with the given fullAccess key")
    else:
        created = _run(settings, _first_start)
        if created:
            click.echo(created)
    sys.stdout.flush()
    os.environ.update(settings.to_env())
    import uvicorn

    from roster.http.nodelay import NoDelayHttpProtocol

    engine = settings.engine
    where = (settings.database_url and "PostgreSQL") or settings.db
    click.echo(f"roster: serving on http://{host}:{port} ({engine}: {where}, {workers} worker(s))")
    uvicorn.run(
        "roster.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop=loop,
        http=NoDelayHttpProtocol,
        log_level="warning",
        access_log=False,
    )


async def _first_start(tenancy: Tenancy) -> str | None:
    """On an empty store, create one app and print its keys once."""
    if await tenancy.count_apps() > 0:
        return None
    app = await tenancy.create_app(name="default")
    _full, full_secret = await tenancy.create_key(app.app_id, Scope.FULL_ACCESS, "REST API Key")
    _auth, auth_secret = await tenancy.create_key(app.app_id, Scope.AUTH_ONLY, "Auth Key")
    return (
        "roster: created the first app. Keep these keys; they are not shown again.\n"
        f"  app id:              {app.app_id}\n"
        f"  fullAccess api key:  {full_secret}\n"
        f"  authOnly api key:    {auth_secret}"
    )


@main.group()
def apps() -> None:
    """Manage apps."""


@apps.command("create")
@db_options
@click.option("--app-id", default=None, help="Choose the app id (default: random).")
@click.option("--name", default=None)
def apps_create(
    db: str, database_url: str | None, pg_schema: str | None, app_id: str | None, name: str | None
) -> None:
    """Create an app with a fullAccess key and an authOnly key."""
    settings = _settings(db, database_url, pg_schema)

    async def work(tenancy: Tenancy) -> tuple[str, str, str]:
        app = await tenancy.create_app(app_id, name)
        _f, full = await tenancy.create_key(app.app_id, Scope.FULL_ACCESS, "REST API Key")
        _a, auth = await tenancy.create_key(app.app_id, Scope.AUTH_ONLY, "Auth Key")
        return app.app_id, full, auth

    new_id, full, auth = _run(settings, work)
    click.echo(f"app id: {new_id}\nfullAccess api key: {full}\nauthOnly api key: {auth}")


@apps.command("list")
@db_options
def apps_list(db: str, database_url: str | None, pg_schema: str | None) -> None:
    """List apps."""
    for app in _run(_settings(db, database_url, pg_schema), lambda t: t.list_apps()):
        click.echo(f"{app.app_id}\t{app.name}\t{app.created_at // 1000}")


@main.group()
def keys() -> None:
    """Manage API keys of an app."""


@keys.command("create")
@db_options
@click.option("--app-id", required=True)
@click.option(
    "--scope", type=click.Choice([s.value for s in Scope]), default="fullAccess", show_default=True
)
@click.option("--name", default=None)
def keys_create(
    db: str,
    database_url: str | None,
    pg_schema: str | None,
    app_id: str,
    scope: str,
    name: str | None,
) -> None:
    """Create a key; its secret is printed once."""
    key, secret = _run(
        _settings(db, database_url, pg_schema),
        lambda t: t.create_key(app_id, Scope(scope), name),
    )
    click.echo(f"key id: {key.key_id}\nscope: {key.scope.value}\napi key: {secret}")


@keys.command("list")
@db_options
@click.option("--app-id", required=True)
def keys_list(db: str, database_url: str | None, pg_schema: str | None, app_id: str) -> None:
    """List keys (never their secrets)."""
    for key in _run(_settings(db, database_url, pg_schema), lambda t: t.list_keys(app_id)):
        state = "revoked" if key.revoked_at else "active"
        click.echo(f"{key.key_id}\t{key.scope.value}\t{key.name}\t…{key.hint}\t{state}")


@keys.command("revoke")
@db_options
@click.option("--app-id", required=True)
@click.argument("key_id")
def keys_revoke(
    db: str, database_url: str | None, pg_schema: str | None, app_id: str, key_id: str
) -> None:
    """Revoke a key by its id."""
    if not _run(_settings(db, database_url, pg_schema), lambda t: t.revoke_key(app_id, key_id)):
        raise click.ClickException(f"no active key {key_id} in app {app_id}")
    click.echo(f"revoked {key_id}")


if __name__ == "__main__":
    main()
