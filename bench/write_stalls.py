"""Stalls of single writes: every create, update and deactivation timed one by one, in process.

    .venv/bin/python -m bench.write_stalls [--writes 6000]

The HTTP harness (bench.run) reports a 99th percentile over 1.5 s runs, which a stall every
thousand writes can hit or miss. Here each write is timed through the ASGI app on a copy of
the seeded 1,000,000-user SQLite store, without HTTP, and the table shows the rare ones: the
99.9th percentile, the slowest write and how many took 20 ms or more.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import shutil
import tempfile
import time
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

from bench.run import DATA, KEY, active_uids, seeded
from roster.app import RosterApp
from roster.settings import Settings

CC = "/cometchat/v3/users"
Write = tuple[str, str, bytes]  # method, path, body


def writes(kind: str, targets: list[str]) -> Callable[[int], Write]:
    def create(i: int) -> Write:
        body = {"uid": f"stall-{i}", "name": f"Bench Écrit {i}", "tags": ["bench"]}
        return "POST", CC, json.dumps(body).encode()

    def update(i: int) -> Write:
        return "PUT", f"{CC}/{targets[i]}", json.dumps({"name": f"Renamed {i}"}).encode()

    def deactivate(i: int) -> Write:
        return "DELETE", f"{CC}/{targets[-1 - i]}", b""

    return {"create": create, "update": update, "deactivate": deactivate}[kind]


async def run(settings: Settings, make: Callable[[int], Write], n: int, concurrency: int) -> Any:
    app = RosterApp(settings)
    await app.start()
    headers = [(b"host", b"127.0.0.1"), (b"apikey", KEY.encode())]
    numbers = itertools.count()
    took: list[float] = []

    async def one() -> None:
        method, path, body = make(next(numbers))
        scope = {
            "type": "http", "method": method, "path": path, "raw_path": path.encode(),
            "query_string": b"", "headers": headers, "http_version": "1.1", "scheme": "http",
            "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1), "root_path": "",
        }  # fmt: skip
        sent: list[MutableMapping[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: MutableMapping[str, Any]) -> None:
            sent.append(message)

        started = time.perf_counter()
        await app(scope, receive, send)
        took.append(time.perf_counter() - started)
        if sent[0]["status"] != 200:
            raise RuntimeError(f"{method} {path}: {sent}")

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
    for kind in ("create", "update", "deactivate"):
        for concurrency in (1, 16):
            with tempfile.TemporaryDirectory(dir=DATA) as scratch:
                copy = Path(scratch) / "run.db"
                shutil.copyfile(str(pristine.db), copy)
                settings = Settings(db=str(copy))
                targets = asyncio.run(active_uids(settings, args.users))
                make = writes(kind, targets)
                rate, p50, p99, p999, top, slow = asyncio.run(
                    run(settings, make, args.writes, concurrency)
                )
            print(
                f"| {kind} | {concurrency} | {rate:,.0f} | {p50:.2f} | {p99:.2f} | {p999:.2f}"
                f" | {top:.1f} | {slow} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
