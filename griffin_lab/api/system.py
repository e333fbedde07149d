"""Operations of the system subsystem."""

from __future__ import annotations

from typing import Any

from ..system.schemas import AuditEventsPage, AuditEventsQuery, SettingsResponse, StatusResponse
from .core import operation


@operation(
    "status", "GET", "/status", tag="system", response=StatusResponse,
    summary="Griffin version and the health of every engine (no secrets).",
)
def status(platform, ctx) -> StatusResponse:  # noqa: ANN001
    return platform.system.status()


@operation(
    "settings", "GET", "/settings", tag="system", response=SettingsResponse,
    summary="Resolved settings of the server, secrets redacted.",
)
def settings(platform, ctx) -> SettingsResponse:  # noqa: ANN001
    return platform.system.public_settings()


@operation(
    "events", "GET", "/events", tag="system", response=AuditEventsPage, query=AuditEventsQuery,
    summary="The audit log, newest first, paged.",
)
def events(platform, ctx, query: AuditEventsQuery) -> AuditEventsPage:  # noqa: ANN001
    return platform.system.events(query)


@operation(
    "openapi", "GET", "/openapi.json", tag="system", response=dict[str, Any],
    summary="This API's OpenAPI 3.1 description.",
)
def openapi(platform, ctx) -> dict[str, Any]:  # noqa: ANN001
    from .openapi import build_openapi

    return build_openapi()
