"""Launches: a better version from "registered" to "serving production", through gates.

``start`` checks what it can before anything runs (the version exists, the endpoint is the
model's, no other launch is changing that endpoint), records the launch and its five steps,
and runs the pipeline (``pipeline.Pipeline``) in a thread of this process. ``get`` and
``list`` read the timeline; ``decide`` approves or rejects a launch that waits for a person.
A launch whose process went away is marked failed when it is next read.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from typing import Any

from sqlalchemy import select

from ..db import Database
from ..db.base import utcnow
from ..errors import Conflict, InvalidInput, NotFound
from ..local_processes import alive
from ..monitoring.service import MonitoringService
from ..registry.service import RegistryService
from ..serving.service import ServingService
from ..serving.tables import EndpointRow
from .pipeline import Pipeline, dump
from .schemas import (
    STEPS,
    ApprovalRequest,
    GateResult,
    LaunchDetail,
    LaunchesQuery,
    LaunchInfo,
    LaunchRequest,
    LaunchStep,
)
from .tables import LaunchRow, LaunchStepRow

ACTIVE = ("running", "awaiting_approval")
HOST = socket.gethostname()


def _seconds(start: Any, end: Any) -> float | None:
    return None if start is None or end is None else round((end - start).total_seconds(), 2)


def _info(row: LaunchRow) -> dict[str, Any]:
    return dict(id=row.id, model=row.model, version=row.version, endpoint=row.endpoint,
                production_version=row.production_version, tier=row.tier, status=row.status,
                message=row.message, created_by=row.created_by, created_at=row.created_at,
                ended_at=row.ended_at, seconds=_seconds(row.created_at, row.ended_at))


class LaunchService:
    def __init__(self, db: Database, registry: RegistryService, serving: ServingService,
                 monitoring: MonitoringService) -> None:
        self.db, self.registry = db, registry
        self.serving, self.monitoring = serving, monitoring
        self._threads: dict[int, threading.Thread] = {}

    # -- starting --------------------------------------------------------------------------
    def _endpoint_for(self, body: LaunchRequest) -> EndpointRow | None:
        with self.db.session() as session:
            if body.endpoint:
                row = session.execute(select(EndpointRow).where(
                    EndpointRow.name == body.endpoint, EndpointRow.state == "active")).scalar()
                if row is not None and row.model != body.model:
                    raise InvalidInput(f"endpoint {body.endpoint!r} serves {row.model}, not "
                                       f"{body.model}", field="endpoint")
                return row
            rows = session.execute(select(EndpointRow).where(
                EndpointRow.model == body.model, EndpointRow.state == "active")
                .order_by(EndpointRow.name)).scalars().all()
        if len(rows) > 1:
            raise InvalidInput(f"{body.model} is served by {', '.join(r.name for r in rows)}: "
                               "say which endpoint to launch on", field="endpoint")
        return rows[0] if rows else None

    def start(self, body: LaunchRequest, actor: str, run: bool = True) -> LaunchDetail:
        from ..serving.schemas import ENDPOINT_NAME

        model = self.registry.get(body.model, history=0)
        self.registry.version(body.model, body.version)  # a clear 404 when it does not exist
        endpoint = self._endpoint_for(body)
        name = endpoint.name if endpoint is not None else (
            body.endpoint or body.model.replace("_", "-").replace(".", "-").lower()[:55])
        if not ENDPOINT_NAME.match(name):
            raise InvalidInput(f"{name!r} is not a valid endpoint name: pass endpoint=...",
                               field="endpoint")
        production = endpoint.primary_version if endpoint is not None else None
        if production == body.version and endpoint.candidate_version is None:
            raise InvalidInput(f"{name} already serves {body.model} v{body.version}",
                               field="version")
        self._expire_stale()
        with self.db.session(write=True) as session:
            busy = session.execute(select(LaunchRow.id).where(
                LaunchRow.endpoint == name, LaunchRow.status.in_(ACTIVE))).scalar()
            if busy is not None:
                raise Conflict(f"launch #{busy} is still changing {name}; wait for it or "
                               "decide it first", field="endpoint")
            row = LaunchRow(model=body.model, version=body.version, endpoint=name,
                            production_version=production, tier=model.tier, status="running",
                            message="starting", request=body.model_dump(mode="json"),
                            gates=[], runner=f"{HOST}:{os.getpid()}", decision_reason="",
                            created_by=actor[:200], created_at=utcnow())
            session.add(row)
            session.flush()
            for i, step in enumerate(STEPS):
                session.add(LaunchStepRow(launch_id=row.id, position=i, name=step,
                                          status="pending", message="", outcome={}))
            launch_id = row.id
        if run:
            thread = threading.Thread(target=self.run, args=(launch_id,),
                                      name=f"griffin-launch-{launch_id}", daemon=True)
            self._threads[launch_id] = thread
            thread.start()
        return self.get(launch_id)

    def run(self, launch_id: int) -> None:
        """Run the pipeline of a recorded launch here and now (``start`` does, in a thread)."""
        try:
            Pipeline(self, launch_id).run()
        except Exception as exc:  # noqa: BLE001 - the pipeline records its own failures
            self.finish(launch_id, "failed", f"{type(exc).__name__}: {exc}"[:2000])

    def wait(self, launch_id: int, timeout: float | None = None) -> LaunchDetail:
        thread = self._threads.get(launch_id)
        if thread is not None:
            thread.join(timeout)
        return self.get(launch_id)

    # -- recording (the pipeline calls these) ----------------------------------------------
    def step(self, launch_id: int, name: str, status: str, message: str = "",
             outcome: dict[str, Any] | None = None) -> None:
        with self.db.session(write=True) as session:
            step = session.execute(select(LaunchStepRow).where(
                LaunchStepRow.launch_id == launch_id, LaunchStepRow.name == name)).scalar_one()
            now = utcnow()
            if status in ("running", "waiting") and step.started_at is None:
                step.started_at = now
            if status in ("passed", "failed", "skipped"):
                step.ended_at = now
                step.started_at = step.started_at or now
            step.status, step.message = status, message[:4000]
            if outcome is not None:
                step.outcome = outcome
            launch = session.get(LaunchRow, launch_id)
            if status == "running":
                launch.message = f"{name.replace('_', '-')}"
            elif status == "waiting":
                launch.status, launch.message = "awaiting_approval", message[:2000]

    def save_gates(self, launch_id: int, results: list[GateResult]) -> None:
        with self.db.session(write=True) as session:
            session.get(LaunchRow, launch_id).gates = dump(results)

    def finish(self, launch_id: int, status: str, message: str) -> None:
        with self.db.session(write=True) as session:
            launch = session.get(LaunchRow, launch_id)
            launch.status, launch.message, launch.ended_at = status, message[:2000], utcnow()
            for step in session.execute(select(LaunchStepRow).where(
                    LaunchStepRow.launch_id == launch_id,
                    LaunchStepRow.status.in_(("pending", "running", "waiting")))).scalars():
                step.status = "skipped" if step.status == "pending" else "failed"
                step.ended_at = step.ended_at or (utcnow() if step.started_at else None)

    def await_decision(self, launch_id: int, timeout: float) -> tuple[str, str, str]:
        """Wait for a person's decision (from any process); (decision, by, reason)."""
        self.step(launch_id, "approval", "waiting", "waiting for a person to approve")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.db.session() as session:
                row = session.get(LaunchRow, launch_id)
                if row.decision is not None:
                    decision = (row.decision, row.decided_by or "", row.decision_reason)
                    break
            time.sleep(0.5)
        else:
            return "timed_out", "nobody", f"no decision within {timeout:.0f} s"
        with self.db.session(write=True) as session:
            session.get(LaunchRow, launch_id).status = "running"
        return decision

    # -- reading ---------------------------------------------------------------------------
    def _expire_stale(self) -> None:
        """Launches whose process on this host is gone are failed, not running forever."""
        with self.db.session() as session:
            active = session.execute(select(LaunchRow.id, LaunchRow.runner).where(
                LaunchRow.status.in_(ACTIVE))).all()
        gone = []
        for launch_id, runner in active:
            host, _, pid = runner.rpartition(":")
            if host == HOST and pid.isdigit() and not alive(int(pid)):
                gone.append((launch_id, pid))
        for launch_id, pid in gone:
            with self.db.session(write=True) as session:
                row = session.get(LaunchRow, launch_id)
                if row.status in ACTIVE:
                    row.status, row.ended_at = "failed", utcnow()
                    row.message = (f"the process running this launch (pid {pid}) stopped; "
                                   f"{row.endpoint} was left as its last finished step set it")

    def get(self, launch_id: int) -> LaunchDetail:
        self._expire_stale()
        with self.db.session() as session:
            row = session.get(LaunchRow, launch_id)
            if row is None:
                raise NotFound(f"No launch #{launch_id}", field="id")
            steps = session.execute(select(LaunchStepRow).where(
                LaunchStepRow.launch_id == launch_id).order_by(LaunchStepRow.position)
            ).scalars().all()
            return LaunchDetail(
                **_info(row), request=row.request, decided_by=row.decided_by,
                decision_reason=row.decision_reason,
                gates=[GateResult(**gate) for gate in row.gates or []],
                steps=[LaunchStep(name=s.name, status=s.status, started_at=s.started_at,
                                  ended_at=s.ended_at, seconds=_seconds(s.started_at,
                                                                        s.ended_at),
                                  message=s.message, outcome=s.outcome or {}) for s in steps])

    def list(self, query: LaunchesQuery | None = None) -> list[LaunchInfo]:
        query = query or LaunchesQuery()
        self._expire_stale()
        stmt = select(LaunchRow).order_by(LaunchRow.id.desc()).limit(query.limit)
        if query.model:
            stmt = stmt.where(LaunchRow.model == query.model)
        if query.endpoint:
            stmt = stmt.where(LaunchRow.endpoint == query.endpoint)
        with self.db.session() as session:
            return [LaunchInfo(**_info(r)) for r in session.execute(stmt).scalars()]

    def decide(self, launch_id: int, body: ApprovalRequest, actor: str) -> LaunchDetail:
        with self.db.session(write=True) as session:
            row = session.get(LaunchRow, launch_id)
            if row is None:
                raise NotFound(f"No launch #{launch_id}", field="id")
            if row.status != "awaiting_approval":
                raise Conflict(f"launch #{launch_id} is {row.status}, not awaiting approval",
                               field="id")
            if row.decision is not None:
                raise Conflict(f"launch #{launch_id} was already {row.decision}", field="id")
            row.decision = "approved" if body.approve else "rejected"
            row.decided_by, row.decision_reason = actor[:200], body.reason
        deadline = time.monotonic() + 5  # let the pipeline pick it up before answering
        while time.monotonic() < deadline:
            detail = self.get(launch_id)
            if detail.status != "awaiting_approval":
                return detail
            time.sleep(0.1)
        return self.get(launch_id)
