"""``client.deploy(...)`` and ``client.endpoint(name)``: endpoints from a notebook."""

from __future__ import annotations

from typing import Any

from ..serving.schemas import DeployRequest, EndpointDetail, PromoteRequest, ScaleRequest
from .client import _build
from .transport import Transport


class Endpoint:
    """A deployed model behind its stable address.

    >>> ep = client.deploy("reorder@production")          # doctest: +SKIP
    >>> ep.predict([{"orders": 3, "basket_size": 11.0}])  # doctest: +SKIP
    >>> ep.promote(4)                                     # blue/green, no request dropped
    """

    def __init__(self, transport: Transport, detail: EndpointDetail) -> None:
        self._t, self.detail = transport, detail

    @property
    def name(self) -> str:
        return self.detail.name

    @property
    def url(self) -> str:
        return self.detail.url

    def refresh(self) -> Endpoint:
        self.detail = self._t.call("endpoints_get", name=self.name)
        return self

    def predict(self, rows: Any, timeout: float = 30.0) -> list[Any]:
        """Send rows (a list of dicts or a DataFrame) to the endpoint; its predictions."""
        import httpx

        if hasattr(rows, "to_dict"):
            rows = rows.to_dict(orient="records")
        response = httpx.post(f"{self.url}/predict", json={"instances": list(rows)},
                              timeout=timeout)
        if response.status_code >= 400:
            from ..errors import InvalidInput

            raise InvalidInput(f"{self.name} refused the request ({response.status_code}): "
                               f"{response.text[:500]}")
        return response.json()["predictions"]

    def promote(self, version: int, mode: str = "replace", split: float = 0.1) -> Endpoint:
        body = _build(PromoteRequest, version=version, mode=mode, split=split)
        self.detail = self._t.call("endpoints_promote", name=self.name, body=body)
        return self

    def rollback(self) -> Endpoint:
        self.detail = self._t.call("endpoints_rollback", name=self.name)
        return self

    def scale(self, workers: int) -> Endpoint:
        self.detail = self._t.call("endpoints_scale", name=self.name,
                                   body=_build(ScaleRequest, workers=workers))
        return self

    def delete(self) -> None:
        self._t.call("endpoints_delete", name=self.name)

    def __repr__(self) -> str:
        d = self.detail
        extra = f", candidate v{d.candidate_version} ({d.mode})" if d.candidate_version else ""
        return f"<Endpoint {d.name} {d.url}: {d.model} v{d.primary_version}{extra}, {d.status}>"


class ServingClient:
    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def deploy(self, model: str, name: str | None = None, port: int | None = None,
               workers: int = 1) -> Endpoint:
        body = _build(DeployRequest, model=model, name=name, port=port, workers=workers)
        return Endpoint(self._t, self._t.call("endpoints_deploy", body=body))

    def endpoint(self, name: str) -> Endpoint:
        return Endpoint(self._t, self._t.call("endpoints_get", name=name))

    def endpoints(self) -> list[Any]:
        return self._t.call("endpoints_list")
