"""Tenancy values: an app and the keys that reach it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Scope(Enum):
    FULL_ACCESS = "fullAccess"  # CometChat REST API key; Sendbird master API token
    AUTH_ONLY = "authOnly"  # CometChat Auth Key: create/update users, issue tokens
    SECONDARY = "secondary"  # Sendbird secondary API token: full access, revocable apart


@dataclass(frozen=True, slots=True)
class App:
    app_id: str
    name: str
    created_at: int


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A key as stored: the secret itself is never kept, only its hash and a short hint."""

    key_id: str
    app_id: str
    name: str
    scope: Scope
    hint: str
    created_at: int
    revoked_at: int | None
