"""REST shapes of the model registry."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

MODEL_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,99}$")
ALIAS_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,59}$")
TAG_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/ -]{0,99}$")
TIERS = {0: "business-critical", 1: "important", 2: "standard", 3: "experimental"}
HEALTH_SEVERITY = {"unknown": 0, "ok": 0, "warning": 1, "critical": 2}
FIELD_TYPES = ("float32", "float64", "int32", "int64", "bool", "string", "bytes", "datetime",
               "tensor")
SORTS = ("-updated_at", "updated_at", "name", "-name", "tier", "-tier", "-created_at",
         "created_at")
FRAMEWORKS = ("lightgbm", "tensorflow", "transformers", "transformers-peft", "sklearn",
              "pytorch", "other")


def check_model_name(value: str) -> str:
    if not MODEL_NAME.match(value):
        raise ValueError(f"model name {value!r} must start with a lowercase letter and use "
                         "lowercase letters, digits, '-', '_' or '.' (at most 100)")
    return value


def check_tags(values: list[str]) -> list[str]:
    for tag in values:
        if not TAG_NAME.match(tag):
            raise ValueError(f"tag {tag!r} must be 1-100 letters, digits or _.:/- and spaces, "
                             "starting with a letter or digit")
    return sorted(set(values))


class SignatureField(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    type: Literal[FIELD_TYPES] = Field(description="One of " + ", ".join(FIELD_TYPES) + ".")
    shape: list[int] | None = Field(None, description="For tensors: the shape, -1 = any.")
    nullable: bool = Field(False, description="Whether requests may send null for it.")


class Signature(BaseModel):
    """What a version takes and returns; serving validates requests against it."""

    model_config = {"extra": "allow"}

    inputs: list[SignatureField] = Field(min_length=1)
    outputs: list[SignatureField] = Field(default_factory=list)

    @field_validator("inputs", "outputs")
    @classmethod
    def _unique(cls, value: list[SignatureField]) -> list[SignatureField]:
        names = [f.name for f in value]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"field names must be unique; repeated: {', '.join(dupes)}")
        return value


class Link(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    url: str = Field(min_length=1, max_length=2000, pattern=r"^(https?://|/|\./)")


class AliasInfo(BaseModel):
    alias: str
    version: int
    updated_at: datetime
    updated_by: str


class AliasEvent(BaseModel):
    alias: str
    from_version: int | None
    to_version: int | None = Field(description="None when the alias was removed.")
    actor: str
    reason: str
    at: datetime


class ModelVersionInfo(BaseModel):
    model: str
    version: int
    framework: str
    artifact_uri: str
    signature: dict[str, Any] = Field(default_factory=dict)
    metrics: dict[str, Any] = Field(default_factory=dict)
    params: dict[str, Any] = Field(default_factory=dict)
    lineage: dict[str, Any] = Field(default_factory=dict)
    description: str = ""
    source: str = Field("training", description="training | import")
    aliases: list[str] = Field(default_factory=list)
    status: str
    created_at: datetime
    created_by: str


class ModelInfo(BaseModel):
    name: str
    description: str
    owner: str
    team: str = ""
    use_case: str = ""
    tier: int = Field(3, description="0 business-critical, 1 important, 2 standard, "
                      "3 experimental.")
    tags: list[str] = Field(default_factory=list)
    latest_version: int | None
    framework: str = Field("", description="The latest version's framework.")
    aliases: dict[str, int] = Field(default_factory=dict, description="alias -> version")
    health: str = "unknown"
    health_severity: int = 0
    health_reason: str = ""
    created_at: datetime
    updated_at: datetime
    updated_by: str = ""


class ModelDetail(ModelInfo):
    created_by: str
    links: list[Link] = Field(default_factory=list)
    card: str = Field("", description="Markdown model card.")
    health_updated_at: datetime | None = None
    versions: list[ModelVersionInfo]
    alias_history: list[AliasEvent] = Field(default_factory=list,
                                            description="Latest alias moves first (50).")


class ModelsPage(BaseModel):
    items: list[ModelInfo]
    total: int = Field(description="Models matching the filters.")
    limit: int
    offset: int


class ModelsQuery(BaseModel):
    q: str | None = Field(None, max_length=200,
                          description="Words that must all appear in the name, "
                          "description, use case, team or tags.")
    tier: str | None = Field(None, description="One tier or several, comma-separated: `0,1`.")
    owner: str | None = Field(None, max_length=200)
    team: str | None = Field(None, max_length=200)
    framework: str | None = Field(None, max_length=40,
                                  description="Models whose latest version is of this "
                                  "framework.")
    tag: str | None = Field(None, max_length=100)
    alias: str | None = Field(None, max_length=60, description="Models that have this alias.")
    health: Literal["unknown", "ok", "warning", "critical"] | None = None
    feature: str | None = Field(None, max_length=300, description="Models with a version "
                                "trained on this feature (`view:feature`, or a view).")
    updated_after: datetime | None = None
    sort: Literal[SORTS] = "-updated_at"
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)

    @field_validator("tier")
    @classmethod
    def _tier(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[0-3](,[0-3])*", value.replace(" ", "")):
            raise ValueError(f"tier {value!r}: give 0, 1, 2 or 3, or several comma-separated "
                             "(0,1)")
        return None if value is None else value.replace(" ", "")

    def tiers(self) -> list[int]:
        return [int(t) for t in self.tier.split(",")] if self.tier else []


class AttentionQuery(BaseModel):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)


class _ModelFields(BaseModel):
    description: str | None = Field(None, max_length=10_000)
    owner: str | None = Field(None, min_length=1, max_length=200)
    team: str | None = Field(None, max_length=200)
    use_case: str | None = Field(None, max_length=200)
    tier: int | None = Field(None, ge=0, le=3, description="0 business-critical … "
                             "3 experimental.")
    tags: list[str] | None = Field(None, max_length=50)
    links: list[Link] | None = Field(None, max_length=50)
    card: str | None = Field(None, max_length=200_000, description="Markdown model card.")

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else check_tags(value)


class ModelCreate(_ModelFields):
    name: str

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_model_name(value)


class ModelUpdate(_ModelFields):
    """Only the fields given change."""


class AliasRequest(BaseModel):
    version: int = Field(ge=1)
    reason: str = Field("", max_length=2000)


class AliasDeleteQuery(BaseModel):
    reason: str = Field("", max_length=2000)


class RegisterRequest(BaseModel):
    """Register an existing model file or folder (no training job)."""

    path: str = Field(min_length=1, description="A LightGBM model file, a Keras `.keras` "
                      "file or SavedModel folder, or a Hugging Face model folder.")
    framework: Literal[FRAMEWORKS] | None = Field(None, description="Detected from the "
                                                   "files when not given.")
    description: str = Field("", max_length=10_000)
    signature: Signature | None = Field(None, description="Inputs/outputs; read from the "
                                        "model when it records them (LightGBM features).")
    metrics: dict[str, float] = Field(default_factory=dict)
    params: dict[str, Any] = Field(default_factory=dict)
    lineage: dict[str, Any] = Field(default_factory=dict)
    model: ModelUpdate | None = Field(None, description="Catalogue fields for a new model.")


class ExportRequest(BaseModel):
    path: str = Field(min_length=1, description="Bundle file to write (`.tar.gz`) or a folder "
                      "to write `<model>-v<version>.tar.gz` into.")
    overwrite: bool = False


class ExportResult(BaseModel):
    path: str
    bytes: int
    sha256: str


class ImportRequest(BaseModel):
    path: str = Field(min_length=1, description="A bundle written by export.")
    name: str | None = Field(None, description="Register under this model name instead of "
                             "the bundle's.")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return None if value is None else check_model_name(value)


class HealthUpdate(BaseModel):
    health: Literal["unknown", "ok", "warning", "critical"]
    reason: str = Field("", max_length=2000)


class CompareQuery(BaseModel):
    versions: str | None = Field(None, pattern=r"^\d+(,\d+)*$", description="Comma-separated "
                                 "version numbers; default: the latest two.")


class MetricRow(BaseModel):
    name: str
    values: dict[int, float | None] = Field(description="version -> value")
    best: int | None = Field(None, description="The version with the best value, when the "
                             "metric has a known direction.")


class ParamRow(BaseModel):
    name: str
    values: dict[int, Any]
    differs: bool


class Curve(BaseModel):
    version: int
    name: str
    steps: list[int]
    values: list[float]


class Comparison(BaseModel):
    model: str
    versions: list[ModelVersionInfo]
    metrics: list[MetricRow]
    params: list[ParamRow]
    features: dict[int, list[str]] = Field(description="version -> feature inputs")
    common_features: list[str]
    curves: list[Curve]
