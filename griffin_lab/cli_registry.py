"""``griffin models list|show|register|alias|compare|export|import|update``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from .cli_features import JsonOption, _run, _table

app = typer.Typer(help="The model registry: search, inspect, alias, compare, register, "
                  "export and import models.", no_args_is_help=True)


def _parse_ref(ref: str) -> tuple[str, str | None]:
    name, _, which = ref.partition("@")
    return name, which or None


@app.command("list")
def list_models(
    query: str = typer.Argument(None, help="Text in name, description, use case or team."),
    tier: str = typer.Option(None, help="A tier or several: 0,1."),
    owner: str = typer.Option(None),
    team: str = typer.Option(None),
    framework: str = typer.Option(None),
    tag: str = typer.Option(None),
    alias: str = typer.Option(None, help="Only models that have this alias."),
    health: str = typer.Option(None, help="ok, warning, critical or unknown."),
    feature: str = typer.Option(None, help="Trained on this feature (view:feature) or view."),
    attention: bool = typer.Option(False, "--attention", help="Models that need attention, "
                                   "tier 0 first."),
    sort: str = typer.Option("-updated_at", help="updated_at, name, tier, created_at; "
                             "'-' for descending."),
    limit: int = typer.Option(50),
    offset: int = typer.Option(0),
    as_json: bool = JsonOption,
) -> None:
    """Search the registry."""
    def fetch(client: Any) -> Any:
        if attention:
            return client.models.attention(limit=limit, offset=offset)
        return client.models.search(query, tier=tier, owner=owner, team=team,
                                    framework=framework, tag=tag, alias=alias, health=health,
                                    feature=feature, sort=sort, limit=limit, offset=offset)

    def render(page: Any) -> None:
        first = page.offset + 1 if page.items else 0
        _table(f"models {first}-{page.offset + len(page.items)} of {page.total}",
               ["tier", "name", "latest", "aliases", "health", "team", "owner", "updated"],
               [[f"T{m.tier}", m.name, m.latest_version or "-",
                 ", ".join(f"{a}→v{v}" for a, v in sorted(m.aliases.items())),
                 m.health, m.team, m.owner, f"{m.updated_at:%Y-%m-%d %H:%M}"]
                for m in page.items])

    _run(fetch, as_json, render)


def _show(d: Any) -> None:
    from rich.console import Console

    console = Console(highlight=False)
    console.print(f"[bold]{d.name}[/bold] · tier {d.tier} · {d.health}"
                  + (f" ({d.health_reason})" if d.health_reason else ""))
    for label, value in (("description", d.description), ("owner", d.owner),
                         ("team", d.team), ("use case", d.use_case),
                         ("tags", ", ".join(d.tags))):
        if value:
            console.print(f"  {label:<12} {value}", markup=False)
    if d.aliases:
        console.print("  aliases      " + ", ".join(f"{a}→v{v}"
                                                    for a, v in sorted(d.aliases.items())))
    for v in d.versions:
        metrics = ", ".join(f"{k}={x:.4g}" for k, x in sorted(v.metrics.items())
                            if isinstance(x, int | float))[:90]
        console.print(f"  v{v.version:<4} {v.framework:<18} {v.source:<9} "
                      f"{v.created_at:%Y-%m-%d %H:%M} {metrics}", markup=False)


@app.command("show")
def show(ref: str = typer.Argument(..., help="NAME, or NAME@VERSION / NAME@ALIAS for one "
                                   "version."),
         as_json: bool = JsonOption) -> None:
    """A model (catalogue fields, versions, aliases) or one version."""
    name, which = _parse_ref(ref)
    if which is None:
        _run(lambda c: c.models.get(name), as_json, _show)
    else:
        _run(lambda c: c.models.version(name, which), as_json,
             lambda v: typer.echo(json.dumps(v.model_dump(mode="json"), indent=2)))


@app.command("create")
def create(
    name: str,
    description: str = typer.Option(None),
    owner: str = typer.Option(None),
    team: str = typer.Option(None),
    use_case: str = typer.Option(None, "--use-case"),
    tier: int = typer.Option(None, help="0 business-critical ... 3 experimental."),
    tag: list[str] = typer.Option(None, "--tag", help="Repeat for several."),
    card: Path = typer.Option(None, help="A markdown file: the model card."),
    as_json: bool = JsonOption,
) -> None:
    """Create a model entry."""
    fields = _fields(description, owner, team, use_case, tier, tag, card)
    _run(lambda c: c.models.create(name, **fields), as_json, _show)


@app.command("update")
def update(
    name: str,
    description: str = typer.Option(None),
    owner: str = typer.Option(None),
    team: str = typer.Option(None),
    use_case: str = typer.Option(None, "--use-case"),
    tier: int = typer.Option(None, help="0 business-critical ... 3 experimental."),
    tag: list[str] = typer.Option(None, "--tag", help="Replaces the tags; repeat for several."),
    card: Path = typer.Option(None, help="A markdown file: the model card."),
    as_json: bool = JsonOption,
) -> None:
    """Change a model's catalogue fields."""
    fields = _fields(description, owner, team, use_case, tier, tag, card)
    _run(lambda c: c.models.update(name, **fields), as_json, _show)


def _fields(description: str | None, owner: str | None, team: str | None,
            use_case: str | None, tier: int | None, tags: list[str] | None,
            card: Path | None) -> dict[str, Any]:
    fields = {"description": description, "owner": owner, "team": team, "use_case": use_case,
              "tier": tier, "tags": tags or None}
    if card is not None:
        if not card.is_file():
            raise typer.BadParameter(f"{card} is not a file", param_hint="--card")
        fields["card"] = card.read_text()
    return {k: v for k, v in fields.items() if v is not None}


@app.command("register")
def register(
    name: str,
    path: Path = typer.Argument(..., help="A LightGBM model file, a .keras file, or a Hugging "
                                "Face model/adapter folder."),
    framework: str = typer.Option(None, help="Detected when not given."),
    description: str = typer.Option("", help="What this version is."),
    signature: str = typer.Option(None, help="Inputs/outputs as JSON (when the model does not "
                                  "record them)."),
    metrics: str = typer.Option(None, help='Metrics as JSON: {"valid_auc": 0.81}.'),
    tier: int = typer.Option(None, help="Tier of a model created by this call."),
    team: str = typer.Option(None, help="Team of a model created by this call."),
    as_json: bool = JsonOption,
) -> None:
    """Register a model file or folder from disk as the next version (no training job)."""
    extra = {k: v for k, v in (("tier", tier), ("team", team)) if v is not None}
    _run(lambda c: c.models.register(
        name, path.resolve(), framework=framework, description=description,
        signature=_json(signature, "--signature"), metrics=_json(metrics, "--metrics"),
        **extra), as_json, lambda v: typer.echo(f"registered {v.model} v{v.version} "
                                                f"({v.framework}) at {v.artifact_uri}"))


def _json(text: str | None, option: str) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise typer.BadParameter(f"not JSON: {exc}", param_hint=option) from None


@app.command("alias")
def alias(
    ref: str = typer.Argument(..., help="NAME@VERSION to point the alias at (or NAME with "
                              "--delete)."),
    alias_name: str = typer.Argument(..., metavar="ALIAS", help="production, staging, ..."),
    reason: str = typer.Option("", help="Why (kept in the alias history)."),
    delete: bool = typer.Option(False, "--delete", help="Remove the alias."),
    as_json: bool = JsonOption,
) -> None:
    """Point an alias at a version (or remove it); every move is kept."""
    name, which = _parse_ref(ref)
    if delete:
        _run(lambda c: c.models.delete_alias(name, alias_name, reason), as_json,
             lambda e: typer.echo(f"{name}: {alias_name} removed (was v{e.from_version})"))
        return
    if which is None or not which.isdigit():
        raise typer.BadParameter("give the version as NAME@VERSION, e.g. reorder@3",
                                 param_hint="REF")
    _run(lambda c: c.models.set_alias(name, alias_name, int(which), reason), as_json,
         lambda a: typer.echo(f"{name}: {a.alias} → v{a.version}"))


@app.command("compare")
def compare(
    name: str,
    versions: str = typer.Option(None, help="Comma-separated versions; default: the latest "
                                 "two."),
    as_json: bool = JsonOption,
) -> None:
    """Metrics side by side, parameters and features that differ."""
    wanted = None if versions is None else [int(v) for v in versions.split(",") if v.strip()]

    def render(view: Any) -> None:
        cmp = view.comparison
        numbers = [v.version for v in cmp.versions]
        _table(f"{cmp.model}: metrics", ["metric", *[f"v{v}" for v in numbers]],
               [[r.name, *[_cell(r.values.get(v), r.best == v) for v in numbers]]
                for r in cmp.metrics])
        differing = [r for r in cmp.params if r.differs]
        if differing:
            _table("parameters that differ", ["param", *[f"v{v}" for v in numbers]],
                   [[r.name, *[r.values.get(v) for v in numbers]] for r in differing])
        common = set(cmp.common_features)
        for v, feats in cmp.features.items():
            only = sorted(set(feats) - common)
            if only:
                typer.echo(f"only in v{v}: {', '.join(only)}")

    _run(lambda c: _Dump(c.models.compare(name, wanted)), as_json, render)


def _cell(value: Any, best: bool) -> str:
    text = "-" if value is None else f"{value:.4g}"
    return f"{text} *" if best else text


class _Dump:
    """A comparison view that prints as JSON with --json."""

    def __init__(self, view: Any) -> None:
        self.comparison = view.comparison

    def model_dump(self, **kw: Any) -> Any:
        return self.comparison.model_dump(**kw)


@app.command("export")
def export(
    ref: str = typer.Argument(..., help="NAME, NAME@VERSION or NAME@ALIAS."),
    path: Path = typer.Argument(..., help="A .tar.gz file or a folder."),
    overwrite: bool = typer.Option(False, "--overwrite"),
    as_json: bool = JsonOption,
) -> None:
    """Write a version (files + metadata) as a portable bundle."""
    name, which = _parse_ref(ref)
    _run(lambda c: c.models.export(name, path.resolve(), which, overwrite=overwrite), as_json,
         lambda r: typer.echo(f"wrote {r.path} ({r.bytes:,} bytes, sha256 {r.sha256[:12]})"))


@app.command("import")
def import_bundle(
    path: Path = typer.Argument(..., help="A bundle written by `griffin models export`."),
    name: str = typer.Option(None, help="Register under this name instead."),
    as_json: bool = JsonOption,
) -> None:
    """Register a bundle as the next version of its model."""
    _run(lambda c: c.models.import_bundle(path.resolve(), name), as_json,
         lambda v: typer.echo(f"registered {v.model} v{v.version} ({v.framework})"))
