"""REST shapes of the training platform."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .spec import JobSpec

Status = Literal["pending", "running", "succeeded", "failed", "cancelled"]


class SubmitRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    spec: JobSpec | None = Field(None, description="The job spec as JSON.")
    yaml: str | None = Field(None, description="The job spec as YAML text (errors name the "
                             "line).")
    parent_id: str | None = Field(None, description="The job this one re-runs with edits.")

    @model_validator(mode="after")
    def _one(self) -> SubmitRequest:
        if (self.spec is None) == (self.yaml is None):
            raise ValueError("give either spec or yaml")
        return self


class JobInfo(BaseModel):
    id: str
    name: str
    runtime: str
    status: Status
    owner: str
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_s: float | None = Field(None, description="Running time so far, or in all.")
    progress: float = 0.0
    message: str = ""
    model_name: str | None = None
    model_version: int | None = None
    parent_id: str | None = None


class TrialInfo(BaseModel):
    trial: str
    params: dict[str, Any]
    metrics: dict[str, Any]
    status: str
    best: bool


class JobDetail(JobInfo):
    spec: dict[str, Any]
    spec_yaml: str
    ray_address: str
    ray_job_id: str | None
    artifact_uri: str
    data: dict[str, Any]
    feature_refs: list[str]
    workers: list[dict[str, Any]]
    metrics: dict[str, Any] = Field(description="Final metrics (validation and train).")
    error: str | None = None
    log_tail: str | None = None
    trials: list[TrialInfo] = Field(default_factory=list)
    evaluation: dict[str, Any] | None = Field(
        None, description="LLM fine-tuning: loss and perplexity on the held-out records "
        "before and after, and sample generations for fixed prompts.")


class JobsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status | None = None
    name: str | None = None
    limit: int = Field(50, ge=1, le=1000)
    offset: int = Field(0, ge=0)


class JobsPage(BaseModel):
    jobs: list[JobInfo]
    total: int


class MetricPoint(BaseModel):
    id: int
    trial: str
    step: int
    name: str
    value: float


class MetricsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    after: int = Field(0, ge=0, description="Only points with an id above this (for polling).")
    limit: int = Field(20_000, ge=1, le=100_000)


class MetricsPage(BaseModel):
    points: list[MetricPoint]
    last_id: int = Field(description="Pass as `after` to get only newer points.")
    status: Status


class LogsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tail: int = Field(200, ge=1, le=100_000)


class JobLogs(BaseModel):
    lines: list[str]
    total_lines: int


class MergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    register_as: str | None = Field(None, description="Also register the merged model under "
                                    "this name (framework transformers).")


class MergeResult(BaseModel):
    job_id: str
    artifact_uri: str = Field(description="The merged model folder (weights, config, "
                              "tokenizer): loads with AutoModelForCausalLM alone.")
    model_name: str | None = None
    model_version: int | None = None
