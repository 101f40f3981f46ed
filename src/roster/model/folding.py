"""Search and sort keys for names and ids.

Both engines compare these keys byte-wise (SQLite's default, PostgreSQL `COLLATE "C"`), so
folding happens once, in Python, with the same rules whatever the engine. The order of a name
list, the match of a prefix search and the match of a substring search are then plain
comparisons on one stored key, identical on SQLite and PostgreSQL.

Folding ignores case and accents, because people type "jose" for "José" and neither vendor
finds it: compatibility decomposition, full case folding, nonspacing marks dropped, a few
letters that carry their stroke inside the code point spelled out, then NFKC.
"""

from __future__ import annotations

import unicodedata

_MAX_CODE_POINT = 0x10FFFF
_SURROGATES = range(0xD800, 0xE000)
# Latin letters with no decomposition, so dropping marks cannot reach their base letter.
# Keys are already case-folded.
_SPELLED = str.maketrans(
    {
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ħ": "h",
        "\u0131": "i",
    }
)


def fold(text: str) -> str:
    """Case- and accent-insensitive key: "José", "JOSE" and "Jose\u0301" all give "jose"."""
    if text.isascii():
        return text.lower()  # same result as below for ASCII, and most names are ASCII
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFKC", bare.translate(_SPELLED))


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
