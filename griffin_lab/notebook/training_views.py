"""``%%griffin train`` (a YAML spec in the cell body) and ``%griffin jobs``."""

from __future__ import annotations

from html import escape
from typing import Any

from .magics import GriffinMagics, MagicUsageError, cell_command, line_command


@cell_command("train", "submit the YAML job spec in the cell body to Ray and watch it live "
              "(--wait blocks until it ends)")
def _train(magics: GriffinMagics, args: list[str], cell: str) -> Any:
    unknown = [a for a in args if a != "--wait"]
    if unknown:
        raise MagicUsageError(f"%%griffin train takes only --wait, not {' '.join(unknown)}")
    if not cell.strip():
        raise MagicUsageError("%%griffin train needs a YAML job spec in the cell body")
    job = magics.client.train(cell)
    if magics.shell is not None:
        magics.shell.user_ns["griffin_job"] = job
    if "--wait" in args:
        job.wait(check=False)
    return job


class JobsView:
    def __init__(self, jobs: list[Any]) -> None:
        self.jobs = jobs

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td><code>{escape(j.id)}</code></td><td>{escape(j.runtime)}</td>"
            f"<td>{j.status}</td><td>{'' if j.duration_s is None else f'{j.duration_s:.0f} s'}"
            f"</td><td>{escape(j.owner)}</td><td>{escape(j.message)}</td></tr>"
            for j in self.jobs)
        return ("<table><thead><tr><th>Job</th><th>Runtime</th><th>Status</th><th>Duration"
                f"</th><th>Owner</th><th></th></tr></thead><tbody>{rows}</tbody></table>"
                if self.jobs else "<i>No training jobs yet: %%griffin train runs one.</i>")

    def __repr__(self) -> str:
        return "\n".join(f"{j.id:<40} {j.runtime:<11} {j.status:<10} {j.message}"
                         for j in self.jobs) or "No training jobs yet."


@line_command("jobs", "recent training jobs")
def _jobs(magics: GriffinMagics, args: list[str]) -> JobsView:
    if args:
        raise MagicUsageError("%griffin jobs takes no arguments")
    return JobsView(magics.client.jobs())
