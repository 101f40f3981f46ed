"""The documented folding rule, written again independently of `roster.model.folding`.

Tests compute expected orders and matches with this, so a change to the product's folding that
the documentation does not describe shows up as a failure.
"""

from __future__ import annotations

import unicodedata

# Letters without a decomposition that the documentation spells out (after case folding).
SPELLED = {
    "\u00f8": "o",
    "\u00e6": "ae",
    "\u0153": "oe",
    "\u0142": "l",
    "\u0111": "d",
    "\u00f0": "d",
    "\u00fe": "th",
    "\u0127": "h",
    "\u0131": "i",
}


def fold(text: str) -> str:
    """NFKD, full casefold, NFKD again, nonspacing marks (Mn) dropped, letters spelled, NFKC."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    kept = []
    for char in decomposed:
        if unicodedata.category(char) == "Mn":
            continue
        kept.append(SPELLED.get(char, char))
    return unicodedata.normalize("NFKC", "".join(kept))
