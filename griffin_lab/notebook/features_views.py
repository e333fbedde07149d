"""Notebook views of the feature store, and ``%griffin features [query]``."""

from __future__ import annotations

from html import escape
from typing import Any

from .magics import GriffinMagics, MagicUsageError, line_command


class FeatureSearchView:
    def __init__(self, result: Any, query: str = "") -> None:
        self.result, self.query = result, query

    def _repr_html_(self) -> str:
        rows = "".join(
            f'<tr data-feature-view="{escape(v.name)}"><td><b>{escape(v.name)}</b></td>'
            f"<td>{escape(', '.join(v.entities))}</td>"
            f"<td>{escape(', '.join(f.name for f in v.features))}</td>"
            f"<td>{escape(v.owner)}</td><td>{escape(v.description)}</td></tr>"
            for v in self.result.views
        )
        services = "".join(
            f"<li><b>{escape(s.name)}</b>: {len(s.features)} features. "
            f"{escape(s.description)}</li>" for s in self.result.services
        )
        title = f"for “{escape(self.query)}”" if self.query else "in the catalogue"
        return (
            f"<div class='griffin-features'><div><b>{len(self.result.views)} feature views "
            f"{title}</b></div><table><thead><tr><th>View</th><th>Entities</th>"
            f"<th>Features</th><th>Owner</th><th>Description</th></tr></thead><tbody>{rows}"
            f"</tbody></table>"
            + (f"<div>Feature services:</div><ul>{services}</ul>" if services else "")
            + "<div style='opacity:0.7'>client.features.browse() opens the interactive "
            "catalogue.</div></div>"
        )

    def __repr__(self) -> str:
        lines = [f"{len(self.result.views)} feature views"]
        lines += [f"  {v.name:<28} {', '.join(v.entities):<20} {v.description}"
                  for v in self.result.views]
        lines += [f"  service {s.name}: {len(s.features)} features" for s in self.result.services]
        return "\n".join(lines)


@line_command("features", "search the feature catalogue: %griffin features [query]")
def _features(magics: GriffinMagics, args: list[str]) -> FeatureSearchView:
    flags = [a for a in args if a.startswith("-")]
    if flags:
        raise MagicUsageError(f"%griffin features takes a query, not {' '.join(flags)}")
    query = " ".join(args)
    return FeatureSearchView(magics.client.features.search(query or None), query)
