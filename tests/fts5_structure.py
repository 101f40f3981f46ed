"""The level layout of the SQLite trigram index, read from FTS5's own structure record.

Tests use it to check where a bulk-built index lies (see roster.store.sqlite_grams_levels).
"""

from __future__ import annotations

import sqlite3


def _varint(block: bytes, at: int) -> tuple[int, int]:
    """SQLite's varint (as FTS5 stores its structure record)."""
    value = 0
    for i in range(9):
        byte = block[at]
        at += 1
        if i == 8:
            return (value << 8) | byte, at
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, at
    raise AssertionError("unreachable")


def grams_levels(path: str) -> list[int]:
    """Segments per level of the trigram index, from FTS5's structure record (row 10 of
    its data table: a 4-byte cookie, then levels, segments, a write counter, then per level
    the segments being merged, the segment count and each segment's id and page range)."""
    db = sqlite3.connect(path)
    try:
        block = db.execute("SELECT block FROM user_grams_data WHERE id = 10").fetchone()[0]
    finally:
        db.close()
    levels, at = _varint(block, 4)
    _segments, at = _varint(block, at)
    _writes, at = _varint(block, at)
    counts = []
    for _ in range(levels):
        _merging, at = _varint(block, at)
        count, at = _varint(block, at)
        for _ in range(count * 3):
            _field, at = _varint(block, at)
        counts.append(count)
    return counts
