"""Search and sort keys for names and ids.

Both engines compare these keys byte-wise (SQLite's default, PostgreSQL `COLLATE "C"`), so
folding happens once, in Python, with the same rules whatever the engine. The order of a name
list and the match of a prefix search are then the same query range on one index.
"""

from __future__ import annotations

import unicodedata

_MAX_CODE_POINT = 0x10FFFF
_SURROGATES = range(0xD800, 0xE000)


def fold(text: str) -> str:
    """Case-insensitive, unicode-aware key: NFKC, then full casefold."""
    return unicodedata.normalize("NFKC", text).casefold()


def prefix_upper_bound(prefix: str) -> str | None:
    """Smallest string greater than every string starting with `prefix`.

    `None` means no upper bound (the prefix is all U+10FFFF, which nobody types).
    """
    chars = list(prefix)
    while chars:
        nxt = ord(chars[-1]) + 1
        if nxt in _SURROGATES:
            nxt = _SURROGATES.stop
        if nxt <= _MAX_CODE_POINT:
            chars[-1] = chr(nxt)
            return "".join(chars)
        chars.pop()
    return None


def prefix_range(text: str) -> tuple[str, str | None]:
    """The key range [low, high) of every name or id whose folded form starts like `text`."""
    folded = fold(text)
    return folded, prefix_upper_bound(folded)
