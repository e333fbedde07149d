"""Rows the feature store keeps beside Feast: statistics cache, validation reports,
materializations, and which jobs/models used which features."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db.base import Base, UTCDateTime, utcnow


class FeatureStatsRow(Base):
    """Statistics of one feature view's offline data, valid while its fingerprint holds."""

    __tablename__ = "feature_stats"
    __table_args__ = (UniqueConstraint("feature_view"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    feature_view: Mapped[str] = mapped_column(String(200))
    data_fingerprint: Mapped[str] = mapped_column(String(200))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON)


class ValidationReportRow(Base):
    __tablename__ = "feature_validation_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    feature_view: Mapped[str] = mapped_column(String(200), index=True)
    stage: Mapped[str] = mapped_column(String(40))  # add_source, materialize, validate
    passed: Mapped[bool] = mapped_column(Boolean)
    rows_checked: Mapped[int] = mapped_column(Integer)
    rules_checked: Mapped[int] = mapped_column(Integer)
    failures: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class MaterializationRow(Base):
    __tablename__ = "feature_materializations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    feature_view: Mapped[str] = mapped_column(String(200), index=True)
    start: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    end: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20))  # succeeded, rejected, failed
    actor: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(String(2000), default="")


class FeatureUsageRow(Base):
    """A training job or model version that read a feature (filled by training/registry)."""

    __tablename__ = "feature_usage"
    __table_args__ = (UniqueConstraint("feature_ref", "used_by_kind", "used_by_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    feature_view: Mapped[str] = mapped_column(String(200), index=True)
    feature_ref: Mapped[str] = mapped_column(String(400))
    used_by_kind: Mapped[str] = mapped_column(String(40))  # training_job, model_version
    used_by_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
