"""The ``griffin`` command. Every verb has ``--json`` output for scripts."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import typer

from .errors import GriffinError

app = typer.Typer(
    name="griffin",
    help="Griffin Lab: a notebook-first ML platform inside JupyterLab.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON.")


def _register_groups() -> None:
    from .cli_features import app as features
    from .cli_launch import launch, launches_app
    from .cli_registry import app as models
    from .cli_serving import deploy, endpoints_app
    from .cli_training import jobs_app, train

    app.add_typer(features, name="features")
    app.command("train")(train)
    app.add_typer(jobs_app, name="jobs")
    app.add_typer(models, name="models")
    app.command("deploy")(deploy)
    app.add_typer(endpoints_app, name="endpoints")
    app.command("launch")(launch)
    app.add_typer(launches_app, name="launches")


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, sort_keys=True, default=str))


def _fail(exc: GriffinError) -> None:
    typer.secho(f"error: {exc.message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(2)


@app.command()
def status(as_json: bool = JsonOption) -> None:
    """Version and health of every engine. Exits 1 when the metadata database is not ready."""
    import griffin_lab

    try:
        with griffin_lab.connect() as client:
            report = client.status()
    except GriffinError as exc:
        _fail(exc)
    if as_json:
        _print_json(report.model_dump(mode="json"))
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"Griffin Lab {report.version} — home {report.home}")
        for column in ("state", "engine", "version", "detail", "probe"):
            table.add_column(column)
        style = {"ready": "green", "not_started": "dim", "not_installed": "yellow"}
        for e in report.engines:
            table.add_row(
                f"[{style.get(e.state, 'red')}]{e.state}[/]", e.label, e.version or "",
                e.detail, f"{e.latency_ms:.1f} ms" if e.latency_ms is not None else "",
            )
        Console().print(table)
    database = next((e for e in report.engines if e.name == "database"), None)
    if database is None or not database.ok:
        raise typer.Exit(1)


@app.command()
def demo(
    size: str = typer.Option(None, help="tiny, small, medium, large, or a number of users "
                             "(default: the dataset already there, else small)."),
    seed: int = typer.Option(42, help="Random seed: the same seed gives the same data."),
    force: bool = typer.Option(False, help="Regenerate even when the data is already there."),
    models: int = typer.Option(0, help="Also register this many demo catalogue models "
                               "(metadata only), e.g. 10000 to see the registry at scale."),
    as_json: bool = JsonOption,
) -> None:
    """Generate the demo grocery dataset into GRIFFIN_HOME and seed every subsystem."""
    from .demo.seed import seed_demo
    from .platform import Platform

    say = (lambda _m: None) if as_json else (lambda m: typer.echo(f"· {m}", err=True))
    try:
        with Platform.from_settings() as platform:
            report = seed_demo(platform, size, seed, force=force, progress=say, models=models)
    except GriffinError as exc:
        _fail(exc)
    if as_json:
        _print_json(report)
        return
    verb = "wrote" if report["written"] else "already present:"
    rows = ", ".join(f"{k} {v:,}" for k, v in report["manifest"]["tables"].items())
    typer.echo(f"{verb} {report['data_dir']} ({rows})")


def lab_command(
    port: int, notebook_dir: Path, open_browser: bool, extra: list[str]
) -> list[str]:
    cmd = [
        sys.executable, "-m", "jupyterlab",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        f"--ServerApp.root_dir={notebook_dir}",
    ]
    quickstart = notebook_dir / "00_quickstart.ipynb"
    if quickstart.is_file():
        cmd.append("--LabApp.default_url=/lab/tree/00_quickstart.ipynb")
    if not open_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd + extra


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def lab(
    ctx: typer.Context,
    port: int = typer.Option(8888, help="Port on 127.0.0.1."),
    notebook_dir: Path = typer.Option(
        None, help="Folder to open; default ./notebooks when present, else the current folder."
    ),
    browser: bool = typer.Option(True, help="Open a browser."),
    skip_demo: bool = typer.Option(False, help="Do not generate the demo data first."),
) -> None:
    """Generate the demo data (once) and start JupyterLab with Griffin on 127.0.0.1."""
    if not skip_demo:
        demo(size=None, seed=42, force=False, models=0, as_json=False)
    if notebook_dir is None:
        notebook_dir = Path("notebooks") if Path("notebooks").is_dir() else Path.cwd()
    cmd = lab_command(port, notebook_dir.resolve(), browser, list(ctx.args))
    typer.echo("$ " + " ".join(cmd), err=True)
    os.execv(cmd[0], cmd)


@app.command()
def version() -> None:
    """Print the Griffin Lab version."""
    from . import __version__

    typer.echo(__version__)


def main() -> None:
    _register_groups()
    app()


if __name__ == "__main__":
    main()
else:
    _register_groups()
