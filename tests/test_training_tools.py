"""Training from the other doors: the ``griffin`` CLI, ``%%griffin train`` with its live
widget, and the REST API / HTTP SDK of a real JupyterLab whose platform starts its own
embedded Ray head (reused by every process on that home)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from IPython.core.interactiveshell import InteractiveShell

import griffin_lab
from griffin_lab.notebook.magics import GriffinMagicError
from griffin_lab.platform import Platform
from griffin_lab.sdk import Client
from griffin_lab.sdk.transport import InProcessTransport
from griffin_lab.settings import Settings
from griffin_lab.training.ray_jobs import FAST_START, head_processes, recorded_head

from .servers import Lab
from .training_data import write_binary

pytestmark = pytest.mark.timeout(600)
GRIFFIN = str(Path(sys.executable).with_name("griffin"))


def yaml_spec(path: Path, name: str = "cli-job", rounds: int = 15) -> str:
    return (f"name: {name}\nruntime: lightgbm\ndata:\n  path: {path}\nlabel: label\n"
            f"feature_columns: [f0, f1, f2, f3]\nparams:\n  num_boost_round: {rounds}\n"
            f"register_as: {name}\n")


def griffin(*args: str, home: Path, ray: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GRIFFIN, *args], capture_output=True, text=True, timeout=400,
                          env={**os.environ, "GRIFFIN_HOME": str(home),
                               "GRIFFIN_RAY_ADDRESS": ray})


def test_cli_train_wait_json_and_jobs(tmp_path: Path, ray_cluster: str) -> None:
    data = write_binary(tmp_path / "d.parquet", n=800)
    spec = tmp_path / "job.yaml"
    spec.write_text(yaml_spec(data))
    home = tmp_path / "home"
    done = griffin("train", str(spec), "--wait", "--json", home=home, ray=ray_cluster)
    assert done.returncode == 0, done.stderr
    job = json.loads(done.stdout)
    assert job["status"] == "succeeded" and job["model_name"] == "cli-job"
    assert job["metrics"]["best_iteration"] == 15
    listed = json.loads(griffin("jobs", "list", "--json", home=home, ray=ray_cluster).stdout)
    assert [j["id"] for j in listed] == [job["id"]]
    shown = griffin("jobs", "show", job["id"], home=home, ray=ray_cluster)
    assert "succeeded" in shown.stdout and "valid_auc" in shown.stdout
    assert "model: cli-job v1" in shown.stdout
    logs = griffin("jobs", "logs", job["id"], "--tail", "50", home=home, ray=ray_cluster)
    assert logs.returncode == 0 and "\x1b[" not in logs.stdout
    again = griffin("jobs", "cancel", job["id"], home=home, ray=ray_cluster)
    assert again.returncode == 2 and "already succeeded" in again.stderr
    spec.write_text(yaml_spec(data).replace("num_boost_round: 15", "num_boost_round: zero"))
    bad = griffin("train", str(spec), home=home, ray=ray_cluster)
    assert bad.returncode == 2
    assert "params.num_boost_round" in bad.stderr and "line 8" in bad.stderr


@pytest.fixture
def shell(tmp_path: Path, ray_cluster: str) -> Iterator[InteractiveShell]:
    ip = InteractiveShell.instance()
    platform = Platform.from_settings(Settings.load(home=tmp_path / "home",
                                                    ray_address=ray_cluster))
    ip.user_ns["griffin_client"] = Client(InProcessTransport(platform))
    ip.run_line_magic("load_ext", "griffin_lab")
    try:
        yield ip
    finally:
        ip.run_line_magic("unload_ext", "griffin_lab")
        platform.close()
        InteractiveShell.clear_instance()


def test_cell_magic_submits_and_the_widget_follows_the_job(shell: InteractiveShell,
                                                            tmp_path: Path) -> None:
    data = write_binary(tmp_path / "d.parquet", n=800)
    job = shell.run_cell_magic("griffin", "train", yaml_spec(data, "magic-job", rounds=12))
    assert shell.user_ns["griffin_job"] is job
    widget = job.widget()
    widget.thread.join(timeout=300)
    assert not widget.thread.is_alive()
    assert "succeeded" in widget.header.value and "magic-job" in widget.header.value
    steps, values = widget.series["valid_auc"]
    assert steps == list(range(1, 13)) and len(values) == 12
    assert {t.name for t in widget.figure.data} >= {"valid_auc", "train_binary_logloss"}
    assert widget.cancel_button.disabled
    assert widget.progress.value == 1.0
    jobs = shell.run_line_magic("griffin", "jobs")
    assert job.id in jobs._repr_html_()
    with pytest.raises(GriffinMagicError, match="runtime"):
        shell.run_cell_magic("griffin", "train", "name: x\nruntime: nope\n")
    assert shell.user_ns["griffin_job"] is job  # a rejected spec replaces nothing


@pytest.fixture(scope="module")
def clients(lab_server: Lab) -> Iterator[tuple[Client, Client]]:
    remote = griffin_lab.connect(url=lab_server.url, token=lab_server.token)
    local = griffin_lab.connect(home=lab_server.home)
    yield remote, local
    remote.close()
    local.close()


def test_http_training_on_the_embedded_head_shared_by_processes(
        clients: tuple[Client, Client], lab_server: Lab, tmp_path: Path) -> None:
    remote, local = clients
    data = write_binary(tmp_path / "d.parquet", n=800)
    job = remote.train(yaml_spec(data, "http-job"))           # the server starts the head
    head = recorded_head(lab_server.home)
    assert head is not None and head.dashboard_url.startswith("http://127.0.0.1:")
    same = local.job(job.id).wait(300)                        # another process, same job
    assert same.detail.model_name == "http-job"
    second = local.train(yaml_spec(data, "http-job", rounds=5)).wait(300)
    assert recorded_head(lab_server.home) == head             # reused, not restarted
    procs = head_processes(head.temp_dir, head.client_port)
    assert procs
    # the head's processes (and so the workers it starts) import Ray without the grammar
    raylet = next(p for p in procs if "raylet" in p.name())
    assert raylet.environ()["PYTHONPATH"].split(os.pathsep)[0] == str(FAST_START)
    assert remote.job(second.id).detail.model_version == 2
    curves = remote.job(job.id).metrics()
    assert list(curves.index) == list(range(1, 16))
    assert remote.models.get("http-job").latest_version == 2
    assert "http-job" in [m.name for m in remote.models.list()]


def test_rest_errors_are_4xx_with_the_field(lab_server: Lab) -> None:
    api = f"{lab_server.url}/griffin/api/v1"
    auth = {"Authorization": f"token {lab_server.token}"}
    r = httpx.post(f"{api}/training/jobs", json={"yaml": "name: j\nruntime: lightgbm\n"
                                                 "data: {path: x.parquet}\nlabel: y\n"
                                                 "params: {num_leaves: 1}\n"}, headers=auth)
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "params.num_leaves"
    assert "line 5" in r.json()["error"]["message"]
    r = httpx.post(f"{api}/training/jobs", json={"yaml": "a: 1", "spec": {}}, headers=auth)
    assert r.status_code == 422
    assert httpx.get(f"{api}/training/jobs/nope-123", headers=auth).status_code == 404
    assert httpx.post(f"{api}/training/jobs/nope-123/cancel", headers=auth).status_code == 404
    assert httpx.get(f"{api}/training/jobs?status=done", headers=auth).status_code == 422
    assert httpx.get(f"{api}/models/nothing", headers=auth).status_code == 404
    assert httpx.get(f"{api}/training/jobs").status_code == 403
