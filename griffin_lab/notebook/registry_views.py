"""Notebook views of the model registry: ``%griffin models [query]``, the comparison widget
behind ``client.models.compare(...)`` and the ``client.models.browse()`` table."""

from __future__ import annotations

from html import escape
from typing import Any

from .magics import GriffinMagics, MagicUsageError, line_command

TIER_COLORS = {0: "#c62828", 1: "#ef6c00", 2: "#1565c0", 3: "#757575"}
HEALTH_COLORS = {"ok": "#2e7d32", "warning": "#ef6c00", "critical": "#c62828",
                 "unknown": "#9e9e9e"}


def _tier(tier: int) -> str:
    return (f"<span title='tier {tier}' style='background:{TIER_COLORS.get(tier, '#757575')};"
            f"color:white;border-radius:3px;padding:0 4px;font-size:85%'>T{tier}</span>")


def _health(health: str, reason: str = "") -> str:
    color = HEALTH_COLORS.get(health, "#9e9e9e")
    return (f"<span title='{escape(reason or health)}' style='color:{color}'>●</span> "
            f"{escape(health)}")


def models_table_html(page: Any) -> str:
    rows = "".join(
        f"<tr data-model='{escape(m.name)}'><td>{_tier(m.tier)}</td><td><b>{escape(m.name)}</b>"
        f"</td><td>{_health(m.health, m.health_reason)}</td><td>{escape(m.team)}</td>"
        f"<td>{escape(m.owner)}</td><td>{m.latest_version or '–'}</td>"
        f"<td>{escape(', '.join(f'{a}→v{v}' for a, v in sorted(m.aliases.items())))}</td>"
        f"<td>{m.updated_at:%Y-%m-%d %H:%M}</td></tr>"
        for m in page.items)
    first = page.offset + 1 if page.items else 0
    return (f"<div class='griffin-models'><div><b>{first}–{page.offset + len(page.items)} of "
            f"{page.total:,} models</b></div><table><thead><tr><th>Tier</th><th>Model</th>"
            "<th>Health</th><th>Team</th><th>Owner</th><th>Latest</th><th>Aliases</th>"
            f"<th>Updated</th></tr></thead><tbody>{rows}</tbody></table></div>")


class ModelsView:
    def __init__(self, page: Any, query: str = "") -> None:
        self.page, self.query = page, query

    def _repr_html_(self) -> str:
        return models_table_html(self.page)

    def __repr__(self) -> str:
        lines = [f"{self.page.total} models" + (f" for {self.query!r}" if self.query else "")]
        lines += [f"  T{m.tier} {m.name:<40} v{m.latest_version or '-':<4} {m.health:<8} "
                  f"{m.team}" for m in self.page.items]
        return "\n".join(lines)


@line_command("models", "search the model registry: %griffin models [query] [--tier 0,1] "
              "[--attention]")
def _models(magics: GriffinMagics, args: list[str]) -> ModelsView:
    words, tier, attention = [], None, False
    it = iter(args)
    for arg in it:
        if arg == "--tier":
            tier = next(it, None)
            if tier is None:
                raise MagicUsageError("--tier takes a tier or a list: --tier 0,1")
        elif arg == "--attention":
            attention = True
        elif arg.startswith("-"):
            raise MagicUsageError(f"%griffin models takes a query, --tier T and --attention, "
                                  f"not {arg}")
        else:
            words.append(arg)
    models = magics.client.models
    if attention:
        return ModelsView(models.attention(), "needs attention")
    tiers = None
    if tier is not None:
        try:
            tiers = [int(t) for t in tier.split(",")]
        except ValueError:
            raise MagicUsageError(f"--tier takes numbers 0-3, not {tier!r}") from None
    query = " ".join(words)
    return ModelsView(models.search(query or None, tier=tiers), query)


def curves_figure(comparison: Any) -> Any:
    """One subplot per metric, a line per version."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    names = sorted({c.name for c in comparison.curves})
    if not names:
        fig = go.FigureWidget()
        fig.update_layout(title="No training curves (versions not trained by Griffin)",
                          height=120, template="plotly_white")
        return fig
    fig = make_subplots(rows=len(names), cols=1, subplot_titles=names,
                        vertical_spacing=min(0.12, 0.5 / len(names)))
    palette = ["#1565c0", "#ef6c00", "#2e7d32", "#6a1b9a", "#c62828", "#00838f"]
    versions = sorted({c.version for c in comparison.curves})
    for c in comparison.curves:
        color = palette[versions.index(c.version) % len(palette)]
        fig.add_trace(go.Scatter(x=c.steps, y=c.values, mode="lines", name=f"v{c.version}",
                                 legendgroup=f"v{c.version}", line={"color": color},
                                 showlegend=c.name == names[0]),
                      row=names.index(c.name) + 1, col=1)
    fig.update_layout(height=200 * len(names) + 60, template="plotly_white",
                      margin={"l": 50, "r": 10, "t": 40, "b": 30})
    return go.FigureWidget(fig)


def comparison_html(comparison: Any) -> str:
    versions = [v.version for v in comparison.versions]
    head = "".join(f"<th>v{v}</th>" for v in versions)

    def cell(value: Any, best: bool = False) -> str:
        text = "–" if value is None else (f"{value:.4g}" if isinstance(value, float)
                                          else escape(str(value)))
        return f"<td>{'<b>' + text + ' ★</b>' if best else text}</td>"

    metrics = "".join(
        f"<tr><td>{escape(r.name)}</td>"
        + "".join(cell(r.values.get(v), r.best == v) for v in versions) + "</tr>"
        for r in comparison.metrics)
    params = "".join(
        f"<tr><td>{escape(r.name)}</td>" + "".join(cell(r.values.get(v)) for v in versions)
        + "</tr>" for r in comparison.params if r.differs)
    common = set(comparison.common_features)
    features = "".join(
        f"<li>v{v}: only {escape(', '.join(sorted(set(f) - common)) or '(none)')}</li>"
        for v, f in comparison.features.items())
    return (
        f"<div class='griffin-compare'><b>{escape(comparison.model)}</b>: "
        f"{', '.join(f'v{v}' for v in versions)}"
        f"<h4>Metrics</h4><table><thead><tr><th></th>{head}</tr></thead><tbody>{metrics}"
        "</tbody></table>"
        + (f"<h4>Parameters that differ</h4><table><thead><tr><th></th>{head}</tr></thead>"
           f"<tbody>{params}</tbody></table>" if params else "<p>Same parameters.</p>")
        + f"<h4>Features</h4><p>{len(common)} in common</p><ul>{features}</ul></div>")


def comparison_widget(comparison: Any) -> Any:
    try:
        import ipywidgets as w
    except ImportError:  # pragma: no cover - the notebook extra
        from IPython.display import HTML

        return HTML(comparison_html(comparison))
    return w.VBox([w.HTML(comparison_html(comparison)), curves_figure(comparison)])


class ModelsBrowser:
    """``client.models.browse()``: a search box, a tier filter and a paged table."""

    PAGE = 25

    def __init__(self, models_client: Any, q: str | None, filters: dict[str, Any]) -> None:
        import ipywidgets as w

        self.models, self.filters, self.offset = models_client, filters, 0
        self.search = w.Text(value=q or "", placeholder="Search models",
                             continuous_update=False)
        self.tier = w.SelectMultiple(options=[("T0 critical", 0), ("T1 important", 1),
                                              ("T2 standard", 2), ("T3 experimental", 3)],
                                     rows=4, description="Tier")
        self.prev = w.Button(description="◀ Prev", layout={"width": "80px"})
        self.next = w.Button(description="Next ▶", layout={"width": "80px"})
        self.table = w.HTML()
        self.search.observe(lambda _: self.refresh(reset=True), names="value")
        self.tier.observe(lambda _: self.refresh(reset=True), names="value")
        self.prev.on_click(lambda _: self.turn(-1))
        self.next.on_click(lambda _: self.turn(1))
        self.widget = w.VBox([w.HBox([self.search, self.tier]),
                              w.HBox([self.prev, self.next]), self.table])
        self.refresh()

    def turn(self, step: int) -> None:
        self.offset = max(0, self.offset + step * self.PAGE)
        self.refresh()

    def refresh(self, reset: bool = False) -> Any:
        if reset:
            self.offset = 0
        tiers = list(self.tier.value) or None
        self.page = self.models.search(self.search.value or None, tier=tiers,
                                       limit=self.PAGE, offset=self.offset, **self.filters)
        self.table.value = models_table_html(self.page)
        self.prev.disabled = self.offset == 0
        self.next.disabled = self.offset + self.PAGE >= self.page.total
        return self.page

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
