"""``client.models``: the model registry."""

from __future__ import annotations

from ..registry.schemas import ModelDetail, ModelInfo, ModelsQuery, ModelVersionInfo
from .client import _build
from .transport import Transport


class ModelsClient:
    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def list(self, limit: int = 100, offset: int = 0) -> list[ModelInfo]:
        return self._t.call("models_list", query=_build(ModelsQuery, limit=limit, offset=offset))

    def get(self, name: str) -> ModelDetail:
        return self._t.call("models_get", name=name)

    def version(self, name: str, version: int | None = None) -> ModelVersionInfo:
        """One version (the latest when none is given)."""
        from ..errors import NotFound

        detail = self.get(name)
        if not detail.versions:
            raise NotFound(f"Model {name!r} has no versions", field="name")
        if version is None:
            return detail.versions[0]
        for v in detail.versions:
            if v.version == version:
                return v
        raise NotFound(f"Model {name!r} has no version {version}", field="version")
