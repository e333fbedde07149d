"""``client.deploy(...)`` and ``client.endpoint(name)``: endpoints from a notebook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..serving.schemas import (
    DeployRequest,
    EndpointDetail,
    KubernetesRender,
    KubernetesRequest,
    PromoteRequest,
    ScaleRequest,
)
from .client import _build
from .transport import Transport


def _records(rows: Any) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: NaN (not JSON) becomes null."""
    import math

    if hasattr(rows, "to_dict"):
        rows = rows.to_dict(orient="records")
    return [{k: None if isinstance(v, float) and math.isnan(v) else v for k, v in r.items()}
            for r in rows]


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

    def predict(self, rows: Any = None, ids: Any = None, timeout: float = 30.0,
                entities: Any = None) -> list[Any]:
        """Send rows (a list of dicts or a DataFrame; missing values go as null) to the
        endpoint; its predictions.
        ``ids`` (one per row) name the rows, so outcomes logged later
        (``client.monitoring.log_outcomes``) are joined to these predictions.
        ``entities`` instead of rows (an endpoint deployed with ``online_features``): entity
        keys only, the endpoint reads the features from the online store."""
        import httpx

        from ..errors import InvalidInput

        if (rows is None) == (entities is None):
            raise InvalidInput("send rows or entities (one of them)", field="rows")
        body: dict[str, Any] = ({"instances": _records(rows)} if entities is None
                                else {"entities": _records(entities)})
        if ids is not None:
            body["ids"] = [i if isinstance(i, int) else str(i) for i in ids]
        response = httpx.post(f"{self.url}/predict", json=body, timeout=timeout)
        if response.status_code >= 400:
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

    def health(self, window_s: int = 300, step_s: int = 10) -> Any:
        """Requests/s, p50/p99 latency, error rate, predictions and drift per version."""
        from ..monitoring.schemas import HealthQuery

        query = _build(HealthQuery, window_s=window_s, step_s=step_s)
        return self._t.call("endpoints_health", name=self.name, query=query)

    def widget(self, poll_s: float = 2.0, window_s: int = 300) -> Any:
        """A live view: what serves, and plotly charts of its health per version."""
        from ..notebook.serving_widget import EndpointWidget

        return EndpointWidget(self, poll_s=poll_s, window_s=window_s)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget().box)

    def __repr__(self) -> str:
        d = self.detail
        extra = f", candidate v{d.candidate_version} ({d.mode})" if d.candidate_version else ""
        return f"<Endpoint {d.name} {d.url}: {d.model} v{d.primary_version}{extra}, {d.status}>"


class ServingClient:
    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def deploy(self, model: str, name: str | None = None, port: int | None = None,
               workers: int = 1, online_features: bool | list[str] = False) -> Endpoint:
        body = _build(DeployRequest, model=model, name=name, port=port, workers=workers,
                      online_features=online_features)
        return Endpoint(self._t, self._t.call("endpoints_deploy", body=body))

    def endpoint(self, name: str) -> Endpoint:
        return Endpoint(self._t, self._t.call("endpoints_get", name=name))

    def endpoints(self) -> list[Any]:
        return self._t.call("endpoints_list")

    def render_kubernetes(self, model: str, out_dir: str | Path, name: str | None = None,
                          replicas: int = 1, workers: int = 1, cpu: str = "1",
                          memory: str = "1Gi", image: str | None = None,
                          overwrite: bool = False) -> KubernetesRender:
        """Write ``model``'s Bento and Kubernetes manifests to ``out_dir`` (a relative path is
        taken from this process's current folder)."""
        folder = str(Path(out_dir).expanduser().absolute())
        body = _build(KubernetesRequest, model=model, out_dir=folder, name=name,
                      replicas=replicas, workers=workers, cpu=cpu, memory=memory, image=image,
                      overwrite=overwrite)
        return self._t.call("serving_kubernetes", body=body)
