"""Metric points and progress written from inside Ray workers, straight to the metadata
database, in small batches (a boosting round can take a millisecond; a write per point would
cost more than the training)."""

from __future__ import annotations

import os
import socket
import time
from typing import Any

from sqlalchemy import update

from ..db import Database
from .tables import TERMINAL, TrainingJobRow, TrainingMetricRow

_DBS: dict[str, Database] = {}


def database() -> Database:
    """One engine per worker process, from the settings the job handed its workers. A job's
    environment names the database (``GRIFFIN_DATABASE_URL`` wins over every other source of
    settings), so the entrypoint marks its job running without importing the settings model
    first; elsewhere the settings are read as usual."""
    url = os.environ.get("GRIFFIN_DATABASE_URL")
    if not url:
        from ..settings import Settings

        url = Settings.load().resolved_database_url
    if url not in _DBS:
        _DBS[url] = Database(url)
    return _DBS[url]


class MetricsSink:
    def __init__(self, job_id: str, trial: str = "", total_steps: int | None = None,
                 flush_every_s: float = 0.5) -> None:
        self.job_id, self.trial, self.total = job_id, trial, total_steps
        self.flush_every_s = flush_every_s
        self._points: list[tuple[int, str, float]] = []
        self._last_flush = time.monotonic()
        self._step = 0

    def add(self, step: int, values: dict[str, float]) -> None:
        self._step = max(self._step, step)
        self._points.extend((step, name, float(v)) for name, v in values.items())
        if time.monotonic() - self._last_flush >= self.flush_every_s:
            self.flush()

    def flush(self, message: str | None = None) -> None:
        points, self._points = self._points, []
        self._last_flush = time.monotonic()
        with database().session(write=True) as session:
            session.add_all(TrainingMetricRow(job_id=self.job_id, trial=self.trial, step=s,
                                              name=n, value=v) for s, n, v in points)
            if not self.trial:
                values: dict[str, Any] = {}
                if self.total:
                    values["progress"] = min(1.0, self._step / self.total)
                    values["message"] = message or f"step {self._step} of {self.total}"
                elif message:
                    values["message"] = message
                if values:
                    session.execute(update(TrainingJobRow).where(
                        TrainingJobRow.id == self.job_id,
                        TrainingJobRow.status.not_in(TERMINAL)).values(**values))


def register_worker(job_id: str, rank: int, world: int) -> None:
    """Record this worker (rank, host, pid) on the job, for `jobs show` and fault drills."""
    with database().session(write=True) as session:
        row = session.get(TrainingJobRow, job_id, with_for_update=True)
        if row is None:
            return
        workers = [w for w in row.workers if w.get("rank") != rank]
        workers.append({"rank": rank, "world_size": world, "host": socket.gethostname(),
                        "pid": os.getpid(), "started_at": time.time()})
        row.workers = sorted(workers, key=lambda w: w["rank"])
