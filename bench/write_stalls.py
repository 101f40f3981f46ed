"""Stalls of single writes: every create, update and deactivation timed one by one, in process.

    .venv/bin/python -m bench.write_stalls [--writes 6000]

The HTTP harness (bench.run) reports a 99th percentile over 1.5 s runs, which a stall every
thousand writes can hit or miss. Here each write of the harness's write workloads is timed
through the ASGI app on a copy of the seeded 1,000,000-user SQLite store, without HTTP, and
the table shows the rare ones: the 99.9th percentile, the slowest write and how many took
20 ms or more.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import shutil
import tempfile
import time
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

from bench import load
from bench.run import DATA, active_uids, seeded, shifted, workloads
from roster.app import RosterApp
from roster.settings import Settings


def _scope(request: load.Request) -> dict[str, Any]:
    """The harness's request (bench.run's write workloads) as an ASGI scope."""
    path, _, query = request.path.partition("?")
    headers = [(b"host", b"127.0.0.1")]
    headers += [(k.lower().encode(), v.encode()) for k, v in request.headers.items()]
    if request.body is not None:
        headers.append((b"content-type", b"application/json"))
    return {
        "type": "http", "method": request.method, "path": path, "raw_path": path.encode(),
        "query_string": query.encode(), "headers": headers, "http_version": "1.1",
        "scheme": "http", "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1),
        "root_path": "",
    }  # fmt: skip


async def run(
    settings: Settings, make: Callable[[int], load.Request], n: int, concurrency: int
) -> Any:
    app = RosterApp(settings)
    await app.start()
    numbers = itertools.count()
    took: list[float] = []

    async def one() -> None:
        request = make(next(numbers))
        body = request.body or b""
        sent: list[MutableMapping[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: MutableMapping[str, Any]) -> None:
            sent.append(message)

        started = time.perf_counter()
        await app(_scope(request), receive, send)
        took.append(time.perf_counter() - started)
        if sent[0]["status"] != 200:
            raise RuntimeError(f"{request.method} {request.path}: {sent}")

    async def worker() -> None:
        while len(took) < n:
            await one()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - started
    await app.stop()
    took.sort()
    ms = [t * 1000 for t in took]
    return (
        len(ms) / wall, ms[len(ms) // 2], ms[int(len(ms) * 0.99)], ms[int(len(ms) * 0.999)],
        ms[-1], sum(1 for t in ms if t >= 20),
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--writes", type=int, default=6000, help="per run")
    args = parser.parse_args()
    pristine = asyncio.run(seeded("sqlite", args.users))
    print("| write | c | writes/s | p50 ms | p99 ms | p99.9 ms | max ms | ≥ 20 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for kind in ("create user", "update user", "deactivate user"):
        for concurrency in (1, 16):
            with tempfile.TemporaryDirectory(dir=DATA) as scratch:
                copy = Path(scratch) / "run.db"
                shutil.copyfile(str(pristine.db), copy)
                settings = Settings(db=str(copy))
                targets = asyncio.run(active_uids(settings, args.users))
                found, _walk = workloads(args.users, targets, f"stall{int(time.time())}")
                make = shifted(next(w.make for w in found if w.name == kind), 0, concurrency)
                rate, p50, p99, p999, top, slow = asyncio.run(
                    run(settings, make, args.writes, concurrency)
                )
            print(
                f"| {kind.split()[0]} | {concurrency} | {rate:,.0f} | {p50:.2f} | {p99:.2f}"
                f" | {p999:.2f} | {top:.1f} | {slow} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
