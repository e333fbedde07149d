"""Rows of the training platform: jobs, their metric points and tuning trials."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db.base import Base, UTCDateTime, utcnow

TERMINAL = ("succeeded", "failed", "cancelled")
STATUSES = ("pending", "running", *TERMINAL)


class TrainingJobRow(Base):
    __tablename__ = "training_jobs"
    __table_args__ = (Index("ix_training_jobs_status_created", "status", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    runtime: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    owner: Mapped[str] = mapped_column(String(200))
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    parent_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ray_address: Mapped[str] = mapped_column(String(400), default="")
    ray_job_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    artifact_uri: Mapped[str] = mapped_column(String(1000))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # uri, fingerprint, rows
    feature_refs: Mapped[list[str]] = mapped_column(JSON, default=list)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(String(500), default="")
    workers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # final
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    log_tail: Mapped[str | None] = mapped_column(Text, nullable=True)
    model_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    model_version: Mapped[int | None] = mapped_column(Integer, nullable=True)


class TrainingMetricRow(Base):
    """One metric value at one step (boosting round or epoch) of a job or tuning trial."""

    __tablename__ = "training_metrics"
    __table_args__ = (Index("ix_training_metrics_job_id_id", "job_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("training_jobs.id", ondelete="CASCADE"))
    trial: Mapped[str] = mapped_column(String(100), default="")
    step: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    value: Mapped[float] = mapped_column(Float)


class TrainingTrialRow(Base):
    __tablename__ = "training_trials"
    __table_args__ = (Index("ix_training_trials_job_id", "job_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("training_jobs.id", ondelete="CASCADE"))
    trial: Mapped[str] = mapped_column(String(100))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20))
    best: Mapped[bool] = mapped_column(default=False)


class TrainingStandbyRow(Base):
    """A warm Ray job waiting to run one job of its runtime (see ``standby.py``)."""

    __tablename__ = "training_standbys"
    __table_args__ = (Index("ix_training_standbys_key_state", "env_key", "state"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    runtime: Mapped[str] = mapped_column(String(40))
    env_key: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20))  # starting | idle | claimed | gone
    ray_job_id: Mapped[str] = mapped_column(String(100))
    job_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    idle_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
