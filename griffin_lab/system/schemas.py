"""REST contract of the system subsystem (status, settings, audit log)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

EngineState = Literal["ready", "not_started", "unreachable", "not_installed", "error"]


class EngineStatus(BaseModel):
    """Health of one engine the platform depends on."""

    name: str = Field(description="Stable identifier: database, artifacts, ray, feast, bentoml.")
    label: str = Field(description="Human-readable name.")
    state: EngineState
    ok: bool = Field(description="True when the engine is usable right now.")
    detail: str = Field("", description="What was seen, or what to do about it.")
    version: str | None = None
    latency_ms: float | None = Field(None, description="Time the probe took.")


class StatusResponse(BaseModel):
    version: str = Field(description="Griffin Lab version.")
    home: str = Field(description="GRIFFIN_HOME of the serving process.")
    checked_at: datetime
    engines: list[EngineStatus]


class SettingsResponse(BaseModel):
    """Resolved settings, with every secret redacted."""

    home: str
    database_url: str
    artifact_root: str
    ray_address: str
    feast_repo_path: str
    online_store: str


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    detail: dict[str, Any]


class AuditEventsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(50, ge=1, le=1000, description="How many events, newest first.")
    action: str | None = Field(None, max_length=100, description="Only events of this action.")
    before_id: int | None = Field(None, ge=1, description="Page: events older than this id.")


class AuditEventsPage(BaseModel):
    events: list[AuditEventOut]
    next_before_id: int | None = Field(None, description="Pass as before_id for the next page.")
