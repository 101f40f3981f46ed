"""Machine instructions per request, Roster against its floor, counted by valgrind's callgrind.

    .venv/bin/python -m bench.instructions            # needs valgrind and bench.run's SQLite store

Timings on the shared 2-core boxes move by ±15 % from run to run, which hides the few percent
one change to the hot path makes; an instruction count does not move by more than about 1 %.
Each request is made in process, against Roster's ASGI app with `roster serve`'s settings on
a copy of the seeded store (no HTTP server, no kernel: those cost Roster and the floor alike).
The floor is the same SQL Roster ran, recorded, replayed with stdlib `sqlite3` and encoded
with orjson, as `bench/floor.py` does over HTTP. A child process makes `--warm` requests, then
`--requests` more; the count of a child that makes none after warming is subtracted, so start-up
and warming cancel out. The ratio is the floor's count over Roster's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.run import DATA, KEY
from bench.seed import APP_ID

TARGETS = {
    "cc first page (100)": "/cometchat/v3/users?perPage=100",
    "cc one user": "/cometchat/v3/users?perPage=1",
    "sb first page (100)": "/sendbird/v3/users?limit=100",
    "sb one user": "/sendbird/v3/users?limit=1",
}


def _scope(target: str) -> dict[str, Any]:
    path, _, query = target.partition("?")
    header = b"apikey" if path.startswith("/cometchat") else b"api-token"
    return {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(b"host", b"127.0.0.1:8000"), (header, KEY.encode())],
        "http_version": "1.1",
        "scheme": "http",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
    }


async def _roster(db: str, target: str, warm: int, requests: int, sql_out: str | None) -> None:
    from roster.app import create_app
    from roster.core.clock import SystemClock
    from roster.core.tenancy import Tenancy
    from roster.settings import Settings
    from roster.store.sqlite import SqliteConn

    app = create_app(Settings(db=db))
    await app.start()
    assert app.db is not None
    await Tenancy(app.db, SystemClock()).ensure_app_key(APP_ID, KEY)
    scope = _scope(target)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    for _ in range(warm):
        sent.clear()
        await app(scope, receive, send)
    assert sent[0]["status"] == 200, sent
    if sql_out is not None:  # the SQL of one warm request, for the floor
        log: list[tuple[str, list[Any]]] = []
        fetch = SqliteConn.fetch

        async def recording(self: SqliteConn, sql: str, args: Any = ()) -> Any:
            log.append((sql, list(args)))
            return await fetch(self, sql, args)

        SqliteConn.fetch = recording  # type: ignore[method-assign]
        await app(scope, receive, send)
        SqliteConn.fetch = fetch  # type: ignore[method-assign]
        Path(sql_out).write_text(json.dumps(log))
    for _ in range(requests):
        sent.clear()
        await app(scope, receive, send)
    await app.stop()


def _floor(db: str, sql_file: str, warm: int, requests: int) -> None:
    import sqlite3

    import orjson

    from roster.store.sqlite import MMAP_BYTES

    statements = json.loads(Path(sql_file).read_text())
    conn = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA cache_size=-65536")
    conn.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    for _ in range(warm + requests):
        orjson.dumps([conn.execute(sql, args).fetchall() for sql, args in statements])


def _counted(args: list[str]) -> int:
    """Instructions callgrind counts for a child run with `args`."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "callgrind.out"
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable,
             "-m", "bench.instructions", "--child", *args],
            capture_output=True, text=True, env=env, check=True,
        )  # fmt: skip
    for line in done.stderr.splitlines():
        if "Collected :" in line:
            return int(line.rsplit(":", 1)[1])
    raise RuntimeError(done.stderr[-2000:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--warm", type=int, default=300)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, db, target, warm, requests, *rest = args.child
        if kind == "roster":
            asyncio.run(_roster(db, target, int(warm), int(requests), rest[0] if rest else None))
        else:
            _floor(db, target, int(warm), int(requests))
        return
    pristine = DATA / f"sqlite-{args.users}.db"
    if not pristine.exists():
        sys.exit(f"no store at {pristine}: run `python -m bench.run --engine sqlite` once first")
    print(f"instructions per request, {args.users:,} users, {args.requests} requests after "
          f"{args.warm} to warm\n")  # fmt: skip
    print("| request | Roster | floor | floor / Roster |")
    print("|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory(dir=DATA) as scratch:
        db = str(Path(scratch) / "run.db")
        shutil.copyfile(pristine, db)
        for label, target in TARGETS.items():
            sql = str(Path(scratch) / "sql.json")
            warm = str(args.warm)
            base = _counted(["roster", db, target, warm, "0", sql])
            roster = _counted(["roster", db, target, warm, str(args.requests), sql]) - base
            floor_base = _counted(["floor", db, sql, warm, "0"])
            floor = _counted(["floor", db, sql, warm, str(args.requests)]) - floor_base
            r, f = roster / args.requests, floor / args.requests
            print(f"| {label} | {r:,.0f} | {f:,.0f} | {f / r:.2f} |", flush=True)


if __name__ == "__main__":
    main()
