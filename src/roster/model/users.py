"""The user as the core knows it, independent of either vendor's field names."""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec


class User(msgspec.Struct):
    """A stored user. Times are milliseconds; `metadata` is JSON text, passed through unparsed.

    A msgspec Struct rather than a dataclass: a list page builds a hundred of these per request,
    and a Struct is built in C, about twice as fast (bench/, docs/benchmarks.md).
    The fields are the store's columns in order, so a list builds its users from its rows with
    no Python per row (`to_users`). Hence the flags are 0 or 1, as both stores keep them, and a
    JSON boolean is made where one is sent (Sendbird's shape) by comparing with 1.
    """

    pk: int
    uid: str
    name: str
    avatar: str | None
    link: str | None
    metadata: str | None
    status_message: str | None
    role: str
    online: int  # 0 or 1
    is_bot: int  # 0 or 1
    created_at: int
    updated_at: int | None
    deactivated_at: int | None
    last_active_at: int | None
    has_ever_logged_in: int = 0  # 0 or 1
    extra: str | None = None  # JSON object of fields only one vendor has
    name_key: str | None = None  # the folded name lists are ordered by; read by lists only
    tags: list[str] | None = None

    @property
    def active(self) -> bool:
        return self.deactivated_at is None


@dataclass(slots=True)
class NewUser:
    """A validated user to insert."""

    uid: str
    name: str
    avatar: str | None = None
    link: str | None = None
    metadata: str | None = None
    status_message: str | None = None
    role: str = "default"
    tags: list[str] = field(default_factory=list)
    is_bot: bool = False
    extra: str | None = None


@dataclass(slots=True)
class UserPatch:
    """A validated partial update. `set` holds column values; `tags` replaces the list if given."""

    set: dict[str, object] = field(default_factory=dict)
    tags: list[str] | None = None
    extra: dict[str, object] | None = None  # vendor-only fields to merge (None clears one)
    active: bool | None = None  # deactivate (False) or reactivate (True)


@dataclass(frozen=True, slots=True)
class Role:
    role: str
    name: str
    description: str | None
    metadata: str | None
    settings: str | None
    created_at: int
    updated_at: int | None


DEFAULT_ROLE = "default"


@dataclass(slots=True)
class Bot:
    """A bot: a user (is_bot) plus the settings only bots have."""

    user: User
    bot_type: str
    callback_url: str
    is_privacy_mode: bool
    enable_mark_as_read: bool
    show_member: bool
    channel_invitation_preference: int
    created_at: int


@dataclass(frozen=True, slots=True)
class LoginToken:
    """A stored login token: never the token itself, only a masked form (`shown`)."""

    shown: str
    uid: str
    created_at: int
    platform: str | None
    device_id: str | None
    user_agent: str | None
    app_info: str | None  # JSON text
