"""Users and roles as CometChat JSON: seconds, camelCase, empty fields left out."""

from __future__ import annotations

from typing import Any

import msgspec

from roster.model.users import LoginToken, Role, User


def conversation_id(viewer: str, other: str) -> str:
    """The 1:1 conversation id: both uids in ascending order joined by `_user_`."""
    first, second = sorted((viewer, other))
    return f"{first}_user_{second}"


class CometChatUser(msgspec.Struct, kw_only=True, omit_defaults=True, rename="camel"):
    """A user on the wire. A Struct, not a dict: built and encoded in C with its keys encoded
    once, which is most of a list page's cost beyond the query (docs/benchmarks.md).
    Fields left at None are left out, as CometChat leaves out empty fields."""

    uid: str
    name: str
    link: str | None = None
    avatar: str | None = None
    metadata: msgspec.Raw | None = None
    status: str
    status_message: str | None = None
    role: str
    tags: list[str] | None = None
    last_active_at: int | None = None
    created_at: int
    updated_at: int | None = None
    deactivated_at: int | None = None
    # Relative to the viewer (onBehalfOf) only.
    conversation_id: str | None = None
    blocked_by_me: bool | None = None
    has_blocked_me: bool | None = None
    blocked_by_me_at: int | None = None
    has_blocked_me_at: int | None = None
    blocked_at: int | None = None
    # On create with withAuthToken only.
    auth_token: str | None = None


def user(
    u: User,
    *,
    viewer: str | None = None,
    blocks: tuple[int | None, int | None] | None = None,
    with_tags: bool = True,
) -> CometChatUser:
    """A user; with a viewer, also the fields relative to them.

    `blocks`: when the viewer blocked this user and when this user blocked the viewer (ms).
    With a viewer the two booleans are always sent (the SDK defaults them), the times only
    when the block exists; `blockedAt` is the time of the viewer's block, else of theirs.
    """
    out = CometChatUser(
        uid=u.uid,
        name=u.name,
        link=u.link or None,
        avatar=u.avatar or None,
        metadata=msgspec.Raw(u.metadata) if u.metadata else None,
        status="available" if u.online else "offline",
        status_message=u.status_message or None,
        role=u.role,
        tags=u.tags if with_tags else None,
        last_active_at=u.last_active_at // 1000 if u.last_active_at else None,
        created_at=u.created_at // 1000,
        updated_at=u.updated_at // 1000 if u.updated_at else None,
        deactivated_at=u.deactivated_at // 1000 if u.deactivated_at else None,
    )
    if viewer is not None:
        out.conversation_id = conversation_id(viewer, u.uid)
        by_me, by_them = blocks or (None, None)
        out.blocked_by_me = by_me is not None
        out.has_blocked_me = by_them is not None
        if by_me is not None:
            out.blocked_by_me_at = by_me // 1000
        if by_them is not None:
            out.has_blocked_me_at = by_them // 1000
        if by_me is not None or by_them is not None:
            out.blocked_at = (by_me if by_me is not None else by_them or 0) // 1000
    return out


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
    latest = max((u.updated_at or u.created_at) for u in users)
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
