"""Endpoints as desired state, reconciled to BentoML processes behind a stable address.

An endpoint row says what should serve (a model's primary version, maybe a candidate in
split or shadow mode, the worker count). ``reconcile`` makes processes match: it restarts
dead ones, routes the stable port to what is ready, and stops retired processes once the
router no longer sends them traffic (after a grace period, so in-flight requests finish).

Changing what serves never edits processes directly: ``deploy``/``promote``/``scale`` first
start the new version's process and wait until it answers, and only then change the row —
a version that does not start leaves production untouched.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ..db import Database
from ..db.base import utcnow
from ..errors import Conflict, EngineUnavailable, InvalidInput, NotFound
from ..local_processes import alive, free_port, log_tail, port_is_free, stop_processes
from ..monitoring.files import request_log_dir
from ..registry.service import RegistryService, split_ref
from ..settings import Settings
from .router import Route, Router
from .schemas import (
    DeployRequest,
    EndpointDetail,
    EndpointInfo,
    EventInfo,
    ProcessInfo,
    PromoteRequest,
    ReconcileReport,
)
from .tables import EndpointRow, ProcessRow, ServingEventRow

if TYPE_CHECKING:
    from ..features.service import FeatureStoreService
    from ..registry.schemas import ModelVersionInfo

LIVE = ("starting", "ready")
MARKER = "GRIFFIN_SERVING_PROCESS"
GRACE_S = 3.0  # a retired process keeps serving in-flight requests this long after a switch
READY_TIMEOUT_S = 90.0


def _event(session: Any, endpoint_id: int, kind: str, **detail: Any) -> None:
    session.add(ServingEventRow(endpoint_id=endpoint_id, kind=kind, detail=detail))


def _info(row: EndpointRow) -> dict[str, Any]:
    return dict(name=row.name, model=row.model, url=f"http://127.0.0.1:{row.port}",
                port=row.port, workers=row.workers, primary_version=row.primary_version,
                candidate_version=row.candidate_version, mode=row.mode, split=row.split,
                previous_version=row.previous_version,
                status="deleting" if row.state == "deleted" else row.status,
                message=row.message, created_at=row.created_at, updated_at=row.updated_at,
                created_by=row.created_by,
                online_features=list((row.online_features or {}).get("features") or []),
                entity_keys=list((row.online_features or {}).get("keys") or []))


def _role(endpoint: EndpointRow, process: ProcessRow) -> str:
    if process.version == endpoint.primary_version and process.workers == endpoint.workers:
        return "primary"
    if process.version == endpoint.candidate_version:
        return "candidate"
    return "retired"


class ServingService:
    def __init__(self, settings: Settings, db: Database, registry: RegistryService,
                 features: FeatureStoreService | None = None) -> None:
        self.settings, self.db, self.registry = settings, db, registry
        self.features = features
        self.root = settings.home / "serving"
        self.router = Router(self.root / "nginx")

    # -- locking -----------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self, timeout: float = 180.0) -> Any:
        """One reconciler per home at a time (the server's loop, kernels, the CLI)."""
        from filelock import FileLock, Timeout

        self.root.mkdir(parents=True, exist_ok=True)
        try:
            with FileLock(str(self.root / "reconcile.lock"), timeout=timeout):
                yield
        except Timeout:
            raise EngineUnavailable("another process has been changing the endpoints for "
                                    f"{timeout:.0f} s; try again") from None

    # -- processes -----------------------------------------------------------------------
    def _start(self, endpoint: EndpointRow, version: int, workers: int,
               restarts: int = 0) -> ProcessRow:
        """Build the version's Bento, start it on a free port and wait until it answers."""
        from . import bento

        info = self.registry.version(endpoint.model, version)
        ref = bento.build(info, self.settings.home)
        port = free_port()
        argv, env = bento.serve_command(ref, port, workers=workers)
        marker = uuid.uuid4().hex
        env = {**env, MARKER: marker,  # inherited by every worker, found even if orphaned
               "GRIFFIN_REQUEST_LOG": str(request_log_dir(self.settings.home, marker)),
               "GRIFFIN_ENDPOINT": endpoint.name}
        if endpoint.online_features:
            env["GRIFFIN_ONLINE_FEATURES"] = json.dumps(
                {**endpoint.online_features, "repo": str(self._feature_repo())})
        logs = self.root / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        log_path = logs / f"{endpoint.name}-v{version}-{port}.log"
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(argv, env={**os.environ, **env}, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True,
                                    cwd=str(self.root))
        with self.db.session(write=True) as session:
            row = ProcessRow(endpoint_id=endpoint.id, version=version, bento=str(ref),
                             port=port, workers=workers, pid=proc.pid, status="starting",
                             error="", restarts=restarts, marker=marker)
            session.add(row)
            session.flush()
            _event(session, endpoint.id, "starting", version=version, port=port, pid=proc.pid)
        try:
            bento.wait_ready(f"http://127.0.0.1:{port}", READY_TIMEOUT_S, process=proc)
        except Exception as exc:
            _stop_process(proc.pid, marker)
            tail = log_tail(log_path)
            with self.db.session(write=True) as session:
                failed = session.get(ProcessRow, row.id)
                failed.status, failed.error = "failed", f"{exc}\n{tail}"[-4000:]
                _event(session, endpoint.id, "start_failed", version=version,
                       error=str(exc)[:500])
            raise EngineUnavailable(f"{endpoint.model} v{version} did not start serving: "
                                    f"{exc}. Last log lines:\n{tail}") from None
        with self.db.session(write=True) as session:
            ready = session.get(ProcessRow, row.id)
            ready.status, ready.seen_at = "ready", utcnow()
            _event(session, endpoint.id, "ready", version=version, port=port)
        return ready

    def _ensure(self, endpoint: EndpointRow, version: int, workers: int) -> ProcessRow:
        """A ready process of ``version`` with ``workers`` for the endpoint: one already
        running (a candidate about to be promoted, a version still in its grace period after
        a switch) is reused, else one is started."""
        for process in reversed(self._live(endpoint.id)):
            if ((process.version, process.workers) == (version, workers)
                    and process.status == "ready" and process.pid is not None
                    and alive(process.pid)):
                return process
        return self._start(endpoint, version, workers)

    # -- desired state -------------------------------------------------------------------
    def deploy(self, body: DeployRequest, actor: str) -> EndpointDetail:
        model, _ = split_ref(body.model)
        version = self.registry.resolve(body.model)
        name = body.name or model.replace("_", "-").replace(".", "-")[:63]
        online = self._online_features(body.online_features, version)
        port = body.port or free_port()
        with self._locked():
            with self.db.session() as session:
                if session.execute(select(EndpointRow.id).where(EndpointRow.name == name)
                                   ).scalar():
                    raise Conflict(f"An endpoint named {name!r} exists; promote a version "
                                   "on it instead", field="name")
                if session.execute(select(EndpointRow.name).where(EndpointRow.port == port)
                                   ).scalar():
                    raise Conflict(f"Port {port} is another endpoint's", field="port")
            if not port_is_free(port):
                raise Conflict(f"Port {port} on 127.0.0.1 is already taken by another "
                               "program; choose another or leave it out", field="port")
            with self.db.session(write=True) as session:
                row = EndpointRow(name=name, model=model, port=port, workers=body.workers,
                                  primary_version=version.version, mode="single", split=0.0,
                                  status="pending", message="starting", created_by=actor,
                                  state="active", online_features=online)
                session.add(row)
                session.flush()
                _event(session, row.id, "created", version=version.version, actor=actor)
            try:
                self._start(row, version.version, body.workers)
            except Exception:
                with self.db.session(write=True) as session:
                    session.delete(session.get(EndpointRow, row.id))
                raise
            self._reconcile_locked()
        return self.get(name)

    # -- feature loading ---------------------------------------------------------------
    def _online_features(self, asked: bool | list[str], version: ModelVersionInfo
                         ) -> dict[str, Any] | None:
        """The features (and their entity keys) an endpoint reads from the online store, or
        None when requests carry every value themselves."""
        if asked is False or asked == []:
            return None
        where = f"{version.model} v{version.version}"
        if asked is True:
            refs = list((version.lineage or {}).get("feature_refs") or [])
            if not refs:
                raise InvalidInput(f"{where} records no feature references (it was not "
                                   "trained from the feature store): name them, "
                                   "online_features=['view:feature', ...]",
                                   field="online_features")
        else:
            refs = list(dict.fromkeys(asked))
        if self.features is None:
            raise EngineUnavailable("this platform has no feature store to read from")
        refs, keys = self.features.feature_refs(refs)  # unknown ones: InvalidInput
        names = [r.split(":", 1)[1] for r in refs]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise InvalidInput(f"{', '.join(twice)} come(s) from more than one feature view; "
                               "a model input can be read from only one: name the ones to "
                               "read", field="online_features")
        inputs = [str(f.get("name")) for f in (version.signature or {}).get("inputs") or []]
        if inputs and not set(inputs) & set(names):
            raise InvalidInput(f"none of these features is an input of {where} (it takes "
                               f"{', '.join(inputs[:8])}{'...' if len(inputs) > 8 else ''})",
                               field="online_features")
        return {"features": refs, "keys": sorted(keys)}

    def _feature_repo(self) -> Path:
        if self.features is None:
            raise EngineUnavailable("this platform has no feature store to read from")
        return self.features.repo.path

    def _change(self, name: str, actor: str, kind: str, start: tuple[int, int] | None,
                **changes: Any) -> EndpointDetail:
        """Start what the change needs, then switch the row and reconcile."""
        with self._locked():
            endpoint = self.row(name)
            if start is not None:
                self._ensure(endpoint, *start)
            with self.db.session(write=True) as session:
                row = session.get(EndpointRow, endpoint.id)
                for key, value in changes.items():
                    setattr(row, key, value)
                row.updated_at = utcnow()
                _event(session, row.id, kind, actor=actor,
                       **{k: v for k, v in changes.items() if k != "message"})
            self._reconcile_locked()
        self._reconcile_later()
        return self.get(name)

    def _reconcile_later(self) -> None:
        """Stop what a switch retired once its grace period is over (the server's loop
        would too; this covers a kernel or script with no server)."""
        import threading

        def run() -> None:
            with contextlib.suppress(Exception):
                self.reconcile()

        timer = threading.Timer(GRACE_S + 0.5, run)
        timer.daemon = True
        timer.start()

    def promote(self, name: str, body: PromoteRequest, actor: str) -> EndpointDetail:
        endpoint = self.row(name)
        self.registry.version(endpoint.model, body.version)  # exists, or a clear 404
        if body.mode == "replace":
            if body.version == endpoint.primary_version and endpoint.candidate_version is None:
                raise InvalidInput(f"{name} already serves v{body.version}", field="version")
            return self._change(name, actor, "promoted", (body.version, endpoint.workers),
                                primary_version=body.version,
                                previous_version=endpoint.primary_version,
                                candidate_version=None, mode="single", split=0.0,
                                message=f"serving v{body.version}")
        if body.version == endpoint.primary_version:
            raise InvalidInput(f"v{body.version} is already the primary of {name}; a "
                               f"{body.mode} needs another version", field="version")
        share = body.split if body.mode == "split" else 0.0
        return self._change(name, actor, body.mode, (body.version, 1),
                            candidate_version=body.version, mode=body.mode, split=share,
                            message=f"v{body.version} as {body.mode} candidate")

    def rollback(self, name: str, actor: str) -> EndpointDetail:
        """Drop a candidate; with none, go back to the previous primary version."""
        endpoint = self.row(name)
        if endpoint.candidate_version is not None:
            return self._change(name, actor, "rolled_back", None, candidate_version=None,
                                mode="single", split=0.0,
                                message=f"candidate v{endpoint.candidate_version} removed")
        if endpoint.previous_version is None:
            raise InvalidInput(f"{name} has no previous version to roll back to",
                               field="name")
        return self._change(name, actor, "rolled_back",
                            (endpoint.previous_version, endpoint.workers),
                            primary_version=endpoint.previous_version,
                            previous_version=endpoint.primary_version,
                            message=f"rolled back to v{endpoint.previous_version}")

    def scale(self, name: str, workers: int, actor: str) -> EndpointDetail:
        endpoint = self.row(name)
        if workers == endpoint.workers:
            return self.get(name)
        return self._change(name, actor, "scaled", (endpoint.primary_version, workers),
                            workers=workers, message=f"{workers} workers")

    def delete(self, name: str, actor: str, drain: bool = True) -> EndpointInfo:
        """Stop serving ``name``. With ``drain`` this returns once its processes are stopped
        (after the grace period for in-flight requests); without, they stop in the
        background."""
        with self._locked():
            endpoint = self.row(name)
            with self.db.session(write=True) as session:
                row = session.get(EndpointRow, endpoint.id)
                row.state, row.updated_at = "deleted", utcnow()
                _event(session, row.id, "deleted", actor=actor)
                info = EndpointInfo(**_info(row))
            self._reconcile_locked()
            if drain:
                time.sleep(GRACE_S)
                self._reconcile_locked()
        if not drain:
            self._reconcile_later()
        return info

    def retire_now(self, name: str) -> int:
        """Stop the endpoint's processes that nothing routes to any more (waiting out their
        grace period); how many are still running afterwards (0 when all are stopped)."""
        endpoint = self.row(name)
        for _ in range(3):
            self.reconcile()
            left = [p for p in self._live(endpoint.id)
                    if _role(self.row(name), p) == "retired"]
            if not left:
                return 0
            time.sleep(GRACE_S + 0.2)
        return len(left)

    # -- reading -------------------------------------------------------------------------
    def row(self, name: str) -> EndpointRow:
        """The active endpoint named ``name`` (``NotFound`` otherwise)."""
        with self.db.session() as session:
            row = session.execute(select(EndpointRow).where(
                EndpointRow.name == name, EndpointRow.state == "active")).scalar()
        if row is None:
            raise NotFound(f"No endpoint named {name!r}", field="name")
        return row

    def list(self) -> list[EndpointInfo]:
        with self.db.session() as session:
            rows = session.execute(select(EndpointRow).where(EndpointRow.state == "active")
                                   .order_by(EndpointRow.name)).scalars().all()
            return [EndpointInfo(**_info(r)) for r in rows]

    def get(self, name: str, events: int = 30) -> EndpointDetail:
        endpoint = self.row(name)
        with self.db.session() as session:
            processes = session.execute(select(ProcessRow).where(
                ProcessRow.endpoint_id == endpoint.id, ProcessRow.status.in_(LIVE))
                .order_by(ProcessRow.id)).scalars().all()
            seen = session.execute(select(ServingEventRow).where(
                ServingEventRow.endpoint_id == endpoint.id)
                .order_by(ServingEventRow.id.desc()).limit(events)).scalars().all()
            return EndpointDetail(
                **_info(endpoint),
                processes=[ProcessInfo(version=p.version, role=_role(endpoint, p),
                                       port=p.port, pid=p.pid, workers=p.workers,
                                       status=p.status, restarts=p.restarts,
                                       started_at=p.started_at, bento=p.bento, error=p.error)
                           for p in processes],
                events=[EventInfo(at=e.at, kind=e.kind, detail=e.detail) for e in seen])

    # -- reconcile -----------------------------------------------------------------------
    def reconcile(self) -> ReconcileReport:
        with self._locked():
            return self._reconcile_locked()

    def has_endpoints(self, active: bool = False) -> bool:
        """Whether any endpoint row exists (``active``: any not being deleted)."""
        query = select(EndpointRow.id)
        if active:
            query = query.where(EndpointRow.state == "active")
        with self.db.session() as session:
            return session.execute(query.limit(1)).scalar() is not None

    def _reconcile_locked(self) -> ReconcileReport:
        started_at = time.perf_counter()
        counts = {"started": 0, "restarted": 0, "stopped": 0}
        with self.db.session() as session:
            endpoints = session.execute(select(EndpointRow)).scalars().all()
        routes = []
        for endpoint in endpoints:
            if endpoint.state == "active":
                self._repair(endpoint, counts)
                route = self._route(endpoint)
                if route is not None:
                    routes.append(route)
        changed = self.router.apply(routes)
        # only now, with the router sending traffic to what is live, may an endpoint say
        # it is ready: a client trusting "ready" must never meet a stale route
        routed = {r.endpoint_id for r in routes}
        for endpoint in endpoints:
            if endpoint.state == "active":
                self._settle(endpoint, endpoint.id in routed)
        for endpoint in endpoints:
            self._retire(endpoint, counts)
        return ReconcileReport(endpoints=len(endpoints), router_changed=changed,
                               seconds=round(time.perf_counter() - started_at, 3), **counts)

    def _live(self, endpoint_id: int) -> list[ProcessRow]:
        with self.db.session() as session:
            return list(session.execute(select(ProcessRow).where(
                ProcessRow.endpoint_id == endpoint_id, ProcessRow.status.in_(LIVE))
                .order_by(ProcessRow.id)).scalars().all())

    def _repair(self, endpoint: EndpointRow, counts: dict[str, int]) -> None:
        """Mark dead processes; restart the desired ones that died."""
        wanted = {(endpoint.primary_version, endpoint.workers)}
        if endpoint.candidate_version is not None:
            wanted.add((endpoint.candidate_version, 1))
        for process in self._live(endpoint.id):
            if process.pid is not None and alive(process.pid):
                continue
            _stop_process(process.pid, process.marker)  # its workers may outlive a crash
            with self.db.session(write=True) as session:
                dead = session.get(ProcessRow, process.id)
                dead.status = "dead"
                _event(session, endpoint.id, "died", version=process.version,
                       pid=process.pid, port=process.port)
            key = (process.version, process.workers)
            if key in wanted and not any((p.version, p.workers) == key
                                         for p in self._live(endpoint.id)):
                self._status(endpoint.id, "degraded", f"v{process.version} died; restarting")
                try:
                    fresh = self._start(endpoint, *key, restarts=process.restarts + 1)
                except Exception as exc:  # noqa: BLE001 - recorded, retried next pass
                    self._status(endpoint.id, "degraded", f"restart failed: {exc}"[:500])
                    continue
                with self.db.session(write=True) as session:
                    _event(session, endpoint.id, "restarted", version=process.version,
                           pid=fresh.pid)
                counts["restarted"] += 1

    def _settle(self, endpoint: EndpointRow, routed: bool) -> None:
        """The endpoint's status once the router is up to date: ready when its primary
        version runs with the desired workers and the stable port routes to it."""
        primary = routed and any(
            (p.version, p.workers) == (endpoint.primary_version, endpoint.workers)
            and p.status == "ready" for p in self._live(endpoint.id))
        if not primary:
            self._status(endpoint.id, "degraded", "the primary version is not running")
            return
        with self.db.session(write=True) as session:
            row = session.get(EndpointRow, endpoint.id)
            if row.status != "ready":  # recovered, or ready for the first time: say what serves
                candidate = (f" + v{row.candidate_version} as {row.mode} candidate"
                             if row.candidate_version is not None else "")
                row.status, row.message = "ready", f"serving v{row.primary_version}{candidate}"

    def _status(self, endpoint_id: int, status: str, message: str) -> None:
        with self.db.session(write=True) as session:
            row = session.get(EndpointRow, endpoint_id)
            if (row.status, row.message) != (status, message):
                row.status, row.message = status, message

    def _route(self, endpoint: EndpointRow) -> Route | None:
        live = [p for p in self._live(endpoint.id) if p.status == "ready"]

        def port_of(version: int | None, workers: int | None = None) -> int | None:
            for p in reversed(live):  # the newest process of that version
                if p.version == version and (workers is None or p.workers == workers):
                    return p.port
            return None

        primary = port_of(endpoint.primary_version, endpoint.workers) or port_of(
            endpoint.primary_version)
        if primary is None:
            return None
        candidate = port_of(endpoint.candidate_version)
        return Route(endpoint_id=endpoint.id, name=endpoint.name, port=endpoint.port,
                     primary=primary, candidate=candidate,
                     mode=endpoint.mode if candidate is not None else "single",
                     split=endpoint.split)

    def _retire(self, endpoint: EndpointRow, counts: dict[str, int]) -> None:
        """Stop processes nothing routes to any more, a grace period after the switch."""
        route = self._route(endpoint) if endpoint.state == "active" else None
        routed = set() if route is None else {route.primary, route.candidate}
        now = utcnow()
        with self.db.session(write=True) as session:
            for process in session.execute(select(ProcessRow).where(
                    ProcessRow.endpoint_id == endpoint.id, ProcessRow.status.in_(LIVE))
                    ).scalars():
                if process.port in routed:
                    process.retire_at = None
                    continue
                if process.retire_at is None:
                    process.retire_at = now + timedelta(seconds=GRACE_S)
                    continue
                if process.retire_at <= now:
                    _stop_process(process.pid, process.marker)
                    process.status = "stopped"
                    _event(session, endpoint.id, "stopped", version=process.version,
                           port=process.port)
                    counts["stopped"] += 1
            if endpoint.state == "deleted":
                remaining = session.execute(select(ProcessRow.id).where(
                    ProcessRow.endpoint_id == endpoint.id, ProcessRow.status.in_(LIVE))
                ).first()
                if remaining is None:
                    session.delete(session.get(EndpointRow, endpoint.id))

    def stop_all(self) -> None:
        """Stop every serving process and the router of this home (tests, shutdown)."""
        with self.db.session(write=True) as session:
            for process in session.execute(select(ProcessRow).where(
                    ProcessRow.status.in_(LIVE))).scalars():
                _stop_process(process.pid, process.marker)
                process.status = "stopped"
        self.router.stop()

    # -- Kubernetes ----------------------------------------------------------------------
    def render_kubernetes(self, body: Any) -> Any:
        """A version's Bento and Kubernetes manifests written to a folder: ``body`` is a
        ``KubernetesRequest``, the answer a ``KubernetesRender`` (see ``kubernetes.py``)."""
        from . import kubernetes

        return kubernetes.render_request(body, self.registry, self.settings.home)


def _stop_process(pid: int | None, marker: str) -> None:
    """Stop a serving process this platform started, and every process carrying its marker
    (BentoML workers run in sessions of their own and outlive a killed server)."""
    import psutil

    from . import bento

    if pid is not None and alive(pid):
        bento.stop(pid)
    with contextlib.suppress(ChildProcessError, OSError):
        if pid is not None:
            os.waitpid(pid, os.WNOHANG)
    if not marker:
        return
    orphans = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get(MARKER) == marker:
                orphans.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    stop_processes(orphans)
