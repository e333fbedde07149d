"""``griffin features ...``: the feature store from a shell."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from .errors import GriffinError, ValidationFailed

app = typer.Typer(help="Discover, define, validate, materialize and read features.",
                  no_args_is_help=True)
JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON.")


def _client():  # noqa: ANN202
    import griffin_lab

    return griffin_lab.connect()


def _run(fn, as_json: bool, render) -> None:  # noqa: ANN001
    from .cli import _fail, _print_json

    try:
        with _client() as client:
            result = fn(client)
    except ValidationFailed as exc:
        if as_json:
            _print_json({"error": exc.to_dict()})
        _fail(exc)
    except GriffinError as exc:
        _fail(exc)
    if as_json:
        data = result.model_dump(mode="json", by_alias=True) if hasattr(result, "model_dump") \
            else result
        _print_json(data)
    else:
        render(result)


def _table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for c in columns:
        table.add_column(c)
    for r in rows:
        table.add_row(*[str(x) for x in r])
    Console().print(table)


@app.command()
def search(
    query: str = typer.Argument(None, help="Text in names and descriptions."),
    tag: str = typer.Option(None, help="A tag key or key=value."),
    owner: str = typer.Option(None),
    entity: str = typer.Option(None, help="Entity name or join key."),
    as_json: bool = JsonOption,
) -> None:
    """Search feature views and feature services."""
    def render(r) -> None:  # noqa: ANN001
        _table(f"{len(r.views)} feature views", ["view", "entities", "features", "owner",
                                                 "description"],
               [[v.name, ", ".join(v.entities), len(v.features), v.owner, v.description]
                for v in r.views])
        if r.services:
            _table("feature services", ["service", "features", "description"],
                   [[s.name, len(s.features), s.description] for s in r.services])

    _run(lambda c: c.features.search(query, tag=tag, owner=owner, entity=entity), as_json,
         render)


@app.command()
def describe(name: str, as_json: bool = JsonOption) -> None:
    """Schema, source, TTL, owner, tags, materializations and usage of a feature view."""
    def render(d) -> None:  # noqa: ANN001
        typer.echo(f"{d.name}: {d.description}\n  owner {d.owner}  entities "
                   f"{', '.join(d.entities)}  ttl {d.ttl_seconds // 86400}d  rows {d.row_count}"
                   f"\n  source {d.source_path}\n  last materialized {d.last_materialized_at}")
        _table("features", ["name", "dtype", "description"],
               [[f.name, f.dtype, f.description] for f in d.features])

    _run(lambda c: c.features.describe(name), as_json, render)


@app.command()
def stats(name: str, as_json: bool = JsonOption) -> None:
    """Per-feature statistics of a view's offline data (cached until the data changes)."""
    def fmt(v) -> str:  # noqa: ANN001
        return "" if v is None else f"{v:.4g}" if isinstance(v, float) else str(v)

    def render(s) -> None:  # noqa: ANN001
        _table(f"{s.feature_view}: {s.rows:,} rows ({'cached' if s.cached else 'computed'})",
               ["feature", "dtype", "count", "null %", "distinct", "min", "max", "mean", "std"],
               [[f.name, f.dtype, f.count, f"{100 * f.null_fraction:.1f}", f.distinct,
                 fmt(f.min), fmt(f.max), fmt(f.mean), fmt(f.std)] for f in s.features])

    _run(lambda c: c.features.stats(name), as_json, render)


def _render_report(r) -> None:  # noqa: ANN001
    verdict = "passed" if r.passed else "FAILED"
    typer.echo(f"{r.feature_view}: validation {verdict} ({r.rows_checked:,} rows, "
               f"{r.rules_checked} rules)")
    if r.failures:
        _table("failures", ["rule", "feature", "failing rows", "examples"],
               [[f.rule, f.feature, f.failing_rows, f.examples] for f in r.failures])


@app.command()
def validate(name: str, as_json: bool = JsonOption) -> None:
    """Run a view's validation rules over its data. Exits 1 when a rule fails."""
    from .cli import _print_json

    try:
        with _client() as client:
            report = client.features.validate(name)
    except GriffinError as exc:
        from .cli import _fail

        _fail(exc)
    if as_json:
        _print_json(report.model_dump(mode="json"))
    else:
        _render_report(report)
    if not report.passed:
        raise typer.Exit(1)


@app.command()
def materialize(
    views: list[str] = typer.Argument(None, help="Feature views (default: every online view)."),
    full: bool = typer.Option(False, help="Reload from --start instead of incrementally."),
    start: datetime = typer.Option(None, help="Window start (with --full)."),
    end: datetime = typer.Option(None, help="Window end (default: now)."),
    as_json: bool = JsonOption,
) -> None:
    """Validate new rows and load them into the online store."""
    def render(r) -> None:  # noqa: ANN001
        _table("materialization", ["view", "status", "rows", "seconds"],
               [[v.feature_view, v.status, f"{v.rows:,}", v.seconds] for v in r.views])

    _run(lambda c: c.features.materialize(views or None, incremental=not full, start=start,
                                          end=end), as_json, render)


@app.command("add-source")
def add_source(
    spec: Path = typer.Argument(..., help="A YAML source spec (name, path, entities, owner, "
                                "rules...)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would change; write "
                                 "nothing."),
    as_json: bool = JsonOption,
) -> None:
    """Add a parquet/CSV source as a feature view, validated first."""
    from .features.spec import SourceSpec
    from .specs import load_yaml

    def render(r) -> None:  # noqa: ANN001
        _render_report(r.validation)
        typer.echo(r.plan_text or "(no changes)")
        if r.dry_run:
            typer.echo(f"--- {r.definition_file} (not written) ---\n{r.definition}")
        else:
            typer.echo(f"applied: {r.definition_file}")

    _run(lambda c: c.features.add_source(load_yaml(spec, SourceSpec), dry_run=dry_run),
         as_json, render)


@app.command()
def reports(view: str = typer.Argument(None), limit: int = 20,
            as_json: bool = JsonOption) -> None:
    """Validation reports, newest first."""
    def render(page) -> None:  # noqa: ANN001
        _table("validation reports", ["at", "view", "stage", "passed", "rows", "failures"],
               [[r.at, r.feature_view, r.stage, r.passed, r.rows_checked, len(r.failures)]
                for r in page.reports])

    _run(lambda c: c.features.reports(view, limit), as_json, render)


@app.command()
def serve(workers: int = typer.Option(2, help="Worker processes (one core each)."),
          port: int = typer.Option(None, help="Port on 127.0.0.1 (default: a free one)."),
          stop: bool = typer.Option(False, "--stop", help="Stop the running server."),
          status: bool = typer.Option(False, "--status", help="Only say whether it runs."),
          as_json: bool = JsonOption) -> None:
    """Start the online feature server (in the background) and print how to call it."""
    def render(info) -> None:  # noqa: ANN001
        if not info.running:
            typer.echo("The online feature server is not running.")
            return
        plural = "" if info.workers == 1 else "s"
        typer.echo(f"Online feature server: {info.url} ({info.workers} worker{plural}, "
                   f"pid {info.pid})")
        typer.echo(f"  curl -s {info.url}{info.online_path} -H 'Authorization: token "
                   f"{info.token}' -d '{{\"feature_service\": \"...\", \"entities\": "
                   f"{{\"user_id\": [1]}}}}'")

    if stop:
        _run(lambda c: c.features.stop_server(), as_json, render)
    elif status:
        _run(lambda c: c.features.server(), as_json, render)
    else:
        _run(lambda c: c.features.serve(workers, port), as_json, render)
