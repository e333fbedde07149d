"""The Features tab of the Griffin sidebar against the demo feature store, in headless Chromium.

Needs what ``test_sidebar.py`` needs (the package installed with its labextension, Python's
``playwright``, Debian's ``/usr/bin/chromium``; never ``playwright install``). The lab's Griffin
home holds the tiny demo (``griffin demo --size tiny``). Screenshots go to
``test-artifacts/browser/``.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.browser.ui import ARTIFACTS, SIDEBAR_TAB, WAIT_MS, open_tab, set_theme
from tests.servers import Lab, start_lab

pytestmark = pytest.mark.browser

DEMO_TIMEOUT_S = 120

FEATURES = '#griffin-sidebar [data-griffin-view="features"]'
SETTLED = f'{FEATURES} .griffin-results[data-griffin-settled="true"]'
DETAIL = '[data-griffin-view="feature-view-detail"]'
ADD_SOURCE = '[data-griffin-view="add-source"]'


@pytest.fixture(scope="module")
def lab_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lab's root folder (where the Contents API and relative paths start)."""
    return tmp_path_factory.mktemp("features-root")


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory: pytest.TempPathFactory, lab_root: Path) -> Iterator[Lab]:
    """JupyterLab whose Griffin home holds the tiny demo feature store."""
    home = tmp_path_factory.mktemp("griffin-features")
    demo = subprocess.run(
        [sys.executable, "-m", "griffin_lab.cli", "demo", "--size", "tiny"],
        env={**os.environ, "GRIFFIN_HOME": str(home)},
        capture_output=True, text=True, timeout=DEMO_TIMEOUT_S,
    )
    assert demo.returncode == 0, f"griffin demo failed:\n{demo.stdout}\n{demo.stderr}"
    lab = start_lab(home, lab_root, extra_args=["--LabApp.expose_app_in_browser=True"])
    try:
        yield lab
    finally:
        lab.stop()


@pytest.fixture
def page(page):
    """The shared page (conftest.py), once the Griffin icon itself is visible in the sidebar."""
    page.locator(SIDEBAR_TAB).wait_for(state="visible", timeout=WAIT_MS)
    return page


def _api(lab: Lab, path: str) -> httpx.Response:
    return httpx.get(f"{lab.url}/griffin/api/v1/{path}",
                     headers={"Authorization": f"token {lab.token}"}, timeout=30)


def _open_features(page) -> None:
    open_tab(page, "features", FEATURES)


def _tall_and_wide(page, sidebar_px: int = 560) -> None:
    """A tall page and a wider Griffin sidebar, so one screenshot shows a whole view."""
    page.set_viewport_size({"width": 1280, "height": 1800})
    handle = page.locator("#jp-main-split-panel > .lm-SplitPanel-handle").first
    box = handle.bounding_box()
    assert box is not None
    y = box["y"] + 200
    page.mouse.move(box["x"] + box["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(sidebar_px, y, steps=5)
    page.mouse.up()
    page.wait_for_function(
        "(px) => document.querySelector('#griffin-sidebar').getBoundingClientRect().width"
        " > px - 80",
        arg=sidebar_px,
        timeout=WAIT_MS,
    )


def _count(page, selector: str) -> int:
    return page.locator(selector).count()


def test_search_detail_statistics_and_validation(page, lab_server: Lab) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    _open_features(page)
    page.locator(SETTLED).wait_for(state="attached", timeout=WAIT_MS)
    everything = _count(page, f"{FEATURES} [data-feature-view]")
    assert everything == 3, page.locator(FEATURES).inner_text()

    # Debounced search: results follow the text once typing stops.
    page.locator('[data-griffin-input="feature-search"]').fill("reorder")
    page.wait_for_function(
        """([selector, before]) => {
            const results = document.querySelector(selector);
            return results && results.dataset.griffinSettled === 'true'
                && results.querySelectorAll('[data-feature-view]').length < before;
        }""",
        arg=[f"{FEATURES} .griffin-results", everything],
        timeout=WAIT_MS,
    )
    for name in ("user_features", "product_features"):
        page.locator(f'{FEATURES} [data-feature-view="{name}"]').wait_for(
            state="visible", timeout=WAIT_MS
        )
    user = page.locator(f'{FEATURES} [data-feature-view="user_features"]')
    assert user.locator('mark[data-matched-feature="reorder_ratio"]').count() == 1
    assert "user" in user.locator(".griffin-chip-entity").all_inner_texts()
    assert page.locator('[data-feature-service="reorder_model"]').is_visible()

    # The detail view.
    user.locator("button").first.click()
    detail = page.locator(f'{DETAIL}[data-feature-view="user_features"]')
    detail.wait_for(state="visible", timeout=WAIT_MS)
    chart = page.locator('svg[data-feature-chart="orders_count"]')
    chart.wait_for(state="visible", timeout=WAIT_MS)
    stats = _api(lab_server, "features/views/user_features/stats").json()
    bins = next(f for f in stats["features"] if f["name"] == "orders_count")["histogram"]
    assert chart.locator("rect").count() == len(bins["counts"]) > 1
    # Every feature gets a chart, and the facts say what the numbers are.
    for feature in (f["name"] for f in stats["features"]):
        assert page.locator(f'svg[data-feature-chart="{feature}"]').count() == 1
    facts = detail.locator(".griffin-detail-facts").inner_text()
    assert re.search(r"TTL\s+\d+ (day|hour|minute|second)s?", facts), facts
    assert "grocery-ml@griffin.dev" in facts
    assert detail.locator('.griffin-schema [data-feature="orders_count"]').count() == 1

    # Validate now: a new passed report from this manual run appears.
    reports = f'{DETAIL} [data-griffin-report][data-report-stage="validate"]'
    page.locator(f"{DETAIL} [data-griffin-report]").first.wait_for(
        state="visible", timeout=WAIT_MS
    )
    before = _count(page, reports)
    page.locator('[data-griffin-action="validate"]').click()
    page.wait_for_function(
        "([selector, before]) => document.querySelectorAll(selector).length > before",
        arg=[reports, before],
        timeout=WAIT_MS,
    )
    newest = page.locator(f"{DETAIL} [data-griffin-report]").first
    assert newest.get_attribute("data-report-stage") == "validate"
    assert newest.get_attribute("data-passed") == "true"
    assert "Passed" in newest.inner_text()
    page.locator(f'{DETAIL} [data-griffin-action="validate"]:not([disabled])').wait_for(
        timeout=WAIT_MS
    )

    _tall_and_wide(page)
    page.screenshot(path=str(ARTIFACTS / "griffin-features-light.png"))
    set_theme(page, "JupyterLab Dark", light=False)
    page.screenshot(path=str(ARTIFACTS / "griffin-features-dark.png"))
    set_theme(page, "JupyterLab Light", light=True)

    # Back to the list, with the search kept.
    page.locator(f'{DETAIL} [data-griffin-action="back"]').click()
    page.locator(f'{FEATURES} [data-feature-view="user_features"]').wait_for(
        state="visible", timeout=WAIT_MS
    )
    assert page.locator('[data-griffin-input="feature-search"]').input_value() == "reorder"
    # The keyboard focus returns to the view that was open.
    page.wait_for_function(
        "() => document.activeElement?.closest('[data-feature-view]')?.dataset.featureView"
        " === 'user_features'",
        timeout=WAIT_MS,
    )


def _stores_csv(bad_rating: float | None) -> str:
    rnd = random.Random(7)
    start = datetime(2026, 10, 1, tzinfo=UTC)
    lines = ["store_id,event_timestamp,visits,rating"]
    for i in range(30):
        rating = round(rnd.uniform(1, 5), 1)
        if i == 12 and bad_rating is not None:
            rating = bad_rating
        stamp = (start + timedelta(hours=6 * i)).isoformat()
        lines.append(f"{i % 5 + 1},{stamp},{rnd.randint(0, 200)},{rating}")
    return "\n".join(lines) + "\n"


def test_add_source_form_rejects_rows_that_break_a_rule(
    page, lab_server: Lab, lab_root: Path
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (lab_root / "store_visits.csv").write_text(_stores_csv(bad_rating=11))
    _open_features(page)
    page.locator(f'{FEATURES} [data-griffin-action="add-source"]').click()
    form = page.locator(ADD_SOURCE)
    form.wait_for(state="visible", timeout=WAIT_MS)

    # Step 1: a path relative to the lab's root folder.
    form.locator('[data-griffin-input="source-path"]').fill("store_visits.csv")
    form.locator('[data-griffin-action="inspect"]').click()
    form.locator('[data-griffin-column="rating"]').wait_for(state="visible", timeout=WAIT_MS)
    columns = form.locator("[data-griffin-column]")
    assert [columns.nth(i).get_attribute("data-griffin-column") for i in range(columns.count())] \
        == ["store_id", "event_timestamp", "visits", "rating"]

    # Step 2: store_id is the entity, event_timestamp the time; the rest are features.
    form.locator('[data-griffin-entity="store_id"]').check()
    assert form.locator('[data-griffin-timestamp="event_timestamp"]').is_checked()
    assert form.locator('[data-griffin-feature="rating"]').is_checked()
    assert form.locator('[data-griffin-feature="store_id"]').is_disabled()
    form.locator('[data-griffin-input="source-name"]').fill("store_visits")
    form.locator('[data-griffin-input="source-owner"]').fill("stores@griffin.dev")
    form.locator('[data-griffin-input="source-description"]').fill("Visits and ratings per store.")
    form.locator('[data-griffin-input="source-tags"]').fill("domain=retail")
    form.locator('[data-griffin-action="add-rule"]').click()
    rule = form.locator('[data-griffin-rule="0"]')
    rule.locator('[data-griffin-input="rule-kind"]').select_option("range")
    rule.locator('[data-griffin-input="rule-column"]').select_option("rating")
    rule.locator('[data-griffin-input="rule-min"]').fill("0")
    rule.locator('[data-griffin-input="rule-max"]').fill("5")

    # Step 3: the dry run shows the failed validation, the plan and the definition.
    form.locator('[data-griffin-action="preview"]').click()
    preview = form.locator("[data-griffin-preview]")
    preview.wait_for(state="visible", timeout=WAIT_MS)
    report = preview.locator('[data-griffin-report][data-passed="false"]')
    assert report.count() == 1
    failure = report.locator('[data-griffin-failure="rating"]')
    assert failure.count() == 1
    assert "11" in failure.inner_text()
    assert preview.locator('[data-plan-change="create"]').count() >= 1
    assert "FeatureView(" in preview.locator("[data-griffin-definition]").inner_text()

    # Apply: rejected by the server (422) with its report; nothing is written.
    form.locator('[data-griffin-action="apply"]').click()
    rejected = form.locator('[data-griffin-error="validation_failed"]')
    rejected.wait_for(state="visible", timeout=WAIT_MS)
    assert rejected.locator(
        '[data-griffin-report][data-passed="false"] [data-griffin-failure="rating"]'
    ).count() == 1
    assert _api(lab_server, "features/views/store_visits").status_code == 404
    _tall_and_wide(page)
    rejected.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "griffin-add-source.png"))
    set_theme(page, "JupyterLab Dark", light=False)
    page.screenshot(path=str(ARTIFACTS / "griffin-add-source-dark.png"))
    set_theme(page, "JupyterLab Light", light=True)

    # An upload lands in the root folder beside the first file, never over it.
    form.locator('[data-griffin-input="source-file"]').set_input_files(
        files=[{"name": "store_visits.csv", "mimeType": "text/csv",
                "buffer": _stores_csv(bad_rating=None).encode()}]
    )
    form.locator("text=Uploaded as").wait_for(state="visible", timeout=WAIT_MS)
    uploaded = form.locator(".griffin-upload code").inner_text()
    assert uploaded == "store_visits-1.csv"
    assert (lab_root / uploaded).read_text() == _stores_csv(bad_rating=None)
    assert form.locator('[data-griffin-input="source-path"]').input_value() == uploaded
    form.locator('[data-griffin-column="rating"]').wait_for(state="visible", timeout=WAIT_MS)

    # Clean data passes: preview, apply, and the new view's detail opens.
    form.locator('[data-griffin-action="preview"]').click()
    form.locator('[data-griffin-preview] [data-griffin-report][data-passed="true"]').wait_for(
        state="visible", timeout=WAIT_MS
    )
    form.locator('[data-griffin-action="apply"]').click()
    created = page.locator(f'{DETAIL}[data-feature-view="store_visits"]')
    created.wait_for(state="visible", timeout=WAIT_MS)
    page.locator('svg[data-feature-chart="rating"] rect').first.wait_for(
        state="attached", timeout=WAIT_MS
    )
    assert "stores@griffin.dev" in created.locator(".griffin-detail-facts").inner_text()
    assert _api(lab_server, "features/views/store_visits").status_code == 200


def test_insert_cell_hook_for_widgets(page, lab_server: Lab) -> None:
    # Without a notebook the hook rejects with a message.
    message = page.evaluate(
        """() => window.griffinLab.insertCell('x = 1').then(() => 'inserted', e => String(e))"""
    )
    assert "open a notebook" in message

    page.evaluate(
        "() => window.jupyterapp.commands.execute('notebook:create-new', {kernelName: 'python3'})"
    )
    page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(state="visible", timeout=WAIT_MS)
    page.evaluate("() => window.griffinLab.insertCell('from griffin_lab import features')")
    cells = page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell")
    page.wait_for_function(
        "() => document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell')"
        ".length === 2",
        timeout=WAIT_MS,
    )
    second = cells.nth(1)
    assert "jp-CodeCell" in (second.get_attribute("class") or "")
    assert "from griffin_lab import features" in second.inner_text()
    assert "jp-mod-active" in (second.get_attribute("class") or "")


def test_feature_server_starts_and_stops_from_the_catalogue(page, lab_server: Lab) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    _open_features(page)
    card = page.locator(f"{FEATURES} .griffin-feature-server")
    page.locator(f'{FEATURES} [data-griffin-feature-server="stopped"]').wait_for(
        state="visible", timeout=WAIT_MS)
    card.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "griffin-feature-server-stopped.png"))
    page.locator('[data-griffin-input="feature-server-workers"]').select_option("1")
    page.locator('[data-griffin-action="start-feature-server"]').click()
    page.locator(f'{FEATURES} [data-griffin-feature-server="running"]').wait_for(
        state="visible", timeout=WAIT_MS)

    # The card shows where it listens; that address answers real reads with the token the
    # authenticated Jupyter route hands out.
    info = _api(lab_server, "features/server").json()
    assert info["running"] and info["workers"] == 1
    url = card.locator("[data-griffin-feature-server-url]").inner_text()
    assert url == f"{info['url']}{info['online_path']}"
    answer = httpx.post(url, headers={"Authorization": f"token {info['token']}"}, timeout=30,
                        json={"features": ["user_features:orders_count"],
                              "entities": {"user_id": [1, 2]}})
    assert answer.status_code == 200 and answer.json()["columns"]["user_id"] == [1, 2]
    assert info["token"] not in card.inner_text()  # the token is copied, never shown

    card.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "griffin-feature-server.png"))

    page.locator('[data-griffin-action="stop-feature-server"]').click()
    page.locator(f'{FEATURES} [data-griffin-feature-server="stopped"]').wait_for(
        state="visible", timeout=WAIT_MS)
    assert _api(lab_server, "features/server").json()["running"] is False
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{info['url']}/healthz", timeout=5)
