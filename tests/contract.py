"""Every response the tests see is checked against the dialect's OpenAPI document."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

# What precedes the document's path templates on the wire, per dialect ("" = the bare root).
_PREFIXES = {
    "cometchat": ("/cometchat/v3.0", "/cometchat/v3", "/v3.0", "/v3"),
    "sendbird": ("/sendbird", ""),
}


@cache
def document(dialect: str) -> dict[str, Any]:
    text = resources.files(f"roster.dialects.{dialect}").joinpath("openapi.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _registry(dialect: str) -> Registry[Any]:
    resource = Resource.from_contents(document(dialect), default_specification=DRAFT4)
    return Registry().with_resource(f"urn:{dialect}", resource)


@cache
def _templates(dialect: str) -> list[tuple[re.Pattern[str], str]]:
    found = []
    for template in document(dialect)["paths"]:
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        found.append((re.compile(pattern + "$"), template))
    return found


def _resolve(dialect: str, ref: str) -> Any:
    node: Any = document(dialect)
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def operation_template(dialect: str, path: str) -> str | None:
    """The document's template for a raw (still percent-encoded) request path."""
    for prefix in _PREFIXES[dialect]:
        if path == prefix or path.startswith(prefix + "/"):
            rest = path[len(prefix) :] or "/"
            for pattern, template in _templates(dialect):
                if pattern.match(rest):
                    return template
            return None
    return None


def validate(dialect: str, method: str, path: str, status: int, body: Any) -> None:
    """Raise AssertionError when the response breaks the documented contract."""
    assert status < 500, f"{method} {path} answered {status}: {body}"
    template = operation_template(dialect, path)
    if template is None:
        schema_ref = "#/components/schemas/Error"
    else:
        operation = document(dialect)["paths"][template].get(method.lower())
        if operation is None:
            schema_ref = "#/components/schemas/Error"
        else:
            declared = operation["responses"]
            assert str(status) in declared, (
                f"{method} {template}: status {status} is not documented ({sorted(declared)})"
            )
            response = declared[str(status)]
            if "$ref" in response:
                response = _resolve(dialect, response["$ref"])
            schema_ref = response["content"]["application/json"]["schema"]["$ref"]
    validator = OAS30Validator({"$ref": f"urn:{dialect}{schema_ref}"}, registry=_registry(dialect))
    try:
        validator.validate(body)
    except ValidationError as exc:
        raise AssertionError(
            f"{method} {path} -> {status} breaks {schema_ref}: {exc.message}\n{body}"
        ) from None
