"""``%load_ext griffin_lab`` in a bare IPython shell."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

import griffin_lab
from griffin_lab.notebook.magics import GriffinMagicError


@pytest.fixture
def shell(tmp_path: Path) -> Iterator[InteractiveShell]:
    ip = InteractiveShell.instance()
    ip.user_ns["griffin_client"] = griffin_lab.connect(home=tmp_path / "home")
    ip.run_line_magic("load_ext", "griffin_lab")
    try:
        yield ip
    finally:
        ip.user_ns.pop("griffin_client").close()
        ip.run_line_magic("unload_ext", "griffin_lab")
        InteractiveShell.clear_instance()


def test_status_renders_every_engine(shell: InteractiveShell) -> None:
    view = shell.run_line_magic("griffin", "status")
    html = view._repr_html_()
    assert 'data-engine="database" data-state="ready"' in html
    for name in ("artifacts", "ray", "feast", "bentoml"):
        assert f'data-engine="{name}"' in html
    assert "Metadata database" in repr(view)


def test_status_json(shell: InteractiveShell) -> None:
    raw = shell.run_line_magic("griffin", "status --json")
    assert {e["name"] for e in raw["engines"]} >= {"database", "ray"}


def test_help_lists_commands(shell: InteractiveShell) -> None:
    text = repr(shell.run_line_magic("griffin", "help"))
    assert "status" in text and "help" in text
    assert repr(shell.run_line_magic("griffin", "")) == text


def test_unknown_command_is_an_error_with_help(shell: InteractiveShell) -> None:
    with pytest.raises(GriffinMagicError, match="no command 'stauts'") as caught:
        shell.run_line_magic("griffin", "stauts")
    assert "status" in caught.value.hint
    with pytest.raises(GriffinMagicError, match="%%griffin has no command 'nothing'"):
        shell.run_cell_magic("griffin", "nothing", "body")


def test_bad_arguments_fail_the_cell_with_the_message_only(shell: InteractiveShell) -> None:
    with pytest.raises(GriffinMagicError, match="takes only --json"):
        shell.run_line_magic("griffin", "status --verbose")
    with pytest.raises(GriffinMagicError, match="Cannot parse"):
        shell.run_line_magic("griffin", "status 'unclosed")
    # in a cell: the run fails (so "Run All" stops there) and no traceback is printed
    result = shell.run_cell("%griffin status --verbose", store_history=False)
    assert not result.success and isinstance(result.error_in_exec, GriffinMagicError)


def test_a_platform_error_fails_the_cell(shell: InteractiveShell) -> None:
    with pytest.raises(GriffinMagicError, match="runtime"):
        shell.run_cell_magic("griffin", "train", "name: x\nruntime: nope\n")
    assert "griffin_job" not in shell.user_ns


def test_features_magic_and_browser(tmp_path: Path) -> None:
    from griffin_lab.features.grocery import seed_features  # noqa: F401  (seeded below)

    ip = InteractiveShell.instance()
    client = griffin_lab.connect(home=tmp_path / "home")
    client.demo("tiny")
    ip.user_ns["griffin_client"] = client
    ip.run_line_magic("load_ext", "griffin_lab")
    try:
        view = ip.run_line_magic("griffin", "features reorder")
        html = view._repr_html_()
        assert 'data-feature-view="user_features"' in html
        assert 'data-feature-view="user_product_features"' not in html
        assert "reorder_model" in html
        browser = client.features.browse("cart")
        assert browser.results.options == ("user_product_features",)
        assert len(browser.charts.children) == 3
        chart = browser.charts.children[0]
        stats = client.features.stats("user_product_features").features[0]
        assert list(chart.data[0].y) == stats.histogram.counts
        assert "client.features.online(features, {'user_id': [1], 'product_id': [1]})" in \
            browser.code.value or "client.features.online(features," in browser.code.value
        compile(browser.code.value, "<retrieval>", "exec")
        browser.search_box.value = "zzz"
        assert browser.results.options == () and "No feature view" in browser.summary.value
    finally:
        ip.user_ns.pop("griffin_client").close()
        ip.run_line_magic("unload_ext", "griffin_lab")
        InteractiveShell.clear_instance()


def test_models_magic_browser_and_comparison_widget(shell: InteractiveShell) -> None:
    from griffin_lab.demo.catalogue import seed_catalogue
    from griffin_lab.notebook.registry_views import comparison_widget

    client = shell.user_ns["griffin_client"]
    platform = client.transport.platform
    seed_catalogue(platform, 120, versions=2)
    view = shell.run_line_magic("griffin", "models ads ctr --tier 0,1")
    expected = client.models.search("ads ctr", tier=[0, 1])
    html = view._repr_html_()
    assert f"of {expected.total:,} models" in html
    assert html.count("data-model=") == len(expected.items) > 0
    assert all(f"data-model='{m.name}'" in html for m in expected.items)
    attention = shell.run_line_magic("griffin", "models --attention")
    assert repr(attention).startswith(f"{client.models.attention().total} models")
    with pytest.raises(GriffinMagicError, match="--tier takes numbers"):
        shell.run_line_magic("griffin", "models --tier x")
    with pytest.raises(GriffinMagicError, match="not --bogus"):
        shell.run_line_magic("griffin", "models --bogus")

    browser = client.models.browse()
    assert browser.page.total == 120 and len(browser.page.items) == browser.PAGE
    assert browser.prev.disabled and not browser.next.disabled
    browser.next.click()
    assert browser.page.offset == browser.PAGE and not browser.prev.disabled
    browser.tier.value = (0,)
    assert browser.page.offset == 0
    assert {m.tier for m in browser.page.items} == {0}

    name = expected.items[0].name
    comparison = client.models.compare(name)
    assert list(comparison.metrics.columns) == ["v1", "v2"]
    widget = comparison_widget(comparison.comparison)
    assert "valid_auc" in widget.children[0].value
    assert "No training curves" in widget.children[1].layout.title.text
