"""The benchmark's floor replays recorded SQL: one request for workloads whose requests are
all alike, and request n of a recorded sequence (wrapping around) for walks and random pages.
And the driver's token walk reads each `next` token without decoding the whole page."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from starlette.testclient import TestClient

from bench.floor import Floor
from bench.run import next_token, schedule, workloads


def test_floor_replays_the_nth_recorded_request(tmp_path: Path) -> None:
    db = tmp_path / "floor.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)")
        conn.executemany("INSERT INTO t VALUES (?, ?)", [(k, f"v{k}") for k in range(10)])
    page = "SELECT k, v FROM t WHERE k > ? ORDER BY k LIMIT 2"
    plans = {
        "alike": [[("SELECT count(*) FROM t", [])]],
        "walk": [[(page, [-1])], [(page, [1])], [("SELECT 1", []), (page, [3])]],
    }
    with TestClient(Floor(str(db), plans)) as client:  # type: ignore[arg-type]
        assert client.get("/alike").json() == [[[10]]]
        assert client.get("/alike?i=7").json() == [[[10]]]
        assert client.get("/walk").json() == [[[0, "v0"], [1, "v1"]]]
        assert client.get("/walk?i=1").json() == [[[2, "v2"], [3, "v3"]]]
        assert client.get("/walk?i=2").json() == [[[1]], [[4, "v4"], [5, "v5"]]]
        assert client.get("/walk?i=4").json() == [[[2, "v2"], [3, "v3"]]]  # wraps around
        assert client.get("/other").status_code == 404


def test_token_walk_reads_next_from_the_end_of_the_body() -> None:
    users = [{"user_id": "u1", "metadata": {"next": "not this one"}}]
    body = json.dumps({"users": users, "next": "tok+/="}, separators=(",", ":")).encode()
    assert next_token(body) == "tok+/="
    assert next_token(json.dumps({"users": users, "next": ""}).encode()) is None
    assert next_token(b'{"users":[],"next":null}') is None
    assert next_token(b'{"users":[]}') is None


def test_list_rounds_all_run_before_the_writes_change_the_store() -> None:
    """Writes add users (uids that sort first); a list round after them measures another
    store. Roster and floor still alternate inside each list round (measure does that)."""
    found, _walk = workloads(2_000, [f"user-{i}" for i in range(1_000, 2_000)], "b1")
    order = schedule(found, rounds=2)
    phases = [phase for phase, _r, _w, _last in order]
    assert phases == sorted(phases)  # "lists" then "writes"
    reads = [w for w in found if not w.write]
    writes = [w for w in found if w.write]
    assert reads and writes
    assert [(r, w.name) for phase, r, w, _l in order if phase == "lists"] == [
        (r, w.name) for r in (0, 1) for w in reads
    ]
    assert [(r, w.name) for phase, r, w, _l in order if phase == "writes"] == [
        (r, w.name) for r in (0, 1) for w in writes
    ]
    assert [w.name for _p, _r, w, last in order if last] == [reads[-1].name] * 2 + [
        writes[-1].name
    ] * 2
