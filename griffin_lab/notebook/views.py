"""Rich notebook views. They use JupyterLab's CSS variables, so both themes read well."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..system.schemas import StatusResponse

STATE_COLOURS = {
    "ready": "var(--jp-success-color1, #388e3c)",
    "not_started": "var(--jp-layout-color4, #9e9e9e)",
    "not_installed": "var(--jp-warn-color1, #f57c00)",
    "unreachable": "var(--jp-error-color1, #d32f2f)",
    "error": "var(--jp-error-color1, #d32f2f)",
}


class StatusView:
    """What ``%griffin status`` shows: one row per engine, state in colour and in words."""

    def __init__(self, status: StatusResponse, where: str = "") -> None:
        self.status = status
        self.where = where

    def _repr_html_(self) -> str:
        rows = []
        for e in self.status.engines:
            colour = STATE_COLOURS.get(e.state, STATE_COLOURS["error"])
            latency = "" if e.latency_ms is None else f"{e.latency_ms:.1f} ms"
            rows.append(
                f'<tr data-engine="{escape(e.name)}" data-state="{escape(e.state)}">'
                f'<td><span style="display:inline-block;width:0.7em;height:0.7em;'
                f'border-radius:50%;background:{colour};margin-right:0.4em"></span>'
                f"{escape(e.state.replace('_', ' '))}</td>"
                f"<td><b>{escape(e.label)}</b></td><td>{escape(e.version or '')}</td>"
                f"<td>{escape(e.detail)}</td><td style='text-align:right'>{latency}</td></tr>"
            )
        where = f" &middot; {escape(self.where)}" if self.where else ""
        return (
            '<div class="griffin-status" style="font-family:var(--jp-ui-font-family)">'
            f"<div><b>Griffin Lab {escape(self.status.version)}</b>{where} &middot; home "
            f"<code>{escape(self.status.home)}</code></div>"
            '<table style="margin-top:0.4em"><thead><tr><th>State</th><th>Engine</th>'
            "<th>Version</th><th>Detail</th><th>Probe</th></tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table></div>"
        )

    def __repr__(self) -> str:
        width = max(len(e.label) for e in self.status.engines)
        lines = [f"Griffin Lab {self.status.version} (home {self.status.home})"]
        for e in self.status.engines:
            lines.append(
                f"  {e.state:<13} {e.label:<{width}}  {e.version or '-':<10} {e.detail}"
            )
        return "\n".join(lines)
