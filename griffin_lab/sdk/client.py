"""``Client``: what a notebook, the CLI and scripts use. One interface, two transports."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..demo.schemas import DemoReport, DemoRequest
from ..errors import InvalidInput
from ..system.schemas import AuditEventsPage, AuditEventsQuery, SettingsResponse, StatusResponse
from .transport import Transport, transport_from_env

M = TypeVar("M", bound=BaseModel)


class Client:
    """Entry point to every Griffin service.

    >>> import griffin_lab
    >>> client = griffin_lab.connect()          # embedded, in-process
    >>> client.status().engines[0].state
    'ready'
    """

    def __init__(self, transport: Transport) -> None:
        from .features import FeaturesClient
        from .launch import LaunchClient
        from .monitoring import MonitoringClient
        from .registry import ModelsClient
        from .serving import ServingClient
        from .training import TrainingClient

        self.transport = transport
        self.features = FeaturesClient(transport)
        self.models = ModelsClient(transport)
        self._training = TrainingClient(transport)
        self._serving = ServingClient(transport)
        self.monitoring = MonitoringClient(transport)
        self.launches = LaunchClient(transport)

    # system -------------------------------------------------------------------------
    def status(self) -> StatusResponse:
        """Version and health of every engine."""
        return self.transport.call("status")

    def settings(self) -> SettingsResponse:
        """Resolved settings of the platform behind this client (secrets redacted)."""
        return self.transport.call("settings")

    def events(
        self, limit: int = 50, action: str | None = None, before_id: int | None = None
    ) -> AuditEventsPage:
        """The audit log, newest first."""
        query = _build(AuditEventsQuery, limit=limit, action=action, before_id=before_id)
        return self.transport.call("events", query=query)

    def openapi(self) -> dict[str, Any]:
        """The REST API's OpenAPI description."""
        return self.transport.call("openapi")

    # training -----------------------------------------------------------------------
    def train(self, spec: Any, *, wait: bool = False, timeout: float | None = None) -> Any:
        """Submit a training job (a spec object, dict, YAML text or .yaml path) to Ray.

        Returns a ``Job``: ``.wait()``, ``.status``, ``.logs()``, ``.metrics()``,
        ``.cancel()``, ``.rerun(**edits)``; displayed in a notebook it is a live widget."""
        return self._training.train(spec, wait=wait, timeout=timeout)

    def job(self, job_id: str) -> Any:
        """A job submitted earlier (by any process)."""
        return self._training.job(job_id)

    def jobs(self, status: str | None = None, name: str | None = None, limit: int = 50
             ) -> list[Any]:
        """Training jobs, newest first."""
        return self._training.jobs(status, name, limit)

    # serving ----------------------------------------------------------------------------
    def deploy(self, model: str, name: str | None = None, port: int | None = None,
               workers: int = 1, online_features: bool | list[str] = False) -> Any:
        """Serve ``model`` (``name@version``, ``name@alias`` or ``name``) behind a new
        endpoint with a stable address on 127.0.0.1; returns once it answers.
        ``online_features`` (``True``: the features the version was trained on, or a list
        of ``view:feature``): requests may carry entity keys only
        (``endpoint.predict(entities=[{"user_id": 1, ...}])``) and the endpoint reads the
        features from the online store."""
        return self._serving.deploy(model, name, port, workers, online_features)

    def endpoint(self, name: str) -> Any:
        """An endpoint: ``.predict(rows)``, ``.promote(v)``, ``.rollback()``, ``.scale(n)``."""
        return self._serving.endpoint(name)

    def endpoints(self) -> list[Any]:
        return self._serving.endpoints()

    def render_kubernetes(self, model: str, out_dir: Any, **options: Any) -> Any:
        """Write ``model``'s Bento and Kubernetes manifests (Deployment, Service,
        kustomization, README with the commands) to ``out_dir``; options: ``name``,
        ``replicas``, ``workers``, ``cpu``, ``memory``, ``image``, ``overwrite``."""
        return self._serving.render_kubernetes(model, out_dir, **options)

    # launches ---------------------------------------------------------------------------
    def launch(self, model: str, version: int | str | None = None, **options: Any) -> Any:
        """Take ``version`` of ``model`` (or ``"model@3"``) to production through the launch
        pipeline: estimation, approval gates (by tier), preparation (staging, shadow),
        scale-up with a health watch and automatic rollback, finalization (aliases moved).

        Returns a ``Launch`` at once: ``.wait()``, ``.timeline()``, ``.gates()``,
        ``.approve()``; displayed in a notebook it is a live timeline. Options:
        ``endpoint``, ``tolerance``, ``shadow_s``, ``watch_s``, ``replay``, ``workers``,
        ``require_approval``, ``reason``."""
        return self.launches.launch(model, version, **options)

    # demo ---------------------------------------------------------------------------
    def demo(self, size: str | int | None = None, seed: int = 42, force: bool = False,
             models: int = 0) -> DemoReport:
        """Generate the demo grocery dataset where the platform runs (idempotent).

        With no size, the dataset already there is kept (else ``small``). ``models`` also
        registers that many demo catalogue models (metadata only) to see the registry at
        scale."""
        body = _build(DemoRequest, size=None if size is None else str(size), seed=seed,
                      force=force, models=models)
        return self.transport.call("demo", body=body)

    # lifecycle ----------------------------------------------------------------------
    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        describe = getattr(self.transport, "describe", None)
        where = describe() if describe else self.transport.kind
        return f"<griffin_lab.Client: {where}>"


def _build(model: type[M], /, **values: Any) -> M:
    """Validate arguments client-side, raising the same error the server would."""
    try:
        return model(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(f"Invalid argument {name!r}: {first['msg']}", field=name) from exc


def connect(url: str | None = None, token: str | None = None, **settings: Any) -> Client:
    """A client: HTTP when ``url`` or ``GRIFFIN_URL`` is set, else the in-process platform."""
    return Client(transport_from_env(url=url, token=token, **settings))
