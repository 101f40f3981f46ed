"""WAL checkpoints on a thread of their own, off the request path.

SQLite copies the write-ahead log back into the database file (a checkpoint) from whichever
write crosses `wal_autocheckpoint` pages, so one request in fifty or so paid for the copy and
its fsync: 4 ms at the 99th percentile of creating a user at a million users, against 0.5 ms
without. A thread with its own connection checkpoints instead (sqlite3 releases the GIL while
it works), passively: it never waits for or blocks readers and writers.

Copying is not enough under a steady stream of writes. The log only starts over from its
beginning when a writer finds it wholly copied back, and a passive checkpoint that writers
overtake (they append while it copies) neither gets there nor syncs the database file. The log
then grew until the writer's own threshold made one request copy the rest and fsync tens of MB
of pages: 25-120 ms stalls every ~1,000 writes (docs/benchmarks.md). So each round is also
flushed to disk here, rounds repeat until one is short (little was left to copy), and then a
RESTART checkpoint copies the last frames and makes sure the next writer starts the log over.
A RESTART shuts writers out while it runs; this process's writers wait on `gate` rather than in
SQLite's busy handler (which sleeps in steps of up to 100 ms and lets the thread starve), and
the wait is the few ms of that last copy. The writer's own threshold stays as a backstop.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time

log = logging.getLogger(__name__)

EVERY_SECONDS = 0.2
BACKSTOP_PAGES = 65_536  # 256 MB of log with 4 KB pages; the thread restarts it long before
RESTART_FRAMES = 4_096  # a log this long (16 MB) is started over once caught up
_CAUGHT_UP_SECONDS = 0.004  # a round this short left only a few ms of copying for the RESTART
_ROUNDS = 10  # catching up with writers that outrun the copy is left to the next wake-up
# How long a RESTART waits for other processes' writers and readers while this process's
# writers wait on the gate.
_BUSY_MS = 10
_PASSIVE = "PRAGMA wal_checkpoint(PASSIVE)"
_flush = getattr(os, "fdatasync", os.fsync)  # macOS has no fdatasync
_RESTART = "PRAGMA wal_checkpoint(RESTART)"


class Checkpointer:
    def __init__(self, path: str) -> None:
        self._path = path
        self._every = EVERY_SECONDS
        self._stop = threading.Event()
        # Held by this process's writers for a whole transaction, and by the thread for a RESTART.
        self.gate = threading.Lock()
        self.done = 0  # passive rounds that copied something (for tests and diagnostics)
        self.restarts = 0
        self._seen = (0, 0)  # (log frames, frames copied) after the last round
        self._thread = threading.Thread(target=self._run, name="roster-checkpoints", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout={_BUSY_MS}")
        try:
            fd: int | None = os.open(self._path, os.O_RDONLY)
        except OSError:  # no file to flush (":memory:"): checkpoints have nothing to do either
            fd = None
        try:
            while not self._stop.wait(self._every):
                try:
                    self._catch_up(conn, fd)
                except (sqlite3.Error, OSError) as exc:  # busy or locked: the next round tries
                    log.debug("checkpoint skipped: %s", exc)
        finally:
            if fd is not None:
                os.close(fd)
            conn.close()

    def _catch_up(self, conn: sqlite3.Connection, fd: int | None) -> None:
        for _ in range(_ROUNDS):
            started = time.monotonic()
            row = conn.execute(_PASSIVE).fetchone()
            frames, copied = int(row[1]), int(row[2])
            # -1: not in WAL mode (a bulk load) or another checkpoint is running.
            if frames < 0 or (frames, copied) == self._seen:
                return
            self._seen = (frames, copied)
            # Passive checkpoints that writers overtake leave the pages they wrote unsynced.
            if fd is not None:
                _flush(fd)
            self.done += 1
            if frames < RESTART_FRAMES:
                return
            if time.monotonic() - started < _CAUGHT_UP_SECONDS:
                with self.gate:
                    conn.execute(_RESTART).fetchall()
                self.restarts += 1
                return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()
