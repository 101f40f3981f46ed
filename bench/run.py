"""The benchmark harness: every workload of both dialects over HTTP, at concurrency 1 and 16.

    .venv/bin/python -m bench.run --engine sqlite --workers 1
    .venv/bin/python -m bench.run --engine postgres --workers 2

Seeds N users (default 1,000,000) through the store's bulk path once per engine and keeps the
store under bench/data/ (SQLite: a pristine copy is cloned per run, since write workloads
change it). Starts `roster serve` on a free loopback port and, on SQLite, the floor app
(bench/floor.py) on another, replaying the very SQL Roster ran for each workload. Each run is
bounded in requests and seconds; runs of Roster and of its floor are interleaved, repeated
`--rounds` times, and medians are printed as a markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg

from bench import load
from bench.seed import APP_ID, SEED_TIME, VIEWER, load_users, name_of
from roster.cli import LOOPS
from roster.settings import Settings

KEY = "be4c4be4c4be4c4be4c4be4c4be4c4be4c4be4c4"
DATA = Path(__file__).parent / "data"
PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CC = "/cometchat/v3/users"
SB = "/sendbird/v3/users"
WALK_PAGES = 5000
CC_HEADERS = {"apikey": KEY}
SB_HEADERS = {"Api-Token": KEY}


@dataclass
class Workload:
    name: str
    make: Callable[[int, int], load.Request]  # (sequence number, concurrency) -> request
    floor: bool = True
    max_requests: int | None = None  # walks stop at their depth
    chain: bool = False  # c=1: each request follows the previous response (token walk)
    # For workloads whose requests differ (walks, random pages): which of the recorded requests
    # (see `record_floor`) the floor replays for request (i, concurrency). None: all alike.
    replay: Callable[[int, int], int] | None = None
    write: bool = False


def get(path: str, headers: dict[str, str]) -> Callable[[int, int], load.Request]:
    request = load.Request("GET", path, headers)
    return lambda _i, _c: request


def cc_list(query: str, **headers: str) -> Callable[[int, int], load.Request]:
    return get(f"{CC}?perPage=100&{query}".rstrip("&"), {**CC_HEADERS, **headers})


def sb_list(query: str) -> Callable[[int, int], load.Request]:
    return get(f"{SB}?limit=100&{query}".rstrip("&"), SB_HEADERS)


_NEXT = b'"next":'
_STRING = json.JSONDecoder()


def next_token(body: bytes) -> str | None:
    """The `next` token of a Sendbird list body, read from its end (where Roster puts it).

    Decoding the whole body (100 users) took the driver about as long as the floor takes to
    serve a page, and in a chain it is paid between requests, so it counted against Roster only.
    """
    at = body.rfind(_NEXT)
    if at < 0:
        return None
    text = body[at + len(_NEXT) :].decode().lstrip()
    if not text.startswith('"'):
        return None  # null: the last page
    token, _end = _STRING.raw_decode(text)
    return str(token) or None


@dataclass
class TokenWalk:
    """Sendbird `next` tokens: followed in a chain at c=1, kept for random depths at c=16."""

    tokens: list[str] = field(default_factory=list)
    current: str | None = None

    def make(self, i: int, concurrency: int) -> load.Request:
        if concurrency > 1 and self.tokens:
            token = self.tokens[(i * 7919) % len(self.tokens)]
        elif i == 0:
            token = None
        else:
            token = self.current
        query = f"&token={quote(token)}" if token else ""
        return load.Request("GET", f"{SB}?limit=100{query}", SB_HEADERS)

    def on_response(self, i: int, status: int, body: bytes) -> None:
        self.current = next_token(body)
        if self.current and len(self.tokens) < WALK_PAGES:
            self.tokens.append(self.current)


def workloads(n: int, active_uids: list[str], run_id: str) -> tuple[list[Workload], TokenWalk]:
    walk = TokenWalk()
    pages = min(WALK_PAGES, max(1, n // 100 - 100))
    ids = ",".join(f"user-{(i * 3989) % n}" for i in range(250))
    nickname = quote(name_of(12345 % n))
    targets = active_uids

    def cc_walk(i: int, c: int) -> load.Request:
        return load.Request("GET", f"{CC}?perPage=100&page={i // c % pages + 1}", CC_HEADERS)

    def cc_random(i: int, _c: int) -> load.Request:
        page = random.Random(i).randint(1, pages)
        return load.Request("GET", f"{CC}?perPage=100&page={page}", CC_HEADERS)

    fresh = itertools.count()  # every create and deactivate names a user no run named before

    def create(_i: int, _c: int) -> load.Request:
        i = next(fresh)
        body = {"uid": f"{run_id}-{i}", "name": f"Bench Écrit {i}", "tags": ["bench"]}
        return load.Request("POST", CC, CC_HEADERS, json.dumps(body).encode())

    def update(i: int, _c: int) -> load.Request:
        body = json.dumps({"name": f"Renamed {run_id} {i}"}).encode()
        return load.Request("PUT", f"{CC}/{targets[i % len(targets)]}", CC_HEADERS, body)

    def deactivate(_i: int, _c: int) -> load.Request:
        uid = targets[-1 - next(fresh) % len(targets)]  # from the other end than updates
        return load.Request("DELETE", f"{CC}/{uid}", CC_HEADERS)

    found = [
        Workload("cc first page", cc_list("")),
        Workload("cc searchKey common (jos)", cc_list("searchKey=jos")),
        Workload("cc searchKey rare (xyl)", cc_list("searchKey=xyl")),
        Workload("cc contains common (ann)", cc_list("searchKey=ann&searchMode=contains")),
        Workload("cc contains rare (ylia q)", cc_list("searchKey=ylia%20q&searchMode=contains")),
        Workload("cc tags=t1", cc_list("tags=t1")),
        Workload("cc role=admin", cc_list("role=admin")),
        Workload("cc roles=admin,mod", cc_list("roles=admin,mod")),
        Workload("cc status=available", cc_list("status=available")),
        Workload("cc onlyDeactivated", cc_list("onlyDeactivated=true")),
        Workload("cc count=true", cc_list("count=true")),
        Workload("cc onBehalfOf", cc_list("", onBehalfOf=VIEWER)),
        Workload(
            f"cc walk to page {pages}",
            cc_walk,
            max_requests=pages,
            replay=lambda i, c: i // c % pages,
        ),
        Workload(
            f"cc random page (1-{pages})",
            cc_random,
            replay=lambda i, _c: i % pages,
        ),
        Workload("sb first page", sb_list("")),
        Workload(
            f"sb token walk ({pages * 100:,} deep)",
            walk.make,
            max_requests=pages,
            chain=True,
            # c=1 follows the chain from page 1; c=16 jumps to kept tokens, at random depths.
            replay=lambda i, c: i % pages if c == 1 else (i * 7919) % pages,
        ),
        Workload("sb nickname_startswith (jos)", sb_list("nickname_startswith=jos")),
        Workload("sb nickname_contains (lex)", sb_list("nickname_contains=lex")),
        Workload("sb nickname", sb_list(f"nickname={nickname}")),
        Workload("sb user_ids (250)", sb_list(f"user_ids={ids}")),
        Workload(
            "sb metadata (3 values)",
            sb_list("metadatakey=font_color&metadatavalues_in=black,red,teal"),
        ),
        Workload("sb active_mode=deactivated", sb_list("active_mode=deactivated")),
        Workload("sb show_bot=false", sb_list("show_bot=false")),
        Workload("create user", create, floor=False, write=True),
        Workload("update user", update, floor=False, write=True),
        Workload("deactivate user", deactivate, floor=False, write=True),
    ]
    return found, walk


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start(args: list[str], port: int, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(args, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except OSError as exc:
            if getattr(exc, "code", None) == 404:
                return proc  # the floor answers 404 for unknown paths: it is up
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"server did not start: {args}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def record_floor(settings: Settings, found: list[Workload], pages: int) -> dict[str, Any]:
    """Run each workload's requests in-process and keep the SQL Roster executed for each.

    A workload's first request is made once unrecorded, so the steady state is kept (the API
    key lookup is cached between requests). Workloads whose requests are all alike are recorded
    once; the others (`replay`) as `pages` requests in the order the driver makes them at
    concurrency 1: the token walk by following its `next` tokens from page 1.
    """
    from starlette.testclient import TestClient

    from roster.app import RosterApp
    from roster.store.sqlite import SqliteConn

    log: list[tuple[str, list[Any]]] | None = None
    originals = {m: getattr(SqliteConn, m) for m in ("fetch", "fetchone", "execute")}

    def recording(method: str) -> Any:
        async def call(self: SqliteConn, sql: str, args: Any = ()) -> Any:
            if log is not None:
                log.append((sql, list(args)))
            return await originals[method](self, sql, args)

        return call

    plans: dict[str, Any] = {}
    for method in originals:
        setattr(SqliteConn, method, recording(method))
    try:
        with TestClient(RosterApp(settings)) as client:

            def run(workload: Workload, request: load.Request) -> bytes:
                """The response body; the request's SQL is appended to `log` when one is open."""
                response = client.get(request.path, headers=dict(request.headers))
                assert response.status_code == 200, (workload.name, response.text)
                return response.content

            for workload in found:
                if not workload.floor:
                    continue
                run(workload, workload.make(0, 1))
                # A chain is followed as the driver follows it, by a walk of its own (the
                # driver's keeps the tokens of the server under test).
                chain = TokenWalk() if workload.chain else None
                recorded = []
                for i in range(pages if workload.replay else 1):
                    log = []
                    if chain is None:
                        run(workload, workload.make(i, 1))
                    else:
                        chain.on_response(i, 200, run(workload, chain.make(i, 1)))
                    recorded.append(log)
                    log = None
                plans[slug(workload.name)] = recorded
    finally:
        for method, original in originals.items():
            setattr(SqliteConn, method, original)
    return plans


def slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


async def seeded(engine: str, n: int) -> Settings:
    DATA.mkdir(exist_ok=True)
    if engine == "sqlite":
        pristine = DATA / f"sqlite-{n}.db"
        if not pristine.exists():
            scratch = DATA / f"sqlite-{n}.loading.db"
            scratch.unlink(missing_ok=True)
            t0 = time.perf_counter()
            await load_users(Settings(db=str(scratch)), n)
            print(f"seeded {n:,} users in {time.perf_counter() - t0:.1f} s", flush=True)
            scratch.rename(pristine)
        return Settings(db=str(pristine))
    schema = f"roster_bench_{n}"
    conn = await asyncpg.connect(PG_URL)
    try:
        # Seeded and untouched: an earlier run's writes (users created at the front of uid
        # order, renames, deactivations, trigram entries) would make this run measure another
        # store, as they did for session 13's first PostgreSQL runs (docs/benchmarks.md).
        ready = (
            await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", f"{schema}.user_counts")
            and await conn.fetchval(f"SELECT COUNT(*) FROM {schema}.users") == n
            and not await conn.fetchval(
                f"SELECT EXISTS (SELECT 1 FROM {schema}.users WHERE created_at > {SEED_TIME}"
                f" OR updated_at IS NOT NULL OR deactivated_at > {SEED_TIME})"
            )
        )
        if not ready:
            await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
    finally:
        await conn.close()
    settings = Settings(database_url=PG_URL, pg_schema=schema)
    if not ready:
        t0 = time.perf_counter()
        await load_users(settings, n)
        print(f"seeded {n:,} users in {time.perf_counter() - t0:.1f} s", flush=True)
    return settings


async def active_uids(settings: Settings, n: int) -> list[str]:
    """Active users from the back half, for update and deactivate workloads (and the key)."""
    from roster.app import open_database
    from roster.core.clock import SystemClock
    from roster.core.tenancy import Tenancy

    db = await open_database(settings)
    try:
        await Tenancy(db, SystemClock()).ensure_app_key(APP_ID, KEY)
        async with db.reader() as conn:
            rows = await conn.fetch(
                "SELECT uid FROM users WHERE app_id = ? AND active = 1 AND uid LIKE 'user-%'"
                " AND pk > ? ORDER BY pk LIMIT 200000",
                (APP_ID, n // 2),
            )
    finally:
        await db.close()
    return [r[0] for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=2.0, help="per run")
    parser.add_argument("--requests", type=int, default=20_000, help="per run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="", help="run workloads whose name contains this")
    parser.add_argument("--loop", choices=LOOPS, help="Roster's event loop (default: serve's)")
    args = parser.parse_args()
    settings = asyncio.run(seeded(args.engine, args.users))
    with tempfile.TemporaryDirectory(dir=DATA) as scratch:
        if args.engine == "sqlite":
            copy = Path(scratch) / "run.db"
            shutil.copyfile(settings.db, copy)
            settings = Settings(db=str(copy))
        uids = asyncio.run(active_uids(settings, args.users))
        run_id = f"b{int(time.time())}"
        found, walk = workloads(args.users, uids, run_id)
        found = [w for w in found if args.only in w.name]
        pages = min(WALK_PAGES, max(1, args.users // 100 - 100))
        floor_port = None
        floor_proc = None
        if args.engine == "sqlite":
            plans = record_floor(settings, found, pages)
            plans_file = Path(scratch) / "plans.json"
            plans_file.write_text(json.dumps(plans))
            floor_port = free_port()
            floor_proc = start(
                [sys.executable, "-m", "uvicorn", "--factory", "bench.floor:create",
                 "--host", "127.0.0.1", "--port", str(floor_port), "--log-level", "warning",
                 "--no-access-log"],
                floor_port,
                {"FLOOR_DB": settings.db, "FLOOR_PLANS": str(plans_file)},
            )  # fmt: skip
        port = free_port()
        where = (
            ["--db", settings.db]
            if args.engine == "sqlite"
            else ["--database-url", PG_URL, "--pg-schema", str(settings.pg_schema)]
        )
        server = start(
            [str(Path(sys.executable).parent / "roster"), "serve", *where, "--host", "127.0.0.1",
             "--port", str(port), "--workers", str(args.workers), "--app-id", APP_ID,
             "--api-key", KEY, *(["--loop", args.loop] if args.loop else [])],
            port,
        )  # fmt: skip
        try:
            workers = load.worker_pids(server.pid, port) if args.workers > 1 else []
            results = measure(args, found, walk, port, floor_port, workers)
            rss = load.worker_rss_mb(server.pid)
            mapped = load.worker_rss_mb(server.pid, "RssFile")
        finally:
            stop(server)
            if floor_proc is not None:
                stop(floor_proc)
    report(args, results, rss, mapped, [w.name for w in found if w.max_requests])


Samples = dict[tuple[str, int, str], list[load.Result]]


def measure(
    args: argparse.Namespace,
    found: list[Workload],
    walk: TokenWalk,
    port: int,
    floor_port: int | None,
    workers: list[int],
) -> Samples:
    """Roster's connections are spread evenly over its `workers` (pids), if more than one."""
    samples: Samples = {}
    for phase, round_no, workload, last in schedule(found, args.rounds):
        for concurrency in (1, 16):
            targets = [("roster", port)]
            if workload.floor and floor_port is not None:
                targets.append(("floor", floor_port))
            for who, target in targets:
                make = workload.make
                if who == "floor":
                    make = floor_request(workload)
                limit = workload.max_requests or args.requests
                chained = workload.chain and concurrency == 1 and who == "roster"
                if chained:
                    walk.current = None
                result = load.run_sync(
                    "127.0.0.1",
                    target,
                    shifted(make, round_no * 25_000, concurrency),
                    concurrency=concurrency,
                    max_requests=limit,
                    max_seconds=args.seconds * (5 if workload.max_requests else 1),
                    on_response=walk.on_response if chained else None,
                    spread_over=workers if who == "roster" else None,
                )
                samples.setdefault((workload.name, concurrency, who), []).append(result)
                if result.errors:
                    print(f"  {workload.name} c={concurrency} {who}: {result.first_error}")
        if last:
            print(f"{phase} round {round_no + 1}/{args.rounds} done", flush=True)
    return samples


def schedule(found: list[Workload], rounds: int) -> list[tuple[str, int, Workload, bool]]:
    """Every round of the list workloads, then every round of the writes, as (phase, round,
    workload, whether it ends its round).

    The writes change the data set the list workloads are defined on: a round of them adds
    7,000-8,000 users whose uids ("b<time>-<n>") sort before every seeded one, and a list in
    uid order with a filter walks all of them before its first match. 7,500 such users made
    the SQL of the `jos` and `lex` pages 3.1x and 2.4x slower (docs/benchmarks.md), so list
    rounds after a write round measured another store, for Roster and its floor alike.
    """
    phases = {"lists": [w for w in found if not w.write], "writes": [w for w in found if w.write]}
    return [
        (phase, r, w, w is part[-1])
        for phase, part in phases.items()
        for r in range(rounds)
        for w in part
    ]


def floor_request(workload: Workload) -> Callable[[int, int], load.Request]:
    path = "/" + slug(workload.name)
    replay = workload.replay
    if replay is None:
        return get(path, {})
    return lambda i, c: load.Request("GET", f"{path}?i={replay(i, c)}", {})


def shifted(
    make: Callable[[int, int], load.Request], by: int, concurrency: int
) -> Callable[[int], load.Request]:
    """Each round asks for other ids (creates must not collide, pages should differ)."""
    return lambda i: make(i + by, concurrency)


def report(
    args: argparse.Namespace,
    samples: Samples,
    rss: list[float],
    mapped: list[float],
    walks: list[str],
) -> None:
    print(f"\n{args.engine}, {args.users:,} users, {args.workers} worker(s), "
          f"{args.rounds} rounds of {args.seconds:g} s; medians")  # fmt: skip
    floor_col = args.engine == "sqlite"
    head = "| workload | c | req/s | p50 ms | p99 ms | errors |"
    rule = "|---|---:|---:|---:|---:|---:|"
    if floor_col:
        head += " floor req/s | ratio |"
        rule += "---:|---:|"
    print(head)
    print(rule)
    names = list(dict.fromkeys(name for name, _c, _who in samples))
    for name in names:
        for concurrency in (1, 16):
            runs = samples.get((name, concurrency, "roster"), [])
            if not runs:
                continue
            rps = median([r.rps for r in runs])
            line = (
                f"| {name} | {concurrency} | {rps:,.0f} | {median([r.p50 for r in runs]):.2f} |"
                f" {median([r.p99 for r in runs]):.2f} | {sum(r.errors for r in runs)} |"
            )
            if floor_col:
                floors = samples.get((name, concurrency, "floor"), [])
                if floors:
                    floor_rps = median([r.rps for r in floors])
                    line += f" {floor_rps:,.0f} | {rps / floor_rps:.2f} |"
                else:
                    line += " - | - |"
            print(line)
    for name in walks:  # deep pages should cost what the first ones cost
        runs = samples[(name, 1, "roster")]
        firsts = [median(r.latencies_ms[:100]) for r in runs if len(r.latencies_ms) >= 200]
        lasts = [median(r.latencies_ms[-100:]) for r in runs if len(r.latencies_ms) >= 200]
        if firsts:
            print(
                f"\n{name} (c=1): first 100 pages p50 {median(firsts):.2f} ms,"
                f" last 100 pages p50 {median(lasts):.2f} ms,"
                f" ratio {median(lasts) / median(firsts):.2f}"
            )
    print(f"\nserver RSS after the runs (MB per process): {', '.join(f'{m:.0f}' for m in rss)}")
    print(f"of which mapped files (MB per process): {', '.join(f'{m:.0f}' for m in mapped)}")


if __name__ == "__main__":
    main()
