"""Roles: an app's built-in `default` role always exists; a user's role must exist."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from roster.core.clock import Clock
from roster.core.errors import ErrorKind, FieldProblem, RosterError, Rule, invalid
from roster.core.user_rules import ROLE_ID_RULES, FieldChecker, check_uid
from roster.model.users import DEFAULT_ROLE, Role
from roster.store import role_rows
from roster.store.database import Database, UniqueViolation

MAX_ROLES = 25
NAME_MAX = 100
DESCRIPTION_MAX = 255
SETTING_KEYS = ("listUsers", "sendMessagesTo")
SETTING_VALUES = ("all", "friendsOnly")
UNSETTABLE = ("settings", "description", "metadata")


def _problems(raw: Mapping[str, object], *, creating: bool) -> list[FieldProblem]:
    checker = FieldChecker()
    if creating or "name" in raw:
        checker.text(raw, "name", NAME_MAX, required=True)
    checker.text(raw, "description", DESCRIPTION_MAX, required=False)
    metadata = raw.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        checker.fail("metadata", Rule.TYPE_OBJECT)
    settings = raw.get("settings")
    if settings is not None:
        if not isinstance(settings, dict):
            checker.fail("settings", Rule.TYPE_OBJECT)
        elif any(k not in SETTING_KEYS or v not in SETTING_VALUES for k, v in settings.items()):
            checker.problems.append(
                FieldProblem("settings", Rule.BAD_CHOICE, choices=SETTING_VALUES)
            )
    return checker.problems


def _json(value: object) -> str | None:
    return None if value is None else msgspec.json.encode(value).decode()


class RoleService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def create_role(self, app_id: str, raw: Mapping[str, object]) -> Role:
        problems = _problems(raw, creating=True)
        try:
            role_id = check_uid(raw.get("role"), ROLE_ID_RULES, field="role")
        except RosterError as exc:
            if exc.kind is ErrorKind.INVALID_USER_ID:
                problems.append(FieldProblem("role", Rule.BAD_FORMAT))
            else:
                problems.extend(exc.problems)
            role_id = ""
        if problems:
            raise invalid(*problems)
        now = self._clock.now_ms()
        role = Role(
            role=role_id,
            name=str(raw["name"]),
            description=raw.get("description") if isinstance(raw.get("description"), str) else None,  # type: ignore[arg-type]
            metadata=_json(raw.get("metadata")),
            settings=_json(raw.get("settings")),
            created_at=now,
            updated_at=None,
        )
        async with self._db.transaction() as conn:
            if await role_rows.count_roles(conn, app_id) >= MAX_ROLES:
                raise RosterError(ErrorKind.QUOTA_EXCEEDED, subject=f"at most {MAX_ROLES} roles")
            try:
                await role_rows.insert_role(conn, app_id, role)
            except UniqueViolation:
                raise RosterError(ErrorKind.ROLE_EXISTS, subject=role_id) from None
        return role

    async def get_role(self, app_id: str, role: str) -> Role:
        async with self._db.reader() as conn:
            found = await role_rows.get_role(conn, app_id, role.lower())
        if found is None:
            raise RosterError(ErrorKind.ROLE_NOT_FOUND, subject=role)
        return found

    async def list_roles(self, app_id: str, page: int, per_page: int) -> tuple[list[Role], int]:
        async with self._db.reader() as conn:
            roles = await role_rows.list_roles(conn, app_id, per_page, (page - 1) * per_page)
            total = await role_rows.count_roles(conn, app_id)
        return roles, total

    async def update_role(
        self, app_id: str, role: str, raw: Mapping[str, object], unset: object
    ) -> Role:
        problems = _problems(raw, creating=False)
        changes: dict[str, object] = {}
        for field in ("name", "description"):
            if raw.get(field) is not None:
                changes[field] = raw[field]
        for field in ("metadata", "settings"):
            if raw.get(field) is not None:
                changes[field] = _json(raw[field])
        if unset is not None:
            if not isinstance(unset, list) or any(u not in UNSETTABLE for u in unset):
                problems.append(FieldProblem("unset", Rule.BAD_CHOICE, choices=UNSETTABLE))
            else:
                changes.update({field: None for field in unset})
        if problems:
            raise invalid(*problems)
        role = role.lower()
        async with self._db.transaction() as conn:
            if await role_rows.get_role(conn, app_id, role) is None:
                raise RosterError(ErrorKind.ROLE_NOT_FOUND, subject=role)
            await role_rows.update_role(conn, app_id, role, changes, self._clock.now_ms())
            updated = await role_rows.get_role(conn, app_id, role)
        assert updated is not None
        return updated

    async def delete_role(self, app_id: str, role: str) -> None:
        """The default role is built in; a role that users still hold cannot go either."""
        role = role.lower()
        if role == DEFAULT_ROLE:
            raise RosterError(ErrorKind.ROLE_PROTECTED, subject=role)
        async with self._db.transaction() as conn:
            if await role_rows.get_role(conn, app_id, role) is None:
                raise RosterError(ErrorKind.ROLE_NOT_FOUND, subject=role)
            if await role_rows.role_in_use(conn, app_id, role):
                raise RosterError(ErrorKind.ROLE_IN_USE, subject=role)
            await role_rows.delete_role(conn, app_id, role)
