"""One launch, step by step: estimation, approval, preparation, scale-up, finalization.

Every step changes desired state only through the serving service (deploy, promote,
rollback, delete) and records its start, end, outcome and message. A gate that fails, or
a candidate that fails before the switch, leaves production exactly as it was; a regression
after the switch is rolled back. The pipeline runs in a thread of the process that started
the launch; an approval given from anywhere else reaches it through the database.
"""

from __future__ import annotations

import contextlib
import json
import time
from typing import TYPE_CHECKING, Any

from ..db.base import utcnow
from ..errors import GriffinError
from ..monitoring.schemas import HealthQuery
from ..registry.schemas import ModelVersionInfo
from ..serving.schemas import DeployRequest, PromoteRequest
from . import gates as g
from .replay import Replay, burst, paired, replay, synthetic_bodies
from .schemas import GateResult
from .tables import LaunchRow

if TYPE_CHECKING:
    from .service import LaunchService

APPROVAL_TIMEOUT_S = 24 * 3600.0
WATCH_MIN_REQUESTS = 20
ROLLBACK_ERROR_RATE = 0.05


class Halt(Exception):
    """Ends the pipeline with ``status`` (blocked, rejected, rolled_back, failed)."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class Pipeline:
    def __init__(self, service: LaunchService, launch_id: int) -> None:
        self.service, self.id = service, launch_id
        self.serving, self.registry = service.serving, service.registry
        self.monitoring = service.monitoring
        with service.db.session() as session:
            row = session.get(LaunchRow, launch_id)
            self.row = {c: getattr(row, c) for c in ("model", "version", "endpoint",
                                                     "production_version", "tier",
                                                     "created_by")}
            self.request = dict(row.request)
        self.actor = self.row["created_by"]
        self.endpoint = self.row["endpoint"]
        self.staging = f"{self.endpoint[:44]}-staging-{launch_id}"
        self.candidate: ModelVersionInfo | None = None
        self.production: ModelVersionInfo | None = None
        self.bodies: list[str] = []
        self.synthetic = False
        self.replays: dict[str, Replay] = {}
        self.promoted = False

    # -- driver ----------------------------------------------------------------------------
    def run(self) -> None:
        steps = (("estimation", self.estimation), ("approval", self.approval),
                 ("preparation", self.preparation), ("scale_up", self.scale_up),
                 ("finalization", self.finalization))
        status, message = "succeeded", ""
        for name, step in steps:
            self.service.step(self.id, name, "running")
            try:
                outcome, note = step()
            except Halt as halt:
                self.service.step(self.id, name, "failed", halt.message)
                status, message = halt.status, halt.message
                break
            except Exception as exc:  # noqa: BLE001 - recorded; production is restored
                text = exc.message if isinstance(exc, GriffinError) else \
                    f"{type(exc).__name__}: {exc}"
                self.service.step(self.id, name, "failed", text[:2000])
                status, message = "failed", f"{name} failed: {text}"[:2000]
                self._restore()
                break
            self.service.step(self.id, name, "passed", note, outcome)
        else:
            message = (f"v{self.row['version']} serves production on {self.endpoint}")
        self._cleanup()
        self.service.finish(self.id, status, message)

    def _restore(self) -> None:
        """After an unexpected error: production as it was before the launch."""
        try:
            detail = self.serving.get(self.endpoint)
        except GriffinError:
            return
        if detail.candidate_version == self.row["version"]:
            self.serving.rollback(self.endpoint, self.actor)  # drops the shadow
        elif self.promoted and detail.primary_version == self.row["version"]:
            self.serving.rollback(self.endpoint, self.actor)

    def _cleanup(self) -> None:
        with contextlib.suppress(GriffinError):  # already gone
            self.serving.delete(self.staging, self.actor, drain=False)

    # -- steps -----------------------------------------------------------------------------
    def estimation(self) -> tuple[dict[str, Any], str]:
        """Build the candidate, serve it on a staging endpoint and replay recorded traffic
        at it and at production."""
        model, version = self.row["model"], self.row["version"]
        self.candidate = self.registry.version(model, version)
        if self.row["production_version"] is not None:
            self.production = self.registry.version(model, self.row["production_version"])
        started = time.perf_counter()
        online: list[str] = []  # recorded bodies may carry entity keys only: read the same
        if self.production is not None:
            online = list((self.serving.row(self.endpoint).online_features or {})
                          .get("features") or [])
        try:
            staging = self.serving.deploy(DeployRequest(model=f"{model}@{version}",
                                                        name=self.staging, workers=1,
                                                        online_features=online),
                                          self.actor)
        except GriffinError as exc:
            raise Halt("blocked", f"v{version} could not be served: {exc.message}") from None
        start_s = time.perf_counter() - started
        # the recorded requests, read once staging is up: by then the serving workers have
        # written out what they answered up to the launch (they flush every second)
        if self.production is not None:
            self.bodies = self.monitoring.samples(self.endpoint, int(self.request["replay"]))
        if not self.bodies:
            self.bodies, self.synthetic = synthetic_bodies(self.candidate.signature), True
        self._replay(staging.url)
        cand = self.replays["candidate"]
        cand.requests_per_s = burst(staging.url, self.bodies)
        outcome: dict[str, Any] = {"replayed": len(self.bodies), "synthetic": self.synthetic,
                                   "staging": staging.url, "start_s": round(start_s, 2),
                                   "candidate": cand.summary()}
        if "production" in self.replays:
            outcome["production"] = self.replays["production"].summary()
        source = "synthetic requests" if self.synthetic else "recorded requests"
        note = (f"{len(self.bodies)} {source}: candidate p99 "
                f"{_ms(cand.percentile(0.99))}, {cand.requests_per_s} req/s")
        if "production" in self.replays:
            note += f"; production p99 {_ms(self.replays['production'].percentile(0.99))}"
        return outcome, note

    def _replay(self, staging_url: str) -> None:
        """Replay the bodies at the candidate and, interleaved, at production."""
        urls = [staging_url]
        if self.production is not None:
            urls.append(self.serving.get(self.endpoint).url)
        answers = replay(urls, self.bodies)
        self.replays["candidate"] = answers[0]
        if len(answers) > 1:
            self.replays["production"] = answers[1]

    def _latency(self, tier: int) -> GateResult:
        """The latency gate; a failed p99 comparison is measured once more before it
        blocks (a p99 over a few hundred requests is one or two of them: one stall of
        this machine moves it), and the gate judges the second measurement."""
        def judge() -> GateResult:
            cand, prod = self.replays["candidate"], self.replays.get("production")
            return g.latency_gate(cand.percentile(0.99),
                                  None if prod is None else prod.percentile(0.99), tier)

        first = judge()
        if first.passed is not False:
            return first
        with contextlib.suppress(GriffinError):
            self._replay(self.serving.get(self.staging).url)
            second = judge()
            second.detail["first_measurement"] = first.detail
            second.message += f" (measured twice; first: {first.message})"
            return second
        return first

    def approval(self) -> tuple[dict[str, Any], str]:
        tier = self.row["tier"]
        latency = self._latency(tier)
        cand, prod = self.replays["candidate"], self.replays.get("production")
        assert self.candidate is not None
        results = [
            g.signature_gate(self.candidate, self.production, tier),
            g.metrics_gate(self.candidate, self.production, tier,
                           float(self.request["tolerance"])),
            self._stability(cand, prod, tier),
            latency,
        ]
        self.service.save_gates(self.id, results)
        blocking = [r for r in results if r.required and r.passed is not True]
        if blocking:
            raise Halt("blocked", "; ".join(f"{r.name}: {r.message}" for r in blocking))
        outcome = {"gates": {r.name: r.passed for r in results},
                   "required": list(g.required(tier))}
        needs_person = self.request.get("require_approval")
        if needs_person is None:
            needs_person = tier == 0
        if not needs_person:
            return outcome, f"{len(g.required(tier))} required gate(s) passed; approved " \
                            f"automatically (tier {tier})"
        decision, by, reason = self.service.await_decision(self.id, APPROVAL_TIMEOUT_S)
        outcome["approved_by"] = by
        if decision != "approved":
            raise Halt("rejected", f"rejected by {by}" + (f": {reason}" if reason else ""))
        return outcome, f"gates passed; approved by {by}" + (f": {reason}" if reason else "")

    def _stability(self, cand: Replay, prod: Replay | None, tier: int) -> GateResult:
        mine, theirs = (cand.predictions, None) if prod is None else paired(cand, prod)
        return g.stability_gate(mine, theirs, cand.failed + cand.rejected, tier,
                                self.synthetic)

    def preparation(self) -> tuple[dict[str, Any], str]:
        """Copy live traffic to the candidate (shadow) on the production endpoint; its
        answers are logged, not returned. A first launch deploys the endpoint instead."""
        self.serving.delete(self.staging, self.actor, drain=False)
        model, version = self.row["model"], self.row["version"]
        if self.production is None:
            workers = int(self.request.get("workers") or 1)
            ep = self.serving.deploy(DeployRequest(model=f"{model}@{version}",
                                                   name=self.endpoint, workers=workers),
                                     self.actor)
            self.promoted = True
            return {"endpoint": ep.url}, f"first launch: {self.endpoint} deployed at {ep.url}"
        shadow_s = float(self.request["shadow_s"])
        if shadow_s <= 0:
            return {"shadow_s": 0}, "no shadow window asked for"
        self.serving.promote(self.endpoint, PromoteRequest(version=version, mode="shadow"),
                             self.actor)
        time.sleep(shadow_s)
        health = self.monitoring.health(self.endpoint,
                                        HealthQuery(window_s=int(shadow_s) + 20))
        shadow = next((v for v in health.versions if v.version == version and
                       v.role == "shadow"), None)
        seen = 0 if shadow is None else shadow.requests
        outcome = {"shadow_s": shadow_s, "shadow_requests": seen,
                   "shadow_errors": 0 if shadow is None else shadow.errors,
                   "shadow_p99_ms": None if shadow is None else shadow.p99_ms}
        if shadow is not None and shadow.errors > 0:
            self.serving.rollback(self.endpoint, self.actor)
            raise Halt("blocked", f"the candidate failed {shadow.errors} of {seen} shadow "
                                  "requests; production untouched")
        note = (f"{seen} shadow request(s) in {shadow_s:g} s, none failed" if seen else
                f"no live traffic reached the shadow in {shadow_s:g} s")
        return outcome, note

    def scale_up(self) -> tuple[dict[str, Any], str]:
        """Switch production to the candidate, watch its health, roll back on regression."""
        version, watch_s = self.row["version"], float(self.request["watch_s"])
        before = self._production_p99()
        if self.production is not None:
            self.serving.promote(self.endpoint, PromoteRequest(version=version), self.actor)
            self.promoted = True
        switched = time.monotonic()
        problem, figures = self._watch(version, watch_s, before)
        figures["switch_to_watch_s"] = round(time.monotonic() - switched, 2)
        if problem:
            if self.production is not None:
                self.serving.rollback(self.endpoint, self.actor)
                raise Halt("rolled_back", f"rolled back to v{self.production.version}: "
                                          f"{problem}")
            raise Halt("failed", problem)
        return figures, (f"serving v{version}; healthy for {watch_s:g} s "
                         f"({figures.get('requests', 0)} requests)")

    def _production_p99(self) -> float | None:
        if self.production is None:
            return None
        health = self.monitoring.health(self.endpoint, HealthQuery(window_s=300))
        live = next((v for v in health.versions if v.role == "primary"), None)
        return None if live is None else live.p99_ms

    def _watch(self, version: int, watch_s: float, before: float | None
               ) -> tuple[str, dict[str, Any]]:
        deadline = time.monotonic() + watch_s
        figures: dict[str, Any] = {"watch_s": watch_s, "p99_before_ms": before}
        while True:
            detail = self.serving.get(self.endpoint)
            primary = [p for p in detail.processes if p.version == version and
                       p.role == "primary"]
            if detail.primary_version != version:
                return "the endpoint no longer serves the candidate", figures
            if not primary or any(p.restarts for p in primary) or detail.status != "ready":
                return (f"the candidate's serving process died during the watch "
                        f"({detail.status}: {detail.message})"), figures
            health = self.monitoring.health(self.endpoint,
                                            HealthQuery(window_s=int(watch_s) + 20))
            live = next((v for v in health.versions if v.version == version and
                         v.role == "primary"), None)
            if live is not None:
                figures.update(requests=live.requests, errors=live.errors,
                               error_rate=live.error_rate, p99_ms=live.p99_ms)
                if live.requests >= WATCH_MIN_REQUESTS:
                    if live.error_rate >= ROLLBACK_ERROR_RATE:
                        return f"{live.error_rate:.1%} of requests failed after the " \
                               "switch", figures
                    if (before is not None and live.p99_ms is not None
                            and live.p99_ms > before * 3 + 50):
                        return (f"p99 latency rose from {before:.1f} to {live.p99_ms:.1f} "
                                "ms"), figures
            if time.monotonic() >= deadline:
                return "", figures
            time.sleep(min(1.0, max(0.05, deadline - time.monotonic())))

    def finalization(self) -> tuple[dict[str, Any], str]:
        model, version = self.row["model"], self.row["version"]
        reason = self.request.get("reason") or ""
        why = f"launch #{self.id}" + (f": {reason}" if reason else "")
        self.registry.set_alias(model, "production", version, self.actor, why)
        moved = {"production": version}
        if self.production is not None:
            self.registry.set_alias(model, "previous", self.production.version, self.actor, why)
            moved["previous"] = self.production.version
        still_running = self.serving.retire_now(self.endpoint)
        note = f"production -> v{version}"
        if self.production is not None:
            note += f", previous -> v{self.production.version}; v{self.production.version}'s " \
                    f"process {'stopping' if still_running else 'stopped'}"
        return {"aliases": moved, "retired_still_running": still_running,
                "finished_at": utcnow().isoformat()}, note


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} ms"


def dump(results: list[GateResult]) -> list[dict[str, Any]]:
    return [json.loads(r.model_dump_json()) for r in results]
