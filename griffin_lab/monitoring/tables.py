"""Monitoring rows: request figures per 10-second bucket, predictions that carry the
caller's ids, outcomes that label them, request bodies kept for replay, and how far each
serving process's log has been read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..db.base import Base, UTCDateTime, utcnow


class BucketRow(Base):
    """What one version of one endpoint answered in one 10-second bucket."""

    __tablename__ = "monitoring_buckets"
    __table_args__ = (
        UniqueConstraint("endpoint", "version", "shadow", "start"),
        Index("ix_monitoring_buckets_endpoint_start", "endpoint", "start"),
        Index("ix_monitoring_buckets_model_start", "model", "start"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    endpoint: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    shadow: Mapped[bool] = mapped_column(Boolean, default=False)
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    requests: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)  # 5xx: the service failed
    rejected: Mapped[int] = mapped_column(Integer, default=0)  # 4xx: the request was refused
    rows: Mapped[int] = mapped_column(Integer, default=0)
    latency_sum_ms: Mapped[float] = mapped_column(Float, default=0.0)
    latency_max_ms: Mapped[float] = mapped_column(Float, default=0.0)
    latency_hist: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # log bucket -> n
    prediction_sum: Mapped[float] = mapped_column(Float, default=0.0)
    prediction_count: Mapped[int] = mapped_column(Integer, default=0)
    prediction_sample: Mapped[list[float]] = mapped_column(JSON, default=list)


class PredictionRow(Base):
    """A prediction for a row the caller named (``ids`` in the request)."""

    __tablename__ = "monitoring_predictions"
    __table_args__ = (Index("ix_monitoring_predictions_model_entity", "model", "entity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    endpoint: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    shadow: Mapped[bool] = mapped_column(Boolean, default=False)
    entity: Mapped[str] = mapped_column(String(200))
    value: Mapped[float] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutcomeRow(Base):
    """What really happened to a named row (e.g. whether the product was reordered)."""

    __tablename__ = "monitoring_outcomes"
    __table_args__ = (Index("ix_monitoring_outcomes_model_entity", "model", "entity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model: Mapped[str] = mapped_column(String(100))
    entity: Mapped[str] = mapped_column(String(200))
    label: Mapped[float] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    logged_by: Mapped[str] = mapped_column(String(200), default="")


class SampleRow(Base):
    """A request body an endpoint answered, kept for replay (the latest few hundred)."""

    __tablename__ = "monitoring_samples"
    __table_args__ = (Index("ix_monitoring_samples_endpoint_id", "endpoint", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    endpoint: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    body: Mapped[str] = mapped_column(Text)


class LogOffsetRow(Base):
    """How much of one worker's request log has been read into the buckets."""

    __tablename__ = "monitoring_log_offsets"

    path: Mapped[str] = mapped_column(String(500), primary_key=True)
    offset: Mapped[int] = mapped_column(BigInteger, default=0)
    endpoint: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
