"""Serving rows: endpoints (desired state), the processes that serve them (what runs), and
what reconcile saw and did."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db.base import Base, UTCDateTime, utcnow


class EndpointRow(Base):
    """What should run: a stable address in front of one model's version(s)."""

    __tablename__ = "serving_endpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    model: Mapped[str] = mapped_column(String(100), index=True)
    port: Mapped[int] = mapped_column(Integer, unique=True)
    workers: Mapped[int] = mapped_column(Integer, default=1)
    primary_version: Mapped[int] = mapped_column(Integer)
    candidate_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    mode: Mapped[str] = mapped_column(String(20), default="single")  # single|split|shadow
    split: Mapped[float] = mapped_column(Float, default=0.0)  # candidate's share in split mode
    previous_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    state: Mapped[str] = mapped_column(String(20), default="active")  # active|deleted
    status: Mapped[str] = mapped_column(String(20), default="pending")
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    # {"features": ["view:feature", ...], "keys": [join keys]}: requests may carry entity keys
    # only, and the serving process reads these features from the online store; null: off
    online_features: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class ProcessRow(Base):
    """What runs: one BentoML server process serving one version for one endpoint."""

    __tablename__ = "serving_processes"
    __table_args__ = (Index("ix_serving_processes_endpoint_status", "endpoint_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("serving_endpoints.id",
                                                        ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    bento: Mapped[str] = mapped_column(String(200))
    port: Mapped[int] = mapped_column(Integer)
    workers: Mapped[int] = mapped_column(Integer, default=1)
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    marker: Mapped[str] = mapped_column(String(40), default="")  # in every process's env
    status: Mapped[str] = mapped_column(String(20), default="starting")
    restarts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    retire_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")


class ServingEventRow(Base):
    """What reconcile saw and did, per endpoint (started, died, restarted, switched...)."""

    __tablename__ = "serving_events"
    __table_args__ = (Index("ix_serving_events_endpoint_at", "endpoint_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("serving_endpoints.id",
                                                        ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
