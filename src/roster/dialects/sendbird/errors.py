"""The core's error kinds as Sendbird error bodies: `{"message", "code", "error": true}`.

Sendbird answers most errors with HTTP 400 and a six-digit code; the official SDK only looks at
the HTTP status, so the code is what clients that care about the cause read.
"""

from __future__ import annotations

import msgspec
from starlette.responses import Response

from roster.core.errors import ErrorKind, FieldProblem, RosterError, Rule

# kind -> (HTTP status, Sendbird code)
STATUS_AND_CODE: dict[ErrorKind, tuple[int, int]] = {
    ErrorKind.MALFORMED_BODY: (400, 400403),
    ErrorKind.BODY_TOO_LARGE: (413, 400111),
    ErrorKind.QUOTA_EXCEEDED: (400, 400203),
    ErrorKind.INVALID_USER_ID: (400, 400151),
    ErrorKind.USER_NOT_FOUND: (400, 400201),
    ErrorKind.USER_DEACTIVATED: (400, 400300),
    ErrorKind.USER_EXISTS: (400, 400202),
    ErrorKind.TOKEN_NOT_FOUND: (400, 400201),
    ErrorKind.TOKEN_NOT_YOURS: (400, 400108),
    ErrorKind.CANNOT_BLOCK_SELF: (400, 400112),
    ErrorKind.NOT_A_FRIEND: (400, 400201),
    ErrorKind.BOT_NOT_FOUND: (400, 400201),
    ErrorKind.METADATA_NOT_FOUND: (400, 400201),
    ErrorKind.METADATA_EXISTS: (400, 400202),
    ErrorKind.PAGE_TOKEN_INVALID: (400, 400111),
    ErrorKind.PAGE_TOKEN_EXPIRED: (400, 400109),
    ErrorKind.ROLE_NOT_FOUND: (400, 400201),
    ErrorKind.ROLE_EXISTS: (400, 400202),
    ErrorKind.ROLE_PROTECTED: (400, 400108),
    ErrorKind.ROLE_IN_USE: (400, 400108),
    ErrorKind.ROUTE_NOT_FOUND: (400, 400404),
    ErrorKind.MISSING_CREDENTIALS: (401, 400401),
    ErrorKind.UNKNOWN_CREDENTIALS: (401, 400401),
    ErrorKind.APP_MISMATCH: (401, 400401),
    ErrorKind.SCOPE_DENIED: (403, 400108),
    ErrorKind.APP_EXISTS: (400, 400202),
}

# A refused field -> its Sendbird code
RULE_CODES: dict[Rule, int] = {
    Rule.REQUIRED: 400105,
    Rule.TYPE_STRING: 400100,
    Rule.TYPE_INTEGER: 400101,
    Rule.TYPE_LIST: 400102,
    Rule.TYPE_OBJECT: 400103,
    Rule.TYPE_BOOLEAN: 400104,
    Rule.TOO_LONG: 400110,
    Rule.TOO_MANY: 400203,
    Rule.TOO_SMALL: 400111,
    Rule.TOO_LARGE: 400111,
    Rule.BAD_FORMAT: 400151,
    Rule.BAD_CHOICE: 400111,
    Rule.EMPTY: 400151,
}

# core field names -> the names Sendbird callers use
FIELD_NAMES = {
    "uid": "user_id",
    "name": "nickname",
    "avatar": "profile_url",
    "active": "is_active",
    "last_active_at": "last_seen_at",
    "callback_url": "bot_callback_url",
}


def _message(kind: ErrorKind, subject: str | None) -> str:
    s = subject or ""
    return {
        ErrorKind.MALFORMED_BODY: f"Invalid JSON body: {s}.",
        ErrorKind.BODY_TOO_LARGE: f"The request body may not be larger than {s} bytes.",
        ErrorKind.QUOTA_EXCEEDED: f"Too many items: {s}.",
        ErrorKind.INVALID_USER_ID: '"user_id" has a character that is not allowed.',
        ErrorKind.USER_NOT_FOUND: '"User" not found.',
        ErrorKind.USER_DEACTIVATED: "The user is deactivated.",
        ErrorKind.USER_EXISTS: f'"user_id" violates a unique constraint: "{s}" already exists.',
        ErrorKind.BOT_NOT_FOUND: '"Bot" not found.',
        ErrorKind.TOKEN_NOT_FOUND: '"Token" not found.',
        ErrorKind.TOKEN_NOT_YOURS: "Not allowed.",
        ErrorKind.CANNOT_BLOCK_SELF: '"user_id" and "target_id" must differ.',
        ErrorKind.NOT_A_FRIEND: '"Friend" not found.',
        ErrorKind.METADATA_NOT_FOUND: f'"Metadata key {s}" not found.',
        ErrorKind.METADATA_EXISTS: f'"Metadata key {s}" already exists.',
        ErrorKind.PAGE_TOKEN_INVALID: '"token" is not valid for this request.',
        ErrorKind.PAGE_TOKEN_EXPIRED: "The pagination token has expired.",
        ErrorKind.ROLE_NOT_FOUND: '"Role" not found.',
        ErrorKind.ROLE_EXISTS: '"Role" already exists.',
        ErrorKind.ROLE_PROTECTED: "Not allowed.",
        ErrorKind.ROLE_IN_USE: "Not allowed.",
        ErrorKind.ROUTE_NOT_FOUND: "Invalid request URL.",
        ErrorKind.MISSING_CREDENTIALS: "Not valid Api-Token. Api-Token is missing.",
        ErrorKind.UNKNOWN_CREDENTIALS: "Not valid Api-Token.",
        ErrorKind.APP_MISMATCH: "Not valid Api-Token for this application.",
        ErrorKind.SCOPE_DENIED: "This Api-Token is not allowed to do this.",
        ErrorKind.APP_EXISTS: "The application already exists.",
    }[kind]


def problem_text(problem: FieldProblem) -> str:
    name = f'"{FIELD_NAMES.get(problem.field, problem.field)}"'
    limit = problem.limit
    return {
        Rule.REQUIRED: f"{name} must be required.",
        Rule.TYPE_STRING: f"{name} should be a string.",
        Rule.TYPE_INTEGER: f"{name} should be a number.",
        Rule.TYPE_LIST: f"{name} should be a list.",
        Rule.TYPE_OBJECT: f"{name} should be a JSON object.",
        Rule.TYPE_BOOLEAN: f"{name} should be a boolean.",
        Rule.TOO_LONG: f"{name} is too long (at most {limit} characters).",
        Rule.TOO_MANY: f"{name} has too many items (at most {limit}).",
        Rule.TOO_SMALL: f"{name} is out of range (at least {limit}).",
        Rule.TOO_LARGE: f"{name} is out of range (at most {limit}).",
        Rule.BAD_FORMAT: f"{name} has a character that is not allowed.",
        Rule.BAD_CHOICE: f"{name} must be one of: {', '.join(problem.choices)}.",
        Rule.EMPTY: f"{name} must not be empty.",
    }[problem.rule]


def _body(status: int, message: str, code: int) -> Response:
    content = msgspec.json.encode({"message": message, "code": code, "error": True})
    return Response(content, status, media_type="application/json")


def error_response(error: RosterError) -> Response:
    if error.kind is ErrorKind.INVALID_INPUT and error.problems:
        first = error.problems[0]
        return _body(400, problem_text(first), RULE_CODES[first.rule])
    if error.kind is ErrorKind.INVALID_INPUT:
        return _body(400, "Invalid value.", 400111)
    status, code = STATUS_AND_CODE[error.kind]
    return _body(status, _message(error.kind, error.subject), code)


def crash_response() -> Response:
    return _body(500, "Internal server error.", 500901)
