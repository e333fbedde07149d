"""The Training tab of the Griffin sidebar against real jobs on a Ray cluster, in headless
Chromium.

Needs what ``test_sidebar.py`` needs (the package installed with its labextension, Python's
``playwright``, Debian's ``/usr/bin/chromium``; never ``playwright install``) and Ray: the lab
uses the session's Ray head (``ray_cluster``) through ``GRIFFIN_RAY_ADDRESS``. Jobs are
submitted through the REST API and really train LightGBM on Ray. Screenshots go to
``test-artifacts/browser/``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.ui import ARTIFACTS, SIDEBAR_TAB, WAIT_MS, open_tab, set_theme
from tests.servers import Lab, start_lab

pytestmark = pytest.mark.browser

JOB_TIMEOUT_S = 180
JOB_WAIT_MS = JOB_TIMEOUT_S * 1000
SUBMIT_TIMEOUT_S = 120

TRAINING = '#griffin-sidebar [data-griffin-view="training"]'
DETAIL = '[data-griffin-view="training-job-detail"]'
RERUN = '[data-griffin-view="rerun-form"]'
NAME = "sidebar-demo"


@pytest.fixture(scope="module")
def lab_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lab's root folder; the training data lives there."""
    return tmp_path_factory.mktemp("training-root")


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory: pytest.TempPathFactory, lab_root: Path,
               ray_cluster: str) -> Iterator[Lab]:
    """JupyterLab whose Griffin home sends training jobs to the session's Ray head."""
    lab = start_lab(
        tmp_path_factory.mktemp("griffin-training"), lab_root,
        extra_args=["--LabApp.expose_app_in_browser=True"],
        env={"GRIFFIN_RAY_ADDRESS": ray_cluster},
    )
    try:
        yield lab
    finally:
        lab.stop()


@pytest.fixture(scope="module")
def data_path(lab_root: Path) -> Path:
    """500 rows: four float features and a 0/1 label that depends on two of them."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)
    x = rng.normal(size=(500, 4))
    y = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(scale=0.5, size=500) > 0).astype(int)
    frame = pd.DataFrame(x, columns=["f1", "f2", "f3", "f4"])
    frame["label"] = y
    path = lab_root / "churn.parquet"
    frame.to_parquet(path)
    return path


@pytest.fixture
def page(page):
    """The shared page (conftest.py), once the Griffin icon itself is visible in the sidebar."""
    page.locator(SIDEBAR_TAB).wait_for(state="visible", timeout=WAIT_MS)
    return page


def _headers(lab: Lab) -> dict[str, str]:
    return {"Authorization": f"token {lab.token}"}


def _get(lab: Lab, path: str) -> Any:
    r = httpx.get(f"{lab.url}/griffin/api/v1/{path}", headers=_headers(lab), timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def _spec(data: Path, rounds: int = 30) -> str:
    return (f"name: {NAME}\nruntime: lightgbm\ndata:\n  path: {data}\nlabel: label\n"
            f"params:\n  num_boost_round: {rounds}\nregister_as: {NAME}\n")


def _submit(lab: Lab, yaml: str) -> dict[str, Any]:
    """POST a job spec; a Ray head that is still starting is asked again."""
    deadline = time.monotonic() + SUBMIT_TIMEOUT_S
    while True:
        r = httpx.post(f"{lab.url}/griffin/api/v1/training/jobs", headers=_headers(lab),
                       json={"yaml": yaml}, timeout=SUBMIT_TIMEOUT_S)
        if r.status_code == 503 and time.monotonic() < deadline:
            time.sleep(2)
            continue
        assert r.status_code == 200, r.text
        return r.json()


def _wait_finished(lab: Lab, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while time.monotonic() < deadline:
        job = _get(lab, f"training/jobs/{job_id}")
        if job["status"] not in ("pending", "running"):
            return job
        time.sleep(2)
    raise AssertionError(f"job {job_id} did not finish in {JOB_TIMEOUT_S} s")


def _open_training(page) -> None:
    open_tab(page, "training", TRAINING)


def _row(job_id: str) -> str:
    return f'{TRAINING} [data-training-job="{job_id}"]'


def test_job_list_detail_metrics_and_logs(page, lab_server: Lab, data_path: Path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    _open_training(page)

    # No jobs yet: the empty list says how to start one.
    empty = page.locator(f'{TRAINING} [data-griffin-empty="training"]')
    empty.wait_for(state="visible", timeout=WAIT_MS)
    text = empty.inner_text()
    assert "%%griffin train" in text and "griffin train spec.yaml" in text, text

    job = _submit(lab_server, _spec(data_path))
    job_id = job["id"]
    assert job["status"] in ("pending", "running")

    # The list shows it once refreshed, live: a progress bar while it is not finished.
    page.locator(f'{TRAINING} [data-griffin-action="refresh-jobs"]').click()
    row = page.locator(_row(job_id))
    row.wait_for(state="visible", timeout=WAIT_MS)
    assert NAME in row.inner_text() and "lightgbm" in row.inner_text().lower()
    if row.get_attribute("data-job-status") in ("pending", "running"):
        assert row.locator('[role="progressbar"]').count() == 1
        page.screenshot(path=str(ARTIFACTS / "griffin-training-list-running.png"))

    # The detail follows the job until it has finished, without a reload.
    row.locator("button").click()
    detail = page.locator(f'{DETAIL}[data-training-job="{job_id}"]')
    detail.wait_for(state="visible", timeout=WAIT_MS)
    # While it runs, the chart grows as points arrive (when the run outlasts the first ones).
    page.wait_for_function(
        """(selector) => {
            const detail = document.querySelector(selector);
            const status = detail?.dataset.jobStatus;
            return ['succeeded', 'failed', 'cancelled'].includes(status)
                || (status === 'running' && detail.querySelector('svg[data-metrics-chart]'));
        }""",
        arg=DETAIL,
        timeout=JOB_WAIT_MS,
    )
    if detail.get_attribute("data-job-status") == "running":
        page.screenshot(path=str(ARTIFACTS / "griffin-training-detail-running.png"))
    page.locator(f'{DETAIL}[data-job-status="succeeded"]').wait_for(
        state="visible", timeout=JOB_WAIT_MS
    )
    assert detail.locator(".griffin-job-badge").inner_text() == "succeeded"
    assert detail.locator('[data-griffin-action="cancel-job"]').count() == 0
    assert f"{NAME} v1" in detail.locator(".griffin-job-summary").inner_text()

    # Final metrics, and a chart of every boosting round (no point lost or doubled while
    # the points were fetched piece by piece).
    auc = detail.locator('.griffin-final-metrics [data-metric="valid_auc"]')
    auc.wait_for(state="visible", timeout=WAIT_MS)
    finished = _get(lab_server, f"training/jobs/{job_id}")
    assert float(auc.locator("td").get_attribute("title")) == pytest.approx(
        finished["metrics"]["valid_auc"]
    )
    chart = detail.locator("svg[data-metrics-chart]")
    chart.wait_for(state="visible", timeout=WAIT_MS)
    line = chart.locator('polyline[data-metric-series="valid_auc"]')
    page.wait_for_function(
        """(selector) => {
            const line = document.querySelector(selector);
            return line && line.getAttribute('points').trim().split(/\\s+/).length === 30;
        }""",
        arg=f'{DETAIL} svg[data-metrics-chart] polyline[data-metric-series="valid_auc"]',
        timeout=WAIT_MS,
    )
    assert line.count() == 1
    assert chart.locator("polyline").count() >= 2  # train and valid
    # Another metric group is a click away.
    groups = detail.locator("[data-metric-group]")
    assert groups.count() >= 2
    other = next(g for g in groups.all() if g.get_attribute("aria-pressed") == "false")
    other.click()
    assert other.get_attribute("aria-pressed") == "true"
    chart.locator("polyline").first.wait_for(state="visible", timeout=WAIT_MS)
    detail.locator('[data-metric-group="auc"]').click()

    # The log tail, the workers and the registered model.
    logs = detail.locator("pre[data-griffin-logs]")
    logs.wait_for(state="visible", timeout=WAIT_MS)
    assert logs.inner_text().strip()
    assert detail.locator('.griffin-workers [data-worker-rank="0"]').count() == 1

    page.set_viewport_size({"width": 1280, "height": 1800})
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "griffin-training-detail-light.png"))
    set_theme(page, "JupyterLab Dark", light=False)
    page.screenshot(path=str(ARTIFACTS / "griffin-training-detail-dark.png"))

    # Back to the list: the job's row has the focus again.
    detail.locator('[data-griffin-action="back"]').click()
    row.wait_for(state="visible", timeout=WAIT_MS)
    assert row.get_attribute("data-job-status") == "succeeded"
    assert f"{NAME} v1" in row.inner_text()
    page.wait_for_function(
        "(id) => document.activeElement?.closest('[data-training-job]')"
        "?.dataset.trainingJob === id",
        arg=job_id,
        timeout=WAIT_MS,
    )
    page.screenshot(path=str(ARTIFACTS / "griffin-training-list-dark.png"))
    set_theme(page, "JupyterLab Light", light=True)
    page.screenshot(path=str(ARTIFACTS / "griffin-training-list-light.png"))


def _finished_job(lab: Lab, data: Path) -> str:
    """A succeeded job of this module, from the first test or trained now."""
    jobs = _get(lab, f"training/jobs?name={NAME}&status=succeeded")["jobs"]
    if jobs:
        return jobs[0]["id"]
    job = _wait_finished(lab, _submit(lab, _spec(data))["id"])
    assert job["status"] == "succeeded", job
    return job["id"]


def test_rerun_with_edits_then_cancel(page, lab_server: Lab, data_path: Path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    parent = _finished_job(lab_server, data_path)
    _open_training(page)
    page.locator(_row(parent)).locator("button").click()
    detail = page.locator(f'{DETAIL}[data-training-job="{parent}"]')
    detail.wait_for(state="visible", timeout=WAIT_MS)
    detail.locator('[data-griffin-action="rerun"]').click()
    form = detail.locator(RERUN)
    text = form.locator('[data-griffin-input="rerun-yaml"]')
    text.wait_for(state="visible", timeout=WAIT_MS)
    yaml = text.input_value()
    assert "num_boost_round: 30" in yaml, yaml

    # An invalid edit: the server's error names the field and line, and the text stays.
    text.fill(yaml.replace("num_boost_round: 30", "num_boost_round: -1"))
    form.locator('[data-griffin-action="submit-rerun"]').click()
    error = form.locator("[data-griffin-error]")
    error.wait_for(state="visible", timeout=WAIT_MS)
    message = error.inner_text()
    assert "params.num_boost_round" in message, message
    assert "line" in message, message
    assert "num_boost_round: -1" in text.input_value()
    assert text.get_attribute("aria-invalid") == "true"
    page.set_viewport_size({"width": 1280, "height": 1800})
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "griffin-training-rerun-error.png"))

    # A valid edit: the new job opens, with the job it re-runs as its parent.
    text.fill(yaml.replace("num_boost_round: 30", "num_boost_round: 5000"))
    form.locator('[data-griffin-action="submit-rerun"]').click()
    child = page.locator(f'{DETAIL}:not([data-training-job="{parent}"])')
    child.wait_for(state="visible", timeout=SUBMIT_TIMEOUT_S * 1000)
    child_id = child.get_attribute("data-training-job")
    assert child_id and child_id != parent
    # The detail mounts at once; its data (and the parent link) follows.
    child.locator(f'[data-griffin-parent="{parent}"]').wait_for(
        state="visible", timeout=WAIT_MS
    )
    job = _get(lab_server, f"training/jobs/{child_id}")
    assert job["parent_id"] == parent
    assert job["spec"]["params"]["num_boost_round"] == 5000

    # Cancel it (after confirming): the job ends cancelled and the button goes away.
    cancel = child.locator('[data-griffin-action="cancel-job"]')
    cancel.wait_for(state="visible", timeout=WAIT_MS)
    cancel.click()
    page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").click()
    page.locator(f'{DETAIL}[data-job-status="cancelled"]').wait_for(
        state="visible", timeout=WAIT_MS
    )
    assert child.locator('[data-griffin-action="cancel-job"]').count() == 0
    assert _get(lab_server, f"training/jobs/{child_id}")["status"] == "cancelled"

    # The list has both, the new one marked as a re-run.
    child.locator('[data-griffin-action="back"]').click()
    new_row = page.locator(_row(child_id))
    new_row.wait_for(state="visible", timeout=WAIT_MS)
    assert new_row.get_attribute("data-job-status") == "cancelled"
    assert f"re-run of {parent}" in new_row.inner_text()
    assert page.locator(_row(parent)).is_visible()
    page.screenshot(path=str(ARTIFACTS / "griffin-training-list-rerun.png"))

    # The status filter narrows the list.
    page.locator('[data-griffin-input="job-status-filter"]').select_option("cancelled")
    page.wait_for_function(
        "(selector) => document.querySelectorAll(selector).length === 1",
        arg=f"{TRAINING} [data-training-job]",
        timeout=WAIT_MS,
    )
    assert page.locator(_row(child_id)).is_visible()
    page.locator('[data-griffin-input="job-status-filter"]').select_option("")
