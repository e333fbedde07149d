"""The live endpoint view: what serves, and plotly charts of requests/s, p99 latency, error
rate and mean prediction per version, refreshed from the endpoint's health."""

from __future__ import annotations

import threading
from html import escape
from typing import Any

MAX_UPDATES = 1800  # the view stops asking after this many refreshes (an hour at 2 s)
PANELS = (("requests_per_s", "requests/s"), ("p99_ms", "p99 ms"),
          ("error_rate", "error rate"), ("mean_prediction", "mean prediction"))


def endpoint_html(d: Any, health: Any) -> str:
    extra = (f" + v{d.candidate_version} as {d.mode}"
             + (f" ({d.split:.0%})" if d.mode == "split" else "") if d.candidate_version else "")
    rows = "".join(
        f"<tr data-version='{v.version}' data-role='{escape(v.role)}'><td>v{v.version}</td>"
        f"<td>{escape(v.role)}</td><td>{v.requests_per_s:.1f}</td>"
        f"<td>{'' if v.p50_ms is None else f'{v.p50_ms:.1f}'}</td>"
        f"<td>{'' if v.p99_ms is None else f'{v.p99_ms:.1f}'}</td>"
        f"<td>{v.error_rate:.2%}</td>"
        f"<td>{'' if v.mean_prediction is None else f'{v.mean_prediction:.3f}'}</td>"
        f"<td>{'' if v.psi is None else f'{v.psi:.3f}'}</td></tr>" for v in health.versions)
    reasons = "".join(f"<li>{escape(r)}</li>" for r in health.reasons)
    return (f"<div><b>{escape(d.name)}</b> <code>{escape(d.url)}</code> · {escape(d.model)} "
            f"v{d.primary_version}{extra} · {escape(d.status)} · health "
            f"<b data-health='{escape(health.status)}'>{escape(health.status)}</b></div>"
            + (f"<ul>{reasons}</ul>" if reasons else "")
            + "<table><thead><tr><th>Version</th><th>Role</th><th>req/s</th><th>p50 ms</th>"
              "<th>p99 ms</th><th>errors</th><th>mean prediction</th><th>PSI</th></tr>"
              f"</thead><tbody>{rows}</tbody></table>")


class EndpointWidget:
    def __init__(self, endpoint: Any, poll_s: float = 2.0, window_s: int = 300,
                 start: bool = True) -> None:
        import ipywidgets as w
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots

        self.endpoint, self.poll_s, self.window_s = endpoint, poll_s, window_s
        self.summary = w.HTML()
        base = make_subplots(rows=2, cols=2, subplot_titles=[t for _, t in PANELS],
                             vertical_spacing=0.18)
        base.update_layout(height=420, margin={"l": 50, "r": 10, "t": 40, "b": 30},
                           legend={"orientation": "h"})
        self.figure = go.FigureWidget(base)
        self.box = w.VBox([self.summary, self.figure])
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.update()
        self.thread: threading.Thread | None = None
        if start:
            self.thread = threading.Thread(target=self._run, daemon=True,
                                           name=f"griffin-endpoint-{endpoint.name}")
            self.thread.start()

    def _run(self) -> None:
        for _ in range(MAX_UPDATES):
            if self._stop.wait(self.poll_s):
                return
            try:
                self.update()
            except Exception as exc:  # the view must never take the kernel down
                self.summary.value += f"<i>live view stopped: {escape(str(exc))}</i>"
                return

    def update(self) -> Any:
        with self._lock:
            detail = self.endpoint.refresh().detail
            health = self.endpoint.health(window_s=self.window_s)
            self.summary.value = endpoint_html(detail, health)
            self._draw(health)
            return health

    def _draw(self, health: Any) -> None:
        series: dict[tuple[int, str], list[Any]] = {}
        for p in health.series:
            series.setdefault((p.version, p.role), []).append(p)
        traces = []
        for (version, role), points in sorted(series.items()):
            for i, (key, _title) in enumerate(PANELS):
                traces.append(dict(
                    type="scatter", mode="lines+markers", x=[p.at for p in points],
                    y=[getattr(p, key) for p in points], name=f"v{version} {role}",
                    legendgroup=f"v{version}{role}", showlegend=i == 0,
                    xaxis=f"x{'' if i == 0 else i + 1}", yaxis=f"y{'' if i == 0 else i + 1}"))
        with self.figure.batch_update():
            self.figure.data = []
            for trace in traces:
                self.figure.add_scatter(**{k: v for k, v in trace.items() if k != "type"})

    def stop(self) -> None:
        self._stop.set()
