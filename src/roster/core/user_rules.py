"""Field rules for users, written once and parameterised by each vendor's limits.

A dialect renames its body keys to the core's names (`uid`, `name`, `avatar`, `link`,
`metadata`, `status_message`, `role`, `tags`) and hands the raw decoded JSON values here. Types,
lengths and formats are checked in one place; the dialect only words the problems.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import msgspec

from roster.core.errors import ErrorKind, FieldProblem, RosterError, Rule, invalid
from roster.model.folding import fold
from roster.model.users import DEFAULT_ROLE, NewUser, UserPatch

# Metadata values longer than this are stored but not indexed for metadata filters:
# PostgreSQL cannot index arbitrarily long text in a b-tree.
META_INDEX_VALUE_MAX = 512
META_INDEX_KEY_MAX = 128


@dataclass(frozen=True, slots=True)
class IdRules:
    max_length: int
    pattern: re.Pattern[str] | None
    lowercase: bool

    def normalize(self, uid: str) -> str:
        return uid.lower() if self.lowercase else uid


@dataclass(frozen=True, slots=True)
class MetadataItemRules:
    """Metadata as a flat map of short strings (Sendbird), checked per request."""

    max_items: int
    key_max: int
    value_max: int


@dataclass(frozen=True, slots=True)
class ListRule:
    """A vendor-only field holding a list of strings."""

    max_items: int
    item_max: int


@dataclass(frozen=True, slots=True)
class UserRules:
    uid: IdRules
    name_max: int
    name_required: bool  # False: a missing or null name is stored as ""
    url_max: int
    url_format: bool  # True: http(s) URLs only
    metadata_max_bytes: int
    metadata_items: MetadataItemRules | None  # None: any JSON object
    tags_max: int = 25
    tag_max: int = 100
    status_message_max: int = 1000
    # Fields only this vendor has, kept in the user's `extra` object: name -> rule.
    # A ListRule is a list of strings; an int is the maximum length of a string.
    extra: Mapping[str, ListRule | int] = field(default_factory=dict)


COMETCHAT_RULES = UserRules(
    uid=IdRules(max_length=100, pattern=re.compile(r"[A-Za-z0-9_-]+"), lowercase=True),
    name_max=100,
    name_required=True,
    url_max=3000,
    url_format=True,
    metadata_max_bytes=5 * 1024,
    metadata_items=None,
    tags_max=25,
    tag_max=100,
    # Undocumented by CometChat; the 10 KB body limit bounds it anyway.
    status_message_max=1000,
)

SENDBIRD_RULES = UserRules(
    # Sendbird ids are case-sensitive and may hold any character (U+0000 aside).
    uid=IdRules(max_length=80, pattern=None, lowercase=False),
    name_max=80,
    name_required=False,
    url_max=2048,
    url_format=False,
    metadata_max_bytes=5 * 1024,
    metadata_items=MetadataItemRules(max_items=5, key_max=128, value_max=190),
    extra={
        "discovery_keys": ListRule(max_items=100, item_max=190),
        "preferred_languages": ListRule(max_items=4, item_max=32),
        "locale": 32,
        "phone_number": 32,
    },
)

ROLE_ID_RULES = IdRules(max_length=100, pattern=re.compile(r"[A-Za-z0-9_-]+"), lowercase=True)

# Year 9999 in milliseconds: later times are refused rather than overflow anything.
MAX_TIME_MS = 253_402_300_799_999

# PostgreSQL text cannot hold U+0000, so no stored or looked-up text may contain it.
NUL = "\x00"


def check_uid(value: object, rules: IdRules, field: str = "uid") -> str:
    if value is None:
        raise invalid(FieldProblem(field, Rule.REQUIRED))
    if not isinstance(value, str):
        raise invalid(FieldProblem(field, Rule.TYPE_STRING))
    if not value.strip() and (value == "" or rules.pattern is None):
        raise invalid(FieldProblem(field, Rule.EMPTY))
    if len(value) > rules.max_length:
        raise invalid(FieldProblem(field, Rule.TOO_LONG, rules.max_length))
    # The pattern is checked before lowercasing: some non-ASCII letters lowercase to ASCII
    # (the Kelvin sign becomes "k").
    if rules.pattern is not None and not rules.pattern.fullmatch(value):
        raise RosterError(ErrorKind.INVALID_USER_ID, subject=value)
    if NUL in value:
        raise RosterError(ErrorKind.INVALID_USER_ID, subject=value.replace(NUL, "\\0"))
    return rules.normalize(value)


class FieldChecker:
    """Collects every problem of a body, so the caller sees them all at once."""

    def __init__(self) -> None:
        self.problems: list[FieldProblem] = []

    def fail(self, field: str, rule: Rule, limit: int | None = None) -> None:
        self.problems.append(FieldProblem(field, rule, limit))

    def text(
        self, raw: Mapping[str, object], field: str, limit: int, *, required: bool
    ) -> str | None:
        value = raw.get(field)
        if value is None:
            if required:
                self.fail(field, Rule.REQUIRED)
            return None
        if not isinstance(value, str):
            self.fail(field, Rule.TYPE_STRING)
            return None
        if required and not value.strip():
            self.fail(field, Rule.REQUIRED)
            return None
        if len(value) > limit:
            self.fail(field, Rule.TOO_LONG, limit)
            return None
        if NUL in value:
            self.fail(field, Rule.BAD_FORMAT)
            return None
        return value

    def url(
        self, raw: Mapping[str, object], field: str, limit: int, *, strict: bool = True
    ) -> str | None:
        """A URL; "" means none. Without `strict` any text is kept (Sendbird checks no format)."""
        value = self.text(raw, field, limit, required=False)
        if value is None:
            return None
        if not strict:
            return value or None
        if not value:
            self.fail(field, Rule.BAD_FORMAT)
            return None
        try:
            parts = urlsplit(value)
        except ValueError:  # e.g. an unbalanced "[" in the host
            self.fail(field, Rule.BAD_FORMAT)
            return None
        if (
            parts.scheme not in ("http", "https")
            or not parts.netloc
            or any(c.isspace() for c in value)
        ):
            self.fail(field, Rule.BAD_FORMAT)
            return None
        return value

    def metadata(
        self, raw: Mapping[str, object], rules: UserRules
    ) -> tuple[str, list[tuple[str, str]]] | None:
        value = raw.get("metadata")
        if value is None:
            return None
        if not isinstance(value, dict):
            self.fail("metadata", Rule.TYPE_OBJECT)
            return None
        if rules.metadata_items is not None and not self.metadata_items(
            value, rules.metadata_items
        ):
            return None
        limit = rules.metadata_max_bytes
        text = msgspec.json.encode(value)
        if len(text) > limit:
            self.fail("metadata", Rule.TOO_LARGE, limit)
            return None
        return text.decode(), meta_index_entries(value)

    def metadata_items(self, items: Mapping[str, object], rules: MetadataItemRules) -> bool:
        """Flat string items: at most `max_items`, keys without commas. True when all pass."""
        before = len(self.problems)
        if len(items) > rules.max_items:
            self.fail("metadata", Rule.TOO_MANY, rules.max_items)
        for key, value in items.items():
            if not key or "," in key or NUL in key:
                self.fail("metadata", Rule.EMPTY if not key else Rule.BAD_FORMAT)
            elif len(key) > rules.key_max:
                self.fail("metadata", Rule.TOO_LONG, rules.key_max)
            elif not isinstance(value, str):
                self.fail("metadata", Rule.TYPE_STRING)
            elif len(value) > rules.value_max:
                self.fail("metadata", Rule.TOO_LONG, rules.value_max)
            elif NUL in value:
                self.fail("metadata", Rule.BAD_FORMAT)
            else:
                continue
            break
        return len(self.problems) == before

    def extra(self, raw: Mapping[str, object], rules: UserRules) -> dict[str, object]:
        """The vendor-only fields present in `raw` (a null clears one)."""
        found: dict[str, object] = {}
        for name, rule in rules.extra.items():
            if name not in raw:
                continue
            value = raw[name]
            if value is None:
                found[name] = None
            elif isinstance(rule, int):
                text = self.text(raw, name, rule, required=False)
                if text is not None:
                    found[name] = text
            elif not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                self.fail(name, Rule.TYPE_LIST)
            elif len(value) > rule.max_items:
                self.fail(name, Rule.TOO_MANY, rule.max_items)
            elif any(len(v) > rule.item_max or NUL in v for v in value):
                self.fail(name, Rule.TOO_LONG, rule.item_max)
            else:
                found[name] = value
        return found

    def name(self, raw: Mapping[str, object], rules: UserRules) -> str | None:
        """A name. Where names are optional the key must still be sent; null means ""."""
        if rules.name_required:
            return self.text(raw, "name", rules.name_max, required=True)
        if "name" not in raw:
            self.fail("name", Rule.REQUIRED)
            return None
        return self.text(raw, "name", rules.name_max, required=False) or ""

    def tags(self, raw: Mapping[str, object], rules: UserRules) -> list[str] | None:
        value = raw.get("tags")
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            self.fail("tags", Rule.TYPE_LIST)
            return None
        unique = list(dict.fromkeys(t for t in value))
        if len(unique) > rules.tags_max:
            self.fail("tags", Rule.TOO_MANY, rules.tags_max)
            return None
        if any(not t.strip() for t in unique):
            self.fail("tags", Rule.EMPTY)
            return None
        if any(len(t) > rules.tag_max for t in unique):
            self.fail("tags", Rule.TOO_LONG, rules.tag_max)
            return None
        if any(NUL in t for t in unique):
            self.fail("tags", Rule.BAD_FORMAT)
            return None
        return unique

    def done(self) -> None:
        if self.problems:
            raise invalid(*self.problems)


def meta_index_entries(metadata: Mapping[str, object]) -> list[tuple[str, str]]:
    """Top-level (key, value-as-text) pairs for metadata filters; strings stay as they are."""
    entries = []
    for key, value in metadata.items():
        text = value if isinstance(value, str) else msgspec.json.encode(value).decode()
        indexable = len(key) <= META_INDEX_KEY_MAX and len(text) <= META_INDEX_VALUE_MAX
        if indexable and NUL not in key and NUL not in text:
            entries.append((key, text))
    return entries


@dataclass(slots=True)
class CheckedNewUser:
    user: NewUser
    keys: tuple[str, str]
    meta_entries: list[tuple[str, str]]


def check_new_user(raw: Mapping[str, object], rules: UserRules) -> CheckedNewUser:
    """Validate a create body (core field names); read-only and unknown keys are ignored."""
    checker = FieldChecker()
    uid: str | None = None
    try:
        uid = check_uid(raw.get("uid"), rules.uid)
    except RosterError as exc:
        if exc.kind is not ErrorKind.INVALID_INPUT:
            raise
        checker.problems.extend(exc.problems)
    name = checker.name(raw, rules)
    avatar = checker.url(raw, "avatar", rules.url_max, strict=rules.url_format)
    link = checker.url(raw, "link", rules.url_max, strict=rules.url_format)
    status_message = checker.text(raw, "status_message", rules.status_message_max, required=False)
    role = _role_field(checker, raw)
    meta = checker.metadata(raw, rules)
    tags = checker.tags(raw, rules)
    extra = {k: v for k, v in checker.extra(raw, rules).items() if v is not None}
    checker.done()
    assert uid is not None and name is not None
    user = NewUser(
        uid=uid,
        name=name,
        avatar=avatar,
        link=link,
        metadata=meta[0] if meta else None,
        status_message=status_message,
        role=role or DEFAULT_ROLE,
        tags=tags or [],
        extra=msgspec.json.encode(extra).decode() if extra else None,
    )
    return CheckedNewUser(user, (fold(uid), fold(name)), meta[1] if meta else [])


def _role_field(checker: FieldChecker, raw: Mapping[str, object]) -> str | None:
    """The role id, lowercased; an empty string means "not given" on create and update alike."""
    value = checker.text(raw, "role", ROLE_ID_RULES.max_length, required=False)
    return value.lower() if value else None


@dataclass(slots=True)
class CheckedPatch:
    patch: UserPatch
    meta_entries: list[tuple[str, str]] | None


def check_patch(
    raw: Mapping[str, object], unset: object, rules: UserRules, unsettable: Mapping[str, str]
) -> CheckedPatch:
    """Validate an update body. A field both given and listed in `unset` ends up unset."""
    checker = FieldChecker()
    patch = UserPatch()
    meta_entries: list[tuple[str, str]] | None = None
    if raw.get("name") is not None or ("name" in raw and rules.name_required):
        name = checker.name(raw, rules)
        if name is not None:
            patch.set["name"] = name
            patch.set["name_key"] = fold(name)
    for field_name in ("avatar", "link"):
        if field_name in raw and raw[field_name] is None and not rules.url_format:
            patch.set[field_name] = None  # Sendbird: null (like "") removes the image
        elif field_name in raw and raw[field_name] is not None:
            url = checker.url(raw, field_name, rules.url_max, strict=rules.url_format)
            if url is not None or raw[field_name] == "":
                patch.set[field_name] = url
    if raw.get("status_message") is not None:
        message = checker.text(raw, "status_message", rules.status_message_max, required=False)
        if message is not None:
            patch.set["status_message"] = message
    if raw.get("role") is not None:
        role = _role_field(checker, raw)
        if role is not None:
            patch.set["role"] = role
    if raw.get("metadata") is not None:
        meta = checker.metadata(raw, rules)
        if meta is not None:
            patch.set["metadata"] = meta[0]
            meta_entries = meta[1]
    if raw.get("tags") is not None:
        patch.tags = checker.tags(raw, rules)
    patch.extra = checker.extra(raw, rules) or None
    active = raw.get("active")
    if active is not None:
        if isinstance(active, bool):
            patch.active = active
        else:
            checker.fail("active", Rule.TYPE_BOOLEAN)
    last_seen = raw.get("last_active_at")
    if last_seen is not None:
        if not isinstance(last_seen, int) or isinstance(last_seen, bool):
            checker.fail("last_active_at", Rule.TYPE_INTEGER)
        elif last_seen < 0:
            checker.fail("last_active_at", Rule.TOO_SMALL, 0)
        elif last_seen > MAX_TIME_MS:
            checker.fail("last_active_at", Rule.TOO_LARGE, MAX_TIME_MS)
        else:
            patch.set["last_active_at"] = last_seen
    if unset is not None:
        if not isinstance(unset, list) or not all(isinstance(u, str) for u in unset):
            checker.fail("unset", Rule.TYPE_LIST)
        else:
            for item in unset:
                if item not in unsettable:
                    checker.problems.append(
                        FieldProblem("unset", Rule.BAD_CHOICE, choices=tuple(unsettable))
                    )
                    break
                column = unsettable[item]
                if column == "tags":
                    patch.tags = []
                else:
                    patch.set[column] = None
                    if column == "metadata":
                        meta_entries = []
    checker.done()
    return CheckedPatch(patch, meta_entries)
