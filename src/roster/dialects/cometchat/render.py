"""Users and roles as CometChat JSON: seconds, camelCase, empty fields left out."""

from __future__ import annotations

from typing import Any

import msgspec

from roster.model.users import LoginToken, Role, User


def conversation_id(viewer: str, other: str) -> str:
    """The 1:1 conversation id: both uids in ascending order joined by `_user_`."""
    first, second = sorted((viewer, other))
    return f"{first}_user_{second}"


def user(
    u: User,
    *,
    viewer: str | None = None,
    blocks: tuple[int | None, int | None] | None = None,
    with_tags: bool = True,
) -> dict[str, Any]:
    """A user; with a viewer, also the fields relative to them.

    `blocks`: when the viewer blocked this user and when this user blocked the viewer (ms).
    With a viewer the two booleans are always sent (the SDK defaults them), the times only
    when the block exists; `blockedAt` is the time of the viewer's block, else of theirs.
    """
    out: dict[str, Any] = {"uid": u.uid, "name": u.name}
    if u.link:
        out["link"] = u.link
    if u.avatar:
        out["avatar"] = u.avatar
    if u.metadata:
        out["metadata"] = msgspec.Raw(u.metadata.encode())
    out["status"] = "available" if u.online else "offline"
    if u.status_message:
        out["statusMessage"] = u.status_message
    out["role"] = u.role
    if with_tags and u.tags is not None:
        out["tags"] = u.tags
    if u.last_active_at:
        out["lastActiveAt"] = u.last_active_at // 1000
    out["createdAt"] = u.created_at // 1000
    if u.updated_at:
        out["updatedAt"] = u.updated_at // 1000
    if u.deactivated_at:
        out["deactivatedAt"] = u.deactivated_at // 1000
    if viewer is not None:
        out["conversationId"] = conversation_id(viewer, u.uid)
        by_me, by_them = blocks or (None, None)
        out["blockedByMe"] = by_me is not None
        out["hasBlockedMe"] = by_them is not None
        if by_me is not None:
            out["blockedByMeAt"] = by_me // 1000
        if by_them is not None:
            out["hasBlockedMeAt"] = by_them // 1000
        if by_me is not None or by_them is not None:
            out["blockedAt"] = (by_me if by_me is not None else by_them or 0) // 1000
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
