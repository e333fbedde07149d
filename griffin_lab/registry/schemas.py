"""REST shapes of the model registry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class ModelVersionInfo(BaseModel):
    model: str
    version: int
    framework: str
    artifact_uri: str
    signature: dict[str, Any] = Field(default_factory=dict)
    metrics: dict[str, Any] = Field(default_factory=dict)
    params: dict[str, Any] = Field(default_factory=dict)
    lineage: dict[str, Any] = Field(default_factory=dict)
    status: str
    created_at: datetime
    created_by: str


class ModelInfo(BaseModel):
    name: str
    description: str
    owner: str
    latest_version: int | None
    created_at: datetime
    updated_at: datetime


class ModelDetail(ModelInfo):
    created_by: str
    versions: list[ModelVersionInfo]


class ModelsQuery(BaseModel):
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)
