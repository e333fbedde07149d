"""The model registry's rows: models, numbered versions, tags, aliases and alias history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db.base import Base, UTCDateTime, utcnow


class ModelRow(Base):
    __tablename__ = "registry_models"
    __table_args__ = (
        Index("ix_registry_models_tier_updated", "tier", "updated_at"),
        Index("ix_registry_models_attention", "health_severity", "tier"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(200), index=True)
    team: Mapped[str] = mapped_column(String(200), default="", index=True)
    use_case: Mapped[str] = mapped_column(String(200), default="")
    tier: Mapped[int] = mapped_column(Integer, default=3)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    links: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    card: Mapped[str] = mapped_column(Text, default="")
    search_text: Mapped[str] = mapped_column(Text, default="")  # lowercased, for text search
    latest_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    framework: Mapped[str] = mapped_column(String(40), default="", index=True)  # of the latest
    health: Mapped[str] = mapped_column(String(20), default="unknown")
    health_severity: Mapped[int] = mapped_column(Integer, default=0)
    health_reason: Mapped[str] = mapped_column(Text, default="")
    health_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    created_by: Mapped[str] = mapped_column(String(200))
    updated_by: Mapped[str] = mapped_column(String(200), default="")


class ModelTagRow(Base):
    """One row per (model, tag): the index behind tag filters (the model row keeps the list)."""

    __tablename__ = "registry_model_tags"

    model_id: Mapped[int] = mapped_column(ForeignKey("registry_models.id", ondelete="CASCADE"),
                                          primary_key=True)
    tag: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)


class ModelVersionRow(Base):
    __tablename__ = "registry_versions"
    __table_args__ = (UniqueConstraint("model_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("registry_models.id", ondelete="CASCADE"),
                                          index=True)
    version: Mapped[int] = mapped_column(Integer)
    framework: Mapped[str] = mapped_column(String(40), index=True)
    artifact_uri: Mapped[str] = mapped_column(String(1000))
    signature: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    lineage: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20), default="training")
    status: Mapped[str] = mapped_column(String(20), default="ready")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class AliasRow(Base):
    __tablename__ = "registry_aliases"
    __table_args__ = (UniqueConstraint("model_id", "alias"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("registry_models.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(60), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("registry_versions.id",
                                                       ondelete="RESTRICT"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200))


class AliasEventRow(Base):
    """Every alias move, kept: who, when, from which version to which, and why."""

    __tablename__ = "registry_alias_events"
    __table_args__ = (Index("ix_registry_alias_events_model_at", "model_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("registry_models.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(60))
    from_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    to_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
