"""``client.models``: the model registry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..registry.schemas import (
    AliasDeleteQuery,
    AliasEvent,
    AliasInfo,
    AliasRequest,
    AttentionQuery,
    CompareQuery,
    Comparison,
    ExportRequest,
    ExportResult,
    HealthUpdate,
    ImportRequest,
    ModelCreate,
    ModelDetail,
    ModelInfo,
    ModelsPage,
    ModelsQuery,
    ModelUpdate,
    ModelVersionInfo,
    RegisterRequest,
)
from .client import _build
from .transport import Transport


def _ref(name: str, version: int | str | None) -> tuple[str, str]:
    """``("m", 3)``, ``("m@3", None)``, ``("m@production", None)`` -> (name, which)."""
    if version is None and "@" in name:
        name, _, which = name.partition("@")
        return name, which
    return name, "latest" if version is None else str(version)


class ModelsClient:
    """Search, inspect, alias, compare, register, export and import models.

    >>> client.models.search(tier=[0, 1], q="churn").items      # doctest: +SKIP
    >>> client.models.set_alias("reorder", "production", 3, reason="better AUC")  # +SKIP
    """

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    # reading -----------------------------------------------------------------------------
    def search(self, q: str | None = None, *, tier: int | str | list[int] | None = None,
               owner: str | None = None, team: str | None = None,
               framework: str | None = None, tag: str | None = None,
               alias: str | None = None, health: str | None = None,
               feature: str | None = None, updated_after: Any = None,
               sort: str = "-updated_at", limit: int = 50, offset: int = 0) -> ModelsPage:
        """Models matching every given filter; ``.items`` is one page, ``.total`` all."""
        tiers = tier if tier is None or isinstance(tier, str) else ",".join(
            str(t) for t in ([tier] if isinstance(tier, int) else tier))
        query = _build(ModelsQuery, q=q, tier=tiers, owner=owner, team=team,
                       framework=framework, tag=tag, alias=alias, health=health,
                       feature=feature, updated_after=updated_after, sort=sort, limit=limit,
                       offset=offset)
        return self._t.call("models_search", query=query)

    def list(self, limit: int = 100, offset: int = 0) -> list[ModelInfo]:
        """Models, most recently updated first (one page)."""
        return self.search(limit=limit, offset=offset).items

    def attention(self, limit: int = 50, offset: int = 0) -> ModelsPage:
        """Unhealthy models: tier 0 first, then the most severe."""
        return self._t.call("models_attention",
                            query=_build(AttentionQuery, limit=limit, offset=offset))

    def get(self, name: str) -> ModelDetail:
        """A model with its versions (``.versions``, newest first), aliases and card."""
        return self._t.call("models_get", name=name)

    def versions(self, name: str) -> list[ModelVersionInfo]:
        return self.get(name).versions

    def version(self, name: str, version: int | str | None = None) -> ModelVersionInfo:
        """One version: by number, alias (``"production"``), ``"name@alias"`` or latest."""
        name, which = _ref(name, version)
        return self._t.call("models_version", name=name, version=which)

    def compare(self, name: str, versions: list[int] | None = None) -> ComparisonView:
        """Versions side by side; displayed in a notebook it is a widget with charts."""
        query = _build(CompareQuery, versions=None if versions is None else
                       ",".join(str(v) for v in versions))
        return ComparisonView(self._t.call("models_compare", name=name, query=query))

    def load(self, name: str, version: int | str | None = None) -> Any:
        """The model object: a LightGBM Booster, a Keras model, or (Hugging Face) a local
        folder to load with transformers. Reads the artifact root directly."""
        from ..registry.files import load

        v = self.version(name, version)
        return load(v.framework, v.artifact_uri)

    # writing -----------------------------------------------------------------------------
    def create(self, name: str, **fields: Any) -> ModelDetail:
        """A new model entry: description, owner, team, use_case, tier, tags, links, card."""
        return self._t.call("models_create", body=_build(ModelCreate, name=name, **fields))

    def update(self, name: str, **fields: Any) -> ModelDetail:
        """Change catalogue fields (only those given)."""
        return self._t.call("models_update", name=name, body=_build(ModelUpdate, **fields))

    def set_alias(self, name: str, alias: str, version: int, reason: str = "") -> AliasInfo:
        """Point ``alias`` at ``version`` (atomically; kept in the alias history)."""
        return self._t.call("models_set_alias", name=name, alias=alias,
                            body=_build(AliasRequest, version=version, reason=reason))

    def delete_alias(self, name: str, alias: str, reason: str = "") -> AliasEvent:
        return self._t.call("models_delete_alias", name=name, alias=alias,
                            query=_build(AliasDeleteQuery, reason=reason))

    def set_health(self, name: str, health: str, reason: str = "") -> ModelInfo:
        return self._t.call("models_set_health", name=name,
                            body=_build(HealthUpdate, health=health, reason=reason))

    def register(self, name: str, path: str | Path, *, framework: str | None = None,
                 description: str = "", signature: dict[str, Any] | None = None,
                 metrics: dict[str, float] | None = None, params: dict[str, Any] | None = None,
                 lineage: dict[str, Any] | None = None, **model_fields: Any
                 ) -> ModelVersionInfo:
        """Register a model file/folder (LightGBM, ``.keras``, Hugging Face) as the next
        version; ``model_fields`` (tier, team, ...) fill in a model created by this call."""
        body = _build(RegisterRequest, path=str(path), framework=framework,
                      description=description, signature=signature, metrics=metrics or {},
                      params=params or {}, lineage=lineage or {},
                      model=model_fields or None)
        return self._t.call("models_register", name=name, body=body)

    def export(self, name: str, path: str | Path, version: int | str | None = None, *,
               overwrite: bool = False) -> ExportResult:
        """Write a version as a portable ``.tar.gz`` bundle (on the platform's disk)."""
        name, which = _ref(name, version)
        return self._t.call("models_export", name=name, version=which,
                            body=_build(ExportRequest, path=str(path), overwrite=overwrite))

    def import_bundle(self, path: str | Path, name: str | None = None) -> ModelVersionInfo:
        """Register a bundle written by :meth:`export` (as ``name`` if given)."""
        return self._t.call("models_import", body=_build(ImportRequest, path=str(path),
                                                          name=name))

    def browse(self, q: str | None = None, **filters: Any) -> Any:
        """The registry as a table widget: search box, tier filter, pages."""
        from ..notebook.registry_views import ModelsBrowser

        return ModelsBrowser(self, q, filters)


class ComparisonView:
    """A comparison of versions: ``.metrics``/``.params`` as DataFrames, ``.figure()`` the
    training curves; shown as a widget in a notebook."""

    def __init__(self, comparison: Comparison) -> None:
        self.comparison = comparison

    def __getattr__(self, name: str) -> Any:
        return getattr(self.comparison, name)

    @property
    def metrics(self) -> Any:
        import pandas as pd

        rows = {r.name: {f"v{v}": x for v, x in r.values.items()}
                for r in self.comparison.metrics}
        return pd.DataFrame.from_dict(rows, orient="index")

    @property
    def params(self) -> Any:
        import pandas as pd

        rows = {r.name: {**{f"v{v}": x for v, x in r.values.items()}, "differs": r.differs}
                for r in self.comparison.params}
        return pd.DataFrame.from_dict(rows, orient="index")

    def figure(self) -> Any:
        from ..notebook.registry_views import curves_figure

        return curves_figure(self.comparison)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        from ..notebook.registry_views import comparison_widget

        display(comparison_widget(self.comparison))

    def __repr__(self) -> str:
        versions = ", ".join(f"v{v.version}" for v in self.comparison.versions)
        return f"<Comparison {self.comparison.model}: {versions}>"
