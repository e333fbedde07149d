"""REST shapes of the launch pipeline: what a launch asks for and its recorded timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

STEPS = ("estimation", "approval", "preparation", "scale_up", "finalization")
GATES = ("signature", "metrics", "stability", "latency")


class LaunchRequest(BaseModel):
    model: str = Field(min_length=1, description="The model's name.")
    version: int = Field(ge=1, description="The candidate version.")
    endpoint: str | None = Field(None, description="The production endpoint (default: the "
                                 "one serving the model; a new one named after the model "
                                 "when none does).")
    tolerance: float = Field(0.01, ge=0, le=1, description="How much worse (relative) an "
                             "offline metric may be than production's.")
    shadow_s: float = Field(5.0, ge=0, le=3600, description="Seconds of shadow traffic in "
                            "preparation.")
    watch_s: float = Field(10.0, ge=0, le=3600, description="Seconds of health watch after "
                           "the switch; a regression rolls back.")
    replay: int = Field(200, ge=1, le=5000, description="Recorded requests replayed in "
                        "estimation.")
    workers: int = Field(1, ge=1, le=16, description="BentoML workers of the endpoint a "
                         "first launch creates.")
    require_approval: bool | None = Field(None, description="Whether a person must approve "
                                          "(default: the tier decides: tier 0 does).")
    reason: str = Field("", max_length=2000, description="Why; kept with the alias moves.")


class ApprovalRequest(BaseModel):
    approve: bool = True
    reason: str = Field("", max_length=2000)


class GateResult(BaseModel):
    name: str
    required: bool = Field(description="Whether the model's tier makes it a condition.")
    passed: bool | None = Field(description="None when there was nothing to judge it on.")
    message: str
    detail: dict[str, Any] = Field(default_factory=dict)


class LaunchStep(BaseModel):
    name: str
    status: str = Field(description="pending, running, waiting, passed, failed or skipped")
    started_at: datetime | None
    ended_at: datetime | None
    seconds: float | None
    message: str
    outcome: dict[str, Any] = Field(default_factory=dict)


class LaunchInfo(BaseModel):
    id: int
    model: str
    version: int
    endpoint: str
    production_version: int | None
    tier: int
    status: str = Field(description="running, awaiting_approval, succeeded, blocked (a gate "
                        "failed; production untouched), rejected, rolled_back or failed")
    message: str
    created_by: str
    created_at: datetime
    ended_at: datetime | None
    seconds: float | None


class LaunchDetail(LaunchInfo):
    request: dict[str, Any]
    steps: list[LaunchStep]
    gates: list[GateResult]
    decided_by: str | None = None
    decision_reason: str = ""


class LaunchesQuery(BaseModel):
    model: str | None = None
    endpoint: str | None = None
    limit: int = Field(50, ge=1, le=500)
