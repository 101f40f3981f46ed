"""Group commit: the write transactions that begin in one turn of the event loop share one
SQLite transaction and one COMMIT.

On SQLite the commit is much of a small write's cost: the log append and, for the trigram
index, a new segment per transaction that must later be merged. So concurrent writers share it.
Each caller still gets its own all-or-nothing unit (a SAVEPOINT inside the shared transaction,
or the transaction itself for the caller that opened it) and is not released until the shared
COMMIT is done: what a caller was told is stored, is. Bodies never suspend (SQLite calls run
inline on the loop), so a COMMIT never falls inside one and no unit begins inside another
task's; `_open` guards both anyway. Reads made by other requests meanwhile, on the same
connection, see the units already released, a moment before they are committed.

The shared transaction holds the checkpoint thread's gate from BEGIN to COMMIT (see
sqlite_checkpoints): taking it blocks the loop only while that thread restarts the log.

Another process's write transaction (a second worker's) makes BEGIN busy. SQLite's own busy
handler would wait in sleeps of up to 100 ms with the event loop stopped, every request of this
worker with it: with 2 workers writing at 16 clients, writes had 99th percentiles of 45-150 ms.
So BEGIN does not wait inside SQLite; the unit tries again after sleeps of 0.1-1 ms on the loop,
which serves other requests meanwhile, and joins a shared transaction that another of this
process's writers opened in the meantime. Only the opening of a unit waits; bodies still never
suspend.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import AsyncIterator
from contextvars import ContextVar, Token

# Set while this task is inside a unit: a unit opened inside it is a plain savepoint.
_inside: ContextVar[bool] = ContextVar("roster_sqlite_unit", default=False)

# How long a writer waits for other processes' write transactions before it fails with
# "database is locked", as the connection's busy_timeout would for any other statement.
BUSY_SECONDS = 5.0
_PAUSES = (0.0001, 0.0002, 0.0005, 0.001)  # between tries of BEGIN; then the last, repeated


class GroupCommit:
    def __init__(self, raw: sqlite3.Connection, gate: threading.Lock) -> None:
        self._raw = raw
        self._gate = gate
        self._committed: asyncio.Future[None] | None = None
        self._open = 0  # units between SAVEPOINT and RELEASE right now
        self.commits = 0  # shared COMMITs done (for tests and diagnostics)
        self.busy_seconds = BUSY_SECONDS
        # The connection's busy timeout, which BEGIN sets aside while it tries (read once).
        self._busy_ms = int(raw.execute("PRAGMA busy_timeout").fetchone()[0])

    @contextlib.asynccontextmanager
    async def unit(self) -> AsyncIterator[None]:
        raw = self._raw
        nested = _inside.get()
        if not nested and self._open:
            raise RuntimeError("a write unit began while another was mid-way (it suspended)")
        # The unit that opens the shared transaction is alone in it while its body runs
        # (bodies do not suspend), so it needs no savepoint: failing, it rolls back the whole.
        # A savepoint is not free: a million-user bulk load took 4 s longer inside one.
        first = False
        if not nested and self._committed is None:
            first = await self._begin()
        committed = None
        if not nested:
            committed = self._committed
        if not first:
            raw.execute("SAVEPOINT unit")
        token = _inside.set(True)
        self._open += 1
        try:
            yield
        except BaseException:
            self._left(token)
            if first:
                try:
                    raw.execute("ROLLBACK")
                finally:
                    self._gate.release()
                self._committed = None
                if committed is not None:
                    committed.set_result(None)
                raise
            raw.execute("ROLLBACK TO unit")
            raw.execute("RELEASE unit")
            # Undone, but the shared transaction may still be open: wait for it to end, so
            # the caller's next statement (a PRAGMA, say) runs outside any transaction.
            if committed is not None:
                with contextlib.suppress(Exception):
                    await asyncio.shield(committed)
            raise
        self._left(token)
        if not first:
            raw.execute("RELEASE unit")
        if committed is not None:
            await asyncio.shield(committed)

    async def _begin(self) -> bool:
        """Open the shared transaction; False if another task of this process opened it while
        this one waited for another process's writer."""
        loop = asyncio.get_running_loop()
        give_up: float | None = None
        tries = 0
        while self._committed is None:
            if self._try_begin():
                self._committed = loop.create_future()
                loop.call_soon(self._commit)
                return True
            now = loop.time()
            if give_up is None:
                give_up = now + self.busy_seconds
            elif now >= give_up:
                raise sqlite3.OperationalError("database is locked")
            await asyncio.sleep(_PAUSES[min(tries, len(_PAUSES) - 1)])
            tries += 1
        return False

    def _try_begin(self) -> bool:
        """BEGIN IMMEDIATE without waiting: False while another process writes."""
        raw = self._raw
        self._gate.acquire()
        try:
            raw.execute("PRAGMA busy_timeout=0")
            try:
                raw.execute("BEGIN IMMEDIATE")
            finally:
                raw.execute(f"PRAGMA busy_timeout={self._busy_ms}")
        except sqlite3.OperationalError as exc:
            self._gate.release()
            if exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY:
                return False
            raise
        except BaseException:
            self._gate.release()
            raise
        return True

    def _left(self, token: Token[bool]) -> None:
        self._open -= 1
        _inside.reset(token)

    def _commit(self) -> None:
        if self._open:  # a unit is mid-way (it suspended): commit once it is done
            asyncio.get_running_loop().call_soon(self._commit)
            return
        self.flush()

    def flush(self) -> None:
        """Commit the shared transaction now, if one is open."""
        committed, self._committed = self._committed, None
        if committed is None:
            return
        try:
            self._raw.execute("COMMIT")
        except Exception as exc:
            with contextlib.suppress(sqlite3.Error):
                self._raw.execute("ROLLBACK")
            if not committed.done():
                committed.set_exception(exc)
                committed.exception()  # seen here, so an unawaited failure logs no warning
            return
        finally:
            self._gate.release()
        self.commits += 1
        if not committed.done():
            committed.set_result(None)
