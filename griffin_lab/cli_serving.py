"""``griffin deploy MODEL@VERSION [--target kubernetes --out DIR]`` and ``griffin endpoints
list|show|health|promote|scale|rollback|delete|reconcile``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from .cli_features import JsonOption, _run, _table

endpoints_app = typer.Typer(help="Endpoints: what serves, where, and how it is doing.",
                            no_args_is_help=True)


def _show(d: Any) -> None:
    from rich.console import Console

    console = Console(highlight=False)
    extra = (f" + candidate v{d.candidate_version} ({d.mode}"
             + (f" {d.split:.0%}" if d.mode == "split" else "") + ")"
             if d.candidate_version else "")
    console.print(f"[bold]{d.name}[/bold] {d.url} · {d.model} v{d.primary_version}{extra} · "
                  f"{d.status}" + (f" · {d.message}" if d.message else ""), markup=True)
    for p in getattr(d, "processes", []):
        console.print(f"  v{p.version:<4} {p.role:<9} pid {p.pid} port {p.port} "
                      f"{p.workers} worker(s) {p.status} restarts {p.restarts}", markup=False)
    for e in getattr(d, "events", [])[:10]:
        console.print(f"  {e.at:%H:%M:%S} {e.kind:<12} {e.detail}", markup=False)


def deploy(
    model: str = typer.Argument(..., help="MODEL@VERSION, MODEL@ALIAS or MODEL (latest)."),
    target: str = typer.Option("local", help="local: serve it here behind an endpoint; "
                               "kubernetes: write its Bento and manifests to --out."),
    name: str = typer.Option(None, help="Endpoint name, or the Kubernetes Deployment and "
                             "Service name (default: the model's)."),
    port: int = typer.Option(None, help="Stable port on 127.0.0.1 (default: a free one; "
                             "local only)."),
    workers: int = typer.Option(1, help="BentoML worker processes (in each pod)."),
    online_features: bool = typer.Option(
        False, "--online-features", help="Requests may send entity keys only; the endpoint "
        "reads the features the version was trained on from the online store (local only)."),
    feature: list[str] = typer.Option(None, "--feature", help="A view:feature the endpoint "
                                      "reads from the online store (repeat; implies "
                                      "--online-features; local only)."),
    out: Path = typer.Option(None, "--out", help="Folder to write (kubernetes only)."),
    replicas: int = typer.Option(None, help="Pods of the Deployment (kubernetes; default 1)."),
    cpu: str = typer.Option(None, help="CPU of each pod: 500m, 2 (kubernetes; default 1)."),
    memory: str = typer.Option(None, help="Memory of each pod: 512Mi, 2Gi (kubernetes; "
                               "default 1Gi)."),
    image: str = typer.Option(None, help="Image, or a registry prefix ending in / (kubernetes; "
                              "default: the Bento's tag, as bentoml containerize names it)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Write over a folder that holds "
                                   "something else (kubernetes)."),
    as_json: bool = JsonOption,
) -> None:
    """Serve a model version behind a new endpoint (returns once it answers), or with
    --target kubernetes write its Bento and Kubernetes manifests to a folder."""
    from .cli import _fail
    from .errors import InvalidInput

    if target == "local":
        given = [flag for flag, value in (("--out", out), ("--replicas", replicas),
                                          ("--cpu", cpu), ("--memory", memory),
                                          ("--image", image), ("--overwrite", overwrite))
                 if value not in (None, False)]
        if given:
            verb = "is" if len(given) == 1 else "are"
            _fail(InvalidInput(f"{', '.join(given)} {verb} for --target kubernetes only; a "
                               "local endpoint serves on this machine", field="target"))
        loading: bool | list[str] = list(feature) if feature else online_features
        _run(lambda c: c.deploy(model, name=name, port=port, workers=workers,
                                online_features=loading).detail, as_json, _show)
        return
    if target != "kubernetes":
        _fail(InvalidInput(f"--target {target!r} is not a target: use local or kubernetes",
                           field="target"))
    if out is None:
        _fail(InvalidInput("--target kubernetes needs --out DIR, the folder to write",
                           field="out_dir"))
    if port is not None:
        _fail(InvalidInput("--port is for local endpoints; the Kubernetes Service listens on "
                           "80", field="port"))
    _run(lambda c: c.render_kubernetes(
        model, out, name=name, replicas=1 if replicas is None else replicas, workers=workers,
        cpu=cpu or "1", memory=memory or "1Gi", image=image, overwrite=overwrite),
        as_json, _show_render)


def _show_render(r: Any) -> None:
    typer.echo(f"{r.model} v{r.version} as {r.name}: Bento {r.bento}, image {r.image}, "
               f"{r.replicas} replica(s), cpu {r.cpu}, memory {r.memory}")
    typer.echo(f"wrote {r.folder}: {', '.join(r.files)}")
    typer.echo("next, on a machine with Docker and the cluster:")
    for command in r.commands:
        typer.echo(f"  {command}")


@endpoints_app.command("list")
def list_endpoints(as_json: bool = JsonOption) -> None:
    """Endpoints and what they serve."""
    def render(items: Any) -> None:
        _table("endpoints", ["name", "url", "model", "version", "candidate", "status"],
               [[e.name, e.url, e.model, e.primary_version,
                 f"v{e.candidate_version} {e.mode}" if e.candidate_version else "", e.status]
                for e in items.items])

    _run(lambda c: _Items(c.endpoints()), as_json, render)


class _Items:
    def __init__(self, items: list[Any]) -> None:
        self.items = items

    def model_dump(self, **kw: Any) -> list[Any]:
        return [i.model_dump(**kw) for i in self.items]


@endpoints_app.command("show")
def show(name: str, as_json: bool = JsonOption) -> None:
    """An endpoint's versions, processes and recent events."""
    _run(lambda c: c.endpoint(name).detail, as_json, _show)


@endpoints_app.command("promote")
def promote(name: str, version: int,
            mode: str = typer.Option("replace", help="replace, split or shadow."),
            split: float = typer.Option(0.1, help="The candidate's share in split mode."),
            as_json: bool = JsonOption) -> None:
    """Serve another version (blue/green), split traffic with it, or shadow it."""
    _run(lambda c: c.endpoint(name).promote(version, mode, split).detail, as_json, _show)


@endpoints_app.command("scale")
def scale(name: str, workers: int, as_json: bool = JsonOption) -> None:
    """Change the worker count."""
    _run(lambda c: c.endpoint(name).scale(workers).detail, as_json, _show)


@endpoints_app.command("rollback")
def rollback(name: str, as_json: bool = JsonOption) -> None:
    """Drop the candidate, or go back to the previous version."""
    _run(lambda c: c.endpoint(name).rollback().detail, as_json, _show)


@endpoints_app.command("delete")
def delete(name: str) -> None:
    """Stop serving and remove the endpoint."""
    _run(lambda c: c.endpoint(name).delete(), False, lambda _: typer.echo(f"deleted {name}"))


@endpoints_app.command("reconcile")
def reconcile(as_json: bool = JsonOption) -> None:
    """Make processes match the endpoints now (the server does it every few seconds)."""
    _run(lambda c: c.transport.call("serving_reconcile"), as_json,
         lambda r: typer.echo(f"{r.endpoints} endpoint(s): started {r.started}, restarted "
                              f"{r.restarted}, stopped {r.stopped}"))


@endpoints_app.command("health")
def health(name: str, window: int = typer.Option(300, help="Seconds to look back."),
           as_json: bool = JsonOption) -> None:
    """Requests/s, p50/p99 latency, errors, mean prediction and drift (PSI) per version."""
    def render(h: Any) -> None:
        def cell(value: Any, spec: str) -> str:
            return "" if value is None else format(value, spec)

        _table(f"{h.endpoint}: {h.status}" + (f" — {'; '.join(h.reasons)}" if h.reasons
                                              else ""),
               ["version", "role", "requests", "req/s", "p50 ms", "p99 ms", "errors",
                "rejected", "mean prediction", "PSI"],
               [[f"v{v.version}", v.role, v.requests, f"{v.requests_per_s:.1f}",
                 cell(v.p50_ms, ".1f"), cell(v.p99_ms, ".1f"), f"{v.error_rate:.2%}",
                 v.rejected, cell(v.mean_prediction, ".4f"), cell(v.psi, ".3f")]
                for v in h.versions])

    _run(lambda c: c.monitoring.health(name, window_s=window), as_json, render)
