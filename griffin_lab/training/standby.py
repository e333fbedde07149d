"""Warm standby jobs: a Ray job submitted ahead of time through the Jobs API, with its
runtime's libraries imported and a connection to the cluster, waiting for a Griffin job.

Ray takes one to two seconds to start a job (a supervisor actor, then the entrypoint
process), and a job's driver then spends seconds importing Ray Train and its framework
(TensorFlow alone takes 2 s or more). A standby has paid all of that before anyone asks: a
job that runs in its driver (one CPU worker, no sweep) claims an idle standby of its runtime
with one database update, and the standby starts it within a polling interval. The job is
still a Ray job of the Jobs API: it outlives the kernel that submitted it, and its logs,
status and cancellation are that Ray job's.

Each standby serves one job and then exits like any job's driver; the next one is submitted
when one is claimed. Jobs that start worker groups, sweeps and LLM jobs go through a new Ray
job as before, as does any job when no standby is idle. A standby reserves no CPUs while it
waits; once claimed it reserves the job's CPUs with a placement group before the job is marked
running (as Ray reserves a new job's entrypoint CPUs), and it gives up after
``IDLE_TIMEOUT_S`` without a job. ``GRIFFIN_TRAINING_STANDBY=false`` turns standbys off.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
import secrets
import sys
import time
from typing import Any

from sqlalchemy import delete, select, update

from ..db.base import utcnow
from .metrics import database
from .tables import TrainingJobRow, TrainingStandbyRow

RUNTIMES = ("lightgbm", "tensorflow")  # the runtimes a standby is kept warm for
# What a standby imports before it waits: what the job's driver would import first.
WARM_IMPORTS = {
    "lightgbm": ("pandas", "pyarrow.parquet", "lightgbm", "ray.train", "ray.train.lightgbm"),
    "tensorflow": ("pandas", "pyarrow.parquet", "tensorflow", "tf_keras", "ray.train",
                   "ray.train.tensorflow"),
}
POLL_S = 0.05
IDLE_TIMEOUT_S = 15 * 60
RESERVE_TIMEOUT_S = 24 * 3600


def standby_env(env: dict[str, str], cpus: float) -> dict[str, str]:
    """A standby's environment for jobs of ``cpus`` CPUs. Ray gives a new job's driver
    ``OMP_NUM_THREADS`` = its entrypoint CPUs (1 for a standby, which reserves none when it
    starts); the framework's thread pools are sized from it at import, so a standby sets what
    a new job would get."""
    return {**env, "OMP_NUM_THREADS": str(max(1, math.floor(cpus)))}


def env_key(runtime: str, env: dict[str, str], entrypoint: str) -> str:
    """What a standby must share with a job to run it: runtime, environment (CPUs included,
    see ``standby_env``), interpreter."""
    doc = json.dumps({"runtime": runtime, "env": env, "entrypoint": entrypoint},
                     sort_keys=True)
    return hashlib.sha256(doc.encode()).hexdigest()[:32]


class StandbyPool:
    """The submitting side: claim an idle standby for a job, keep one warm per runtime."""

    def __init__(self, db: Any, ray: Any) -> None:
        self.db, self.ray = db, ray

    def claim(self, job_id: str, key: str) -> str | None:
        """The Ray job id of an idle standby now bound to ``job_id``, or None. A standby whose
        Ray job is no longer running (its head restarted) is forgotten on the way."""
        with self.db.session() as session:
            idle = session.execute(
                select(TrainingStandbyRow.id, TrainingStandbyRow.ray_job_id)
                .where(TrainingStandbyRow.env_key == key, TrainingStandbyRow.state == "idle")
                .order_by(TrainingStandbyRow.idle_at)).all()
        for standby_id, ray_job_id in idle:
            if self._ray_state(ray_job_id) != "running":
                _forget(self.db, standby_id)
                continue
            # The job learns its Ray job in the same transaction: once the standby sees the
            # claim, nothing here writes to the job's row again.
            with self.db.session(write=True) as session:
                won = session.execute(
                    update(TrainingStandbyRow)
                    .where(TrainingStandbyRow.id == standby_id,
                           TrainingStandbyRow.state == "idle")
                    .values(state="claimed", job_id=job_id, claimed_at=utcnow())).rowcount
                if won:
                    session.execute(update(TrainingJobRow).where(TrainingJobRow.id == job_id)
                                    .values(ray_job_id=ray_job_id,
                                            message="starting on a warm standby"))
            if won:
                return ray_job_id
        return None

    def replenish(self, runtime: str, key: str, entrypoint: str, env: dict[str, str]) -> None:
        """Submit a standby for ``key`` unless one is starting or idle already (one whose Ray
        job ended without it, e.g. with its head, is forgotten)."""
        with self.db.session() as session:
            waiting = session.execute(
                select(TrainingStandbyRow.id, TrainingStandbyRow.ray_job_id,
                       TrainingStandbyRow.created_at)
                .where(TrainingStandbyRow.env_key == key,
                       TrainingStandbyRow.state.in_(("starting", "idle")))).all()
        for standby_id, ray_job_id, created in waiting:
            # a row younger than a minute may belong to a submission still on its way to Ray
            if (utcnow() - created).total_seconds() < 60 or \
                    self._ray_state(ray_job_id) in ("pending", "running"):
                return
            _forget(self.db, standby_id)
        with self.db.session(write=True) as session:
            standby_id = f"standby-{runtime}-{secrets.token_hex(4)}"
            session.add(TrainingStandbyRow(id=standby_id, runtime=runtime, env_key=key,
                                           state="starting", ray_job_id=f"griffin-{standby_id}"))
        try:
            self.ray.submit(f"{entrypoint} --standby {standby_id}",
                            submission_id=f"griffin-{standby_id}", env_vars=env, num_cpus=0)
        except Exception:
            _forget(self.db, standby_id)
            raise

    def stop_all(self) -> int:
        """Stop every standby that is not running a job (their Ray jobs and rows); how many."""
        with self.db.session() as session:
            rows = session.execute(
                select(TrainingStandbyRow.id, TrainingStandbyRow.ray_job_id)
                .where(TrainingStandbyRow.state.in_(("starting", "idle")))).all()
        for standby_id, ray_job_id in rows:
            _forget(self.db, standby_id)  # first: a standby whose row is gone does not start
            self.ray.stop(ray_job_id)
        return len(rows)

    def _ray_state(self, ray_job_id: str) -> str | None:
        try:
            return self.ray.status(ray_job_id)
        except Exception:
            return None


def _forget(db: Any, standby_id: str) -> None:
    with db.session(write=True) as session:
        session.execute(delete(TrainingStandbyRow).where(TrainingStandbyRow.id == standby_id))


# The standby's side (inside its Ray job) ------------------------------------------------------
def _set_state(standby_id: str, state: str, only_from: str, **values: Any) -> bool:
    with database().session(write=True) as session:
        return session.execute(
            update(TrainingStandbyRow)
            .where(TrainingStandbyRow.id == standby_id, TrainingStandbyRow.state == only_from)
            .values(state=state, **values)).rowcount > 0


def _claimed_job(standby_id: str) -> tuple[bool, str | None]:
    """(whether the standby's row still exists, the job bound to it)."""
    with database().session() as session:
        row = session.execute(select(TrainingStandbyRow.job_id).where(
            TrainingStandbyRow.id == standby_id)).first()
    return (row is not None, row[0] if row is not None else None)


def _predecessor_runs(standby_id: str, key: str) -> bool:
    """Whether a claimed standby of the same kind still runs its job."""
    with database().session() as session:
        return session.execute(
            select(TrainingStandbyRow.id)
            .join(TrainingJobRow, TrainingJobRow.id == TrainingStandbyRow.job_id)
            .where(TrainingStandbyRow.env_key == key, TrainingStandbyRow.state == "claimed",
                   TrainingStandbyRow.id != standby_id,
                   TrainingJobRow.status.in_(("pending", "running")))).first() is not None


def _reserve_cpus(cpus: float) -> Any:
    """A placement group holding the job's CPUs: other jobs see them taken while it runs."""
    import ray
    from ray.util.placement_group import placement_group

    if cpus <= 0:
        return None
    group = placement_group([{"CPU": cpus}], strategy="STRICT_PACK")
    ray.get(group.ready(), timeout=RESERVE_TIMEOUT_S)
    return group


def wait(standby_id: str) -> int:
    """Run as ``entry --standby ID``: warm up, wait to be claimed, run the job, exit."""
    from .entry import main as run_job

    with database().session() as session:
        row = session.get(TrainingStandbyRow, standby_id)
        runtime, key = (row.runtime, row.env_key) if row is not None else (None, "")
    if runtime is None:
        print(f"standby {standby_id} is not known; nothing to do", file=sys.stderr)
        return 0
    # Warming up takes seconds of CPU: not while the job this standby replaces still runs
    # (on a small machine it would take them from that job).
    deadline = time.monotonic() + IDLE_TIMEOUT_S
    while _predecessor_runs(standby_id, key):
        if time.monotonic() > deadline:
            _forget(database(), standby_id)
            return 0
        time.sleep(0.5)
    import ray

    for name in WARM_IMPORTS.get(runtime, ()):
        importlib.import_module(name)
    ray.init(address="auto", log_to_driver=False, configure_logging=False)
    if not _set_state(standby_id, "idle", "starting", idle_at=utcnow()):
        return 0  # forgotten meanwhile
    print(f"standby ready for a {runtime} job", flush=True)
    deadline = time.monotonic() + IDLE_TIMEOUT_S
    job_id = None
    while job_id is None:
        exists, job_id = _claimed_job(standby_id)
        if not exists:
            return 0
        if job_id is None:
            if time.monotonic() > deadline and _set_state(standby_id, "gone", "idle"):
                _forget(database(), standby_id)
                return 0
            time.sleep(POLL_S)
    print(f"running job {job_id}", flush=True)
    with database().session() as session:
        job = session.get(TrainingJobRow, job_id)
        cpus = float(job.spec["scaling"]["cpus_per_worker"]) if job is not None else 0.0
    try:
        group = _reserve_cpus(cpus)
        try:
            return run_job(job_id)
        finally:
            if group is not None:
                from ray.util.placement_group import remove_placement_group

                remove_placement_group(group)
    finally:
        _forget(database(), standby_id)
