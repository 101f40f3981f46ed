"""Users and roles as CometChat JSON: seconds, camelCase, empty fields left out."""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from roster.model.users import LoginToken, Role, User


def conversation_id(viewer: str, other: str) -> str:
    """The 1:1 conversation id: both uids in ascending order joined by `_user_`."""
    return f"{viewer}_user_{other}" if viewer <= other else f"{other}_user_{viewer}"


class CometChatUser(msgspec.Struct, omit_defaults=True, rename="camel"):
    """A user on the wire. A Struct, not a dict: built and encoded in C with its keys encoded
    once, which is most of a list page's cost beyond the query (docs/benchmarks.md).
    Fields left unset are left out, as CometChat leaves out empty fields. Built positionally
    (a list page builds a hundred): keywords made rendering a third slower. Every field has
    a default so that the order on the wire stays CometChat's; UNSET, not None or "", so no
    real value is ever taken for an absent one.
    """

    uid: str | UnsetType = UNSET
    name: str | UnsetType = UNSET
    link: str | UnsetType = UNSET
    avatar: str | UnsetType = UNSET
    metadata: msgspec.Raw | UnsetType = UNSET
    status: str | UnsetType = UNSET
    status_message: str | UnsetType = UNSET
    role: str | UnsetType = UNSET
    tags: list[str] | UnsetType = UNSET
    last_active_at: int | UnsetType = UNSET
    created_at: int | UnsetType = UNSET
    updated_at: int | UnsetType = UNSET
    deactivated_at: int | UnsetType = UNSET
    # Relative to the viewer (onBehalfOf) only.
    conversation_id: str | UnsetType = UNSET
    blocked_by_me: bool | UnsetType = UNSET
    has_blocked_me: bool | UnsetType = UNSET
    blocked_by_me_at: int | UnsetType = UNSET
    has_blocked_me_at: int | UnsetType = UNSET
    blocked_at: int | UnsetType = UNSET
    # On create with withAuthToken only.
    auth_token: str | UnsetType = UNSET


Blocks = dict[int, tuple[int | None, int | None]]


def users(
    found: list[User],
    *,
    with_tags: bool = True,
    viewer: str | None = None,
    blocks: Blocks | None = None,
) -> list[CometChatUser]:
    """Users; with a viewer, also the fields relative to them. One comprehension for the lot:
    a call per user was a sixth of rendering a list page of a hundred (docs/benchmarks.md,
    session 16).

    `blocks`, per user pk: when the viewer blocked that user and when that user blocked the
    viewer (ms). With a viewer the two booleans are always sent (the SDK defaults them), the
    times only when the block exists; `blockedAt` is the time of the viewer's block, else of
    theirs.
    """
    raw, unset = msgspec.Raw, UNSET
    out = [
        CometChatUser(
            u.uid,
            u.name,
            u.link or unset,
            u.avatar or unset,
            raw(u.metadata) if u.metadata else unset,
            "available" if u.online else "offline",
            u.status_message or unset,
            u.role,
            u.tags if with_tags and u.tags is not None else unset,
            u.last_active_at // 1000 if u.last_active_at else unset,
            u.created_at // 1000,
            u.updated_at // 1000 if u.updated_at else unset,
            u.deactivated_at // 1000 if u.deactivated_at else unset,
        )
        for u in found
    ]
    if viewer is not None:
        blocks = blocks or {}
        for u, shown in zip(found, out, strict=True):
            by_me, by_them = blocks.get(u.pk, (None, None))
            shown.conversation_id = conversation_id(viewer, u.uid)
            shown.blocked_by_me = by_me is not None
            shown.has_blocked_me = by_them is not None
            if by_me is not None or by_them is not None:
                shown.blocked_by_me_at = UNSET if by_me is None else by_me // 1000
                shown.has_blocked_me_at = UNSET if by_them is None else by_them // 1000
                shown.blocked_at = _blocked_at(by_me, by_them)
    return out


def user(u: User, *, with_tags: bool = True) -> CometChatUser:
    return users([u], with_tags=with_tags)[0]


def _blocked_at(by_me: int | None, by_them: int | None) -> int | UnsetType:
    if by_me is not None:
        return by_me // 1000
    return UNSET if by_them is None else by_them // 1000


def role(r: Role) -> dict[str, Any]:
    out: dict[str, Any] = {"role": r.role, "name": r.name}
    if r.description:
        out["description"] = r.description
    if r.metadata:
        out["metadata"] = msgspec.Raw(r.metadata.encode())
    if r.settings:
        out["settings"] = msgspec.Raw(r.settings.encode())
    out["createdAt"] = r.created_at // 1000
    if r.updated_at:
        out["updatedAt"] = r.updated_at // 1000
    return out


def pagination(
    *, count: int, per_page: int, page: int, has_more: bool, total: int | None
) -> dict[str, int]:
    """Look-ahead mode unless a total was counted (reference §5.1)."""
    if total is None:
        total_pages = page + 1 if has_more else page
        shown_total = 0
    else:
        total_pages = max(1, -(-total // per_page))
        shown_total = total
    return {
        "total": shown_total,
        "count": count,
        "per_page": per_page,
        "current_page": page,
        "total_pages": total_pages,
    }


def cursor(users: list[User]) -> dict[str, Any] | None:
    if not users:
        return None
    latest = max([u.updated_at or u.created_at for u in users])
    return {"updatedAt": latest // 1000, "affix": "prepend"}


def auth_token(token: LoginToken, shown: str | None = None) -> dict[str, Any]:
    """A token; `shown` replaces the stored masked form when the caller gave the token."""
    out: dict[str, Any] = {
        "uid": token.uid,
        "authToken": shown or token.shown,
        "createdAt": token.created_at // 1000,
    }
    if token.platform:
        out["platform"] = token.platform
    if token.device_id:
        out["deviceId"] = token.device_id
    if token.user_agent:
        out["userAgent"] = token.user_agent
    if token.app_info:
        out["appInfo"] = msgspec.Raw(token.app_info.encode())
    return out
