"""Monitoring on a real endpoint (BentoML behind the nginx router), in-process: every answered
request is counted once, named predictions are joined to their outcomes, drift and stability
are computed from real predictions, and the verdict reaches the registry's attention view."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
from fsspec.core import url_to_fs

import griffin_lab
from griffin_lab.errors import InvalidInput, NotFound
from griffin_lab.monitoring import stats
from griffin_lab.monitoring.request_log import RequestLog
from griffin_lab.sdk import Client

FEATURES = ["basket_size", "days_since", "orders"]


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(11)
    x = pd.DataFrame(rng.normal(size=(600, 3)), columns=FEATURES)
    y = ((x["basket_size"] + x["orders"] + rng.normal(scale=0.7, size=600)) > 0).astype(int)
    return x, y


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, data) -> Iterator[Client]:
    import lightgbm as lgb

    home = tmp_path_factory.mktemp("monitoring-home")
    x, y = data
    with griffin_lab.connect(home=home) as c:
        booster = lgb.train({"objective": "binary", "verbose": -1, "num_leaves": 7},
                            lgb.Dataset(x.iloc[:400], y.iloc[:400]), num_boost_round=25)
        path = home / "model.txt"
        booster.save_model(str(path))
        version = c.models.register("basket", path, tier=1, metrics={"valid_auc": 0.8})
        # the validation split a training job keeps beside its model: the drift baseline
        folder = Path(url_to_fs(version.artifact_uri)[1]).parent
        pd.DataFrame({"row": range(200), "label": y.iloc[400:].to_numpy(),
                      "prediction": booster.predict(x.iloc[400:])}).to_parquet(
            folder / "validation_predictions.parquet")
        c.deploy("basket@1", name="basket")
        try:
            yield c
        finally:
            c.transport.platform.serving.stop_all()


def _post(url: str, body: dict) -> httpx.Response:
    return httpx.post(f"{url}/predict", json=body, timeout=30)


def test_every_answered_request_is_counted_once(client: Client, data) -> None:
    x, _ = data
    ep = client.endpoint("basket")
    # rows from the validation split: the traffic looks like the training baseline
    answers = [ep.predict(x.iloc[[i]])[0] for i in range(400, 440)]
    named = ep.predict(x.iloc[440:540], ids=[f"a{i}" for i in range(100)])
    bad = [_post(ep.url, {"instances": [{"orders": 1}]}),
           _post(ep.url, {"instances": [dict(x.iloc[0])], "ids": [1, 2]}),
           _post(ep.url, {"instances": "nope"})]
    assert [r.status_code for r in bad] == [422, 422, 422]
    assert bad[1].json()["error"]["field"] == "ids"
    time.sleep(1.3)  # one flush of the workers' logs
    health = ep.health(window_s=120)
    (primary,) = [v for v in health.versions if v.role == "primary"]
    assert primary.requests == 44 and primary.rejected == 3 and primary.errors == 0
    assert primary.rows == 140
    expected = (sum(answers) + sum(named)) / 140
    assert primary.mean_prediction == pytest.approx(expected, rel=1e-6)
    assert 0 < primary.p50_ms <= primary.p99_ms <= primary.max_ms * 1.06
    assert primary.psi is not None and primary.psi < 0.25  # same distribution as training
    assert sum(primary.prediction_histogram.counts) > 0
    assert health.series and all(p.version == 1 for p in health.series)
    assert all(p.complete == (p.at.timestamp() + 10 <= health.as_of.timestamp())
               for p in health.series)
    again = ep.health(window_s=120)  # reading again counts nothing twice
    assert [v.requests for v in again.versions] == [v.requests for v in health.versions]


def test_outcomes_join_the_predictions_they_label(client: Client, data) -> None:
    x, y = data
    ep = client.endpoint("basket")
    ids = [f"b{i}" for i in range(200)]
    predictions = np.asarray(ep.predict(x.iloc[:200], ids=ids))
    result = client.monitoring.log_outcomes("basket", pd.DataFrame(
        {"id": ids, "label": y.iloc[:200].to_numpy()}))
    assert (result.logged, result.matched) == (200, 200)
    report = client.monitoring.stability("basket", window_s=3600, windows=2)
    window = report.windows[-1]
    assert window.outcomes == 200
    labels = y.iloc[:200].to_numpy()
    assert window.calibration == pytest.approx(predictions.mean() / labels.mean(), rel=1e-4)
    assert window.log_loss == pytest.approx(stats.log_loss(labels, predictions), rel=1e-4)
    assert report.baseline is not None and report.baseline.outcomes == 200
    assert report.stable is True and report.bounds.tier == 1


def test_a_model_that_stops_predicting_well_needs_attention(client: Client, data) -> None:
    x, y = data
    ep = client.endpoint("basket")
    ids = [f"c{i}" for i in range(300)]
    predictions = np.asarray(ep.predict(x.iloc[:300], ids=ids))
    wrong = (predictions < 0.5).astype(int)  # the world did the opposite of the model
    client.monitoring.log_outcomes("basket", ids=ids, labels=wrong)
    report = client.monitoring.stability("basket", window_s=3600, windows=2)
    assert report.stable is False
    assert any("normalized entropy" in r for r in report.reasons)
    verdicts = client.monitoring.refresh().models
    assert verdicts["basket"] == "critical"  # tier 1: unstable is critical
    model = client.models.get("basket")
    assert model.health == "critical" and "unstable" in model.health_reason
    assert client.models.attention().items[0].name == "basket"


def test_bad_outcomes_and_unknown_names(client: Client) -> None:
    with pytest.raises(NotFound):
        client.monitoring.log_outcomes("nobody", ids=["x"], labels=[1])
    with pytest.raises(NotFound):
        client.monitoring.health("nowhere")
    with pytest.raises(InvalidInput):
        client.monitoring.log_outcomes("basket", ids=["x"], labels=[float("nan")])
    with pytest.raises(InvalidInput):
        client.monitoring.log_outcomes("basket")
    with pytest.raises(InvalidInput):
        client.monitoring.health("basket", step_s=15)


def test_the_request_log_keeps_named_rows_and_caps_the_rest(tmp_path: Path) -> None:
    log = RequestLog(tmp_path, "m", 3, "ep")
    log.record(1.5, 200, 500, list(np.linspace(0, 1, 500)))
    log.record(2.0, 200, 100, list(np.linspace(0, 1, 100)), ids=list(range(100)))
    log.record(0.3, 422, 0, error="bad field")
    assert log.flush() == 3
    lines = [json.loads(line) for line in (tmp_path / f"{os.getpid()}.jsonl")
             .read_text().splitlines()]
    assert len(lines[0]["pred"]) == 64 and lines[0]["mean"] == pytest.approx(0.5)
    assert len(lines[1]["pred"]) == 100 and lines[1]["ids"][-1] == "99"
    assert lines[2]["status"] == 422 and lines[2]["error"] == "bad field"
    assert {line["endpoint"] for line in lines} == {"ep"}


def test_statistics() -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(size=5000)
    assert stats.psi(base, rng.normal(size=5000)) < 0.02
    assert stats.psi(base, rng.normal(loc=1.0, size=5000)) > 0.25
    hist: dict[int, int] = {}
    values = rng.uniform(1, 100, size=10_000)
    for v in values:
        key = stats.latency_bucket(v)
        hist[key] = hist.get(key, 0) + 1
    assert stats.percentile(hist, 0.99) == pytest.approx(np.quantile(values, 0.99), rel=0.03)
    y = rng.integers(0, 2, size=1000)
    q = stats.quality(y, np.full(1000, y.mean()))
    assert q["normalized_entropy"] == pytest.approx(1.0, abs=1e-6)
    assert q["calibration"] == pytest.approx(1.0)


def test_a_window_leaves_its_bounds_only_when_sampling_cannot_explain_it() -> None:
    """The same 20% over-prediction: within what 60 outcomes can show by chance, out of the
    tier's bounds with 5,000; a model that predicts the base rate stays in at any size."""
    from griffin_lab.monitoring.schemas import TierBounds
    from griffin_lab.monitoring.service import _judged, _window

    rng = np.random.default_rng(4)
    bounds = TierBounds(tier=1, calibration_low=0.85, calibration_high=1.15,
                        baseline_calibration=1.0, max_normalized_entropy=1.1,
                        min_outcomes=50, min_each_class=10)

    def judged(n: int, over: float) -> object:
        truth = rng.uniform(0.2, 0.6, size=n)
        labels = (rng.uniform(size=n) < truth).astype(int)
        return _judged(_window(None, None, labels, np.clip(truth * over, 0, 1)), bounds)

    small, large, fine = judged(60, 1.2), judged(5000, 1.2), judged(5000, 1.0)
    assert small.calibration_low < 1.0 < small.calibration_high
    assert small.within_bounds is True, small.problems
    assert large.calibration_low > 1.15 and large.within_bounds is False
    assert "calibration" in large.problems[0] and "95% interval" in large.problems[0]
    assert fine.within_bounds is True, fine.problems
    assert fine.normalized_entropy_low < fine.normalized_entropy


def test_the_signature_gate_keeps_production_callers_working() -> None:
    from datetime import UTC, datetime

    from griffin_lab.launch.gates import signature_gate
    from griffin_lab.registry.schemas import ModelVersionInfo

    def version(n: int, inputs: list[dict]) -> ModelVersionInfo:
        return ModelVersionInfo(model="m", version=n, framework="lightgbm", artifact_uri="x",
                                signature={"inputs": inputs, "outputs": [{"name": "p"}]},
                                status="ready", created_at=datetime.now(UTC),
                                created_by="t")

    prod = version(1, [{"name": "a", "type": "float32", "nullable": True},
                       {"name": "b", "type": "float32"}])
    same = signature_gate(version(2, [{"name": "a", "type": "float32", "nullable": True}]),
                          prod, 1)
    assert same.passed and "ignores b" in same.message
    strict = signature_gate(version(3, [{"name": "a", "type": "float32"}]), prod, 1)
    assert not strict.passed and "missing values" in strict.message
    extra = signature_gate(version(4, [{"name": "c", "type": "float32"}]), prod, 1)
    assert not extra.passed and "c" in extra.detail["missing"]
    retyped = signature_gate(version(5, [{"name": "b", "type": "int64"}]), prod, 3)
    assert not retyped.passed and retyped.required
