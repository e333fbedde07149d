"""The Ray job's entrypoint: ``python -m griffin_lab.training.entry JOB_ID``.

Runs on the cluster (the job outlives the kernel that submitted it): marks the job running,
runs the runtime's Ray Train trainer (or a Ray Tune sweep over it), then registers the model
and marks the job succeeded in one transaction. Any failure is recorded with its reason.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

from ..db.base import utcnow
from .metrics import database
from .tables import TrainingJobRow


def _update(job_id: str, *, only_from: tuple[str, ...] | None = None, **values: Any) -> bool:
    from sqlalchemy import update

    with database().session(write=True) as session:
        stmt = update(TrainingJobRow).where(TrainingJobRow.id == job_id)
        if only_from is not None:
            stmt = stmt.where(TrainingJobRow.status.in_(only_from))
        return session.execute(stmt.values(**values)).rowcount > 0


def run_config(row: TrainingJobRow) -> dict[str, Any]:
    """What every worker gets: the resolved spec, the data, where to write."""
    from .artifacts import ArtifactDir
    from .runtimes import runtime
    from .service import validate_spec

    spec = validate_spec(row.spec)
    storage = ArtifactDir(row.artifact_uri).child("ray")
    return {
        "job_id": row.id,
        "runtime": spec.runtime,
        "data": row.data,
        "split": spec.split.model_dump(),
        "scaling": spec.scaling.model_dump(),
        "params": runtime(spec.runtime).params(spec),
        "artifact_uri": row.artifact_uri,
        "ray_storage": storage.uri if "://" in storage.uri else storage.path,
        "trial": "",
    }


def main(job_id: str) -> int:
    if not _update(job_id, only_from=("pending",), status="running", started_at=utcnow(),
                   message="starting workers"):
        print(f"job {job_id} is not pending; nothing to do", file=sys.stderr)
        return 0
    try:
        with database().session() as session:
            row = session.get(TrainingJobRow, job_id)
            session.expunge(row)
        cfg = run_config(row)
        from .runtimes import runtime

        rt = runtime(cfg["runtime"])
        if row.spec.get("tune"):
            from .tune import run_tuning

            run_tuning(cfg, row.spec["tune"], rt)
        else:
            rt.trainer(cfg).fit()
        from .service import finish_job

        finish_job(job_id)
        return 0
    except BaseException as exc:  # noqa: BLE001 - every failure is recorded, then re-raised
        reason = _reason(exc)
        _update(job_id, only_from=("pending", "running"), status="failed", error=reason,
                finished_at=utcnow(), message="failed")
        print(reason, file=sys.stderr)
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        return 1


def _reason(exc: BaseException) -> str:
    """One line that says what went wrong (Ray wraps a worker's error several levels deep:
    the worker's own last line is the one that helps), then the trace."""
    failures = getattr(exc, "worker_failures", None) or {}
    root: BaseException = getattr(exc, "controller_failure", None) or exc
    if failures:
        rank, root = min(failures.items(), key=lambda kv: kv[0])
    while getattr(root, "cause", None) not in (None, root):
        root = root.cause
    lines = [ln.strip() for ln in str(root).strip().splitlines() if ln.strip()]
    head = lines[-1] if lines else type(root).__name__
    if not head.startswith(type(root).__name__) and ":" not in head[:40]:
        head = f"{type(root).__name__}: {head}"
    if failures:
        head = f"worker rank {rank}: {head}"
    trace = "".join(traceback.format_exception(exc)[-12:])
    return f"{head}\n\n{trace}"[:20_000]


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--standby":
        from .standby import wait

        sys.exit(wait(sys.argv[2]))
    if len(sys.argv) != 2:
        print("usage: python -m griffin_lab.training.entry JOB_ID", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))

