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
    # the tables, and the reorder model's labelled rows seeded for training
    assert files == sorted([*(f"{t}.parquet" for t in report["manifest"]["tables"]),
                            "reorder_labels.parquet"])
    assert report["seeded"]["training"]["labels"].endswith("reorder_labels.parquet")
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


def test_features_verbs(tmp_path: Path) -> None:
    assert run("demo", "--size", "tiny", home=tmp_path).returncode == 0
    found = json.loads(run("features", "search", "reorder", "--json", home=tmp_path).stdout)
    assert {v["name"] for v in found["views"]} == {"user_features", "product_features"}
    described = json.loads(run("features", "describe", "user_features", "--json",
                               home=tmp_path).stdout)
    assert described["owner"] == "grocery-ml@griffin.dev"
    stats = json.loads(run("features", "stats", "user_features", "--json", home=tmp_path).stdout)
    assert stats["rows"] == described["row_count"]
    validated = run("features", "validate", "user_features", home=tmp_path)
    assert validated.returncode == 0 and "validation passed" in validated.stdout
    mat = json.loads(run("features", "materialize", "--json", home=tmp_path).stdout)
    assert {v["status"] for v in mat["views"]} == {"skipped"}
    missing = run("features", "describe", "nope", home=tmp_path)
    assert missing.returncode == 2 and "No feature view named 'nope'" in missing.stderr

    # The online feature server: started in the background, outliving the command.
    started = run("features", "serve", "--workers", "1", home=tmp_path)
    assert started.returncode == 0, started.stderr
    assert "(1 worker, pid" in started.stdout and "Authorization: token" in started.stdout
    info = json.loads(run("features", "serve", "--status", "--json", home=tmp_path).stdout)
    assert info["running"] and info["workers"] == 1 and info["token"] in started.stdout
    stopped = run("features", "serve", "--stop", home=tmp_path)
    assert stopped.returncode == 0 and "not running" in stopped.stdout
    bad = run("features", "serve", "--workers", "99", home=tmp_path)
    assert bad.returncode == 2 and "workers" in bad.stderr


def test_features_add_source_from_yaml(tmp_path: Path) -> None:
    from tests.test_features import store_csv

    csv = store_csv(tmp_path / "stores.csv", bad=True)
    spec = tmp_path / "stores.yaml"
    spec.write_text(
        "name: store_visits\n"
        f"path: {csv}\n"
        "entities: [store_id]\n"
        "owner: stores@griffin.dev\n"
        "rules:\n"
        "  - kind: range\n"
        "    column: rating\n"
        "    min: 0\n"
        "    max: 5\n"
    )
    dry = run("features", "add-source", str(spec), "--dry-run", home=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert "validation FAILED" in dry.stdout and "(not written)" in dry.stdout
    rejected = run("features", "add-source", str(spec), home=tmp_path)
    assert rejected.returncode == 2 and "rejected by validation" in rejected.stderr
    store_csv(csv, bad=False)
    applied = json.loads(run("features", "add-source", str(spec), "--json",
                             home=tmp_path).stdout)
    assert applied["applied"] is True and applied["feature_view"] == "store_visits"
    spec.write_text(spec.read_text().replace("max: 5", "max: -1"))
    bad = run("features", "add-source", str(spec), home=tmp_path)
    assert bad.returncode == 2 and "line 6" in bad.stderr and "above max" in bad.stderr


def test_models_verbs(tmp_path: Path) -> None:
    import lightgbm as lgb
    import numpy as np

    home = tmp_path / "home"
    x = np.random.default_rng(0).normal(size=(200, 3))
    booster = lgb.train({"objective": "regression", "verbose": -1}, lgb.Dataset(x, x[:, 0]),
                        num_boost_round=5)
    booster.save_model(str(tmp_path / "m.txt"))
    card = tmp_path / "card.md"
    card.write_text("# ETA\nMinutes to the door.")

    made = run("models", "create", "eta", "--tier", "0", "--team", "fulfillment", "--tag",
               "realtime", "--card", str(card), "--json", home=home)
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["card"].startswith("# ETA")
    for n in (1, 2):
        reg = run("models", "register", "eta", str(tmp_path / "m.txt"), "--metrics",
                  f'{{"valid_l2": 0.{n}}}', "--json", home=home)
        assert reg.returncode == 0, reg.stderr
        assert json.loads(reg.stdout)["version"] == n
    assert run("models", "alias", "eta@2", "production", "--reason", "lower l2",
               home=home).stdout.strip() == "eta: production → v2"
    listed = json.loads(run("models", "list", "--tier", "0", "--json", home=home).stdout)
    assert listed["total"] == 1 and listed["items"][0]["aliases"] == {"production": 2}
    shown = run("models", "show", "eta", home=home).stdout
    assert "production→v2" in shown and "v2" in shown
    compared = json.loads(run("models", "compare", "eta", "--json", home=home).stdout)
    assert {r["name"]: r["best"] for r in compared["metrics"]} == {"valid_l2": 1}
    exported = json.loads(run("models", "export", "eta@production", str(tmp_path), "--json",
                              home=home).stdout)
    imported = run("models", "import", exported["path"], "--name", "eta-copy", home=home)
    assert imported.stdout.strip() == "registered eta-copy v1 (lightgbm)", imported.stderr

    bad = run("models", "alias", "eta@9", "production", home=home)
    assert bad.returncode == 2 and "no version 9" in bad.stderr
    bad = run("models", "register", "eta", str(card), home=home)
    assert bad.returncode == 2 and "not a LightGBM model" in bad.stderr
    bad = run("models", "list", "--tier", "7", home=home)
    assert bad.returncode == 2 and "tier" in bad.stderr
