"""REST shapes of monitoring: endpoint health, outcomes and model stability."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, field_validator


class HealthQuery(BaseModel):
    window_s: int = Field(300, ge=10, le=7 * 86400, description="How far back to look.")
    step_s: int = Field(10, ge=10, le=3600, description="Width of one point of the series "
                        "(a multiple of 10 s).")


class PredictionHistogram(BaseModel):
    edges: list[float] = Field(default_factory=list)
    counts: list[int] = Field(default_factory=list)


class VersionHealth(BaseModel):
    version: int
    role: str = Field(description="primary, candidate, shadow or retired")
    requests: int
    requests_per_s: float
    errors: int = Field(description="Answers with a 5xx status: the service failed.")
    rejected: int = Field(description="Answers with a 4xx status: the request was refused.")
    error_rate: float = Field(description="errors / requests")
    rows: int
    p50_ms: float | None
    p99_ms: float | None
    mean_ms: float | None
    max_ms: float | None
    mean_prediction: float | None
    prediction_histogram: PredictionHistogram
    psi: float | None = Field(None, description="Population stability of the predictions "
                              "against the training baseline (validation predictions).")
    baseline_mean: float | None = None


class HealthPoint(BaseModel):
    at: datetime = Field(description="Start of the step.")
    complete: bool = Field(True, description="False for the step still being counted (its "
                           "requests/s are divided by the whole step).")
    version: int
    role: str = Field(description="The version's role now (after a switch, its earlier "
                      "points take its new role).")
    requests_per_s: float
    p50_ms: float | None
    p99_ms: float | None
    error_rate: float
    mean_prediction: float | None


class EndpointHealth(BaseModel):
    endpoint: str
    model: str
    window_s: int
    step_s: int
    as_of: datetime
    status: str = Field(description="idle (no traffic), ok, warning or critical")
    reasons: list[str] = Field(default_factory=list)
    versions: list[VersionHealth]
    series: list[HealthPoint] = Field(description="One point per step and version, oldest "
                                      "first.")


class Outcome(BaseModel):
    id: str | int = Field(description="The id the prediction request gave the row.")
    label: float = Field(description="What happened: 1/0 for a binary model.")
    at: datetime | None = Field(None, description="When it happened (default: now); the "
                                "latest prediction for the id before it is the one it labels.")

    @field_validator("id")
    @classmethod
    def _id(cls, value: str | int) -> str:
        text = str(value)
        if not text or len(text) > 200:
            raise ValueError("an id is 1 to 200 characters")
        return text


class OutcomesRequest(BaseModel):
    model: str = Field(min_length=1)
    outcomes: list[Outcome] = Field(min_length=1, max_length=200_000)


class OutcomesResult(BaseModel):
    model: str
    logged: int
    matched: int = Field(description="Outcomes with a prediction for their id.")


class StabilityQuery(BaseModel):
    window_s: int = Field(3600, ge=10, le=30 * 86400, description="Width of one window.")
    windows: int = Field(24, ge=1, le=500, description="How many windows, newest last.")


class TierBounds(BaseModel):
    tier: int
    calibration_low: float = Field(description="Lowest calibration allowed, relative to the "
                                   "offline calibration when there is a baseline.")
    calibration_high: float
    baseline_calibration: float | None = Field(None, description="The version's offline "
                                               "calibration, which windows are compared to.")
    max_normalized_entropy: float
    min_outcomes: int = Field(description="A window with fewer outcomes is not judged.")
    min_each_class: int = Field(description="Nor one with fewer positive or negative "
                                "outcomes than this (a rate from a handful is noise).")


class QualityWindow(BaseModel):
    start: datetime | None
    end: datetime | None
    outcomes: int
    observed_rate: float | None
    mean_prediction: float | None
    log_loss: float | None
    normalized_entropy: float | None
    calibration: float | None
    calibration_low: float | None = Field(None, description="95% interval of the "
                                          "calibration from sampling alone (low end).")
    calibration_high: float | None = Field(None, description="... and its high end.")
    normalized_entropy_low: float | None = Field(None, description="Normalized entropy less "
                                                 "what sampling could add (95%).")
    within_bounds: bool | None = Field(None, description="None when too few outcomes. A "
                                       "window leaves its bounds only when the whole 95% "
                                       "interval of a figure is outside them: a few dozen "
                                       "outcomes cannot show a 10% calibration shift.")
    problems: list[str] = Field(default_factory=list)


class StabilityReport(BaseModel):
    model: str
    tier: int
    bounds: TierBounds
    baseline: QualityWindow | None = Field(None, description="The serving version's offline "
                                           "quality on its validation split.")
    windows: list[QualityWindow]
    stable: bool | None = Field(description="False when the latest judged window leaves the "
                                "tier's bounds; None with too few outcomes.")
    reasons: list[str] = Field(default_factory=list)


class RefreshReport(BaseModel):
    files: int
    requests: int = Field(description="Log lines read into the buckets.")
    models: dict[str, str] = Field(default_factory=dict, description="model -> health set.")
    seconds: float
