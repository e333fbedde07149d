"""Errors a user can cause. Each one says what to fix; the REST layer maps them to 4xx."""

from __future__ import annotations

from typing import Any


class GriffinError(Exception):
    """Base class of every error a user can cause and fix."""

    status_code: int = 400
    kind: str = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.kind, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        return body


class InvalidInput(GriffinError):
    """A request, spec or argument that does not validate."""

    status_code = 422
    kind = "invalid_input"


class NotFound(GriffinError):
    status_code = 404
    kind = "not_found"


class Conflict(GriffinError):
    status_code = 409
    kind = "conflict"


class ValidationFailed(GriffinError):
    """Data broke its validation rules; ``details["report"]`` says which rows and why."""

    status_code = 422
    kind = "validation_failed"


class ConfigurationError(GriffinError):
    """Settings that cannot work (a bad URL, an unreadable griffin.toml...)."""

    status_code = 400
    kind = "configuration_error"


class EngineUnavailable(GriffinError):
    """An engine the operation needs is not installed or not reachable."""

    status_code = 503
    kind = "engine_unavailable"


class RemoteError(GriffinError):
    """An error answered by a remote Griffin server, carried over to the SDK's caller."""

    def __init__(self, status_code: int, kind: str, message: str, **details: Any) -> None:
        super().__init__(message, **details)
        self.status_code = status_code
        self.kind = kind


def from_remote(status_code: int, kind: str, message: str, **details: Any) -> GriffinError:
    """The error a server answered, as the same class the in-process transport raises."""
    classes = [GriffinError]
    while classes:
        cls = classes.pop()
        if cls.kind == kind and cls is not RemoteError:
            error = cls(message, **details)
            error.status_code = status_code
            return error
        classes.extend(cls.__subclasses__())
    return RemoteError(status_code, kind, message, **details)
