"""Operations of the system subsystem: status of the engines, the audit log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from .. import __version__
from ..db import Database
from ..errors import InvalidInput
from ..settings import Settings
from .probes import run_probes
from .schemas import (
    AuditEventOut,
    AuditEventsPage,
    AuditEventsQuery,
    SettingsResponse,
    StatusResponse,
)
from .tables import AuditEvent


class SystemService:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db

    def status(self) -> StatusResponse:
        return StatusResponse(
            version=__version__,
            home=str(self.settings.home),
            checked_at=datetime.now(UTC),
            engines=run_probes(self.settings, self.db),
        )

    def public_settings(self) -> SettingsResponse:
        return SettingsResponse(**self.settings.public())

    def record(
        self, actor: str, action: str, subject: str = "", detail: dict[str, Any] | None = None
    ) -> AuditEventOut:
        """Append one event to the audit log."""
        if not action or len(action) > 100:
            raise InvalidInput("action must be 1 to 100 characters", field="action")
        with self.db.session(write=True) as session:
            row = AuditEvent(
                actor=actor[:200], action=action, subject=subject[:500], detail=detail or {}
            )
            session.add(row)
            session.flush()
            return AuditEventOut.model_validate(row)

    def events(self, query: AuditEventsQuery | None = None) -> AuditEventsPage:
        query = query or AuditEventsQuery()
        stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(query.limit + 1)
        if query.action:
            stmt = stmt.where(AuditEvent.action == query.action)
        if query.before_id:
            stmt = stmt.where(AuditEvent.id < query.before_id)
        with self.db.session() as session:
            rows = session.scalars(stmt).all()
            events = [AuditEventOut.model_validate(r) for r in rows[: query.limit]]
        more = len(rows) > query.limit
        return AuditEventsPage(events=events, next_before_id=events[-1].id if more else None)
