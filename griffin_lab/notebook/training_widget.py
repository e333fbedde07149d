"""The live job widget: status, progress, plotly metric curves, a short log tail and a cancel
button, updated from a background thread while the job runs.

The notebook only ever sees this curated view: Ray's own log flood stays in the job's log
(``job.logs()``), never in the cell's output.
"""

from __future__ import annotations

import threading
from html import escape
from typing import Any

STATUS_COLOURS = {"pending": "#8a8a8a", "running": "#1f77b4", "succeeded": "#2ca02c",
                  "failed": "#d62728", "cancelled": "#ff7f0e"}
LOG_LINES = 12


class JobWidget:
    """Wraps an ipywidgets box; ``poll_s`` sets how often it asks for news."""

    def __init__(self, job: Any, poll_s: float = 1.0, start: bool = True) -> None:
        import ipywidgets as w
        import plotly.graph_objects as go

        self.job, self.poll_s = job, poll_s
        self.header = w.HTML()
        self.progress = w.FloatProgress(min=0.0, max=1.0, layout=w.Layout(width="100%"))
        self.figure = go.FigureWidget(layout=go.Layout(
            height=300, margin={"l": 50, "r": 10, "t": 30, "b": 40},
            xaxis={"title": "step"}, legend={"orientation": "h"}, title="metrics"))
        self.summary = w.HTML()
        self.log = w.HTML()
        self.cancel_button = w.Button(description="Cancel", button_style="warning",
                                      icon="stop")
        self.cancel_button.on_click(lambda _b: self._cancel())
        self.box = w.VBox([self.header, self.progress, self.figure, self.summary,
                           self.cancel_button, self.log])
        self._series: dict[str, tuple[list[int], list[float]]] = {}
        self._after = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.update()
        self.thread: threading.Thread | None = None
        if start and self.job.detail.status not in ("succeeded", "failed", "cancelled"):
            self.thread = threading.Thread(target=self._run, name=f"griffin-job-{job.id}",
                                           daemon=True)
            self.thread.start()

    # updates -----------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                if self.update():
                    return
            except Exception as exc:  # the view must never take the kernel down
                self.summary.value = f"<i>live view stopped: {escape(str(exc))}</i>"
                return

    def update(self) -> bool:
        """Fetch news and redraw; True once the job has ended (and everything is shown)."""
        with self._lock:
            detail = self.job.refresh()
            page = self.job.metric_points(self._after)
            self._after = page.last_id
            for p in page.points:
                if p.trial:
                    continue
                steps, values = self._series.setdefault(p.name, ([], []))
                steps.append(p.step)
                values.append(p.value)
            self._draw(detail)
            return detail.status in ("succeeded", "failed", "cancelled")

    def _draw(self, d: Any) -> None:
        colour = STATUS_COLOURS.get(d.status, "#444")
        took = f" · {d.duration_s:.0f} s" if d.duration_s is not None else ""
        model = (f" · registered <b>{escape(d.model_name)}</b> v{d.model_version}"
                 if d.model_name else "")
        self.header.value = (
            f"<div><b>{escape(d.name)}</b> <code>{escape(d.id)}</code> · {escape(d.runtime)} · "
            f"<span style='color:{colour};font-weight:bold'>{d.status}</span>{took}{model}"
            f"<br><span style='opacity:0.75'>{escape(d.message or '')}</span></div>")
        self.progress.value = 1.0 if d.status == "succeeded" else float(d.progress or 0.0)
        self.progress.bar_style = {"succeeded": "success", "failed": "danger",
                                   "cancelled": "warning"}.get(d.status, "info")
        with self.figure.batch_update():
            have = {t.name: t for t in self.figure.data}
            for name, (steps, values) in sorted(self._series.items()):
                if name in have:
                    have[name].x, have[name].y = list(steps), list(values)
                else:
                    self.figure.add_scatter(x=list(steps), y=list(values), mode="lines",
                                            name=name)
        self.cancel_button.disabled = d.status in ("succeeded", "failed", "cancelled")
        if d.metrics:
            cells = "".join(f"<tr><td>{escape(k)}</td><td>{v:.5g}</td></tr>"
                            for k, v in d.metrics.items() if isinstance(v, int | float))
            evaluation = getattr(d, "evaluation", None)
            self.summary.value = (f"<table class='griffin-metrics'>{cells}</table>"
                                  + (evaluation_html(evaluation) if evaluation else ""))
        if d.error:
            self.summary.value = (f"<pre style='color:#d62728;white-space:pre-wrap'>"
                                  f"{escape(d.error[:3000])}</pre>")
        if d.status in ("running", "failed") or d.log_tail:
            tail = self.job.logs(tail=LOG_LINES)
            self.log.value = ("<pre style='max-height:12em;overflow:auto;font-size:11px;"
                              f"opacity:0.8'>{escape(tail)}</pre>")

    def _cancel(self) -> None:
        try:
            self.job.cancel()
        finally:
            self.update()

    def stop(self) -> None:
        self._stop.set()

    @property
    def series(self) -> dict[str, tuple[list[int], list[float]]]:
        return self._series

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.box)


def evaluation_html(ev: dict[str, Any]) -> str:
    """An LLM job's held-out loss and perplexity before/after, and its sample generations."""
    before, after = ev.get("before") or {}, ev.get("after") or {}

    def num(v: Any) -> str:
        return f"{v:.4g}" if isinstance(v, int | float) else ""

    rows = "".join(
        f"<tr><td>{label}</td><td>{num(before.get(key))}</td><td>{num(after.get(key))}</td></tr>"
        for label, key in (("perplexity", "perplexity"), ("loss", "loss")))
    gens = "".join(
        f"<tr><td><pre>{escape(g.get('prompt', ''))}</pre></td>"
        f"<td><pre>{escape(g.get('before', ''))}</pre></td>"
        f"<td><pre>{escape(g.get('after', ''))}</pre></td></tr>"
        for g in ev.get("generations") or [])
    out = ("<h4>Held-out records</h4><table class='griffin-llm-eval'><tr><th></th>"
           f"<th>before</th><th>after</th></tr>{rows}</table>")
    if gens:
        out += ("<h4>Sample generations</h4><table class='griffin-llm-generations'><tr>"
                f"<th>prompt</th><th>before</th><th>after</th></tr>{gens}</table>")
    return out
