"""The core's error kinds as CometChat error bodies: one table, one renderer."""

from __future__ import annotations

import msgspec
from starlette.responses import Response

from roster.core.errors import ErrorKind, FieldProblem, RosterError, Rule

# kind -> (HTTP status, CometChat code)
STATUS_AND_CODE: dict[ErrorKind, tuple[int, str]] = {
    ErrorKind.INVALID_INPUT: (400, "ERR_BAD_REQUEST"),
    ErrorKind.MALFORMED_BODY: (400, "ERR_BAD_REQUEST"),
    ErrorKind.BODY_TOO_LARGE: (413, "ERR_BAD_REQUEST"),
    ErrorKind.QUOTA_EXCEEDED: (400, "ERR_BAD_REQUEST"),
    ErrorKind.INVALID_USER_ID: (400, "ERR_INVALID_UID"),
    ErrorKind.USER_NOT_FOUND: (404, "ERR_UID_NOT_FOUND"),
    ErrorKind.USER_DEACTIVATED: (404, "ERR_UID_NOT_FOUND"),  # CometChat hides deactivated users
    ErrorKind.TOKEN_NOT_FOUND: (404, "ERR_AUTH_TOKEN_NOT_FOUND"),
    ErrorKind.TOKEN_NOT_YOURS: (403, "ERR_AUTHTOKEN_NOT_ACCESSIBLE"),
    ErrorKind.CANNOT_BLOCK_SELF: (400, "ERR_CANNOT_BLOCK_SELF"),
    ErrorKind.NOT_A_FRIEND: (400, "ERR_NOT_A_FRIEND"),
    ErrorKind.BOT_NOT_FOUND: (404, "ERR_UID_NOT_FOUND"),
    ErrorKind.METADATA_NOT_FOUND: (400, "ERR_BAD_REQUEST"),
    ErrorKind.METADATA_EXISTS: (400, "ERR_BAD_REQUEST"),
    ErrorKind.PAGE_TOKEN_INVALID: (400, "ERR_BAD_REQUEST"),
    ErrorKind.PAGE_TOKEN_EXPIRED: (400, "ERR_BAD_REQUEST"),
    ErrorKind.USER_EXISTS: (409, "ERR_UID_ALREADY_EXISTS"),
    ErrorKind.ROLE_NOT_FOUND: (404, "ERR_ROLE_NOT_FOUND"),
    ErrorKind.ROLE_EXISTS: (409, "ERR_ROLE_ALREADY_EXISTS"),
    ErrorKind.ROLE_PROTECTED: (403, "ERR_ROLE_DELETE_DENIED"),
    ErrorKind.ROLE_IN_USE: (409, "ERR_ROLE_DELETE_FAILED"),
    ErrorKind.ROUTE_NOT_FOUND: (404, "ERR_API_NOT_FOUND"),
    ErrorKind.MISSING_CREDENTIALS: (401, "AUTH_ERR_EMPTY_APIKEY"),
    ErrorKind.UNKNOWN_CREDENTIALS: (401, "AUTH_ERR_APIKEY_NOT_FOUND"),
    ErrorKind.APP_MISMATCH: (401, "AUTH_ERR_INVALID_APPID"),
    ErrorKind.SCOPE_DENIED: (403, "AUTH_ERR_NO_ACCESS"),
    ErrorKind.APP_EXISTS: (409, "ERR_BAD_REQUEST"),
}

# core field names that CometChat spells differently
FIELD_NAMES = {"status_message": "statusMessage"}


def _message(kind: ErrorKind, subject: str | None) -> str:
    s = subject or ""
    return {
        ErrorKind.INVALID_INPUT: "Failed to validate the data sent with the request.",
        ErrorKind.MALFORMED_BODY: f"Malformed request body: {s}.",
        ErrorKind.BODY_TOO_LARGE: f"The request body may not be larger than {s} bytes.",
        ErrorKind.QUOTA_EXCEEDED: f"Limit reached: {s}.",
        ErrorKind.INVALID_USER_ID: (
            f"The UID {s} is invalid. A UID may contain only letters, digits, "
            "underscores and hyphens."
        ),
        ErrorKind.USER_NOT_FOUND: (
            f"The UID {s} does not exist, please make sure you have created a user with UID {s}."
        ),
        ErrorKind.USER_EXISTS: f"The UID {s} already exists, please use a different UID.",
        ErrorKind.USER_DEACTIVATED: (
            f"The UID {s} does not exist, please make sure you have created a user with UID {s}."
        ),
        ErrorKind.BOT_NOT_FOUND: f"The bot {s} does not exist.",
        ErrorKind.TOKEN_NOT_FOUND: "The auth token does not exist.",
        ErrorKind.TOKEN_NOT_YOURS: "The auth token belongs to another user.",
        ErrorKind.CANNOT_BLOCK_SELF: "A user cannot block themselves.",
        ErrorKind.NOT_A_FRIEND: f"The UID {s} is not a friend.",
        ErrorKind.METADATA_NOT_FOUND: f"The metadata key {s} does not exist.",
        ErrorKind.METADATA_EXISTS: f"The metadata key {s} already exists.",
        ErrorKind.PAGE_TOKEN_INVALID: "The page token is not valid for this request.",
        ErrorKind.PAGE_TOKEN_EXPIRED: "The page token has expired.",
        ErrorKind.ROLE_NOT_FOUND: f"The role {s} does not exist.",
        ErrorKind.ROLE_EXISTS: f"The role {s} already exists.",
        ErrorKind.ROLE_PROTECTED: f"The role {s} is built in and cannot be deleted.",
        ErrorKind.ROLE_IN_USE: f"The role {s} cannot be deleted while users have it.",
        ErrorKind.ROUTE_NOT_FOUND: "The requested API does not exist.",
        ErrorKind.MISSING_CREDENTIALS: "The apikey header is missing.",
        ErrorKind.UNKNOWN_CREDENTIALS: "The apikey provided is not valid.",
        ErrorKind.APP_MISMATCH: "The appId does not match the app of the apikey.",
        ErrorKind.SCOPE_DENIED: "The apikey does not have access to this API.",
        ErrorKind.APP_EXISTS: f"The app {s} already exists.",
    }[kind]


def problem_text(problem: FieldProblem, name: str) -> str:
    limit = problem.limit
    return {
        Rule.REQUIRED: f"The {name} field is required.",
        Rule.TYPE_STRING: f"The {name} must be a string.",
        Rule.TYPE_INTEGER: f"The {name} must be an integer.",
        Rule.TYPE_BOOLEAN: f"The {name} field must be true or false.",
        Rule.TYPE_OBJECT: f"The {name} must be a JSON object.",
        Rule.TYPE_LIST: f"The {name} must be an array of strings.",
        Rule.TOO_LONG: f"The {name} may not be greater than {limit} characters.",
        Rule.TOO_MANY: f"The {name} may not have more than {limit} items.",
        Rule.TOO_SMALL: f"The {name} must be at least {limit}.",
        Rule.TOO_LARGE: f"The {name} may not be greater than {limit}.",
        Rule.BAD_FORMAT: f"The {name} format is invalid.",
        Rule.BAD_CHOICE: f"The selected {name} is invalid. Allowed: {', '.join(problem.choices)}.",
        Rule.EMPTY: f"The {name} may not be empty.",
    }[problem.rule]


def error_response(error: RosterError) -> Response:
    status, code = STATUS_AND_CODE[error.kind]
    message = _message(error.kind, error.subject)
    body: dict[str, object] = {
        "message": message,
        "devMessage": message,
        "source": "roster",
        "code": code,
    }
    if error.problems:
        details: dict[str, list[str]] = {}
        for problem in error.problems:
            name = FIELD_NAMES.get(problem.field, problem.field)
            details.setdefault(name, []).append(problem_text(problem, name))
        body["details"] = details
        body["devMessage"] = " ".join(text for texts in details.values() for text in texts)
    return Response(msgspec.json.encode({"error": body}), status, media_type="application/json")


def crash_response() -> Response:
    body = {
        "message": "Something went wrong on our side.",
        "devMessage": "An unexpected error occurred; it has been logged.",
        "source": "roster",
        "code": "ERR_EXCEPTION",
    }
    return Response(msgspec.json.encode({"error": body}), 500, media_type="application/json")
