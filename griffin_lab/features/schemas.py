"""REST contract of the feature store."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .spec import SourceSpec
from .validation import RuleFailure


class FeatureInfo(BaseModel):
    name: str
    dtype: str
    description: str = ""


class EntityInfo(BaseModel):
    name: str
    join_key: str
    value_type: str
    description: str = ""


class FeatureViewSummary(BaseModel):
    name: str
    description: str
    owner: str
    tags: dict[str, str]
    entities: list[str]
    features: list[FeatureInfo]
    matched_features: list[str] = Field(
        default_factory=list, description="Features whose name or description matched the text."
    )


class SearchQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: str | None = Field(None, max_length=200, description="Text in names and descriptions.")
    tag: str | None = Field(None, description="A tag key, or key=value.")
    owner: str | None = None
    entity: str | None = Field(None, description="Entity name or join key.")


class SearchResult(BaseModel):
    views: list[FeatureViewSummary]
    services: list[FeatureServiceInfo]


class FeatureServiceInfo(BaseModel):
    name: str
    description: str
    owner: str
    tags: dict[str, str]
    features: list[str] = Field(description="view:feature references.")


class MaterializationInfo(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    feature_view: str
    start: datetime | None
    end: datetime
    started_at: datetime
    finished_at: datetime | None
    rows: int
    status: str
    actor: str
    detail: str


class UsageInfo(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    feature_ref: str
    used_by_kind: str
    used_by_id: str
    created_at: datetime


class FeatureViewDetail(FeatureViewSummary):
    entity_details: list[EntityInfo]
    source_path: str
    timestamp_field: str
    ttl_seconds: int
    online: bool
    row_count: int | None = Field(None, description="Rows of offline data.")
    last_materialized_at: datetime | None = None
    materializations: list[MaterializationInfo]
    used_by: list[UsageInfo]
    rules: list[dict[str, Any]]
    definition_file: str


class Histogram(BaseModel):
    edges: list[float] = Field(default_factory=list, description="Bin edges (numeric).")
    counts: list[int]
    labels: list[str] = Field(default_factory=list, description="Top values (non-numeric).")


class FeatureStats(BaseModel):
    name: str
    dtype: str
    count: int
    null_fraction: float
    distinct: int
    min: float | str | None = None
    max: float | str | None = None
    mean: float | None = None
    std: float | None = None
    histogram: Histogram


class ViewStats(BaseModel):
    feature_view: str
    rows: int
    computed_at: datetime
    cached: bool = Field(description="True when served from the cache (data unchanged).")
    features: list[FeatureStats]


class SampleRows(BaseModel):
    feature_view: str
    columns: list[str]
    rows: list[list[Any]]


class SampleQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(10, ge=1, le=500)


class InferredColumn(BaseModel):
    name: str
    dtype: str
    nulls: int
    example: Any = None


class InferredSchema(BaseModel):
    path: str
    rows: int
    columns: list[InferredColumn]
    suggested_entities: list[str]
    suggested_timestamp: str | None


class InferRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str


class PlannedChangeInfo(BaseModel):
    object_type: str
    name: str
    change: str


class ValidationReport(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int | None = None
    at: datetime | None = None
    actor: str | None = None
    feature_view: str
    stage: str
    passed: bool
    rows_checked: int
    rules_checked: int
    failures: list[RuleFailure]


class ReportsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    feature_view: str | None = None
    limit: int = Field(20, ge=1, le=200)


class ReportsPage(BaseModel):
    reports: list[ValidationReport]


class AddSourceResult(BaseModel):
    applied: bool = Field(description="False for a dry run, or when validation rejected it.")
    dry_run: bool
    feature_view: str
    definition_file: str
    definition: str = Field(description="The Feast definition file, for review.")
    plan: list[PlannedChangeInfo]
    plan_text: str
    validation: ValidationReport
    schema_: list[FeatureInfo] = Field(alias="schema")

    model_config = ConfigDict(populate_by_name=True)


class AddSourceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    spec: SourceSpec
    dry_run: bool = False


class FeatureServiceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    features: list[str]
    description: str = ""
    owner: str = ""
    tags: dict[str, str] = Field(default_factory=dict)


class MaterializeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    feature_views: list[str] | None = Field(None, description="Default: every online view.")
    incremental: bool = Field(True, description="From each view's last materialization.")
    start: datetime | None = None
    end: datetime | None = Field(None, description="Default: now.")

    @model_validator(mode="after")
    def _window(self) -> MaterializeRequest:
        if not self.incremental and self.start is None:
            raise ValueError("a full materialization needs start (or use incremental)")
        if self.start and self.end and self.start >= self.end:
            raise ValueError("start must be before end")
        return self


class MaterializeViewResult(BaseModel):
    feature_view: str
    status: Literal["succeeded", "rejected", "skipped"]
    rows: int
    start: datetime | None
    end: datetime
    seconds: float
    validation: ValidationReport | None = None


class MaterializeResult(BaseModel):
    views: list[MaterializeViewResult]


class OnlineRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    features: list[str] | None = Field(None, description="view:feature references.")
    feature_service: str | None = None
    entities: dict[str, list[Any]] = Field(description="Join key -> values, one per row.")
    full_feature_names: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> OnlineRequest:
        if (self.features is None) == (self.feature_service is None):
            raise ValueError("give either features or feature_service")
        lengths = {len(v) for v in self.entities.values()}
        if not self.entities or len(lengths) != 1 or 0 in lengths:
            raise ValueError("entities must map each join key to the same number (>0) of values")
        return self


class OnlineResponse(BaseModel):
    columns: dict[str, list[Any]]


class FeatureServerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    workers: int = Field(2, ge=1, le=16, description="Worker processes (one core each).")
    port: int | None = Field(None, ge=1024, le=65535,
                             description="Port on 127.0.0.1; a free one when omitted.")


class FeatureServerInfo(BaseModel):
    running: bool
    url: str | None = Field(None, description="Base URL of the server.")
    online_path: str = Field(description="POST here the body of /features/online.")
    workers: int | None = None
    pid: int | None = None
    started_at: str | None = None
    token: str | None = Field(None, description="Send as 'Authorization: token <token>'.")


class TrainingSetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    features: list[str] | None = None
    feature_service: str | None = None
    entity_rows: dict[str, list[Any]] = Field(
        description="Columns of the entity frame: join keys, event_timestamp, labels..."
    )
    full_feature_names: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> TrainingSetRequest:
        if (self.features is None) == (self.feature_service is None):
            raise ValueError("give either features or feature_service")
        return self


class TrainingSetResponse(BaseModel):
    columns: dict[str, list[Any]]
    rows_without_features: int = Field(
        description="Entity rows for which no feature value was in the TTL window (kept, null)."
    )


SearchResult.model_rebuild()
