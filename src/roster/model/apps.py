"""Tenancy values: an app and the keys that reach it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Scope(Enum):
    FULL_ACCESS = "fullAccess"
    AUTH_ONLY = "authOnly"


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
