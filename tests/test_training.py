"""Training jobs on a real Ray cluster (a head the tests start apart from Griffin, named by
GRIFFIN_RAY_ADDRESS): LightGBM and TensorFlow on Ray Train with 2 workers, tuning, lineage,
cancel, a killed worker, a failing job, and the checks that run before anything is submitted.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from griffin_lab.errors import InvalidInput
from griffin_lab.features.tables import FeatureUsageRow
from griffin_lab.platform import Platform
from griffin_lab.sdk import Client
from griffin_lab.sdk.training import TrainingFailed
from griffin_lab.sdk.transport import InProcessTransport
from griffin_lab.settings import Settings
from griffin_lab.training.tables import TrainingJobRow

from .training_data import auc, write_binary

pytestmark = pytest.mark.timeout(600)


@pytest.fixture
def platform(tmp_path: Path, ray_cluster: str) -> Iterator[Platform]:
    with Platform.from_settings(Settings.load(home=tmp_path / "home",
                                              ray_address=ray_cluster)) as p:
        yield p


@pytest.fixture
def client(platform: Platform) -> Client:
    return Client(InProcessTransport(platform))


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_binary(tmp_path / "train.parquet")


def spec(path: Path, **over: object) -> dict:
    base = {"name": "toy", "runtime": "lightgbm", "data": {"path": str(path)}, "label": "label",
            "feature_columns": [f"f{i}" for i in range(6)],
            "params": {"num_boost_round": 40, "num_leaves": 15}}
    base.update(over)
    return base


def _root_count(model_file: Path) -> int:
    tree = lgb.Booster(model_file=str(model_file)).dump_model()["tree_info"][0]["tree_structure"]
    return int(tree["internal_count"])


def test_two_lightgbm_workers_see_every_row_and_register_with_lineage(
        client: Client, platform: Platform, data: Path) -> None:
    one = client.train(spec(data, register_as="toy"))
    two = client.train(spec(data, register_as="toy", scaling={"num_workers": 2}))
    one.wait(300)
    two.wait(300)
    d1, d2 = one.detail, two.detail
    assert len(d2.workers) == 2 and {w["rank"] for w in d2.workers} == {0, 1}
    train_rows = d2.metrics["train_rows"]
    assert train_rows == 2400
    # every tree is grown from all rows: the root of the first tree counts all of them
    # (without LightGBM's network each worker would count its own 1,200)
    for d in (d1, d2):
        assert _root_count(Path(d.artifact_uri.removeprefix("file://")) / "model/model.txt") \
            == train_rows
    assert abs(d1.metrics["valid_auc"] - d2.metrics["valid_auc"]) < 0.02
    # the reported validation metric is the model's real quality on the held-out rows
    preds = pd.read_parquet(Path(d2.artifact_uri.removeprefix("file://"))
                            / "validation_predictions.parquet")
    assert len(preds) == 600
    assert auc(preds["label"].to_numpy(), preds["prediction"].to_numpy()) == \
        pytest.approx(d2.metrics["valid_auc"], abs=1e-6)
    curves = two.metrics()
    assert list(curves.index) == list(range(1, 41))
    assert {"train_auc", "valid_auc", "valid_binary_logloss"} <= set(curves.columns)
    assert curves["train_binary_logloss"].iloc[-1] < curves["train_binary_logloss"].iloc[0]
    # registered, numbered, with lineage
    assert (d1.model_name, d2.model_name) == ("toy", "toy")
    assert sorted([d1.model_version, d2.model_version]) == [1, 2]
    version = two.model
    assert version.framework == "lightgbm"
    assert version.lineage["training_job"] == two.id
    assert version.lineage["data_fingerprint"].startswith("sha256:")
    assert version.lineage["spec"]["scaling"]["num_workers"] == 2
    assert version.signature["inputs"][0] == {"name": "f0", "type": "float32"}
    assert version.metrics["valid_auc"] == d2.metrics["valid_auc"]
    model_dir = Path(version.artifact_uri.removeprefix("file://"))
    assert (model_dir / "model.txt").is_file()
    job_dir = model_dir.parent
    importance = (job_dir / "importance.json").read_text()
    assert '"f0"' in importance
    assert (job_dir / "spec.yaml").read_text().startswith("name: toy")
    assert [j.id for j in client.jobs(limit=2)] == [two.id, one.id]


def test_a_job_reads_a_point_in_time_training_set_from_the_feature_store(
        client: Client, platform: Platform) -> None:
    report = client.demo(size="tiny")
    labels = Path(report.data_dir) / "reorder_labels.parquet"
    assert labels.is_file()
    job = client.train({
        "name": "reorder", "runtime": "lightgbm", "label": "label", "register_as": "reorder",
        "data": {"feature_service": "reorder_model", "entities": str(labels)},
        "split": {"kind": "time"}, "params": {"num_boost_round": 10, "min_data_in_leaf": 5},
    }).wait(300)
    d = job.detail
    assert d.data["rows"] == len(pd.read_parquet(labels))
    assert "user_features:orders_count" in d.feature_refs
    assert "user_id" not in d.data["feature_columns"]
    assert "orders_count" in d.data["feature_columns"]
    with platform.db.session() as session:
        usage = set(session.execute(select(FeatureUsageRow.used_by_kind, FeatureUsageRow.used_by_id)
                                    .where(FeatureUsageRow.feature_ref ==
                                           "user_features:orders_count")).all())
    assert ("training_job", job.id) in usage and ("model_version", "reorder:1") in usage
    assert job.model.lineage["feature_refs"] == d.feature_refs


def test_tensorflow_trains_with_two_workers(client: Client, data: Path) -> None:
    job = client.train({
        "name": "mlp", "runtime": "tensorflow", "data": {"path": str(data)}, "label": "label",
        "feature_columns": [f"f{i}" for i in range(6)], "register_as": "mlp",
        "scaling": {"num_workers": 2},
        "params": {"layers": [{"units": 16}], "epochs": 3, "batch_size": 64,
                   "learning_rate": 0.01},
    }).wait(400)
    d = job.detail
    assert len(d.workers) == 2
    curves = job.metrics()
    assert list(curves.index) == [1, 2, 3]
    assert {"train_loss", "valid_loss", "valid_auc"} <= set(curves.columns)
    assert d.metrics["valid_auc"] > 0.75
    assert job.model.framework == "tensorflow"
    assert (Path(job.model.artifact_uri.removeprefix("file://")) / "model.keras").is_file()


def test_tuning_keeps_every_trial_and_registers_the_best(client: Client, data: Path) -> None:
    job = client.train(spec(data, register_as="tuned", tune={
        "search_space": {"num_leaves": {"choice": [2, 31]},
                         "learning_rate": {"uniform": [0.05, 0.3]}},
        "num_trials": 3, "metric": "valid_auc", "mode": "max"})).wait(400)
    d = job.detail
    assert len(d.trials) == 3 and all(t.status == "succeeded" for t in d.trials)
    best = [t for t in d.trials if t.best]
    assert len(best) == 1
    assert best[0].metrics["valid_auc"] == max(t.metrics["valid_auc"] for t in d.trials)
    assert d.metrics["valid_auc"] == pytest.approx(best[0].metrics["valid_auc"])
    assert job.model.params["num_leaves"] == best[0].params["num_leaves"]
    assert set(job.metrics(long=True, trial=None)["trial"]) >= {t.trial for t in d.trials}


def _wait_for(predicate, timeout: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


def test_cancel_stops_the_ray_job_and_registers_nothing(client: Client, platform: Platform,
                                                         data: Path) -> None:
    job = client.train(spec(data, register_as="never", params={"num_boost_round": 100_000,
                                                               "learning_rate": 0.001}))
    _wait_for(lambda: job.metric_points().points, 180, "the first metrics")
    assert job.status == "running"
    job.cancel()
    assert job.detail.status == "cancelled"
    _wait_for(lambda: platform.training.ray.status(job.detail.ray_job_id) == "cancelled", 60,
              "Ray to stop the job")
    with pytest.raises(TrainingFailed, match="cancelled"):
        job.wait(10)
    assert job.model is None
    assert client.models.list() == []


def test_a_killed_worker_fails_the_job_with_the_reason(client: Client, platform: Platform,
                                                       data: Path) -> None:
    job = client.train(spec(data, register_as="never", scaling={"num_workers": 2},
                            params={"num_boost_round": 100_000, "learning_rate": 0.001}))
    _wait_for(lambda: len(job.refresh().workers) == 2 and job.metric_points().points, 180,
              "both workers to train")
    victim = next(w for w in job.detail.workers if w["rank"] == 1)
    os.kill(victim["pid"], signal.SIGKILL)
    killed = time.monotonic()
    _wait_for(lambda: job.status == "failed", 90, "the job to fail")
    assert time.monotonic() - killed < 60
    assert job.detail.error
    assert any(w in job.detail.error.lower() for w in ("died", "worker", "actor"))
    assert job.model is None
    assert client.models.list() == []


def test_a_failing_job_records_why(client: Client, data: Path) -> None:
    job = client.train(spec(data, params={"num_boost_round": 5, "extra": {"max_bin": 1}}))
    with pytest.raises(TrainingFailed) as err:
        job.wait(300)
    assert "max_bin" in (job.detail.error or "")
    assert "max_bin" in str(err.value)
    _wait_for(lambda: bool(job.refresh().log_tail), 30, "the log tail")
    assert "Traceback" in job.detail.log_tail or "max_bin" in job.detail.log_tail


@pytest.mark.parametrize(("over", "field", "words"), [
    ({"label": "lable"}, "label", "did you mean label"),
    ({"label": "city"}, "label", "must be numeric"),
    ({"feature_columns": ["f0", "f9"]}, "feature_columns", "'f9' is not in the data"),
    ({"feature_columns": ["f0", "city"]}, "feature_columns", "numeric"),
    ({"scaling": {"num_workers": 64}}, "scaling.num_workers", "the Ray cluster has 2"),
    ({"scaling": {"cpus_per_worker": 8}}, "scaling.cpus_per_worker", "largest Ray node"),
    ({"scaling": {"use_gpu": True}}, "scaling.use_gpu", "0 GPU"),
    ({"params": {"extra": {"num_leafs": 3}}}, "params.extra.num_leafs", "num_leaves"),
    ({"params": {"extra": {"num_threads": 3}}}, "params.extra.num_threads", "set by Griffin"),
    ({"tune": {"search_space": {"depth": {"randint": [1, 5]}}}}, "tune.search_space.depth",
     "not a lightgbm parameter"),
    ({"data": {"path": "/nonexistent/x.parquet"}}, "data.path", "does not exist"),
])
def test_bad_jobs_are_refused_before_submission(client: Client, platform: Platform, data: Path,
                                                over: dict, field: str, words: str) -> None:
    with pytest.raises(InvalidInput) as err:
        client.train(spec(data, **over))
    assert err.value.field == field
    assert words in err.value.message
    with platform.db.session() as session:
        assert session.execute(select(TrainingJobRow)).first() is None
    jobs_dir = platform.settings.home / "artifacts" / "jobs"
    assert not jobs_dir.exists() or not any(jobs_dir.iterdir())


def test_a_label_with_missing_values_or_a_wrong_type_is_refused(client: Client,
                                                                tmp_path: Path) -> None:
    frame = pd.DataFrame({"x": np.arange(50, dtype=float), "y": [1.0, None] * 25})
    frame.to_parquet(tmp_path / "holes.parquet")
    with pytest.raises(InvalidInput, match="25 missing values"):
        client.train({"name": "h", "runtime": "lightgbm", "label": "y",
                      "data": {"path": str(tmp_path / "holes.parquet")}})
    pd.DataFrame({"x": np.arange(50.0), "y": np.arange(50.0)}).to_csv(tmp_path / "r.csv",
                                                                     index=False)
    with pytest.raises(InvalidInput, match="needs a 0/1 label"):
        client.train({"name": "r", "runtime": "lightgbm", "label": "y",
                      "data": {"path": str(tmp_path / "r.csv")},
                      "params": {"objective": "binary"}})
