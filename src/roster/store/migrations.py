"""Numbered schema files, one folder per engine, applied in order at start-up.

A version may also have a Python step (`STEPS`), run just before its SQL in the same
transaction: for changes SQL cannot express the same way on both engines, such as recomputing
the folded keys when the folding rules change.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import resources

from roster.model.folding import fold
from roster.store import bulk, sqlite_grams_levels
from roster.store.database import Conn

_REKEY_BATCH = 10_000


def load(engine: str) -> list[tuple[int, list[str]]]:
    """(version, statements) for every migration file of `engine`, in version order."""
    folder = resources.files("roster.store.schema").joinpath(engine)
    found: list[tuple[int, list[str]]] = []
    for entry in folder.iterdir():
        name = entry.name
        if not name.endswith(".sql"):
            continue
        version = int(name.split("_", 1)[0])
        text = entry.read_text(encoding="utf-8")
        found.append((version, split_statements(text)))
    found.sort(key=lambda item: item[0])
    return found


def split_statements(text: str) -> list[str]:
    """Split on `;`, keeping trigger bodies (BEGIN ... END) and `$$` bodies whole.

    Our schema files hold no `;` inside literals, so this is exact for them.
    """
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("--")]
    statements: list[str] = []
    pending = ""
    for chunk in "\n".join(lines).split(";"):
        pending = f"{pending};{chunk}" if pending else chunk
        body = pending.strip()
        inside_trigger = body.upper().startswith("CREATE TRIGGER") and " BEGIN" in body.upper()
        if body.count("$$") % 2 == 1 or (inside_trigger and not body.upper().endswith("END")):
            continue
        if body:
            statements.append(body)
        pending = ""
    return statements


async def rekey_users(conn: Conn) -> None:
    """Recompute every stored folded key (users and their tag copies) with today's `fold`."""
    last = 0
    while True:
        rows = await conn.fetch(
            "SELECT pk, uid, name, uid_key, name_key FROM users WHERE pk > ? ORDER BY pk LIMIT ?",
            (last, _REKEY_BATCH),
        )
        if not rows:
            return
        last = rows[-1][0]
        changed = []
        for pk, uid, name, uid_key, name_key in rows:
            keys = (fold(uid), fold(name))
            if keys != (uid_key, name_key):
                changed.append((*keys, pk))
        if changed:
            await conn.executemany(
                "UPDATE users SET uid_key = ?, name_key = ? WHERE pk = ?", changed
            )
            await conn.executemany(
                "UPDATE user_tags SET name_key = ? WHERE user_pk = ?",
                [(name_key, pk) for _uid_key, name_key, pk in changed],
            )


# Version 4 folds accents too (see roster.model.folding), so keys stored before it change.
# Version 8 (SQLite only) lifts the trigram index that migration 7 rebuilt; version 10 fills
# the one that migration 9 made.
STEPS: dict[int, Callable[[Conn], Awaitable[None]]] = {
    4: rekey_users,
    8: sqlite_grams_levels.lift_existing,
    10: bulk.refill_grams,
}
