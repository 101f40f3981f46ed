"""Assertions shared by the CometChat HTTP tests."""

from __future__ import annotations

from typing import Any


def data(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["data"]


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    """Assert a CometChat error body with this status and code; return the error object."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    err: dict[str, Any] = body["error"]
    assert err["code"] == code, err
    assert isinstance(err["message"], str) and err["message"], err
    return err


def bad_request(response: Any, field: str) -> None:
    err = error(response, 400, "ERR_BAD_REQUEST")
    assert field in err.get("details", {}), err
