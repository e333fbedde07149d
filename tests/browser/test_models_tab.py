"""The Models tab of the Griffin sidebar against a registry of 10,000 demo models, in headless
Chromium.

Needs what ``test_sidebar.py`` needs (the package installed with its labextension, Python's
``playwright``, Debian's ``/usr/bin/chromium``; never ``playwright install``). The lab's Griffin
home holds the demo catalogue (``seed_catalogue``: 10,000 models x 5 versions) and two models
with real metadata: a model card, links, feature lineage and versions whose training jobs
recorded per-round metrics (rows written the way a finished training job writes them; no Ray
is needed). Screenshots go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.ui import ARTIFACTS, SIDEBAR_TAB, WAIT_MS, open_tab, set_theme
from tests.servers import Lab, start_lab

pytestmark = pytest.mark.browser

N_DEMO = 10_000
MODEL = "grocery-reorder"
OTHER = "grocery-basket-size"
MODELS = '#griffin-sidebar [data-griffin-view="models"]'
RESULTS = f"{MODELS} .griffin-model-results"
SETTLED = f'{RESULTS}[data-griffin-settled="true"]'
ROWS = f"{MODELS} .griffin-model-list [data-model-name]"
DETAIL = '[data-griffin-view="model-detail"]'
COMPARE = '[data-griffin-view="model-compare"]'

CARD = """# Grocery reorder

Predicts whether a customer **reorders** a product in their next basket.

## Training data
- 30 days of orders, *user* and *product* features
- label: `reordered`

| metric | v3 |
| --- | ---: |
| valid_auc | 0.87 |

<script>window.__griffinCardScript = true</script>
[runbook](https://example.com/runbook) · [not a link](javascript:alert(1))
"""


def _seed(home: Path) -> None:
    """The demo catalogue, then two models with versions as training registers them."""
    from griffin_lab.demo.catalogue import seed_catalogue
    from griffin_lab.platform import Platform
    from griffin_lab.registry.schemas import HealthUpdate, ModelUpdate
    from griffin_lab.registry.service import register_version
    from griffin_lab.training.tables import TrainingJobRow, TrainingMetricRow

    platform = Platform.from_settings(home=home)
    try:
        assert seed_catalogue(platform, N_DEMO, versions=5)["models"] == N_DEMO
        fields = ModelUpdate(
            team="personalization", use_case="reorder", tier=0, card=CARD,
            tags=["realtime", "pii"], description="Next-basket reorder probability.",
            links=[{"title": "Dashboard", "url": "https://example.com/dash"}])
        signature = {"inputs": [{"name": n, "type": "float32"} for n in
                                ("orders_count", "reorder_ratio", "days_since")],
                     "outputs": [{"name": "prediction", "type": "float32"}]}
        start = datetime.now(UTC) - timedelta(days=3)
        with platform.db.session(write=True) as session:
            for v, (auc, lr) in enumerate([(0.81, 0.1), (0.86, 0.05), (0.84, 0.05)], 1):
                job = f"job-reorder-{v}"
                session.add(TrainingJobRow(
                    id=job, name=MODEL, runtime="lightgbm", status="succeeded", owner="ana",
                    spec={"name": MODEL, "runtime": "lightgbm"}, artifact_uri=f"file:///tmp/{job}",
                    created_at=start + timedelta(hours=v), finished_at=start + timedelta(hours=v),
                    metrics={"valid_auc": auc}, model_name=MODEL, model_version=v))
                session.flush()
                for step in range(1, 21):
                    for name, value in (("valid_auc", auc - 0.2 * 0.85 ** step),
                                        ("train_auc", auc + 0.05 - 0.2 * 0.8 ** step)):
                        session.add(TrainingMetricRow(job_id=job, trial="", step=step,
                                                      name=name, value=value))
                inputs = signature["inputs"] + ([{"name": "basket_size", "type": "float32"}]
                                                if v == 3 else [])
                register_version(
                    session, name=MODEL, framework="lightgbm",
                    artifact_uri=f"file:///tmp/{job}/model", actor="ana",
                    signature={**signature, "inputs": inputs},
                    metrics={"valid_auc": auc, "valid_logloss": round(0.7 - auc / 2, 4)},
                    params={"learning_rate": lr, "num_leaves": 31},
                    lineage={"training_job": job, "feature_refs": [
                        "user_features:orders_count", "user_features:reorder_ratio"],
                        "data_fingerprint": f"sha256:{v}f00d", "rows": 50_000},
                    owner="ana", model_fields=fields)
            register_version(
                session, name=OTHER, framework="tensorflow",
                artifact_uri="file:///tmp/basket/model", actor="bo", signature=signature,
                metrics={"valid_mae": 1.9}, params={"epochs": 3}, lineage={},
                owner="bo", source="import",
                model_fields=ModelUpdate(team="fulfillment", tier=2))
        platform.registry.set_health(OTHER, HealthUpdate(health="warning",
                                                         reason="latency p99 above 80 ms"),
                                     actor="monitor")
    finally:
        platform.close()


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab whose Griffin home holds 10,002 registered models."""
    home = tmp_path_factory.mktemp("griffin-models")
    _seed(home)
    lab = start_lab(home, tmp_path_factory.mktemp("models-root"),
                    extra_args=["--LabApp.expose_app_in_browser=True"])
    try:
        yield lab
    finally:
        lab.stop()


@pytest.fixture
def page(page):
    """The shared page (conftest.py), once the Griffin icon itself is visible in the sidebar."""
    page.locator(SIDEBAR_TAB).wait_for(state="visible", timeout=WAIT_MS)
    return page


def _get(lab: Lab, path: str) -> Any:
    r = httpx.get(f"{lab.url}/griffin/api/v1/{path}",
                  headers={"Authorization": f"token {lab.token}"}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def _open_models(page) -> None:
    open_tab(page, "models", MODELS)


def _settled_total(page) -> int:
    page.locator(SETTLED).wait_for(state="attached", timeout=WAIT_MS)
    return int(page.locator(RESULTS).get_attribute("data-models-total"))


def _wait_total(page, keep: str) -> int:
    """Wait until the list is settled with a total for which ``keep`` (JS, on ``t``) holds."""
    page.wait_for_function(
        f"""(selector) => {{
            const r = document.querySelector(selector);
            if (!r || r.dataset.griffinSettled !== 'true') return false;
            const t = Number(r.dataset.modelsTotal);
            return {keep};
        }}""",
        arg=RESULTS,
        timeout=WAIT_MS,
    )
    return _settled_total(page)


def _overflowing(page) -> list[str]:
    """Elements of the Models tab that stick out of the sidebar on the right (clipped), except
    inside containers that scroll sideways on purpose (wide tables, code)."""
    return page.evaluate(
        """(selector) => {
            const right = document.querySelector('#griffin-sidebar')
                .getBoundingClientRect().right;
            const out = [];
            for (const el of document.querySelectorAll(selector + ' *')) {
                if (el.closest('.griffin-table-wrap, .griffin-markdown table, pre')) continue;
                const r = el.getBoundingClientRect();
                if (r.width > 0 && r.right > right + 1) {
                    out.push(`${el.tagName}.${el.className}: ${el.textContent.slice(0, 40)}`);
                }
            }
            return out.slice(0, 5);
        }""",
        MODELS,
    )


def _shot(page, name: str) -> None:
    """The whole page, and the sidebar alone at its default width (to read it at 1:1); nothing
    in the tab may stick out of the sidebar."""
    assert _overflowing(page) == [], name
    page.screenshot(path=str(ARTIFACTS / f"griffin-models-{name}.png"))
    page.locator("#griffin-sidebar").screenshot(
        path=str(ARTIFACTS / f"griffin-models-{name}-sidebar.png"))


def test_list_search_filter_and_model_page(page, lab_server: Lab) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    _open_models(page)

    # 10,002 models, one page of 50 rows in the DOM, and the range says so.
    total = _settled_total(page)
    assert total == N_DEMO + 2
    assert page.locator(ROWS).count() == 50
    assert re.search(r"1–50 of 10,002 models", page.locator(f"{RESULTS} [data-models-range]")
                     .inner_text())
    attention = _get(lab_server, "registry/attention?limit=1")["total"]
    assert page.locator(f"{MODELS} [data-attention-count]").get_attribute(
        "data-attention-count") == str(attention)
    first = page.locator(ROWS).first
    assert first.locator(".griffin-tier").count() == 1
    assert first.locator(".griffin-health-dot").count() == 1
    page.set_viewport_size({"width": 1280, "height": 1800})
    page.wait_for_timeout(300)
    _shot(page, "list-light")
    set_theme(page, "JupyterLab Dark", light=False)
    _shot(page, "list-dark")
    set_theme(page, "JupyterLab Light", light=True)

    # Next page: rows 51–100, still 50 rows.
    page.locator(f'{MODELS} .griffin-model-pager-top [data-griffin-action="models-next"]').click()
    page.wait_for_function(
        "(s) => document.querySelector(s)?.innerText.startsWith('51–100 of 10,002')",
        arg=f"{RESULTS} [data-models-range]", timeout=WAIT_MS)
    assert page.locator(ROWS).count() == 50

    # A tier filter: only T0 badges, and fewer models (back on page 1).
    page.locator(f'{MODELS} [data-tier-filter="0"]').click()
    t0 = _wait_total(page, f"t > 0 && t < {total}")
    expected_t0 = _get(lab_server, "models?tier=0&limit=1")["total"]
    assert t0 == expected_t0
    tiers = page.locator(f"{ROWS} .griffin-tier").evaluate_all(
        "els => els.map(e => e.dataset.modelTier)")
    assert tiers and set(tiers) == {"0"}, tiers
    assert "1–50 of" in page.locator(f"{RESULTS} [data-models-range]").inner_text()

    # Typing narrows the total (debounced; the T0 filter still applies).
    page.locator('[data-griffin-input="model-search"]').fill("grocery")
    _wait_total(page, "t === 1")
    assert page.locator(ROWS).count() == 1
    page.locator(f'{MODELS} [data-tier-filter="0"]').click()
    _wait_total(page, "t === 2")
    names = sorted(page.locator(ROWS).evaluate_all("els => els.map(e => e.dataset.modelName)"))
    assert names == [OTHER, MODEL]

    # Keyboard: focus a row and press Enter to open the model.
    page.locator(f'{ROWS}[data-model-name="{MODEL}"] button').focus()
    page.keyboard.press("Enter")
    detail = page.locator(f'{DETAIL}[data-model-name="{MODEL}"]')
    detail.wait_for(state="visible", timeout=WAIT_MS)
    detail.locator('[data-model-version="3"]').wait_for(state="visible", timeout=WAIT_MS)
    assert detail.locator("[data-model-version]").count() == 3
    assert detail.locator(".griffin-detail-head [data-model-tier]").inner_text() == "T0"

    # The card is rendered Markdown; raw HTML stays text and only safe links are links.
    card = detail.locator("[data-model-card]")
    assert card.locator("h4").first.inner_text() == "Grocery reorder"
    assert card.locator("strong").first.inner_text() == "reorders"
    assert card.locator("table td").count() == 2
    assert card.locator("script").count() == 0
    assert page.evaluate("() => window.__griffinCardScript === undefined")
    hrefs = card.locator("a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
    assert hrefs == ["https://example.com/runbook"], hrefs
    facts = detail.locator(".griffin-model-facts").inner_text()
    assert "personalization" in facts and "reorder" in facts and "Dashboard" in facts

    # Lineage of a version: its training job and feature references.
    v2 = detail.locator('[data-model-version="2"]')
    v2.locator(".griffin-version-lineage > summary").click()
    assert v2.locator('[data-lineage-job="job-reorder-2"]').is_visible()
    assert v2.locator('[data-lineage-feature="user_features:orders_count"]').is_visible()
    assert "sha256:2f00d" in v2.locator("[data-lineage-fingerprint]").inner_text()

    # Set an alias through the form: the history and the REST API both show it.
    form = detail.locator('[data-griffin-view="set-alias"]')
    form.locator('[data-griffin-input="alias-name"]').fill("production")
    form.locator('[data-griffin-input="alias-version"]').select_option("2")
    form.locator('[data-griffin-input="alias-reason"]').fill("best valid_auc on holdout")
    form.locator('[data-griffin-action="set-alias"]').click()
    event = detail.locator('[data-alias-history] [data-alias-event="production"]').first
    event.wait_for(state="visible", timeout=WAIT_MS)
    assert event.get_attribute("data-alias-to") == "2"
    assert "best valid_auc on holdout" in event.inner_text()
    assert "new → v2" in event.inner_text()
    rest = _get(lab_server, f"models/{MODEL}")
    assert rest["aliases"] == {"production": 2}
    assert rest["alias_history"][0]["reason"] == "best valid_auc on holdout"
    assert rest["alias_history"][0]["to_version"] == 2
    detail.locator('[data-alias-row="production"] [data-alias-version="2"]').wait_for(
        timeout=WAIT_MS)
    assert detail.locator('[data-model-version="2"] [data-model-alias="production"]').count() == 1

    # A bad alias name: the server's message inline, nothing changed.
    form.locator('[data-griffin-input="alias-name"]').fill("Latest!")
    form.locator('[data-griffin-action="set-alias"]').click()
    error = form.locator("[data-griffin-error]")
    error.wait_for(state="visible", timeout=WAIT_MS)
    assert "lowercase" in error.inner_text()
    assert _get(lab_server, f"models/{MODEL}")["aliases"] == {"production": 2}
    form.locator('[data-griffin-input="alias-name"]').fill("")

    # Edit the card: the PATCHed Markdown renders at once.
    detail.locator('[data-griffin-action="edit-card"]').click()
    text = detail.locator('[data-griffin-input="model-card"]')
    assert text.input_value() == CARD
    text.fill(CARD.replace("# Grocery reorder", "# Grocery reorder (v2 in production)"))
    detail.locator('[data-griffin-action="save-card"]').click()
    detail.locator("[data-model-card] h4", has_text="(v2 in production)").wait_for(
        timeout=WAIT_MS)
    assert "(v2 in production)" in _get(lab_server, f"models/{MODEL}")["card"]

    page.wait_for_timeout(200)
    _shot(page, "model-light")
    set_theme(page, "JupyterLab Dark", light=False)
    _shot(page, "model-dark")
    set_theme(page, "JupyterLab Light", light=True)

    # Back: the list kept its search and the focus returns to the model's row.
    detail.locator('[data-griffin-action="back"]').click()
    _wait_total(page, "t === 2")
    assert page.locator('[data-griffin-input="model-search"]').input_value() == "grocery"
    page.wait_for_function(
        "(name) => document.activeElement?.closest('[data-model-name]')?.dataset.modelName"
        " === name", arg=MODEL, timeout=WAIT_MS)
    row = page.locator(f'{ROWS}[data-model-name="{MODEL}"]')
    assert row.locator('[data-model-alias="production"]').inner_text() == "production→v2"


def test_compare_versions_and_attention(page, lab_server: Lab) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 1800})
    _open_models(page)
    page.locator('[data-griffin-input="model-search"]').fill(MODEL)
    _wait_total(page, "t === 1")
    page.locator(f'{ROWS}[data-model-name="{MODEL}"] button').click()
    detail = page.locator(f'{DETAIL}[data-model-name="{MODEL}"]')
    detail.locator('[data-model-version="1"]').wait_for(state="visible", timeout=WAIT_MS)

    # Remove an alias (set through the API here), saying why: the history keeps the move.
    r = httpx.put(f"{lab_server.url}/griffin/api/v1/models/{MODEL}/aliases/shadow",
                  headers={"Authorization": f"token {lab_server.token}"},
                  json={"version": 1, "reason": "shadow test"}, timeout=30)
    assert r.status_code == 200, r.text
    detail.locator('[data-griffin-action="refresh-model"]').click()
    detail.locator('[data-griffin-action="remove-alias"][data-alias="shadow"]').click()
    dialog = page.locator(".jp-Dialog")
    dialog.locator("input").fill("shadow run over")
    dialog.locator(".jp-mod-accept").click()
    removed = detail.locator('[data-alias-history] [data-alias-event="shadow"]').first
    page.wait_for_function(
        "(s) => document.querySelector(s)?.dataset.aliasTo === ''",
        arg=f'{DETAIL} [data-alias-history] [data-alias-event="shadow"]', timeout=WAIT_MS)
    assert "v1 → removed" in removed.inner_text()
    assert "shadow run over" in removed.inner_text()
    assert "shadow" not in _get(lab_server, f"models/{MODEL}")["aliases"]

    # The latest two are picked; add v1 and compare all three.
    detail.locator('[data-compare-pick="1"]').check()
    detail.locator('[data-griffin-action="compare-versions"]').click()
    compare = page.locator(f'{COMPARE}[data-compare-versions="1,2,3"]')
    compare.wait_for(state="visible", timeout=WAIT_MS)
    metrics = compare.locator("[data-compare-metrics]")
    metrics.wait_for(state="visible", timeout=WAIT_MS)
    auc = metrics.locator('[data-compare-metric="valid_auc"]')
    assert auc.locator('td[data-best="true"]').get_attribute("data-version") == "2"
    loss = metrics.locator('[data-compare-metric="valid_logloss"]')
    assert loss.locator('td[data-best="true"]').get_attribute("data-version") == "2"
    # Only the learning rate differs; v3 has one more input.
    params = compare.locator("[data-compare-params] [data-compare-param]")
    assert params.evaluate_all("els => els.map(e => e.dataset.compareParam)") == [
        "learning_rate"]
    assert "+basket_size" in compare.locator('[data-compare-features="3"]').inner_text()
    # One chart per metric, one line per version.
    chart = compare.locator('svg[data-compare-chart="valid_auc"]')
    chart.wait_for(state="visible", timeout=WAIT_MS)
    assert chart.locator("polyline[data-compare-series]").count() == 3
    assert compare.locator("svg[data-compare-chart]").count() == 2
    box = chart.bounding_box()
    sidebar = page.locator("#griffin-sidebar").bounding_box()
    assert box and sidebar and box["x"] + box["width"] <= sidebar["x"] + sidebar["width"] + 1
    _shot(page, "compare-light")
    set_theme(page, "JupyterLab Dark", light=False)
    _shot(page, "compare-dark")
    set_theme(page, "JupyterLab Light", light=True)

    # Leave v1 out again from the compare view itself.
    compare.locator('[data-compare-toggle="1"]').click()
    page.locator(f'{COMPARE}[data-compare-versions="2,3"] [data-compare-metrics]').wait_for(
        state="visible", timeout=WAIT_MS)

    # Versions without training jobs: no curves, said plainly.
    page.locator(f'{COMPARE} [data-griffin-action="back"]').click()
    detail.wait_for(state="visible", timeout=WAIT_MS)
    detail.locator('[data-griffin-action="back"]').click()
    page.locator('[data-griffin-input="model-search"]').fill("m00007")
    _wait_total(page, "t === 1")
    page.locator(ROWS).first.locator("button").click()
    page.locator(f'{DETAIL} [data-griffin-action="compare-versions"]').click()
    page.locator(f"{COMPARE} [data-compare-no-curves]").wait_for(
        state="visible", timeout=WAIT_MS)
    page.locator(f'{COMPARE} [data-griffin-action="back"]').click()
    page.locator(f'{DETAIL} [data-griffin-action="back"]').click()
    page.locator('[data-griffin-input="model-search"]').fill("")
    _wait_total(page, f"t === {N_DEMO + 2}")

    # Needs attention: the unhealthy models, tier first, with their reasons.
    page.locator(f'{MODELS} [data-griffin-action="models-attention"]').click()
    expected = _get(lab_server, "registry/attention?limit=50")
    _wait_total(page, f"t === {expected['total']}")
    names = page.locator(ROWS).evaluate_all("els => els.map(e => e.dataset.modelName)")
    assert names == [m["name"] for m in expected["items"]]
    tiers = [int(t) for t in page.locator(ROWS).evaluate_all(
        "els => els.map(e => e.dataset.modelTier)")]
    assert tiers == sorted(tiers)
    assert page.locator(f"{ROWS} .griffin-model-reason").count() == len(names)
    _shot(page, "attention-light")
    page.locator(f'{MODELS} [data-griffin-action="models-all"]').click()
    _wait_total(page, f"t === {N_DEMO + 2}")
