"""Errors with a stable code, a human message in Chinese and an HTTP status."""

from __future__ import annotations

from typing import Any


class QuanziError(Exception):
    """An error a user can act on: a stable code plus a message in the user's language."""

    code: str = "error"
    http_status: int = 400

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        http_status: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if http_status is not None:
            self.http_status = http_status
        self.detail = detail or {}

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON body shown by the API."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.detail:
            body["detail"] = self.detail
        return body


class NotFound(QuanziError):
    """A named thing does not exist."""

    code = "not_found"
    http_status = 404


class InvalidInput(QuanziError):
    """Input that fails validation."""

    code = "invalid_input"
    http_status = 422


class Conflict(QuanziError):
    """The request clashes with what is stored."""

    code = "conflict"
    http_status = 409


class AuthError(QuanziError):
    """Not logged in, wrong password, or a missing CSRF token."""

    code = "unauthorized"
    http_status = 401


class Forbidden(QuanziError):
    """Logged in, but the role does not allow this."""

    code = "forbidden"
    http_status = 403


class StorageError(QuanziError):
    """The database could not be reached or is not at the expected schema."""

    code = "storage_error"
    http_status = 503
