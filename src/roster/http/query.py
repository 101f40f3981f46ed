"""Query strings as vendors' clients send them.

Repeated keys, `key[]=` and comma lists all mean a list; booleans come as true/false/1/0 in any
case (the Sendbird SDK sends `True`). Problems are reported under the parameter's own name.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from roster.core.errors import FieldProblem, Rule, invalid

_INTEGER = re.compile(r"-?[0-9]{1,18}")
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})


class Query:
    def __init__(self, query_string: bytes | str) -> None:
        text = (
            query_string.decode("utf-8", "replace")
            if isinstance(query_string, bytes)
            else query_string
        )
        self._values: dict[str, list[str]] = {}
        for key, value in parse_qsl(text, keep_blank_values=True, encoding="utf-8"):
            name = key[:-2] if key.endswith("[]") else key
            if "\x00" in value:  # U+0000 is in no stored text; refuse it rather than pass it on
                raise invalid(FieldProblem(name, Rule.BAD_FORMAT))
            self._values.setdefault(name, []).append(value)

    def text(self, *names: str) -> str | None:
        """First value of the first name present (aliases such as perPage/per_page)."""
        for name in names:
            values = self._values.get(name)
            if values:
                return values[0]
        return None

    def items(self, name: str) -> list[str]:
        """Every value of every occurrence, split on commas, blanks dropped."""
        found: list[str] = []
        for value in self._values.get(name, ()):
            found.extend(part.strip() for part in value.split(",") if part.strip())
        return found

    def boolean(self, name: str, default: bool = False) -> bool:
        values = self._values.get(name)  # not through `text`: a list asks for a dozen, most absent
        value = values[0] if values else None
        if value is None or value == "":
            return default
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise invalid(FieldProblem(name, Rule.TYPE_BOOLEAN))

    def integer(self, *names: str, default: int, low: int, high: int) -> int:
        value = self.text(*names)
        if value is None or value == "":
            return default
        if not _INTEGER.fullmatch(value.strip()):
            raise invalid(FieldProblem(names[0], Rule.TYPE_INTEGER))
        number = int(value.strip())
        if number < low:
            raise invalid(FieldProblem(names[0], Rule.TOO_SMALL, low))
        if number > high:
            raise invalid(FieldProblem(names[0], Rule.TOO_LARGE, high))
        return number

    def choice(self, name: str, choices: tuple[str, ...]) -> str | None:
        values = self._values.get(name)
        value = values[0] if values else None
        if value is None or value == "":
            return None
        if value not in choices:
            raise invalid(FieldProblem(name, Rule.BAD_CHOICE, choices=choices))
        return value
