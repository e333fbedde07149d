"""The live launch timeline: each step with its status, duration and outcome, the gates,
and Approve/Reject buttons while a person's decision is awaited."""

from __future__ import annotations

import threading
from html import escape
from typing import Any

STATUS_COLOURS = {"pending": "#8a8a8a", "running": "#1f77b4", "waiting": "#ff7f0e",
                  "passed": "#2ca02c", "failed": "#d62728", "skipped": "#b0b0b0",
                  "succeeded": "#2ca02c", "blocked": "#d62728", "rejected": "#d62728",
                  "rolled_back": "#ff7f0e", "awaiting_approval": "#ff7f0e"}
ICONS = {"pending": "○", "running": "◔", "waiting": "⏸", "passed": "✔", "failed": "✖",
         "skipped": "–"}
ENDED = ("succeeded", "blocked", "rejected", "rolled_back", "failed")


def timeline_html(d: Any) -> str:
    """The launch as an HTML table: one row per step, a bar scaled to its duration."""
    longest = max([s.seconds or 0 for s in d.steps] + [1.0])
    rows = []
    for s in d.steps:
        colour = STATUS_COLOURS.get(s.status, "#444")
        width = 0 if s.seconds is None else max(2, int(160 * s.seconds / longest))
        took = "" if s.seconds is None else f"{s.seconds:.1f} s"
        rows.append(
            f"<tr data-step='{escape(s.name)}' data-status='{escape(s.status)}'>"
            f"<td style='color:{colour}'>{ICONS.get(s.status, '?')}</td>"
            f"<td><b>{escape(s.name.replace('_', '-'))}</b></td>"
            f"<td style='color:{colour}'>{escape(s.status)}</td>"
            f"<td><div style='background:{colour};height:8px;width:{width}px'></div></td>"
            f"<td style='text-align:right'>{took}</td>"
            f"<td>{escape(s.message)}</td></tr>")
    return ("<table class='griffin-launch'><thead><tr><th></th><th>Step</th><th>Status</th>"
            "<th></th><th>Time</th><th>Outcome</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def gates_html(d: Any) -> str:
    if not d.gates:
        return ""
    verdicts = {True: ("pass", "#2ca02c"), False: ("fail", "#d62728"),
                None: ("no evidence", "#8a8a8a")}
    rows = "".join(
        f"<tr data-gate='{escape(g.name)}'><td>{escape(g.name)}</td>"
        f"<td>{'required' if g.required else 'advisory'}</td>"
        f"<td style='color:{verdicts[g.passed][1]}'>{verdicts[g.passed][0]}</td>"
        f"<td>{escape(g.message)}</td></tr>" for g in d.gates)
    return ("<table class='griffin-gates'><thead><tr><th>Gate</th><th></th><th>Result</th>"
            f"<th></th></tr></thead><tbody>{rows}</tbody></table>")


def header_html(d: Any) -> str:
    colour = STATUS_COLOURS.get(d.status, "#444")
    prod = f" (production v{d.production_version})" if d.production_version else ""
    took = f" · {d.seconds:.0f} s" if d.seconds is not None else ""
    return (f"<div><b>Launch #{d.id}</b> {escape(d.model)} v{d.version} on "
            f"<code>{escape(d.endpoint)}</code>{prod} · tier {d.tier} · "
            f"<span style='color:{colour}'><b>{escape(d.status.replace('_', ' '))}</b></span>"
            f"{took}<br><span>{escape(d.message)}</span></div>")


class LaunchWidget:
    def __init__(self, launch: Any, poll_s: float = 1.0, start: bool = True) -> None:
        import ipywidgets as w

        self.launch, self.poll_s = launch, poll_s
        self.header, self.steps, self.gates = w.HTML(), w.HTML(), w.HTML()
        self.approve_button = w.Button(description="Approve", button_style="success",
                                       icon="check")
        self.reject_button = w.Button(description="Reject", button_style="danger",
                                      icon="times")
        self.approve_button.on_click(lambda _b: self._decide(True))
        self.reject_button.on_click(lambda _b: self._decide(False))
        self.buttons = w.HBox([self.approve_button, self.reject_button])
        self.box = w.VBox([self.header, self.steps, self.gates, self.buttons])
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._draw(launch.detail)
        self.thread: threading.Thread | None = None
        if start and not launch.done:
            self.thread = threading.Thread(target=self._run, daemon=True,
                                           name=f"griffin-launch-view-{launch.id}")
            self.thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                if self.update():
                    return
            except Exception as exc:  # the view must never take the kernel down
                self.header.value += f"<i>live view stopped: {escape(str(exc))}</i>"
                return

    def update(self) -> bool:
        with self._lock:
            detail = self.launch.refresh()
            self._draw(detail)
            return detail.status in ENDED

    def _draw(self, d: Any) -> None:
        self.header.value = header_html(d)
        self.steps.value = timeline_html(d)
        self.gates.value = gates_html(d)
        self.buttons.layout.display = "" if d.status == "awaiting_approval" else "none"

    def _decide(self, approve: bool) -> None:
        try:
            (self.launch.approve if approve else self.launch.reject)()
        except Exception as exc:  # shown, not raised into the event loop
            self.header.value += f"<div style='color:#d62728'>{escape(str(exc))}</div>"
        self._draw(self.launch.detail)

    def stop(self) -> None:
        self._stop.set()
