"""``%griffin deploy MODEL@VERSION``, ``%griffin launch MODEL@VERSION`` and
``%griffin endpoints``: serving and launches from a cell."""

from __future__ import annotations

from html import escape
from typing import Any

from .magics import GriffinMagics, MagicUsageError, line_command

DEPLOY_OPTIONS = {"--name": str, "--port": int, "--workers": int}
DEPLOY_FLAGS = {"--online-features": True}
LAUNCH_OPTIONS = {"--endpoint": str, "--tolerance": float, "--shadow": float,
                  "--watch": float, "--replay": int, "--workers": int, "--reason": str}
LAUNCH_FLAGS = {"--approval": True, "--no-approval": False}


def _options(command: str, args: list[str], takes: dict[str, type],
             flags: dict[str, bool] | None = None) -> tuple[list[str], dict[str, Any]]:
    positional, options, it = [], {}, iter(args)
    for arg in it:
        if flags and arg in flags:
            options[arg] = flags[arg]
        elif arg in takes:
            value = next(it, None)
            if value is None:
                raise MagicUsageError(f"{arg} needs a value")
            try:
                options[arg] = takes[arg](value)
            except ValueError:
                raise MagicUsageError(f"{arg} takes a {takes[arg].__name__}, not "
                                      f"{value!r}") from None
        elif arg.startswith("--"):
            known = ", ".join([*takes, *(flags or {})])
            raise MagicUsageError(f"%griffin {command} takes {known}, not {arg}")
        else:
            positional.append(arg)
    if len(positional) != 1:
        raise MagicUsageError(f"%griffin {command} takes one MODEL@VERSION")
    return positional, options


@line_command("deploy", "serve a model version: %griffin deploy MODEL@VERSION [--name N] "
              "[--port P] [--workers W] [--online-features]")
def _deploy(magics: GriffinMagics, args: list[str]) -> Any:
    (ref,), opts = _options("deploy", args, DEPLOY_OPTIONS, DEPLOY_FLAGS)
    endpoint = magics.client.deploy(ref, name=opts.get("--name"), port=opts.get("--port"),
                                    workers=opts.get("--workers", 1),
                                    online_features=opts.get("--online-features", False))
    if magics.shell is not None:
        magics.shell.user_ns["griffin_endpoint"] = endpoint
    return endpoint


@line_command("launch", "launch a version through the gates: %griffin launch MODEL@VERSION "
              "[--endpoint E] [--shadow S] [--watch S] [--approval]")
def _launch(magics: GriffinMagics, args: list[str]) -> Any:
    (ref,), opts = _options("launch", args, LAUNCH_OPTIONS, LAUNCH_FLAGS)
    names = {"--endpoint": "endpoint", "--tolerance": "tolerance", "--shadow": "shadow_s",
             "--watch": "watch_s", "--replay": "replay", "--workers": "workers",
             "--reason": "reason"}
    options = {names[k]: v for k, v in opts.items() if k in names}
    for flag in LAUNCH_FLAGS:
        if flag in opts:
            options["require_approval"] = opts[flag]
    if "@" not in ref:
        raise MagicUsageError("%griffin launch takes MODEL@VERSION (a number or an alias)")
    launch = magics.client.launch(ref, **options)
    if magics.shell is not None:
        magics.shell.user_ns["griffin_launch"] = launch
    return launch


class EndpointsView:
    def __init__(self, endpoints: list[Any]) -> None:
        self.endpoints = endpoints

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr data-endpoint='{escape(e.name)}'><td><b>{escape(e.name)}</b></td>"
            f"<td><code>{escape(e.url)}</code></td><td>{escape(e.model)} v{e.primary_version}"
            + (f" + v{e.candidate_version} {escape(e.mode)}" if e.candidate_version else "")
            + f"</td><td>{escape(e.status)}</td><td>{escape(e.message)}</td></tr>"
            for e in self.endpoints)
        return ("<table><thead><tr><th>Endpoint</th><th>Address</th><th>Serves</th>"
                f"<th>Status</th><th></th></tr></thead><tbody>{rows}</tbody></table>"
                if self.endpoints else "<i>No endpoints yet: %griffin deploy MODEL@VERSION "
                "serves one.</i>")

    def __repr__(self) -> str:
        return "\n".join(f"{e.name:<30} {e.url:<24} {e.model} v{e.primary_version} {e.status}"
                         for e in self.endpoints) or "No endpoints yet."


@line_command("endpoints", "endpoints and what they serve")
def _endpoints(magics: GriffinMagics, args: list[str]) -> EndpointsView:
    if args:
        raise MagicUsageError("%griffin endpoints takes no arguments")
    return EndpointsView(magics.client.endpoints())
