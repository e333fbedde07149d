"""``client.features.browse()``: an interactive catalogue in a notebook.

A search box and result list; the selected view's details with a plotly histogram per
feature; and a button that puts ready-to-run retrieval code into a new cell below (through
the Griffin JupyterLab extension; elsewhere the code is shown to copy).
"""

from __future__ import annotations

from html import escape
from typing import Any

INSERT_ESM = """
export default {
  render({ model, el }) {
    const button = document.createElement('button');
    button.className = 'jupyter-button griffin-insert-code';
    button.textContent = 'Insert retrieval code in a new cell';
    const note = document.createElement('span');
    note.style.marginLeft = '0.5em';
    button.addEventListener('click', async () => {
      const code = model.get('code');
      const hook = window.griffinLab && window.griffinLab.insertCell;
      try {
        if (hook) { await hook(code); note.textContent = 'Inserted below.'; return; }
        await navigator.clipboard.writeText(code);
        note.textContent = 'Copied to the clipboard.';
      } catch (err) {
        note.textContent = 'Could not insert: ' + err;
      }
    });
    el.append(button, note);
  }
};
"""


def retrieval_code(view: Any) -> str:
    """Code that reads this view's features, online and as a training set."""
    refs = ",\n    ".join(repr(f"{view.name}:{f.name}") for f in view.features)
    keys = {k: [1] for k in (e.join_key for e in view.entity_details)}
    return (
        "import griffin_lab\n\n"
        "client = griffin_lab.connect()\n"
        f"features = [\n    {refs},\n]\n"
        f"online = client.features.online(features, {keys!r})\n"
        "# entity_df: the join keys, an event_timestamp and your labels, one row per example\n"
        "# training = client.features.training_set(entity_df, features)\n"
        "online"
    )


def histogram_figure(stats: Any) -> Any:
    import plotly.graph_objects as go

    h = stats.histogram
    if h.edges:
        centers = [(a + b) / 2 for a, b in zip(h.edges[:-1], h.edges[1:], strict=True)]
        widths = [b - a for a, b in zip(h.edges[:-1], h.edges[1:], strict=True)]
        bar = go.Bar(x=centers, y=h.counts, width=widths, name=stats.name)
    else:
        bar = go.Bar(x=h.labels, y=h.counts, name=stats.name)
    fig = go.FigureWidget(data=[bar])
    fig.update_layout(
        title=f"{stats.name} ({stats.dtype}) · nulls {100 * stats.null_fraction:.1f}%",
        height=220, margin={"l": 40, "r": 10, "t": 40, "b": 30}, bargap=0.05,
        template="plotly_white", showlegend=False,
    )
    return fig


class FeatureBrowser:
    """The widget behind ``client.features.browse()``."""

    def __init__(self, features_client: Any, query: str = "") -> None:
        try:
            import anywidget
            import ipywidgets as w
            import traitlets
        except ImportError as exc:  # pragma: no cover - the notebook extra
            from ..errors import EngineUnavailable

            raise EngineUnavailable("Install griffin-lab[notebook] for widgets") from exc

        class InsertCode(anywidget.AnyWidget):
            _esm = INSERT_ESM
            code = traitlets.Unicode("").tag(sync=True)

        self.client = features_client
        self.search_box = w.Text(value=query, placeholder="Search features…",
                                 description="Search", continuous_update=False)
        self.results = w.Select(options=[], rows=8, description="Views",
                                layout=w.Layout(width="100%"))
        self.summary = w.HTML()
        self.charts = w.VBox()
        self.insert = InsertCode()
        self.code = w.Textarea(layout=w.Layout(width="100%", height="8em"), disabled=True)
        self.details = w.VBox([self.summary, self.insert, self.code, self.charts])
        self.widget = w.VBox([self.search_box, self.results, self.details])
        self.search_box.observe(lambda _c: self.refresh(), names="value")
        self.results.observe(lambda c: self.show(c["new"]), names="value")
        self.refresh()

    def refresh(self) -> None:
        result = self.client.search(self.search_box.value or None)
        names = [v.name for v in result.views]
        self.results.options = names
        if names:
            self.results.value = names[0]
        else:
            self.summary.value = "<i>No feature view matches.</i>"
            self.charts.children = ()

    def show(self, name: str | None) -> None:
        if not name:
            return
        detail = self.client.describe(name)
        stats = self.client.stats(name)
        feats = "".join(f"<tr><td>{escape(f.name)}</td><td>{escape(f.dtype)}</td>"
                        f"<td>{escape(f.description)}</td></tr>" for f in detail.features)
        tags = ", ".join(f"{k}={v}" for k, v in detail.tags.items())
        self.summary.value = (
            f"<h4>{escape(detail.name)}</h4><div>{escape(detail.description)}</div>"
            f"<div>owner <b>{escape(detail.owner)}</b> · entities "
            f"{escape(', '.join(detail.entities))} · ttl {detail.ttl_seconds // 86400} days · "
            f"{detail.row_count or 0:,} rows · last materialized "
            f"{detail.last_materialized_at or 'never'} · tags {escape(tags) or '-'}</div>"
            f"<table><tr><th>feature</th><th>type</th><th>description</th></tr>{feats}</table>"
        )
        self.insert.code = self.code.value = retrieval_code(detail)
        self.charts.children = tuple(histogram_figure(s) for s in stats.features)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)
