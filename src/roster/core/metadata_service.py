"""User metadata edited item by item (Sendbird's metadata routes), over the same JSON object
that CometChat reads and writes whole.

Items keep their JSON type in storage; callers that only know string values see any other
value as its JSON text (`as_text`), which is the rule both dialects share.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import msgspec

from roster.core.clock import Clock
from roster.core.errors import ErrorKind, FieldProblem, RosterError, Rule, invalid
from roster.core.user_lookup import existing_user
from roster.core.user_rules import FieldChecker, UserRules, meta_index_entries
from roster.store import user_rows
from roster.store.database import Database

Items = dict[str, Any]


def as_text(metadata: str | None) -> dict[str, str]:
    """Stored metadata as a flat map of strings: non-string values become their JSON text."""
    if not metadata:
        return {}
    loaded: Items = msgspec.json.decode(metadata)
    return {
        key: value if isinstance(value, str) else msgspec.json.encode(value).decode()
        for key, value in loaded.items()
    }


_ALL_TEXT = msgspec.json.Decoder(dict[str, str])
_NO_ITEMS = msgspec.Raw(b"{}")


def as_text_json(metadata: str | None) -> msgspec.Raw:
    """`as_text`, encoded. Metadata whose values are all strings already is its own answer, so
    it goes out as stored: a list page then builds no map per user (checked in C)."""
    if not metadata:
        return _NO_ITEMS
    try:
        _ALL_TEXT.decode(metadata)
    except msgspec.ValidationError:
        return msgspec.Raw(msgspec.json.encode(as_text(metadata)))
    return msgspec.Raw(metadata)


def _check_items(raw: object, rules: UserRules) -> Items:
    if raw is None:
        raise invalid(FieldProblem("metadata", Rule.REQUIRED))
    if not isinstance(raw, dict):
        raise invalid(FieldProblem("metadata", Rule.TYPE_OBJECT))
    checker = FieldChecker()
    if rules.metadata_items is not None:
        checker.metadata_items(raw, rules.metadata_items)
    checker.done()
    return raw


class MetadataService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def view(
        self, app_id: str, uid: str, rules: UserRules, keys: Sequence[str] | None
    ) -> dict[str, str]:
        """All items, or only `keys` (missing keys are left out)."""
        async with self._db.reader() as conn:
            user = await existing_user(conn, app_id, uid, rules)
        items = as_text(user.metadata)
        if keys is None:
            return items
        return {key: items[key] for key in keys if key in items}

    async def view_one(self, app_id: str, uid: str, rules: UserRules, key: str) -> dict[str, str]:
        items = await self.view(app_id, uid, rules, None)
        if key not in items:
            raise RosterError(ErrorKind.METADATA_NOT_FOUND, subject=key)
        return {key: items[key]}

    async def create(self, app_id: str, uid: str, rules: UserRules, raw: object) -> dict[str, str]:
        """Add new items; a key that exists already is refused and nothing changes."""
        items = _check_items(raw, rules)

        def change(stored: Items) -> None:
            for key in items:
                if key in stored:
                    raise RosterError(ErrorKind.METADATA_EXISTS, subject=key)
            stored.update(items)

        await self._edit(app_id, uid, rules, change)
        return as_text(msgspec.json.encode(items).decode())

    async def update(
        self, app_id: str, uid: str, rules: UserRules, raw: object, *, upsert: bool
    ) -> dict[str, str]:
        """Overwrite items; without `upsert` every key must exist already."""
        items = _check_items(raw, rules)

        def change(stored: Items) -> None:
            if not upsert:
                for key in items:
                    if key not in stored:
                        raise RosterError(ErrorKind.METADATA_NOT_FOUND, subject=key)
            stored.update(items)

        await self._edit(app_id, uid, rules, change)
        return as_text(msgspec.json.encode(items).decode())

    async def update_one(
        self, app_id: str, uid: str, rules: UserRules, key: str, value: object, *, upsert: bool
    ) -> dict[str, str]:
        if value is None:
            raise invalid(FieldProblem("value", Rule.REQUIRED))
        if not isinstance(value, str):
            raise invalid(FieldProblem("value", Rule.TYPE_STRING))
        return await self.update(app_id, uid, rules, {key: value}, upsert=upsert)

    async def delete_all(self, app_id: str, uid: str, rules: UserRules) -> None:
        await self._edit(app_id, uid, rules, lambda stored: stored.clear())

    async def delete_one(self, app_id: str, uid: str, rules: UserRules, key: str) -> None:
        def change(stored: Items) -> None:
            if key not in stored:
                raise RosterError(ErrorKind.METADATA_NOT_FOUND, subject=key)
            del stored[key]

        await self._edit(app_id, uid, rules, change)

    async def _edit(
        self, app_id: str, uid: str, rules: UserRules, change: Callable[[Items], None]
    ) -> None:
        """Read, change and write the metadata object and its index in one transaction."""
        now = self._clock.now_ms()
        async with self._db.transaction() as conn:
            user = await existing_user(conn, app_id, uid, rules)
            stored: Items = msgspec.json.decode(user.metadata) if user.metadata else {}
            before = len(stored)
            change(stored)
            limits = rules.metadata_items
            if limits is not None and before < len(stored) and len(stored) > limits.max_items:
                # The item limit is per user; metadata written whole through another dialect
                # may exceed it, and can still be edited, but not grown.
                raise invalid(FieldProblem("metadata", Rule.TOO_MANY, limits.max_items))
            text = msgspec.json.encode(stored)
            if len(text) > rules.metadata_max_bytes:
                raise invalid(FieldProblem("metadata", Rule.TOO_LARGE, rules.metadata_max_bytes))
            changes: Mapping[str, object] = {"metadata": text.decode() if stored else None}
            await user_rows.update_user(conn, user.pk, changes, now)
            await user_rows.replace_meta_index(conn, user.pk, meta_index_entries(stored))
