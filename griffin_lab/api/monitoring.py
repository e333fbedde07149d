"""Operations of monitoring: endpoint health, outcomes, model stability."""

from __future__ import annotations

from ..monitoring.schemas import (
    EndpointHealth,
    HealthQuery,
    OutcomesRequest,
    OutcomesResult,
    RefreshReport,
    StabilityQuery,
    StabilityReport,
)
from .core import operation

TAG = "monitoring"


@operation("endpoints_health", "GET", "/endpoints/{name}/health", tag=TAG,
           response=EndpointHealth, query=HealthQuery,
           summary="An endpoint's health per version: requests/s, p50/p99 latency, error "
           "rate, prediction distribution and drift from training, with a time series.")
def health(platform, ctx, name: str, query: HealthQuery) -> EndpointHealth:  # noqa: ANN001
    return platform.monitoring.health(name, query)


@operation("monitoring_outcomes", "POST", "/monitoring/outcomes", tag=TAG,
           response=OutcomesResult, body=OutcomesRequest,
           summary="Log what happened to rows that predictions named by id (labels).")
def outcomes(platform, ctx, body: OutcomesRequest) -> OutcomesResult:  # noqa: ANN001
    return platform.monitoring.log_outcomes(body, ctx.actor)


@operation("models_stability", "GET", "/models/{name}/stability", tag=TAG,
           response=StabilityReport, query=StabilityQuery,
           summary="Prediction quality against outcomes per time window (log loss, "
           "normalized entropy, calibration), judged against the model's tier.")
def stability(platform, ctx, name: str, query: StabilityQuery) -> StabilityReport:  # noqa: ANN001
    return platform.monitoring.stability(name, query)


@operation("monitoring_refresh", "POST", "/monitoring/refresh", tag=TAG,
           response=RefreshReport,
           summary="Read new request logs and write every served model's health to the "
           "registry now (the server does this every few seconds).")
def refresh(platform, ctx) -> RefreshReport:  # noqa: ANN001
    return platform.monitoring.refresh()
