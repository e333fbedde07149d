"""The training platform's operations: submit, follow, cancel and finish jobs."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shlex
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update

from ..db import Database
from ..db.base import utcnow
from ..errors import Conflict, EngineUnavailable, InvalidInput, NotFound
from ..settings import Settings
from .ray_jobs import RayJobs, fast_start_pythonpath, recorded_head
from .runtimes.common import runs_in_driver
from .schemas import (
    JobDetail,
    JobInfo,
    JobLogs,
    JobsPage,
    JobsQuery,
    MergeResult,
    MetricPoint,
    MetricsPage,
    TrialInfo,
)
from .spec import JobSpec, LightGBMJob, LLMJob, TensorFlowJob
from .standby import RUNTIMES as STANDBY_RUNTIMES
from .standby import StandbyPool, env_key, standby_env
from .tables import TERMINAL, TrainingJobRow, TrainingMetricRow, TrainingTrialRow

if TYPE_CHECKING:
    from ..features.service import FeatureStoreService
    from ..system.service import SystemService

LOG_TAIL_LINES = 60
RECONCILE_EVERY_S = 2.0  # how often one process asks Ray about one active job
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Ray's own chatter that says nothing about the job
_NOISE = re.compile(r"(INFO (worker|job_manager|usage_lib|packaging|config)\.py|"
                    r"Runtime env is setting up|Using address|Connecting to existing Ray cluster|"
                    r"View the dashboard at)")


def validate_spec(data: Any) -> LightGBMJob | TensorFlowJob | LLMJob:
    """A job spec from a dict, YAML text or a .yaml path (errors name the field and line)."""
    from pydantic import ValidationError

    from ..specs import error_location, load_yaml, validate_data

    if isinstance(data, LightGBMJob | TensorFlowJob | LLMJob):
        return data
    if isinstance(data, str | Path):
        return load_yaml(data, JobSpec, what="training spec")
    if not isinstance(data, dict):
        raise InvalidInput("a training spec is a dict, YAML text or the path of a .yaml file")
    try:
        return validate_data(data, JobSpec)
    except ValidationError as exc:
        field, _, msg = error_location(exc, data)
        raise InvalidInput(f"training spec: field {field!r}: {msg}", field=field) from exc


def _duration(row: TrainingJobRow) -> float | None:
    if row.started_at is None:
        return None
    end = row.finished_at or utcnow()
    return max(0.0, (end - row.started_at).total_seconds())


def job_info(row: TrainingJobRow) -> JobInfo:
    return JobInfo(id=row.id, name=row.name, runtime=row.runtime, status=row.status,
                   owner=row.owner, created_at=row.created_at, started_at=row.started_at,
                   finished_at=row.finished_at, duration_s=_duration(row),
                   progress=row.progress, message=row.message, model_name=row.model_name,
                   model_version=row.model_version, parent_id=row.parent_id)


def finish_job(job_id: str) -> None:
    """Register the model (if asked) and mark the job succeeded, in one transaction."""
    from ..features.tables import FeatureUsageRow
    from ..registry.service import register_version
    from .artifacts import ArtifactDir
    from .metrics import database
    from .runtimes import runtime

    with database().session(write=True) as session:
        row = session.get(TrainingJobRow, job_id, with_for_update=True)
        if row is None or row.status != "running":
            return  # cancelled (or reconciled) meanwhile: nothing is registered
        out = ArtifactDir(row.artifact_uri)
        results = out.read_json("metrics.json")
        final = results["final"]
        spec = validate_spec(row.spec)
        row.metrics = final
        if spec.register_as:
            lineage = {
                "training_job": row.id, "spec": row.spec, "feature_refs": row.feature_refs,
                "data_fingerprint": row.data.get("fingerprint"), "data_uri": row.data.get("uri"),
                "rows": row.data.get("rows"), "task": row.data.get("task"),
                "tuning": results.get("tuning"),
                **results.get("lineage", {}),  # a runtime's own (an LLM's base model)
            }
            version = register_version(
                session, name=spec.register_as,
                framework=results.get("framework") or runtime(spec.runtime).FRAMEWORK,
                artifact_uri=out.url("model"), actor=row.owner,
                signature=out.read_json("signature.json"), metrics=final,
                params=(results.get("tuning") or {}).get("best_params")
                or results.get("registry_params") or row.spec["params"],
                lineage=lineage, description=spec.description, owner=spec.owner)
            row.model_name, row.model_version = spec.register_as, version
            for ref in row.feature_refs:
                session.add(FeatureUsageRow(feature_view=ref.split(":")[0], feature_ref=ref,
                                            used_by_kind="model_version",
                                            used_by_id=f"{spec.register_as}:{version}"))
        row.status, row.finished_at, row.progress = "succeeded", utcnow(), 1.0
        row.message = (f"registered {row.model_name} v{row.model_version}" if row.model_name
                       else "succeeded")


class TrainingService:
    def __init__(self, settings: Settings, db: Database, features: FeatureStoreService,
                 system: SystemService) -> None:
        self.settings, self.db, self.features, self.system = settings, db, features, system
        self.ray = RayJobs(settings.home, settings.ray_address)
        self.standby = StandbyPool(db, self.ray)
        self._checked: dict[str, float] = {}
        self._evaluations: dict[str, Any] = {}

    # submission ----------------------------------------------------------------------------
    def submit(self, spec: Any, actor: str, parent_id: str | None = None) -> JobDetail:
        """Check everything, then submit a Ray job. Nothing runs if any check fails."""
        from .artifacts import ArtifactDir
        from .data import prepare
        from .runtimes import runtime

        spec = validate_spec(spec)
        if parent_id is not None:
            self._row(parent_id)
        rt = runtime(spec.runtime)
        self._check_tuning(spec, rt)
        job_id = f"{spec.name[:27]}-{secrets.token_hex(4)}"
        job_dir = f"{self.settings.resolved_artifact_root.rstrip('/')}/jobs/{job_id}"
        out = ArtifactDir(job_dir)
        try:
            data = (rt.prepare(spec, job_dir, self) if hasattr(rt, "prepare")
                    else prepare(spec, job_dir, self.features))
            rt.check(spec, data)
            self._check_resources(spec)
        except BaseException:
            if out.fs.exists(out.path):
                out.fs.rm(out.path, recursive=True)
            raise
        doc = spec.model_dump(mode="json")
        out.write_text("spec.yaml", _yaml(doc))
        with self.db.session(write=True) as session:
            session.add(TrainingJobRow(
                id=job_id, name=spec.name, runtime=spec.runtime, status="pending",
                owner=spec.owner or actor, spec=doc, parent_id=parent_id,
                ray_address=self.ray.configured_address or "embedded", artifact_uri=job_dir,
                data=data.to_dict(), feature_refs=data.feature_refs, progress=0.0,
                message="submitting", workers=[], metrics={}))
        if data.feature_refs:
            self.features.record_usage(data.feature_refs, "training_job", job_id)
        in_driver = runs_in_driver(spec.scaling.model_dump(), spec.tune is not None)
        entrypoint, env = f"{self._python()} -m griffin_lab.training.entry", self._job_env()
        warm_env = standby_env(env, spec.scaling.cpus_per_worker)
        key = (env_key(spec.runtime, warm_env, entrypoint) if self.settings.training_standby
               and in_driver and spec.runtime in STANDBY_RUNTIMES else None)
        if key is None or self.standby.claim(job_id, key) is None:
            try:
                ray_job_id = self.ray.submit(
                    f"{entrypoint} {job_id}", submission_id=f"griffin-{job_id}", env_vars=env,
                    num_cpus=spec.scaling.cpus_per_worker if in_driver else 0)
            except BaseException as exc:
                self._set(job_id, status="failed", finished_at=utcnow(),
                          message="not submitted", error=f"Ray did not accept the job: {exc}")
                raise
            self._set(job_id, ray_job_id=ray_job_id, message="queued on Ray")
        if key is not None:  # the next job of this kind finds a warm standby (if it does not
            # start, the job itself is submitted all the same and the next takes the usual path)
            with contextlib.suppress(EngineUnavailable):
                self.standby.replenish(spec.runtime, key, entrypoint, warm_env)
        self.system.record(actor, "training.submitted", subject=job_id,
                           detail={"name": spec.name, "runtime": spec.runtime,
                                   "parent_id": parent_id})
        return self.get(job_id)

    def _local_cluster(self) -> bool:
        from urllib.parse import urlparse

        address = self.ray.configured_address
        return address is None or urlparse(address).hostname in ("127.0.0.1", "localhost", "::1")

    def _python(self) -> str:
        """This interpreter for a head on this machine; a cluster's own ``python`` elsewhere."""
        return shlex.quote(sys.executable) if self._local_cluster() else "python"

    def _job_env(self) -> dict[str, str]:
        env = {**self.settings.as_env(), "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "2",
               "PYTHONUNBUFFERED": "1", "RAY_DEDUP_LOGS": "1"}
        if self.ray.embedded:
            # one machine is never preempted: spare the extra watcher process per job
            env["RAY_TRAIN_ENABLE_PREEMPTION_WATCHER"] = "0"
        if self._local_cluster():
            # this machine's interpreter runs the job: its processes start without compiling
            # a grammar nobody uses (ray_jobs.FAST_START)
            env["PYTHONPATH"] = fast_start_pythonpath(os.environ.get("PYTHONPATH"))
        return env

    def _check_tuning(self, spec: Any, rt: Any) -> None:
        if spec.tune is None:
            return
        known = set(rt.params(spec))
        for name in spec.tune.search_space:
            if name not in known:
                raise InvalidInput(f"tune.search_space names {name!r}, which is not a "
                                   f"{spec.runtime} parameter (known: {', '.join(sorted(known))})",
                                   field=f"tune.search_space.{name}")

    def _check_resources(self, spec: Any) -> None:
        s = spec.scaling
        have = self.ray.resources()
        per_worker = s.cpus_per_worker
        if s.use_gpu and have["GPU"] < s.num_workers:
            raise InvalidInput(f"scaling asks for {s.num_workers} GPU worker(s); the Ray "
                               f"cluster has {have['GPU']:g} GPU(s)", field="scaling.use_gpu")
        if per_worker > have["node_CPU"]:
            raise InvalidInput(f"scaling asks for {per_worker:g} CPUs per worker; the largest "
                               f"Ray node has {have['node_CPU']:g}",
                               field="scaling.cpus_per_worker")
        if s.num_workers * per_worker > have["CPU"]:
            raise InvalidInput(f"scaling asks for {s.num_workers} workers x {per_worker:g} "
                               f"CPUs = {s.num_workers * per_worker:g} CPUs; the Ray cluster "
                               f"has {have['CPU']:g}", field="scaling.num_workers")

    # reading -------------------------------------------------------------------------------
    def _row(self, job_id: str) -> TrainingJobRow:
        with self.db.session() as session:
            row = session.get(TrainingJobRow, job_id)
            if row is None:
                raise NotFound(f"No training job {job_id!r}", field="job_id")
            session.expunge(row)
        return row

    def _set(self, job_id: str, *, only_active: bool = False, **values: Any) -> bool:
        with self.db.session(write=True) as session:
            stmt = update(TrainingJobRow).where(TrainingJobRow.id == job_id)
            if only_active:
                stmt = stmt.where(TrainingJobRow.status.not_in(TERMINAL))
            return session.execute(stmt.values(**values)).rowcount > 0

    def _reconcile(self, row: TrainingJobRow) -> TrainingJobRow:
        """Make a job's row agree with Ray: no job stays running after its Ray job ended."""
        if row.ray_job_id is None:
            return row
        if row.status in TERMINAL:
            if row.log_tail is None and row.status != "succeeded":
                tail = self._log_tail(row)
                if tail is not None:
                    self._set(row.id, log_tail=tail)
                    row.log_tail = tail
            return row
        now = time.monotonic()
        if now - self._checked.get(row.id, -RECONCILE_EVERY_S) < RECONCILE_EVERY_S:
            return row  # asked Ray a moment ago: pollers do not each cost a cluster call
        self._checked[row.id] = now
        try:
            ray_status = self._ray_status(row)
        except EngineUnavailable:
            return row  # a remote cluster that does not answer now: nothing is known
        if ray_status in (None, "succeeded", "failed", "cancelled"):
            values: dict[str, Any] = {"finished_at": utcnow(), "log_tail": self._log_tail(row)}
            if ray_status == "cancelled":
                values.update(status="cancelled", message="stopped on Ray")
            else:
                values.update(status="failed", message="failed", error=row.error or (
                    "the Ray cluster no longer knows this job (was it restarted?)"
                    if ray_status is None else self._ray_message(row, ray_status)))
            self._set(row.id, only_active=True, **values)
            return self._row(row.id)
        return row

    def _ray_status(self, row: TrainingJobRow) -> str | None:
        if self.ray.embedded and recorded_head(self.settings.home) is None:
            return None
        try:
            return self.ray.status(row.ray_job_id or "")
        except EngineUnavailable:
            if self.ray.embedded:
                return None  # the embedded head is gone, and its jobs with it
            raise

    def _ray_message(self, row: TrainingJobRow, ray_status: str) -> str:
        if ray_status == "succeeded":
            return "the job's process ended without recording a result"
        try:
            info = self.ray.client(start=False).get_job_info(row.ray_job_id)
            return f"the Ray job failed: {info.message}"
        except Exception:
            return "the Ray job failed"

    def _log_tail(self, row: TrainingJobRow) -> str | None:
        try:
            text = self.ray.logs(row.ray_job_id or "")
        except EngineUnavailable:
            return None
        return "\n".join(_clean(text)[-LOG_TAIL_LINES:])

    def get(self, job_id: str) -> JobDetail:
        row = self._reconcile(self._row(job_id))
        with self.db.session() as session:
            trials = session.execute(select(TrainingTrialRow).where(
                TrainingTrialRow.job_id == job_id).order_by(TrainingTrialRow.id)).scalars().all()
            trial_infos = [TrialInfo(trial=t.trial, params=t.params, metrics=t.metrics,
                                     status=t.status, best=t.best) for t in trials]
        return JobDetail(**job_info(row).model_dump(), spec=row.spec, spec_yaml=_yaml(row.spec),
                         ray_address=row.ray_address, ray_job_id=row.ray_job_id,
                         artifact_uri=row.artifact_uri, data=row.data,
                         feature_refs=row.feature_refs, workers=row.workers,
                         metrics=row.metrics, error=row.error, log_tail=row.log_tail,
                         trials=trial_infos, evaluation=self._evaluation(row))

    def _evaluation(self, row: TrainingJobRow) -> dict[str, Any] | None:
        """An LLM job's eval.json (loss and perplexity before/after, sample generations)."""
        if row.runtime != "llm_finetune" or row.status != "succeeded":
            return None
        if row.id not in self._evaluations:
            from .artifacts import ArtifactDir

            try:
                self._evaluations[row.id] = ArtifactDir(row.artifact_uri).read_json("eval.json")
            except (OSError, ValueError):
                return None
        return self._evaluations[row.id]

    def merge(self, job_id: str, actor: str, register_as: str | None = None) -> MergeResult:
        """Merge a succeeded LoRA job's adapter into its base: a full model folder under the
        job's artifacts (``merged/``), registered as framework ``transformers`` if asked."""
        from ..registry.schemas import check_model_name
        from ..registry.service import register_version
        from .artifacts import ArtifactDir
        from .llm_model import BASE_FRAMEWORK, merge_and_save

        row = self._reconcile(self._row(job_id))
        if row.runtime != "llm_finetune":
            raise InvalidInput(f"job {job_id} is a {row.runtime} job; only llm_finetune jobs "
                               "have an adapter to merge", field="job_id")
        if row.status != "succeeded":
            raise Conflict(f"job {job_id} is {row.status}; only a succeeded job can be merged",
                           field="job_id")
        if (row.spec.get("method") or {}).get("kind", "lora") != "lora":
            raise InvalidInput(f"job {job_id} fine-tuned the full model: its model folder is "
                               "already a full model", field="job_id")
        if register_as is not None:
            try:
                check_model_name(register_as)
            except ValueError as exc:
                raise InvalidInput(str(exc), field="register_as") from None
        out = ArtifactDir(row.artifact_uri)
        uri = merge_and_save(out.url("model"), out.url("merged"))
        name = version = None
        if register_as is not None:
            results = out.read_json("metrics.json")
            with self.db.session(write=True) as session:
                version = register_version(
                    session, name=register_as, framework=BASE_FRAMEWORK, artifact_uri=uri,
                    actor=actor, signature=out.read_json("signature.json"),
                    metrics=row.metrics, params=results.get("registry_params") or {},
                    lineage={"training_job": row.id, "merged_from": {
                        "model": row.model_name, "version": row.model_version,
                        "artifact_uri": out.url("model")},
                        "data_fingerprint": row.data.get("fingerprint"),
                        **results.get("lineage", {})},
                    description=f"{row.name}: LoRA adapter merged into its base")
            name = register_as
        self.system.record(actor, "training.merged", subject=job_id,
                           detail={"artifact_uri": uri, "model": name, "version": version})
        return MergeResult(job_id=job_id, artifact_uri=uri, model_name=name,
                           model_version=version)

    def list(self, query: JobsQuery) -> JobsPage:
        with self.db.session() as session:
            stmt = select(TrainingJobRow)
            if query.status is not None:
                stmt = stmt.where(TrainingJobRow.status == query.status)
            if query.name is not None:
                stmt = stmt.where(TrainingJobRow.name == query.name)
            total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar()
            rows = session.execute(stmt.order_by(TrainingJobRow.created_at.desc())
                                   .limit(query.limit).offset(query.offset)).scalars().all()
            for row in rows:
                session.expunge(row)
        rows = [self._reconcile(r) if r.status not in TERMINAL else r for r in rows]
        return JobsPage(jobs=[job_info(r) for r in rows], total=int(total or 0))

    def metrics(self, job_id: str, after: int = 0, limit: int = 20_000) -> MetricsPage:
        row = self._reconcile(self._row(job_id))
        with self.db.session() as session:
            points = session.execute(select(TrainingMetricRow).where(
                TrainingMetricRow.job_id == job_id, TrainingMetricRow.id > after)
                .order_by(TrainingMetricRow.id).limit(limit)).scalars().all()
            out = [MetricPoint(id=p.id, trial=p.trial, step=p.step, name=p.name, value=p.value)
                   for p in points]
        return MetricsPage(points=out, last_id=out[-1].id if out else after, status=row.status)

    def logs(self, job_id: str, tail: int = 200) -> JobLogs:
        row = self._row(job_id)
        text = None
        if row.ray_job_id is not None:
            try:
                text = self.ray.logs(row.ray_job_id) if self._ray_known(row) else None
            except EngineUnavailable:
                text = None
        lines = _clean(text if text is not None else (row.log_tail or ""))
        return JobLogs(lines=lines[-tail:], total_lines=len(lines))

    def _ray_known(self, row: TrainingJobRow) -> bool:
        return not (self.ray.embedded and recorded_head(self.settings.home) is None)

    def cancel(self, job_id: str, actor: str) -> JobDetail:
        row = self._reconcile(self._row(job_id))
        if row.status in TERMINAL:
            raise Conflict(f"Job {job_id} already {row.status}; only pending or running jobs "
                           "can be cancelled", field="job_id")
        self._set(job_id, only_active=True, status="cancelled", finished_at=utcnow(),
                  message=f"cancelled by {actor}")
        if row.ray_job_id is not None and self._ray_known(row):
            self.ray.stop(row.ray_job_id)
        self.system.record(actor, "training.cancelled", subject=job_id)
        return self.get(job_id)


def _clean(text: str) -> list[str]:
    """Log lines without colour codes and without Ray's own start-up chatter."""
    return [ANSI.sub("", ln) for ln in text.splitlines() if not _NOISE.search(ln)]


def _yaml(doc: dict[str, Any]) -> str:
    import yaml

    return yaml.safe_dump(doc, sort_keys=False)


