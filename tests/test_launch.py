"""Launches against a real JupyterLab (the pipeline runs in the server, whose reconcile and
monitoring loops run too), real BentoML processes and the nginx router: a better version
reaches production under load with every gate and no failed request; a worse one is blocked
with production untouched; tier 0 waits for a person; a serving process that dies during the
watch is rolled back; bad launches are refused before anything runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest

from griffin_lab.errors import Conflict, InvalidInput, NotFound
from griffin_lab.sdk import Client
from tests.servers import Lab, serving_fixtures
from tests.test_serving import Load

FEATURES = ["basket_size", "days_since", "orders"]
ENDPOINT = "eta"


lab, client = serving_fixtures("launch")


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    return pd.DataFrame(rng.normal(size=(400, 3)), columns=FEATURES)


@pytest.fixture(scope="module")
def versions(client: Client, rows: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory
             ) -> dict[str, int]:
    """v1 in production; v2 close to it and a little better; v3 worse offline; v4 better."""
    import lightgbm as lgb

    folder = tmp_path_factory.mktemp("launch-models")
    y = (rows["basket_size"] + rows["orders"] > 0).astype(int)
    made = {}
    for name, seed, auc in (("v1", 1, 0.80), ("v2", 2, 0.81), ("v3", 3, 0.70),
                            ("v4", 4, 0.82)):
        booster = lgb.train({"objective": "binary", "verbose": -1, "num_leaves": 7,
                             "feature_fraction": 0.9, "seed": seed, "deterministic": True},
                            lgb.Dataset(rows, y), num_boost_round=30)
        path = folder / f"{name}.txt"
        booster.save_model(str(path))
        made[name] = client.models.register("eta", path, tier=1,
                                            metrics={"valid_auc": auc}).version
    client.deploy(f"eta@{made['v1']}", name=ENDPOINT)
    return made


def _send(url: str, rows: pd.DataFrame, n: int = 60) -> None:
    with httpx.Client(timeout=30) as http:
        for i in range(n):
            r = http.post(f"{url}/predict", json={"instances": [rows.iloc[i].to_dict()]})
            assert r.status_code == 200, r.text


def test_a_better_version_reaches_production_under_load(client: Client, versions, rows
                                                        ) -> None:
    ep = client.endpoint(ENDPOINT)
    _send(ep.url, rows)  # recorded traffic for the replay
    time.sleep(1.5)
    with Load(ep.url, rows) as load:
        launch = client.launch("eta", versions["v2"], shadow_s=3, watch_s=4,
                               reason="fresher data")
        assert launch.status == "running"
        launch.wait(timeout=240)
    d = launch.detail
    assert d.status == "succeeded", (d.message, [(s.name, s.message) for s in d.steps])
    assert [s.status for s in d.steps] == ["passed"] * 5
    assert all(s.seconds is not None and s.seconds >= 0 for s in d.steps)
    assert {g.name: (g.required, g.passed) for g in d.gates} == {
        "signature": (True, True), "metrics": (True, True), "stability": (True, True),
        "latency": (True, True)}
    estimation = d.steps[0].outcome
    assert estimation["synthetic"] is False and estimation["replayed"] >= 20
    assert estimation["candidate"]["requests_per_s"] > 0
    assert d.steps[2].outcome["shadow_requests"] > 0  # the candidate saw copied traffic
    assert load.failures == [] and {v for _, v in load.seen} == {1, 2}
    switch = [t for t, v in load.seen if v == 2][0]
    assert all(v == 2 for t, v in load.seen if t > switch + 1.0)  # once switched, stays
    served = ep.refresh().detail
    assert (served.primary_version, served.candidate_version) == (versions["v2"], None)
    assert d.steps[4].message.endswith("v1's process stopped")  # finalization retired it
    assert {p.version for p in served.processes} == {versions["v2"]}
    model = client.models.get("eta")
    assert model.aliases == {"production": versions["v2"], "previous": versions["v1"]}
    assert model.alias_history[0].reason.startswith(f"launch #{d.id}: fresher data")
    assert [e.name for e in client.endpoints()] == [ENDPOINT]  # the staging one is gone
    health = ep.health(window_s=60)
    assert {(v.version, v.role) for v in health.versions} >= {(2, "primary"), (2, "shadow")}

    from griffin_lab.notebook.launch_widget import LaunchWidget
    from griffin_lab.notebook.serving_widget import EndpointWidget

    view = LaunchWidget(launch, start=False)
    assert view.steps.value.count("data-status='passed'") == 5
    assert "data-gate='stability'" in view.gates.value
    assert view.buttons.layout.display == "none"
    chart = EndpointWidget(ep, start=False)
    assert {t.name for t in chart.figure.data} >= {"v2 primary"}
    assert "data-health=" in chart.summary.value


def test_a_worse_version_is_blocked_and_production_untouched(lab: Lab, client: Client,
                                                            versions) -> None:
    before = client.endpoint(ENDPOINT).detail
    env = {**os.environ, "GRIFFIN_URL": lab.url, "GRIFFIN_TOKEN": lab.token}
    done = subprocess.run([sys.executable, "-m", "griffin_lab.cli", "launch",
                           f"eta@{versions['v3']}", "--shadow", "1", "--watch", "1", "--json"],
                          capture_output=True, text=True, env=env, timeout=240)
    assert done.returncode == 1, done.stderr
    d = json.loads(done.stdout)
    assert d["status"] == "blocked" and "metrics" in d["message"]
    assert [s["status"] for s in d["steps"]] == ["passed", "failed", "skipped", "skipped",
                                                 "skipped"]
    metrics = next(g for g in d["gates"] if g["name"] == "metrics")
    assert metrics["passed"] is False and "valid_auc 0.7" in metrics["message"]
    after = client.endpoint(ENDPOINT).detail
    assert (after.primary_version, after.candidate_version) == (before.primary_version, None)
    assert [p.pid for p in after.processes] == [p.pid for p in before.processes]
    assert client.models.get("eta").aliases["production"] == before.primary_version
    shown = subprocess.run([sys.executable, "-m", "griffin_lab.cli", "launches", "show",
                            str(d["id"])], capture_output=True, text=True, env=env, timeout=60)
    assert shown.returncode == 0 and "gate metrics" in shown.stdout and "FAIL" in shown.stdout
    health = subprocess.run([sys.executable, "-m", "griffin_lab.cli", "endpoints", "health",
                             ENDPOINT, "--json"], capture_output=True, text=True, env=env,
                            timeout=60)
    assert health.returncode == 0, health.stderr
    figures = {v["role"]: v for v in json.loads(health.stdout)["versions"]}
    assert figures["primary"]["version"] == before.primary_version
    assert figures["primary"]["requests"] > 0 and figures["primary"]["errors"] == 0


def test_tier_0_waits_for_a_person_and_a_rejection_changes_nothing(client: Client,
                                                                   versions) -> None:
    client.models.update("eta", tier=0)
    try:
        before = client.endpoint(ENDPOINT).detail.primary_version
        launch = client.launch("eta", versions["v4"], shadow_s=1, watch_s=1).wait(timeout=120)
        assert launch.status == "awaiting_approval"
        assert launch.detail.steps[1].status == "waiting"
        from griffin_lab.notebook.launch_widget import LaunchWidget

        assert LaunchWidget(launch, start=False).buttons.layout.display == ""
        launch.reject("not during the sale")
        assert launch.wait(timeout=30).status == "rejected"
        assert "not during the sale" in launch.detail.message
        with pytest.raises(Conflict):
            launch.approve()
        assert client.endpoint(ENDPOINT).detail.primary_version == before
    finally:
        client.models.update("eta", tier=1)


def test_a_process_dying_during_the_watch_is_rolled_back(client: Client, versions) -> None:
    ep = client.endpoint(ENDPOINT)
    before = ep.detail.primary_version
    launch = client.launch("eta", versions["v4"], shadow_s=0, watch_s=30,
                           require_approval=False)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        launch.refresh()
        detail = ep.refresh().detail
        if launch.detail.steps[3].status == "running" and \
                detail.primary_version == versions["v4"]:
            break
        assert not launch.done, launch.detail.message
        time.sleep(0.2)
    (candidate,) = [p for p in detail.processes if p.version == versions["v4"]]
    os.killpg(candidate.pid, signal.SIGKILL)
    launch.wait(timeout=120)
    d = launch.detail
    assert d.status == "rolled_back", d.message
    assert "died" in d.steps[3].message and d.steps[4].status == "skipped"
    served = ep.refresh().detail
    assert served.primary_version == before and served.status == "ready"
    assert client.models.get("eta").aliases["production"] == before


def test_bad_launches_are_refused_before_anything_runs(lab: Lab, client: Client, versions,
                                                      tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        client.launch("eta", 99)
    with pytest.raises(NotFound):
        client.launch("nobody", 1)
    current = client.endpoint(ENDPOINT).detail.primary_version
    with pytest.raises(InvalidInput, match="already serves"):
        client.launch("eta", current)
    with pytest.raises(InvalidInput, match="version"):
        client.launch("eta")
    other = tmp_path / "other.txt"
    import lightgbm as lgb

    lgb.train({"objective": "binary", "verbose": -1}, lgb.Dataset(
        np.random.default_rng(0).normal(size=(50, 3)), np.arange(50) % 2),
        num_boost_round=2).save_model(str(other))
    client.models.register("other", other)
    with pytest.raises(InvalidInput, match="serves eta"):
        client.launch("other", 1, endpoint=ENDPOINT)
    headers = {"Authorization": f"token {lab.token}"}
    base = f"{lab.url}/griffin/api/v1"
    assert httpx.get(f"{base}/launches/abc", headers=headers).status_code == 422
    assert httpx.get(f"{base}/launches/9999", headers=headers).status_code == 404
    r = httpx.post(f"{base}/launches", headers=headers, json={"model": "eta", "version": 0})
    assert r.status_code == 422 and r.json()["error"]["field"] == "version"
    assert httpx.get(f"{base}/launches").status_code in (401, 403)


def test_a_corrupt_artifact_is_blocked_at_estimation(client: Client, versions, rows,
                                                    tmp_path: Path) -> None:
    import lightgbm as lgb

    path = tmp_path / "broken.txt"
    y = (rows["basket_size"] > 0).astype(int)
    lgb.train({"objective": "binary", "verbose": -1}, lgb.Dataset(rows, y),
              num_boost_round=5).save_model(str(path))
    version = client.models.register("eta", path, metrics={"valid_auc": 0.9})
    from fsspec.core import url_to_fs

    stored = Path(url_to_fs(version.artifact_uri)[1])
    model_file = stored / "model.txt" if stored.is_dir() else stored
    model_file.write_text("tree\nversion=v4\nthis is not a model\n")
    before = client.endpoint(ENDPOINT).detail
    launch = client.launch("eta", version.version, shadow_s=0, watch_s=1).wait(timeout=120)
    assert launch.status == "blocked"
    assert launch.detail.steps[0].status == "failed"
    assert "could not be served" in launch.detail.message
    after = client.endpoint(ENDPOINT).detail
    assert (after.primary_version, [p.pid for p in after.processes]) == (
        before.primary_version, [p.pid for p in before.processes])
    assert [e.name for e in client.endpoints()] == [ENDPOINT]
