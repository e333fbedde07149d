"""The Deployments tab of the Griffin sidebar against real endpoints, in headless Chromium.

Needs what ``test_sidebar.py`` needs (the package installed with its labextension, Python's
``playwright``, Debian's ``/usr/bin/chromium``; never ``playwright install``) and what serving
needs (BentoML, nginx). The lab's Griffin home holds two versions of a small LightGBM model
(registered through the HTTP SDK, v2 a little better offline and predicting like v1, so every
gate passes), served by one endpoint under a small, bounded background load so that its health
has traffic, and a second endpoint that was never switched (nothing to roll back to). From the
sidebar: the list with health, the endpoint's page (charts, processes), a launch of v2 from the
form followed live to ``succeeded``, and a rollback. Screenshots go to
``test-artifacts/browser/``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest

import griffin_lab
from tests.browser.ui import ARTIFACTS, SIDEBAR_TAB, WAIT_MS, open_tab, set_theme
from tests.feature_models import KEYS, register_feature_models
from tests.servers import Lab, serving_lab

pytestmark = pytest.mark.browser

MODEL = "eta"
ENDPOINT = "eta"
SOLO = "eta-solo"  # serves v1 and was never switched: a rollback is refused
FEATURES = ["basket_size", "days_since", "orders"]
LAUNCH_TIMEOUT_S = 120
TRAFFIC_TIMEOUT_S = 60

DEPLOY = '#griffin-sidebar [data-griffin-view="deployments"]'
ROWS = f"{DEPLOY} .griffin-endpoint-list [data-endpoint-name]"
DETAIL = '[data-griffin-view="endpoint-detail"]'
LAUNCH = '[data-griffin-view="launch-detail"]'
FORM = '[data-griffin-view="launch-form"]'
STEPS = ("estimation", "approval", "preparation", "scale_up", "finalization")
GATES = ("signature", "metrics", "stability", "latency")


class Traffic:
    """A bounded background load: one client posting one row at a time (about 30 req/s, at
    most 20,000 requests) until stopped. A prediction is resent once when the server closed a
    reused keep-alive connection before answering (what a router reload does to idle
    connections); any error answer or second failure is kept."""

    def __init__(self, url: str, rows: pd.DataFrame, pause_s: float = 0.03) -> None:
        self.url, self.rows, self.pause_s = url, rows.to_dict(orient="records"), pause_s
        self.stop, self.failures, self.answered = threading.Event(), [], 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=30) as http:
            i = 0
            while not self.stop.is_set() and i < 20_000:
                body = {"instances": [self.rows[i % len(self.rows)]]}
                i += 1
                try:
                    try:
                        r = http.post(f"{self.url}/predict", json=body)
                    except httpx.RemoteProtocolError:
                        r = http.post(f"{self.url}/predict", json=body)
                    if r.status_code == 200:
                        self.answered += 1
                    else:
                        self.failures.append(f"{r.status_code} {r.text[:200]}")
                except httpx.HTTPError as exc:
                    self.failures.append(repr(exc))
                self.stop.wait(self.pause_s)

    def start(self) -> Traffic:
        self.thread.start()
        return self

    def close(self) -> None:
        self.stop.set()
        self.thread.join(30)


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab with a Griffin home of its own; its serving processes stop with it."""
    with serving_lab(tmp_path_factory.mktemp("griffin-deployments"),
                     tmp_path_factory.mktemp("deployments-root"),
                     extra_args=["--LabApp.expose_app_in_browser=True"]) as lab:
        yield lab


def _get(lab: Lab, path: str) -> Any:
    r = httpx.get(f"{lab.url}/griffin/api/v1/{path}",
                  headers={"Authorization": f"token {lab.token}"}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def _register(client: Any, folder: Path, x: pd.DataFrame, y: pd.Series) -> None:
    """v1 and v2 of a binary LightGBM model: the same data and rounds, a slightly different
    leaf size and seed, so v2 predicts like v1 (PSI about 0.02-0.1 on 200 replayed rows, under
    tier 1's 0.2; with 3 features a feature fraction of 0.9 changes nothing, and 0.8 gave PSI
    0.3); v2's valid_auc is a little higher. Each keeps its validation predictions beside the
    model, the drift baseline a training job leaves (PSI in the versions table)."""
    import lightgbm as lgb

    train, valid = slice(0, 400), slice(400, None)
    for version, (leaf, seed, auc) in enumerate([(20, 1, 0.80), (22, 2, 0.81)], 1):
        booster = lgb.train({"objective": "binary", "verbose": -1, "num_leaves": 7,
                             "min_data_in_leaf": leaf, "seed": seed},
                            lgb.Dataset(x.iloc[train], y.iloc[train]), num_boost_round=25)
        path = folder / f"eta-v{version}.txt"
        booster.save_model(str(path))
        info = client.models.register(MODEL, path, tier=1, metrics={"valid_auc": auc})
        assert info.version == version
        if info.artifact_uri.startswith("file://"):
            artifacts = Path(info.artifact_uri.removeprefix("file://")).parent
            pd.DataFrame({"row": range(len(x.iloc[valid])),
                          "label": y.iloc[valid].to_numpy(),
                          "prediction": booster.predict(x.iloc[valid])}).to_parquet(
                artifacts / "validation_predictions.parquet")


def _wait_for_traffic(lab: Lab, timeout_s: float = TRAFFIC_TIMEOUT_S) -> None:
    """Until the endpoint's health has seen requests in at least two complete 10-s steps (a
    line, not a dot, in the charts, which leave out the step still being counted)."""
    from datetime import datetime, timedelta

    deadline = time.monotonic() + timeout_s
    health: dict[str, Any] = {}
    while time.monotonic() < deadline:
        health = _get(lab, f"endpoints/{ENDPOINT}/health?window_s=300&step_s=10")
        as_of = datetime.fromisoformat(health["as_of"])
        points = [p for p in health["series"] if p["version"] == 1 and p["role"] == "primary"
                  and datetime.fromisoformat(p["at"]) + timedelta(seconds=10) <= as_of]
        if health["status"] != "idle" and len(points) >= 2:
            return
        time.sleep(1)
    raise AssertionError(f"no traffic seen on {ENDPOINT} in {timeout_s} s: {health}")


@pytest.fixture(scope="module")
def traffic(lab_server: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Traffic]:
    """Two versions registered, v1 deployed on two endpoints, one of them under load."""
    rng = np.random.default_rng(5)
    x = pd.DataFrame(rng.normal(size=(600, 3)), columns=FEATURES)
    y = ((x["basket_size"] + x["orders"] + rng.normal(scale=0.7, size=600)) > 0).astype(int)
    with griffin_lab.connect(url=lab_server.url, token=lab_server.token) as client:
        _register(client, tmp_path_factory.mktemp("deployments-models"), x, y)
        endpoint = client.deploy(f"{MODEL}@1", name=ENDPOINT)
        client.deploy(f"{MODEL}@1", name=SOLO)
    load = Traffic(endpoint.url, x).start()
    try:
        _wait_for_traffic(lab_server)
        yield load
    finally:
        load.close()


@pytest.fixture
def page(page):
    """The shared page (conftest.py), once the Griffin icon itself is visible in the sidebar."""
    page.locator(SIDEBAR_TAB).wait_for(state="visible", timeout=WAIT_MS)
    return page


def _open_deployments(page) -> None:
    open_tab(page, "deployments", DEPLOY)


def _overflowing(page) -> list[str]:
    """Elements of the tab that reach past the tab panel's padding on the right (clipped or
    crowding the edge), except inside containers that scroll sideways on purpose (wide
    tables, code)."""
    return page.evaluate(
        """(selector) => {
            const panel = document.querySelector('#griffin-sidebar .griffin-tabpanel');
            const right = panel.getBoundingClientRect().right
                - parseFloat(getComputedStyle(panel).paddingRight)
                - (panel.offsetWidth - panel.clientWidth);  // a vertical scrollbar
            const out = [];
            for (const el of document.querySelectorAll(selector + ' *')) {
                if (el.closest('.griffin-table-wrap, pre')) continue;
                const r = el.getBoundingClientRect();
                if (r.width > 0 && r.right > right + 1) {
                    out.push(`${el.tagName}.${el.className}: ${el.textContent.slice(0, 40)}`);
                }
            }
            return out.slice(0, 5);
        }""",
        DEPLOY,
    )


def _shot(page, name: str) -> None:
    """The whole page, and the sidebar alone (to read it at 1:1); nothing in the tab may
    stick out of the sidebar."""
    assert _overflowing(page) == [], name
    page.screenshot(path=str(ARTIFACTS / f"griffin-deployments-{name}.png"))
    page.locator("#griffin-sidebar").screenshot(
        path=str(ARTIFACTS / f"griffin-deployments-{name}-sidebar.png"))


def _shot_themes(page, name: str) -> None:
    _shot(page, f"{name}-light")
    set_theme(page, "JupyterLab Dark", light=False)
    _shot(page, f"{name}-dark")
    set_theme(page, "JupyterLab Light", light=True)


def _points(page, selector: str) -> int:
    """How many points the polyline at ``selector`` has (0 when there is none)."""
    return page.evaluate(
        """(selector) => {
            const line = document.querySelector(selector);
            return line ? line.getAttribute('points').trim().split(/\\s+/).length : 0;
        }""",
        selector,
    )


def test_list_endpoint_launch_and_rollback(page, lab_server: Lab, traffic: Traffic) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 1800})
    _open_deployments(page)

    # The list: both endpoints, the loaded one with its health and the primary's figures.
    row = page.locator(f'{ROWS}[data-endpoint-name="{ENDPOINT}"]')
    row.wait_for(state="visible", timeout=WAIT_MS)
    page.locator(f'{ROWS}[data-endpoint-name="{SOLO}"]').wait_for(
        state="visible", timeout=WAIT_MS)
    assert page.locator(ROWS).count() == 2
    assert row.get_attribute("data-endpoint-status") == "ready"
    assert row.get_attribute("data-endpoint-health") in ("ok", "warning", "critical")
    assert row.locator(".griffin-endpoint-health").inner_text() == row.get_attribute(
        "data-endpoint-health")
    assert f"{MODEL} v1" in row.locator("[data-endpoint-serves]").inner_text()
    figures = row.locator("[data-endpoint-figures]").inner_text()
    assert "req/s" in figures and "p99" in figures and "ms" in figures, figures
    assert "—" not in figures, figures
    solo = page.locator(f'{ROWS}[data-endpoint-name="{SOLO}"]')
    assert solo.get_attribute("data-endpoint-health") == "idle"
    _shot_themes(page, "list")

    # The endpoint's page: address, what serves, health charts with lines, processes.
    row.locator("button").click()
    detail = page.locator(f'{DETAIL}[data-endpoint-name="{ENDPOINT}"]')
    detail.wait_for(state="visible", timeout=WAIT_MS)
    served = _get(lab_server, f"endpoints/{ENDPOINT}")
    detail.locator("[data-endpoint-url]").wait_for(state="visible", timeout=WAIT_MS)
    assert detail.locator("[data-endpoint-url]").inner_text() == served["url"]
    assert f"{MODEL} v1" in detail.locator(".griffin-endpoint-facts [data-endpoint-serves]") \
        .inner_text()
    rps_line = (f'{DETAIL} svg[data-health-chart="Requests/s"] '
                'polyline[data-health-series="v1-primary"]')
    page.wait_for_function(
        "([s]) => { const l = document.querySelector(s);"
        " return l && l.getAttribute('points').trim().split(/\\s+/).length >= 2; }",
        arg=[rps_line], timeout=WAIT_MS)
    assert detail.locator("svg[data-health-chart]").count() == 4
    for chart in ("p99 latency (ms)", "Error rate (%)", "Mean prediction"):
        assert _points(page, f'{DETAIL} svg[data-health-chart="{chart}"] '
                             'polyline[data-health-series="v1-primary"]') >= 2, chart
    version = detail.locator('[data-version-row="1"][data-version-role="primary"]')
    assert version.count() == 1
    assert version.locator("[data-version-psi]").get_attribute("data-version-psi") != ""
    process = detail.locator('[data-process-version="1"][data-process-role="primary"]')
    assert process.count() == 1
    assert process.get_attribute("data-process-status") == "ready"
    pid = served["processes"][0]["pid"]
    assert str(pid) in process.inner_text()
    assert detail.locator("[data-launches-empty]").is_visible()
    assert detail.locator('[data-endpoint-event="created"]').count() == 1
    _shot_themes(page, "endpoint")

    # Launch v2 from the form: shadow 2 s, watch 3 s.
    detail.locator('[data-griffin-action="launch"]').click()
    form = detail.locator(FORM)
    form.locator('[data-griffin-input="launch-version"]').wait_for(
        state="visible", timeout=WAIT_MS)
    options = form.locator('[data-griffin-input="launch-version"] option').evaluate_all(
        "els => els.map(e => e.value)")
    assert options == ["2"], options  # the primary is not offered
    form.locator('[data-griffin-input="launch-shadow-s"]').fill("2")
    form.locator('[data-griffin-input="launch-watch-s"]').fill("3")
    form.locator('[data-griffin-input="launch-reason"]').fill("better valid_auc")
    _shot(page, "launch-form-light")
    form.locator('[data-griffin-action="submit-launch"]').click()

    # The launch view follows the pipeline live, step by step, until it has succeeded.
    launch = page.locator(LAUNCH)
    launch.wait_for(state="visible", timeout=WAIT_MS)
    launch_id = launch.get_attribute("data-launch-id")
    assert launch_id and launch_id.isdigit()
    request = _get(lab_server, f"launches/{launch_id}")["request"]
    assert (request["version"], request["shadow_s"], request["watch_s"]) == (2, 2, 3)
    assert request["endpoint"] == ENDPOINT and request["reason"] == "better valid_auc"
    assert launch.locator("[data-launch-step]").evaluate_all(
        "els => els.map(e => e.dataset.launchStep)") == list(STEPS)
    seen: list[tuple[str, ...]] = []
    shot_running = False
    deadline = time.monotonic() + LAUNCH_TIMEOUT_S
    while time.monotonic() < deadline:
        status = launch.get_attribute("data-launch-status")
        states = tuple(launch.locator("[data-launch-step]").evaluate_all(
            "els => els.map(e => e.dataset.stepStatus)"))
        if states and (not seen or seen[-1] != states):
            seen.append(states)
        if not shot_running and "running" in states and states[0] == "passed":
            page.screenshot(path=str(ARTIFACTS / "griffin-deployments-launch-running.png"))
            shot_running = True
        if status and status not in ("running", "awaiting_approval"):
            break
        page.wait_for_timeout(250)
    final = _get(lab_server, f"launches/{launch_id}")
    assert final["status"] == "succeeded", (final["status"], final["message"], seen)
    launch.locator('[data-launch-status="succeeded"]').first.wait_for(timeout=WAIT_MS)
    # Seen live: some step running, and the steps passing one after another.
    assert any("running" in states for states in seen), seen
    assert len(seen) >= 3, seen
    assert seen[-1] == ("passed",) * 5, seen
    assert int(launch.get_attribute("data-griffin-updates")) >= 5  # polled, not reloaded
    for step in final["steps"]:
        shown = launch.locator(f'[data-launch-step="{step["name"]}"]')
        assert float(shown.locator("[data-step-seconds]").get_attribute(
            "data-step-seconds")) == pytest.approx(step["seconds"]), step
        if step["message"]:
            assert step["message"] in shown.inner_text()
    gates = launch.locator("[data-gate]")
    assert gates.evaluate_all("els => els.map(e => e.dataset.gate)") == list(GATES)
    assert gates.evaluate_all("els => els.map(e => e.dataset.gatePassed)") == ["true"] * 4
    assert launch.locator(".griffin-gate-pass").count() == 4
    assert launch.locator('[data-griffin-action="approve-launch"]').count() == 0
    assert final["message"] in launch.locator("[data-launch-message]").inner_text()
    _shot_themes(page, "launch")

    # Back on the endpoint: v2 serves, the launch is listed and opens the same view.
    launch.locator('[data-griffin-action="back"]').click()
    page.locator(f'{DETAIL}[data-primary-version="2"]').wait_for(
        state="visible", timeout=WAIT_MS)
    assert f"{MODEL} v2" in detail.locator(".griffin-endpoint-facts [data-endpoint-serves]") \
        .inner_text()
    listed = detail.locator(f'[data-launch-id="{launch_id}"]')
    listed.wait_for(state="visible", timeout=WAIT_MS)
    assert listed.get_attribute("data-launch-status") == "succeeded"
    assert _get(lab_server, f"endpoints/{ENDPOINT}")["primary_version"] == 2
    # Health now has both versions: v2 serving, v1 retired (and v2's shadow traffic).
    detail.locator('[data-version-row="2"][data-version-role="primary"]').wait_for(
        state="visible", timeout=WAIT_MS)
    assert detail.locator('[data-version-row="1"][data-version-role="retired"]').count() == 1
    _shot(page, "endpoint-after-launch-light")

    # Roll back (after confirming): v1 serves again.
    detail.locator('[data-griffin-action="rollback"]').click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(state="visible", timeout=WAIT_MS)
    assert "v1" in dialog.inner_text()
    dialog.locator(".jp-mod-accept").click()
    page.locator(f'{DETAIL}[data-primary-version="1"]').wait_for(
        state="visible", timeout=WAIT_MS)
    assert detail.locator("[data-griffin-error]").count() == 0
    after = _get(lab_server, f"endpoints/{ENDPOINT}")
    assert (after["primary_version"], after["previous_version"]) == (1, 2)
    assert f"{MODEL} v1" in detail.locator(".griffin-endpoint-facts [data-endpoint-serves]") \
        .inner_text()
    assert not traffic.failures, traffic.failures[:5]

    # An endpoint that was never switched: the server refuses, and says why, inline.
    detail.locator('[data-griffin-action="back"]').click()
    page.locator(f'{ROWS}[data-endpoint-name="{SOLO}"] button').click()
    other = page.locator(f'{DETAIL}[data-endpoint-name="{SOLO}"]')
    other.locator('[data-griffin-action="rollback"]').wait_for(state="visible",
                                                              timeout=WAIT_MS)
    other.locator('[data-griffin-action="rollback"]').click()
    page.locator(".jp-Dialog .jp-mod-accept").click()
    error = other.locator("[data-griffin-error]")
    error.wait_for(state="visible", timeout=WAIT_MS)
    assert "no previous version" in error.inner_text(), error.inner_text()
    assert other.get_attribute("data-primary-version") == "1"
    assert other.locator("[data-health-empty]").is_visible()  # no traffic: said plainly
    _shot(page, "rollback-refused-light")


def test_an_endpoint_that_reads_features_says_so(page, lab_server: Lab, traffic: Traffic,
                                                 tmp_path: Path) -> None:
    """Feature loading shows on the endpoint's page: how many features it reads from the
    online store and the keys a request carries; other endpoints say values come in each
    request."""
    with griffin_lab.connect(url=lab_server.url, token=lab_server.token) as client:
        made = register_feature_models(client, tmp_path, "reorder-tab")
        client.deploy(f"reorder-tab@{made.versions[0]}", name="reorder-tab",
                      online_features=True)
    _open_deployments(page)
    if page.locator(DETAIL).count():  # the previous test left an endpoint's page open
        page.locator(f'{DETAIL} [data-griffin-action="back"]').first.click()
    row = page.locator(f'{ROWS}[data-endpoint-name="reorder-tab"]')
    row.wait_for(state="visible", timeout=WAIT_MS)
    row.locator("button").click()
    detail = page.locator(f'{DETAIL}[data-endpoint-name="reorder-tab"]')
    fact = detail.locator("[data-endpoint-online-features]")
    fact.wait_for(state="visible", timeout=WAIT_MS)
    text = fact.inner_text()
    assert f"{len(made.refs)} from the online store" in text, text
    assert all(key in text for key in KEYS), text
    assert made.refs[0] in (fact.get_attribute("title") or "")
    _shot(page, "online-features-light")
    detail.locator('[data-griffin-action="back"]').click()
    page.locator(f'{ROWS}[data-endpoint-name="{SOLO}"] button').click()
    other = page.locator(f'{DETAIL}[data-endpoint-name="{SOLO}"]')
    other.wait_for(state="visible", timeout=WAIT_MS)
    assert "sent in each request" in other.locator(".griffin-endpoint-facts").inner_text()
    assert other.locator("[data-endpoint-online-features]").count() == 0
