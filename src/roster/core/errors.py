"""One error taxonomy for every dialect.

The core raises these; each dialect owns a table that turns a kind into its vendor's code,
HTTP status and wording. Keeping the vocabulary here means a rule such as "a deactivated user
is not found" is decided once, not re-decided by every dialect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class ErrorKind(Enum):
    INVALID_INPUT = "invalid_input"
    MALFORMED_BODY = "malformed_body"
    BODY_TOO_LARGE = "body_too_large"
    INVALID_USER_ID = "invalid_user_id"
    USER_NOT_FOUND = "user_not_found"
    USER_DEACTIVATED = "user_deactivated"
    METADATA_NOT_FOUND = "metadata_not_found"
    METADATA_EXISTS = "metadata_exists"
    BOT_NOT_FOUND = "bot_not_found"
    TOKEN_NOT_FOUND = "token_not_found"
    TOKEN_NOT_YOURS = "token_not_yours"
    CANNOT_BLOCK_SELF = "cannot_block_self"
    NOT_A_FRIEND = "not_a_friend"
    PAGE_TOKEN_INVALID = "page_token_invalid"
    PAGE_TOKEN_EXPIRED = "page_token_expired"
    USER_EXISTS = "user_exists"
    ROLE_NOT_FOUND = "role_not_found"
    ROLE_EXISTS = "role_exists"
    ROLE_PROTECTED = "role_protected"
    ROLE_IN_USE = "role_in_use"
    QUOTA_EXCEEDED = "quota_exceeded"
    APP_EXISTS = "app_exists"
    ROUTE_NOT_FOUND = "route_not_found"
    MISSING_CREDENTIALS = "missing_credentials"
    UNKNOWN_CREDENTIALS = "unknown_credentials"
    APP_MISMATCH = "app_mismatch"
    SCOPE_DENIED = "scope_denied"


class Rule(Enum):
    """Why a field was refused; dialects word the message."""

    REQUIRED = "required"
    TYPE_STRING = "string"
    TYPE_INTEGER = "integer"
    TYPE_BOOLEAN = "boolean"
    TYPE_OBJECT = "object"
    TYPE_LIST = "list"
    TOO_LONG = "too_long"
    TOO_MANY = "too_many"
    TOO_SMALL = "too_small"
    TOO_LARGE = "too_large"
    BAD_FORMAT = "bad_format"
    BAD_CHOICE = "bad_choice"
    EMPTY = "empty"


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One refused field. `limit` is the bound that was crossed, when there is one."""

    field: str
    rule: Rule
    limit: int | None = None
    choices: tuple[str, ...] = ()


@dataclass(slots=True)
class RosterError(Exception):
    """A refusal the caller can act on; never a crash."""

    kind: ErrorKind
    subject: str | None = None
    problems: tuple[FieldProblem, ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        return f"{self.kind.value}: {self.subject or ''} {self.problems or ''}".strip()


def invalid(*problems: FieldProblem) -> RosterError:
    return RosterError(ErrorKind.INVALID_INPUT, problems=problems)
