"""``client.monitoring``: endpoint health, outcomes and model stability from a notebook."""

from __future__ import annotations

from typing import Any

from ..monitoring.schemas import (
    EndpointHealth,
    HealthQuery,
    OutcomesRequest,
    OutcomesResult,
    RefreshReport,
    StabilityQuery,
    StabilityReport,
)
from .client import _build
from .transport import Transport


def outcome_records(outcomes: Any, ids: Any = None, labels: Any = None,
                    at: Any = None) -> list[dict[str, Any]]:
    """Outcome dicts from a DataFrame (columns ``id``, ``label`` and optionally ``at``),
    a list of dicts, or parallel ``ids``/``labels`` (and ``at``) sequences."""
    if outcomes is None:
        if ids is None or labels is None:
            from ..errors import InvalidInput

            raise InvalidInput("give outcomes (a DataFrame or records) or both ids and "
                               "labels", field="outcomes")
        ids, labels = list(ids), list(labels)
        times = list(at) if at is not None else [None] * len(ids)
        return [{"id": i, "label": y, "at": t} for i, y, t in zip(ids, labels, times,
                                                                   strict=False)]
    if hasattr(outcomes, "to_dict"):
        frame = outcomes.rename(columns={"event_timestamp": "at"})
        records = frame.to_dict(orient="records")
    else:
        records = list(outcomes)
    out = []
    for r in records:
        when = r.get("at")
        if hasattr(when, "to_pydatetime"):
            when = when.to_pydatetime()
        item = {"id": r.get("id"), "label": r.get("label")}
        if when is not None and when == when:  # NaT != NaT
            item["at"] = when
        out.append(item)
    return out


class MonitoringClient:
    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def health(self, endpoint: str, window_s: int = 300, step_s: int = 10) -> EndpointHealth:
        """Requests/s, latency, error rate, prediction distribution and drift per version."""
        query = _build(HealthQuery, window_s=window_s, step_s=step_s)
        return self._t.call("endpoints_health", name=endpoint, query=query)

    def log_outcomes(self, model: str, outcomes: Any = None, *, ids: Any = None,
                     labels: Any = None, at: Any = None) -> OutcomesResult:
        """Record what happened to rows whose predictions carried ``ids``.

        >>> client.monitoring.log_outcomes("reorder", frame)  # columns id, label[, at]
        >>> client.monitoring.log_outcomes("reorder", ids=[...], labels=[...])
        """
        body = _build(OutcomesRequest, model=model,
                      outcomes=outcome_records(outcomes, ids, labels, at))
        return self._t.call("monitoring_outcomes", body=body)

    def stability(self, model: str, window_s: int = 3600, windows: int = 24
                  ) -> StabilityReport:
        """Log loss, normalized entropy and calibration per window, against the tier."""
        query = _build(StabilityQuery, window_s=window_s, windows=windows)
        return self._t.call("models_stability", name=model, query=query)

    def refresh(self) -> RefreshReport:
        """Read new request logs and write every served model's health to the registry."""
        return self._t.call("monitoring_refresh")
