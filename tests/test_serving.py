"""Endpoints as desired state, against a real JupyterLab (whose reconcile loop runs), real
BentoML processes and the nginx router on 127.0.0.1: deploy, predict through the stable
address, blue/green promotion and rollback under load with no failed request, a split and a
shadow, a killed serving process repaired without anyone acting, bad input refused."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest

from griffin_lab.errors import Conflict, EngineUnavailable, InvalidInput, NotFound
from griffin_lab.sdk import Client
from tests.servers import Lab, serving_fixtures

FEATURES = ["basket_size", "days_since", "orders"]


lab, client = serving_fixtures("serving")


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame(rng.normal(size=(300, 3)), columns=FEATURES)


@pytest.fixture(scope="module")
def versions(client: Client, rows: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory
             ) -> dict[int, np.ndarray]:
    """Two versions of one model with different predictions; the expected outputs."""
    import lightgbm as lgb

    folder = tmp_path_factory.mktemp("models")
    y = (rows["basket_size"] + rows["orders"] > 0).astype(int)
    expected = {}
    for rounds in (3, 30):
        booster = lgb.train({"objective": "binary", "verbose": -1, "num_leaves": 7},
                            lgb.Dataset(rows, y), num_boost_round=rounds)
        path = folder / f"m{rounds}.txt"
        booster.save_model(str(path))
        v = client.models.register("eta", path, tier=1)
        expected[v.version] = booster.predict(rows)
    return expected


class Load:
    """Bounded load on 127.0.0.1: a few keep-alive clients posting one row at a time until
    stopped. Like browsers and HTTP libraries with retries, a client resends a (idempotent)
    prediction once when the server closed a reused idle connection before answering — what
    an nginx worker retiring after a reload does to its idle keep-alive connections; such
    resends are counted, and any error answer or second failure is a failure."""

    def __init__(self, url: str, rows: pd.DataFrame, clients: int = 3) -> None:
        self.url, self.rows = url, rows.to_dict(orient="records")
        self.stop, self.failures, self.seen, self.resent = threading.Event(), [], [], 0
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(clients)]

    def _run(self) -> None:
        with httpx.Client(timeout=30) as http:
            i = 0
            while not self.stop.is_set() and i < 20_000:
                row = self.rows[i % len(self.rows)]
                i += 1
                try:
                    try:
                        r = http.post(f"{self.url}/predict", json={"instances": [row]})
                    except httpx.RemoteProtocolError:
                        self.resent += 1
                        r = http.post(f"{self.url}/predict", json={"instances": [row]})
                    if r.status_code != 200:
                        self.failures.append(f"{r.status_code} {r.text[:200]}")
                    else:
                        self.seen.append((time.monotonic(), r.json()["version"]))
                except httpx.HTTPError as exc:
                    self.failures.append(repr(exc))

    def __enter__(self) -> Load:
        for t in self.threads:
            t.start()
        time.sleep(0.5)
        return self

    def __exit__(self, *exc: object) -> None:
        time.sleep(1.0)
        self.stop.set()
        for t in self.threads:
            t.join(30)


def _marked() -> set[int]:
    """PIDs of the serving processes (and workers) started by the platform."""
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and b"GRIFFIN_SERVING_PROCESS=" in (entry / "environ"
                                                                       ).read_bytes():
                found.add(int(entry.name))
        except OSError:
            continue
    return found


def _predict(url: str, rows: pd.DataFrame) -> dict:
    r = httpx.post(f"{url}/predict", json={"instances": rows.to_dict(orient="records")},
                   timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def test_deploy_promote_rollback_under_load(client: Client, versions, rows, lab: Lab) -> None:
    ep = client.deploy("eta@1", name="eta")
    try:
        assert ep.detail.status == "ready" and ep.detail.primary_version == 1
        answer = _predict(ep.url, rows)
        assert answer["version"] == 1
        np.testing.assert_allclose(answer["predictions"], versions[1], rtol=1e-6)
        assert ep.predict(rows.head(2)) == pytest.approx(list(versions[1][:2]))

        with Load(ep.url, rows) as load:
            ep.promote(2)
            switched = time.monotonic()
        assert load.failures == [], load.failures[:5]
        assert {v for t, v in load.seen if t > switched + 0.2} == {2}
        assert 1 in {v for _, v in load.seen}
        assert ep.detail.previous_version == 1
        np.testing.assert_allclose(_predict(ep.url, rows)["predictions"], versions[2],
                                   rtol=1e-6)

        with Load(ep.url, rows) as load:
            ep.rollback()
            switched = time.monotonic()
        assert load.failures == [], load.failures[:5]
        assert {v for t, v in load.seen if t > switched + 0.2} == {1}

        # the retired process is stopped once its grace period is over (the server's loop)
        deadline = time.monotonic() + 20
        while len(ep.refresh().detail.processes) > 1 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert [(p.version, p.role) for p in ep.detail.processes] == [(1, "primary")]
        kinds = [e.kind for e in ep.detail.events]
        assert {"promoted", "rolled_back", "stopped"} <= set(kinds)
    finally:
        ep.delete()
    with pytest.raises(NotFound):
        client.endpoint("eta")


def test_split_and_shadow(client: Client, versions, rows) -> None:
    ep = client.deploy("eta@1", name="eta-ab")
    try:
        ep.promote(2, mode="split", split=0.3)
        served = Counter(_predict(ep.url, rows.head(1))["version"] for _ in range(200))
        assert 30 <= served[2] <= 95 and served[1] + served[2] == 200, served
        ep.promote(2, mode="shadow")
        served = Counter(_predict(ep.url, rows.head(1))["version"] for _ in range(30))
        assert served == {1: 30}  # the shadow answers nobody...
        candidate = next(p for p in ep.refresh().detail.processes if p.role == "candidate")
        metrics = httpx.get(f"http://127.0.0.1:{candidate.port}/metrics", timeout=10).text
        assert "predict" in metrics  # ...but it saw the traffic
        ep.rollback()
        assert ep.detail.candidate_version is None and ep.detail.mode == "single"
    finally:
        ep.delete()


def test_a_killed_serving_process_is_repaired_without_anyone_acting(client: Client, versions,
                                                                    rows) -> None:
    ep = client.deploy("eta@2", name="eta-crash")
    try:
        (process,) = ep.detail.processes
        serving = _marked()  # the server process and its workers
        assert process.pid in serving and len(serving) >= 2
        os.killpg(process.pid, signal.SIGKILL)  # the server only: its workers are orphaned
        killed = time.monotonic()
        deadline = killed + 60
        while time.monotonic() < deadline:
            d = ep.refresh().detail
            if (d.processes and d.processes[0].pid != process.pid and d.status == "ready"
                    and d.processes[0].status == "ready"):
                break
            time.sleep(0.25)
        repaired_s = time.monotonic() - killed
        assert d.processes[0].restarts == 1 and d.status == "ready", d
        assert repaired_s < 30
        assert _predict(ep.url, rows.head(3))["version"] == 2
        assert {"died", "restarted"} <= {e.kind for e in d.events}
        assert not serving & _marked(), "orphaned workers of the killed process remain"
    finally:
        ep.delete()


def test_bad_input_is_refused(client: Client, versions, rows, lab: Lab, tmp_path: Path) -> None:
    ep = client.deploy("eta", name="eta-bad")
    try:
        assert ep.detail.primary_version == max(versions)
        for body in ({"instances": [{"basket_size": 1.0}]},
                     {"instances": [{**rows.iloc[0].to_dict(), "orders": "many"}]},
                     {"instances": [{**rows.iloc[0].to_dict(), "extra": 1}]}):
            r = httpx.post(f"{ep.url}/predict", json=body, timeout=10)
            assert 400 <= r.status_code < 500, (body, r.status_code, r.text)
        r = httpx.post(f"{ep.url}/predict", content=b"{not json", timeout=10,
                       headers={"Content-Type": "application/json"})
        assert 400 <= r.status_code < 500
        with pytest.raises(InvalidInput, match="refused"):
            ep.predict([{"basket_size": 1.0}])
        with pytest.raises(Conflict, match="exists"):
            client.deploy("eta@1", name="eta-bad")
        with pytest.raises(Conflict, match="Port"):
            client.deploy("eta@1", name="eta-port", port=ep.detail.port)
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            with pytest.raises(Conflict, match="already taken"):
                client.deploy("eta@1", name="eta-taken", port=taken.getsockname()[1])
        with pytest.raises(NotFound):
            ep.promote(9)
        with pytest.raises(InvalidInput, match="already serves"):
            ep.promote(ep.detail.primary_version)
        api = f"{lab.url}/griffin/api/v1"
        assert httpx.get(f"{api}/endpoints").status_code == 403
        r = httpx.post(f"{api}/endpoints", json={"model": "eta@1", "name": "Bad Name"},
                       headers={"Authorization": f"token {lab.token}"})
        assert r.status_code == 422 and r.json()["error"]["field"] == "name"
    finally:
        ep.delete()
    # a version whose artifact went missing or bad is refused, and nothing else changes
    import lightgbm as lgb

    booster = lgb.train({"objective": "binary", "verbose": -1},
                        lgb.Dataset(rows, (rows["orders"] > 0).astype(int)), num_boost_round=2)
    booster.save_model(str(tmp_path / "ok.txt"))
    v = client.models.register("corrupted", tmp_path / "ok.txt")
    model_file = Path(v.artifact_uri.removeprefix("file://")) / "model.txt"
    model_file.write_text("tree\nversion=v4\nthis is not a model\n")
    with pytest.raises((InvalidInput, EngineUnavailable), match="corrupted|model"):
        client.deploy("corrupted@1")
    model_file.unlink()
    with pytest.raises((InvalidInput, NotFound, EngineUnavailable)):
        client.deploy("corrupted@1")
    assert [e.name for e in client.endpoints()] == []
