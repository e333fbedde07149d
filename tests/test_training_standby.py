"""Warm standby jobs on a real Ray head (the tests' separately started cluster): a
single-worker job claims an idle standby of its runtime and runs in it, the next standby is
submitted at once, a standby whose Ray job died is skipped, and the setting turns them off."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from griffin_lab.platform import Platform
from griffin_lab.sdk import Client
from griffin_lab.sdk.transport import InProcessTransport
from griffin_lab.settings import Settings
from griffin_lab.training.tables import TrainingStandbyRow

from .test_training import spec
from .training_data import write_binary

pytestmark = pytest.mark.timeout(600)
WARM_TIMEOUT_S = 180


@pytest.fixture
def platform(tmp_path: Path, ray_cluster: str) -> Iterator[Platform]:
    with Platform.from_settings(Settings.load(home=tmp_path / "home", ray_address=ray_cluster,
                                              training_standby=True)) as p:
        try:
            yield p
        finally:
            p.training.standby.stop_all()


@pytest.fixture
def client(platform: Platform) -> Client:
    return Client(InProcessTransport(platform))


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_binary(tmp_path / "train.parquet")


def _standbys(platform: Platform) -> list[TrainingStandbyRow]:
    with platform.db.session() as session:
        return list(session.execute(select(TrainingStandbyRow)).scalars())


def _idle_standby(platform: Platform) -> TrainingStandbyRow:
    deadline = time.monotonic() + WARM_TIMEOUT_S
    while time.monotonic() < deadline:
        idle = [r for r in _standbys(platform) if r.state == "idle"]
        if idle:
            return idle[0]
        time.sleep(0.2)
    raise AssertionError(f"no standby became idle: {_standbys(platform)}")


def test_a_job_runs_on_a_warm_standby_and_the_next_is_kept_warm(
        client: Client, platform: Platform, data: Path) -> None:
    first = client.train(spec(data, name="first", register_as="toy"))
    assert first.detail.ray_job_id == f"griffin-{first.id}"  # nothing warm yet
    first.wait(300)
    standby = _idle_standby(platform)
    assert standby.runtime == "lightgbm" and standby.ray_job_id.startswith("griffin-standby-")

    second = client.train(spec(data, name="second", register_as="toy"))
    assert second.detail.ray_job_id == standby.ray_job_id
    second.wait(300)
    assert second.detail.status == "succeeded" and second.detail.model_version == 2
    assert second.detail.metrics["valid_auc"] == pytest.approx(
        first.detail.metrics["valid_auc"], abs=1e-9)  # the same job, whichever process ran it
    # Per-round metrics, as from any job: the same deterministic training, the same curves.
    pd.testing.assert_frame_equal(second.metrics(), first.metrics())
    assert "running job " + second.id in second.logs()
    # The claimed standby is gone once its job ended; another one waits for the next job.
    rows = _standbys(platform)
    assert standby.id not in {r.id for r in rows}
    assert len(rows) == 1 and rows[0].state in ("starting", "idle")


def test_a_standby_whose_ray_job_died_is_skipped(client: Client, platform: Platform,
                                                 data: Path) -> None:
    client.train(spec(data, name="warm-up")).wait(300)
    standby = _idle_standby(platform)
    platform.training.ray.stop(standby.ray_job_id)
    deadline = time.monotonic() + 60
    while platform.training.ray.status(standby.ray_job_id) == "running":
        assert time.monotonic() < deadline, "Ray did not stop the standby"
        time.sleep(0.2)
    job = client.train(spec(data, name="after"))
    assert job.detail.ray_job_id == f"griffin-{job.id}"
    job.wait(300)
    assert standby.id not in {r.id for r in _standbys(platform)}


def test_standbys_are_off_by_setting(ray_cluster: str, tmp_path: Path, data: Path) -> None:
    with Platform.from_settings(Settings.load(home=tmp_path / "off", ray_address=ray_cluster,
                                              training_standby=False)) as platform:
        job = Client(InProcessTransport(platform)).train(spec(data, name="cold"))
        assert _standbys(platform) == []
        job.wait(300)
        assert _standbys(platform) == []
