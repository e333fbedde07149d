"""``griffin launch MODEL@VERSION`` and ``griffin launches list|show|approve|reject``."""

from __future__ import annotations

import time
from typing import Any

import typer

from .cli_features import JsonOption, _client, _run, _table

launches_app = typer.Typer(help="Launches: versions taken to production through gates.",
                           no_args_is_help=True)
ENDED = ("succeeded", "blocked", "rejected", "rolled_back", "failed")


def _show(d: Any) -> None:
    from rich.console import Console

    console = Console(highlight=False)
    prod = f" (production v{d.production_version})" if d.production_version else ""
    took = f" · {d.seconds:.1f} s" if d.seconds is not None else ""
    console.print(f"[bold]launch #{d.id}[/bold] {d.model} v{d.version} on {d.endpoint}{prod}"
                  f" · tier {d.tier} · [bold]{d.status}[/bold]{took}", markup=True)
    if d.message:
        console.print(f"  {d.message}", markup=False)
    for s in d.steps:
        took = "" if s.seconds is None else f"{s.seconds:6.1f} s"
        console.print(f"  {s.name:<13} {s.status:<8} {took:>8}  {s.message}", markup=False)
    for g in d.gates:
        verdict = {True: "pass", False: "FAIL", None: "n/a"}[g.passed]
        console.print(f"  gate {g.name:<10} {verdict:<5} {'required' if g.required else '':<9}"
                      f" {g.message}", markup=False)


def _follow(launch: Any) -> Any:
    """Print each step as it changes until the launch ends (or waits for a person)."""
    seen: dict[str, str] = {}
    while True:
        for s in launch.detail.steps:
            if seen.get(s.name) != s.status:
                seen[s.name] = s.status
                if s.status != "pending":
                    typer.echo(f"  {s.name:<13} {s.status:<8} {s.message}")
        if launch.done:
            return launch.detail
        if launch.detail.status == "awaiting_approval":
            typer.echo(f"launch #{launch.id} waits for approval: griffin launches approve "
                       f"{launch.id}")
            return launch.detail
        time.sleep(0.5)
        launch.refresh()


def launch(
    ref: str = typer.Argument(..., help="MODEL@VERSION (a number or an alias)."),
    endpoint: str = typer.Option(None, help="The production endpoint (default: the model's)."),
    tolerance: float = typer.Option(0.01, help="How much worse an offline metric may be."),
    shadow: float = typer.Option(5.0, help="Seconds of shadow traffic."),
    watch: float = typer.Option(10.0, help="Seconds of health watch after the switch."),
    replay: int = typer.Option(200, help="Recorded requests replayed in estimation."),
    approval: bool = typer.Option(None, "--approval/--no-approval",
                                  help="Whether a person must approve (default: the tier)."),
    reason: str = typer.Option("", help="Why; kept with the alias moves."),
    wait: bool = typer.Option(True, "--wait/--no-wait",
                              help="Follow the launch (a server keeps running it anyway)."),
    as_json: bool = JsonOption,
) -> None:
    """Launch a version: estimation, approval gates, preparation, scale-up, finalization.
    Exits 1 unless it succeeded."""
    from .cli import _fail, _print_json
    from .errors import GriffinError, InvalidInput

    try:
        with _client() as client:
            if not wait and client.transport.kind != "http":
                raise InvalidInput("--no-wait needs a Griffin server (GRIFFIN_URL): without "
                                   "one the launch runs in this command", field="wait")
            started = client.launch(ref, endpoint=endpoint, tolerance=tolerance,
                                    shadow_s=shadow, watch_s=watch, replay=replay,
                                    require_approval=approval, reason=reason)
            if not as_json:
                typer.echo(f"launch #{started.id}: {started.detail.model} "
                           f"v{started.detail.version} on {started.detail.endpoint}")
            if not wait:
                detail = started.detail
            elif as_json:
                detail = started.wait().detail
            else:
                detail = _follow(started)
    except GriffinError as exc:
        _fail(exc)
    if as_json:
        _print_json(detail.model_dump(mode="json"))
    elif wait:
        _show(detail)
    if wait and detail.status not in ("succeeded", "awaiting_approval"):
        raise typer.Exit(1)


@launches_app.command("list")
def list_launches(model: str = typer.Option(None), endpoint: str = typer.Option(None),
                  limit: int = typer.Option(20), as_json: bool = JsonOption) -> None:
    """Recent launches, newest first."""
    from .cli_serving import _Items

    def render(items: Any) -> None:
        _table("launches", ["id", "model", "version", "endpoint", "status", "seconds",
                            "message"],
               [[i.id, i.model, i.version, i.endpoint, i.status,
                 "" if i.seconds is None else f"{i.seconds:.0f}", i.message]
                for i in items.items])

    _run(lambda c: _Items(c.launches.list(model, endpoint, limit)), as_json, render)


@launches_app.command("show")
def show(launch_id: int, as_json: bool = JsonOption) -> None:
    """A launch's steps, gates and outcome."""
    _run(lambda c: c.launches.get(launch_id).detail, as_json, _show)


@launches_app.command("approve")
def approve(launch_id: int, reason: str = typer.Option(""), as_json: bool = JsonOption) -> None:
    """Approve a launch that waits for a person."""
    _run(lambda c: c.launches.get(launch_id).approve(reason).detail, as_json, _show)


@launches_app.command("reject")
def reject(launch_id: int, reason: str = typer.Option(""), as_json: bool = JsonOption) -> None:
    """Reject a launch that waits for a person (production stays as it is)."""
    _run(lambda c: c.launches.get(launch_id).reject(reason).detail, as_json, _show)
