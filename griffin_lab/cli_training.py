"""``griffin train SPEC.yaml`` and ``griffin jobs list|show|logs|cancel``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer

from .cli_features import JsonOption, _client, _run, _table

jobs_app = typer.Typer(help="Follow, inspect and cancel training jobs.", no_args_is_help=True)
TERMINAL = ("succeeded", "failed", "cancelled")


def _summary(d: Any) -> None:
    from rich.console import Console

    console = Console()
    colour = {"succeeded": "green", "failed": "red", "cancelled": "yellow"}.get(d.status, "cyan")
    console.print(f"[bold]{d.name}[/bold] {d.id} · {d.runtime} · [{colour}]{d.status}[/{colour}]"
                  + (f" · {d.duration_s:.1f} s" if d.duration_s is not None else ""))
    if d.message:
        console.print(f"  {d.message}")
    if d.model_name:
        console.print(f"  model: {d.model_name} v{d.model_version}")
    for k, v in (d.metrics or {}).items():
        if isinstance(v, int | float):
            console.print(f"  {k:<28} {v:.6g}")
    for w in d.workers or []:
        console.print(f"  worker rank {w['rank']}/{w['world_size']} on {w['host']} pid {w['pid']}")
    if d.error:
        console.print(d.error, style="red", markup=False, highlight=False)


def _follow(job: Any) -> Any:
    """A progress bar until the job ends (Ctrl-C stops watching, not the job)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[msg]}"),
                  TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task(job.id, total=1.0, msg="")
        try:
            while True:
                d = job.refresh()
                bar.update(task, completed=d.progress, msg=f"{d.status}: {d.message}"[:60])
                if d.status in TERMINAL:
                    return d
                time.sleep(1.0)
        except KeyboardInterrupt:
            typer.echo(f"stopped watching; the job goes on: griffin jobs show {job.id}", err=True)
            raise typer.Exit(130) from None


def train(
    spec: Path = typer.Argument(..., help="The job spec (YAML).", exists=False),
    wait: bool = typer.Option(False, "--wait", help="Wait for the job to end (progress bar); "
                              "exit 1 if it fails."),
    as_json: bool = JsonOption,
) -> None:
    """Check a training spec and submit it to Ray."""
    from .cli import _fail, _print_json
    from .errors import GriffinError

    try:
        with _client() as client:
            job = client.train(spec)
            if not as_json:
                typer.echo(f"submitted {job.id} ({job.detail.runtime}); "
                           f"follow it with: griffin jobs show {job.id}")
            detail = (_follow(job) if not as_json else job.wait(check=False).detail) \
                if wait else job.detail
    except GriffinError as exc:
        _fail(exc)
    if as_json:
        _print_json(detail.model_dump(mode="json"))
    elif wait:
        _summary(detail)
    if wait and detail.status != "succeeded":
        raise typer.Exit(1)


@jobs_app.command("list")
def list_jobs(
    status: str = typer.Option(None, help="pending, running, succeeded, failed or cancelled."),
    limit: int = typer.Option(20),
    as_json: bool = JsonOption,
) -> None:
    """Recent jobs, newest first."""
    def render(jobs: list[Any]) -> None:
        _table("training jobs", ["id", "runtime", "status", "duration", "owner", "message"],
               [[j.id, j.runtime, j.status,
                 "" if j.duration_s is None else f"{j.duration_s:.0f} s", j.owner, j.message]
                for j in jobs])

    _run(lambda c: _JobsList(c.jobs(status=status, limit=limit)), as_json,
         lambda r: render(r.jobs))


class _JobsList:
    def __init__(self, jobs: list[Any]) -> None:
        self.jobs = jobs

    def model_dump(self, **kw: Any) -> list[Any]:
        return [j.model_dump(**kw) for j in self.jobs]


@jobs_app.command("show")
def show(job_id: str, as_json: bool = JsonOption) -> None:
    """Status, data, workers, final metrics and error of one job."""
    _run(lambda c: c.job(job_id).detail, as_json, _summary)


@jobs_app.command("logs")
def logs(job_id: str, tail: int = typer.Option(200, help="How many lines.")) -> None:
    """The last lines of a job's log."""
    _run(lambda c: c.job(job_id).logs(tail), False, typer.echo)


@jobs_app.command("cancel")
def cancel(job_id: str, as_json: bool = JsonOption) -> None:
    """Cancel a pending or running job."""
    _run(lambda c: c.job(job_id).cancel().detail, as_json, _summary)
