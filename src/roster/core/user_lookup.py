"""Finding the user a request names, with the two refusals every service shares."""

from __future__ import annotations

from roster.core.errors import ErrorKind, RosterError
from roster.core.user_rules import UserRules
from roster.model.users import User
from roster.store import user_rows
from roster.store.database import Conn


async def existing_user(conn: Conn, app_id: str, uid: str, rules: UserRules) -> User:
    """The user with this id (normalised by the dialect's rules), active or not."""
    user = await user_rows.get_user(conn, app_id, rules.uid.normalize(uid))
    if user is None:
        raise RosterError(ErrorKind.USER_NOT_FOUND, subject=uid)
    return user


async def active_user(conn: Conn, app_id: str, uid: str, rules: UserRules) -> User:
    """The user with this id, who must not be deactivated."""
    user = await existing_user(conn, app_id, uid, rules)
    if not user.active:
        raise RosterError(ErrorKind.USER_DEACTIVATED, subject=uid)
    return user
