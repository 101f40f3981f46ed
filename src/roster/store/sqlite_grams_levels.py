"""Where the SQLite trigram index lies among FTS5's levels, which decides what writes cost.

FTS5 keeps its index as segments on numbered levels. Every write transaction adds a small
segment on level 0; once a level holds `automerge` segments (16, migration 5) they are merged
into one on the next level up. An index built in one go (the bulk load, or migration 7's
rebuild of existing users) is one large segment, and on a low level the merges of later single
writes reach it: after ~4,000 creates at a million users, each create then paid a share of
rewriting the whole 100 MB index (a create's SQL averaged ~0.5 ms instead of ~0.2, with 10 ms
stalls). High up, it is out of their reach: 16^7 writes for level 7.

FTS5 chooses the levels itself. Two of its rules place a segment: 'optimize' merges segments
that lie on more than one level onto a new level above all the others (segments that share one
level are merged in place), and a segment just written pulls smaller ones above it down to its
own level. So levels are stacked with throwaway rows while the index is still tiny, and a large
index is lifted by merging it with a throwaway segment written below it. Throwaway rows have
negative ids, which no user has, and are deleted before the merge that follows, which drops
them. Their texts must make trigrams, or nothing is written at all.
"""

from __future__ import annotations

from roster.store.database import Conn

_STACKING_ROUNDS = 4  # two levels each
_STACKING = ("x" * 3000, "yyy")  # per round, a large then a small segment
_OPTIMIZE = "INSERT INTO user_grams (user_grams) VALUES ('optimize')"


async def _throwaway(conn: Conn, rowid: int, text: str, *, delete: bool = False) -> None:
    if delete:
        await conn.execute(
            "INSERT INTO user_grams (user_grams, rowid, name_key, uid_key)"
            " VALUES ('delete', ?, ?, '')",
            (rowid, text),
        )
    else:
        await conn.execute(
            "INSERT INTO user_grams (rowid, name_key, uid_key) VALUES (?, ?, '')", (rowid, text)
        )


def _stacking_rows() -> list[tuple[int, str]]:
    return [(-1 - i, _STACKING[i % 2]) for i in range(_STACKING_ROUNDS * 2)]


async def stack_levels(conn: Conn) -> None:
    """On an empty index, before a fill: levels a fill's merge can later land above."""
    for rowid, text in _stacking_rows():
        await _throwaway(conn, rowid, text)
        if rowid % 2 == 0:
            await conn.execute(_OPTIMIZE)


async def unstack(conn: Conn) -> None:
    """Delete the rows `stack_levels` wrote (the next merge drops them and their deletions)."""
    for rowid, text in _stacking_rows():
        await _throwaway(conn, rowid, text, delete=True)


async def lift(conn: Conn) -> None:
    """Merge the whole index onto a new level above the existing ones (one rewrite of it:
    about a second at a million users)."""
    rowid, text = -1 - len(_stacking_rows()), _STACKING[1]
    await _throwaway(conn, rowid, text)
    # 'merge' writes pending rows out as a segment of their own, on level 0 below the index.
    await conn.execute("INSERT INTO user_grams (user_grams, rank) VALUES ('merge', 1)")
    await _throwaway(conn, rowid, text, delete=True)
    await conn.execute(_OPTIMIZE)


async def lift_existing(conn: Conn) -> None:
    """Migration 8: an index rebuilt by migration 7 sits on level 1 or so; three lifts put it
    on level 7 or so (each adds two)."""
    for _ in range(3):
        await lift(conn)
