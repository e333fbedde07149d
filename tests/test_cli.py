"""The ``griffin`` command, run as a user runs it (a subprocess of the installed script)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from griffin_lab.cli import lab_command

GRIFFIN = str(Path(sys.executable).with_name("griffin"))


def run(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GRIFFIN, *args], capture_output=True, text=True, timeout=120,
        env={**os.environ, "GRIFFIN_HOME": str(home), **env},
    )


def test_status_json(tmp_path: Path) -> None:
    result = run("status", "--json", home=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["home"] == str(tmp_path)
    assert {e["name"]: e["state"] for e in report["engines"]}["database"] == "ready"


def test_status_table(tmp_path: Path) -> None:
    result = run("status", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Metadata database" in result.stdout


def test_status_exits_1_when_the_database_is_down(tmp_path: Path) -> None:
    from tests.servers import free_port

    url = f"postgresql://u:hidden-pw@127.0.0.1:{free_port()}/x"
    result = run("status", home=tmp_path, GRIFFIN_DATABASE_URL=url)
    assert result.returncode == 2
    assert "Cannot reach the metadata database" in result.stderr
    assert "hidden-pw" not in result.stderr + result.stdout


def test_bad_setting_names_the_variable(tmp_path: Path) -> None:
    result = run("status", home=tmp_path, GRIFFIN_RAY_ADDRESS="localhost:6379")
    assert result.returncode == 2
    assert "GRIFFIN_RAY_ADDRESS" in result.stderr


def test_demo_is_idempotent(tmp_path: Path) -> None:
    first = run("demo", "--size", "tiny", "--json", home=tmp_path)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["written"] is True
    assert report["manifest"]["tables"]["users"] == 200
    files = sorted(p.name for p in Path(report["data_dir"]).glob("*.parquet"))
    assert files == sorted(f"{t}.parquet" for t in report["manifest"]["tables"])
    mtimes = {p: p.stat().st_mtime_ns for p in Path(report["data_dir"]).iterdir()}
    second = run("demo", "--size", "tiny", home=tmp_path)
    assert second.returncode == 0 and "already present" in second.stdout
    assert {p: p.stat().st_mtime_ns for p in Path(report["data_dir"]).iterdir()} == mtimes


def test_demo_bad_size(tmp_path: Path) -> None:
    result = run("demo", "--size", "enormous", home=tmp_path)
    assert result.returncode == 2 and "Unknown demo size 'enormous'" in result.stderr


def test_lab_command_binds_loopback_and_opens_notebooks(tmp_path: Path) -> None:
    (tmp_path / "00_quickstart.ipynb").write_text("{}")
    cmd = lab_command(8899, tmp_path, open_browser=False, extra=["--debug"])
    assert cmd[:3] == [sys.executable, "-m", "jupyterlab"]
    assert "--ServerApp.ip=127.0.0.1" in cmd and "--ServerApp.port=8899" in cmd
    assert f"--ServerApp.root_dir={tmp_path}" in cmd and "--no-browser" in cmd
    assert "--LabApp.default_url=/lab/tree/00_quickstart.ipynb" in cmd
    assert cmd[-1] == "--debug"


def test_version(tmp_path: Path) -> None:
    import griffin_lab

    assert run("version", home=tmp_path).stdout.strip() == griffin_lab.__version__
