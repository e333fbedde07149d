"""Monitoring: what every endpoint answered, how healthy it is, and whether its model still
predicts well.

Serving processes log each request to files (``request_log``); ``ingest`` reads what is new
into 10-second buckets per endpoint, version and traffic kind (live or shadow), keeps the
predictions whose rows were named by the caller (``ids``) and a few hundred request bodies
per endpoint for replay, and records how far each file was read in the same transaction, so
a line is counted once and never lost. ``health`` reports requests/s, latency percentiles,
error rate and the prediction distribution with its drift (PSI) from the training baseline.
``log_outcomes`` stores what really happened to named rows; ``stability`` joins outcomes to
the predictions they label and judges log loss, normalized entropy and calibration per time
window against the model's tier. ``refresh`` does all of it and writes the verdict into the
registry's health column, which orders the "needs attention" view.
"""

from __future__ import annotations

import contextlib
import json
import math
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, delete, select

from ..db import Database
from ..db.base import utcnow
from ..errors import InvalidInput, NotFound
from ..local_processes import alive
from ..registry.schemas import HealthUpdate
from ..registry.service import RegistryService
from ..serving.service import ServingService
from ..serving.tables import EndpointRow
from ..settings import Settings
from . import request_log, stats
from .files import request_log_root
from .schemas import (
    EndpointHealth,
    HealthPoint,
    HealthQuery,
    OutcomesRequest,
    OutcomesResult,
    PredictionHistogram,
    QualityWindow,
    RefreshReport,
    StabilityQuery,
    StabilityReport,
    TierBounds,
    VersionHealth,
)
from .tables import BucketRow, LogOffsetRow, OutcomeRow, PredictionRow, SampleRow

BUCKET_S = 10
SAMPLE_VALUES = 200  # prediction values kept per bucket for distributions and drift
SAMPLES_KEPT = 300  # request bodies kept per endpoint for replay
MAX_READ = 32 << 20  # bytes read from one file per pass
RETENTION = timedelta(days=14)
ACTOR = "griffin-monitoring"
# calibration range and allowed rise of normalized entropy over the offline baseline, by tier
TIER_LIMITS = {0: (0.90, 1.10, 0.05), 1: (0.85, 1.15, 0.10), 2: (0.80, 1.25, 0.20),
               3: (0.70, 1.40, 0.30)}
MIN_OUTCOMES = 50
MIN_EACH_CLASS = 10
ASSESS_WINDOW_S = 60  # the registry's verdict looks at the last minute of traffic
MIN_REQUESTS = 20  # a version with fewer requests in the window is not judged


def _epoch(at: datetime) -> float:
    return at.timestamp()


def _at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


@dataclass
class _Bucket:
    requests: int = 0
    errors: int = 0
    rejected: int = 0
    rows: int = 0
    latency_sum: float = 0.0
    latency_max: float = 0.0
    hist: dict[int, int] = field(default_factory=dict)
    prediction_sum: float = 0.0
    prediction_count: int = 0
    sample: list[float] = field(default_factory=list)


@dataclass
class _Batch:
    """What one ingest pass read, before it is written."""

    buckets: dict[tuple[str, str, int, bool, int], _Bucket] = field(default_factory=dict)
    predictions: list[dict[str, Any]] = field(default_factory=list)
    samples: list[dict[str, Any]] = field(default_factory=list)
    lines: int = 0

    def add(self, entry: dict[str, Any]) -> None:
        endpoint, model = str(entry.get("endpoint") or ""), str(entry.get("model") or "")
        version, at = int(entry["version"]), float(entry["at"])
        shadow = bool(entry.get("shadow"))
        start = int(at // BUCKET_S * BUCKET_S)
        b = self.buckets.setdefault((endpoint, model, version, shadow, start), _Bucket())
        status, ms = int(entry.get("status", 200)), float(entry.get("ms", 0.0))
        b.requests += 1
        b.errors += status >= 500
        b.rejected += 400 <= status < 500
        b.rows += int(entry.get("rows", 0))
        b.latency_sum += ms
        b.latency_max = max(b.latency_max, ms)
        key = stats.latency_bucket(ms)
        b.hist[key] = b.hist.get(key, 0) + 1
        values = [v for v in (entry.get("pred") or [])[:SAMPLE_VALUES] if v is not None]
        if values:
            rows = int(entry.get("rows") or len(values))
            b.prediction_sum += float(entry.get("mean", sum(values) / len(values))) * rows
            b.prediction_count += rows
            b.sample.extend(values)
        ids = entry.get("ids")
        if ids:
            for entity, value in zip(ids, entry.get("pred") or [], strict=False):
                if value is not None:
                    self.predictions.append(dict(endpoint=endpoint, model=model, version=version,
                                                 shadow=shadow, entity=str(entity)[:200],
                                                 value=float(value), at=_at(at)))
        if entry.get("body") and not shadow:
            self.samples.append(dict(endpoint=endpoint, model=model, version=version,
                                     at=_at(at), body=entry["body"]))
        self.lines += 1


def _thin(values: list[float], keep: int, seed: int) -> list[float]:
    if len(values) <= keep:
        return values
    return random.Random(seed).sample(values, keep)


def _pid_alive(name: str) -> bool:
    return name.isdigit() and alive(int(name))


class MonitoringService:
    def __init__(self, settings: Settings, db: Database, registry: RegistryService,
                 serving: ServingService) -> None:
        self.settings, self.db, self.registry, self.serving = settings, db, registry, serving
        self.root = request_log_root(settings.home)
        self._baselines: dict[tuple[str, int], Any] = {}
        self._pruned_at = 0.0

    # -- ingest ----------------------------------------------------------------------------
    def ingest(self) -> tuple[int, int]:
        """Read what serving processes logged since the last pass; (files, lines) read."""
        from filelock import FileLock

        if not self.root.is_dir():
            return 0, 0
        with FileLock(str(self.root / ".ingest.lock"), timeout=120):
            with self.db.session() as session:
                offsets = dict(session.execute(select(LogOffsetRow.path, LogOffsetRow.offset))
                               .all())
            batch, moved = _Batch(), {}
            files = sorted(self.root.glob("*/*.jsonl"))
            for path in files:
                key = str(path.relative_to(self.root))
                start = offsets.get(key, 0)
                try:
                    size = path.stat().st_size
                except FileNotFoundError:
                    continue
                if size < start:  # replaced: read it again from the start
                    start = 0
                if size == start:
                    continue
                with open(path, "rb") as fh:
                    fh.seek(start)
                    data = fh.read(min(size - start, MAX_READ))
                end = data.rfind(b"\n")
                if end < 0:
                    continue
                for line in data[:end + 1].splitlines():
                    with contextlib.suppress(ValueError, KeyError, TypeError):
                        batch.add(json.loads(line))
                moved[key] = start + end + 1
            if moved:
                self._write(batch, moved, offsets)
            self._clean(files, {**offsets, **moved})
        return len(moved), batch.lines

    def _write(self, batch: _Batch, moved: dict[str, int], before: dict[str, int]) -> None:
        with self.db.session(write=True) as session:
            keys = list(batch.buckets)
            existing: dict[tuple[str, int, bool, int], BucketRow] = {}
            for endpoint in {k[0] for k in keys}:
                starts = [_at(k[4]) for k in keys if k[0] == endpoint]
                for row in session.execute(select(BucketRow).where(
                        BucketRow.endpoint == endpoint, BucketRow.start >= min(starts),
                        BucketRow.start <= max(starts))).scalars():
                    existing[(row.endpoint, row.version, row.shadow,
                              int(_epoch(row.start)))] = row
            for (endpoint, model, version, shadow, start), b in batch.buckets.items():
                row = existing.get((endpoint, version, shadow, start))
                if row is None:
                    row = BucketRow(endpoint=endpoint, model=model, version=version,
                                    shadow=shadow, start=_at(start), requests=0, errors=0,
                                    rejected=0, rows=0, latency_sum_ms=0.0, latency_max_ms=0.0,
                                    latency_hist={}, prediction_sum=0.0, prediction_count=0,
                                    prediction_sample=[])
                    session.add(row)
                row.requests += b.requests
                row.errors += b.errors
                row.rejected += b.rejected
                row.rows += b.rows
                row.latency_sum_ms += b.latency_sum
                row.latency_max_ms = max(row.latency_max_ms, b.latency_max)
                merged = stats.merge_histograms([row.latency_hist, {str(k): v for k, v in
                                                                    b.hist.items()}])
                row.latency_hist = {str(k): v for k, v in merged.items()}
                row.prediction_sum += b.prediction_sum
                row.prediction_count += b.prediction_count
                row.prediction_sample = _thin([*row.prediction_sample, *b.sample],
                                              SAMPLE_VALUES, start + version)
            if batch.predictions:
                session.execute(PredictionRow.__table__.insert(), batch.predictions)
            if batch.samples:
                session.execute(SampleRow.__table__.insert(), batch.samples[-SAMPLES_KEPT:])
                for endpoint in {s["endpoint"] for s in batch.samples}:
                    self._trim_samples(session, endpoint)
            for key, offset in moved.items():
                endpoint = key.split("/", 1)[0]
                if key in before:
                    row = session.get(LogOffsetRow, key)
                    row.offset, row.updated_at = offset, utcnow()
                else:
                    session.add(LogOffsetRow(path=key, offset=offset, endpoint=endpoint,
                                             updated_at=utcnow()))

    @staticmethod
    def _trim_samples(session: Any, endpoint: str) -> None:
        threshold = session.execute(select(SampleRow.id).where(SampleRow.endpoint == endpoint)
                                    .order_by(SampleRow.id.desc()).offset(SAMPLES_KEPT)
                                    .limit(1)).scalar()
        if threshold is not None:
            session.execute(delete(SampleRow).where(SampleRow.endpoint == endpoint,
                                                    SampleRow.id <= threshold))

    def _clean(self, files: list[Path], offsets: dict[str, int]) -> None:
        """Drop the logs of workers that are gone once every line is read; old figures."""
        done = []
        for path in files:
            key = str(path.relative_to(self.root))
            with contextlib.suppress(FileNotFoundError):
                if offsets.get(key, 0) >= path.stat().st_size and not _pid_alive(path.stem):
                    path.unlink()
                    done.append(key)
                    with contextlib.suppress(OSError):
                        path.parent.rmdir()  # when it was the process's last worker
        now = time.time()
        prune = now - self._pruned_at > 3600
        if not done and not prune:
            return
        with self.db.session(write=True) as session:
            if done:
                session.execute(delete(LogOffsetRow).where(LogOffsetRow.path.in_(done)))
            if prune:
                cutoff = utcnow() - RETENTION
                session.execute(delete(BucketRow).where(BucketRow.start < cutoff))
                session.execute(delete(PredictionRow).where(  # outcomes may come late
                    PredictionRow.at < cutoff - RETENTION))
        if prune:
            self._pruned_at = now

    # -- health ----------------------------------------------------------------------------
    def baseline(self, model: str, version: int) -> Any:
        """The version's validation split: a frame with ``label`` and ``prediction``, or None
        (a version registered from a file has none)."""
        key = (model, version)
        if key not in self._baselines:
            self._baselines[key] = self._read_baseline(model, version)
        return self._baselines[key]

    def _read_baseline(self, model: str, version: int) -> Any:
        import pandas as pd

        from ..training.artifacts import ArtifactDir

        try:
            uri = self.registry.version(model, version).artifact_uri
        except NotFound:
            return None
        folder = ArtifactDir(uri.rstrip("/").rsplit("/", 1)[0])
        try:
            with folder.fs.open(f"{folder.path}/validation_predictions.parquet", "rb") as fh:
                frame = pd.read_parquet(fh)
        except (OSError, ValueError):
            return None
        return frame if {"label", "prediction"} <= set(frame.columns) else None

    def health(self, name: str, query: HealthQuery | None = None) -> EndpointHealth:
        query = query or HealthQuery()
        if query.step_s % BUCKET_S:
            raise InvalidInput(f"step_s must be a multiple of {BUCKET_S} s", field="step_s")
        self.ingest()
        endpoint = self.serving.row(name)
        now = time.time()
        since = _at((now - query.window_s) // BUCKET_S * BUCKET_S)
        with self.db.session() as session:
            rows = session.execute(select(BucketRow).where(
                BucketRow.endpoint == name, BucketRow.start >= since)
                .order_by(BucketRow.start)).scalars().all()
        groups: dict[tuple[int, bool], list[BucketRow]] = defaultdict(list)
        for row in rows:
            groups[(row.version, row.shadow)].append(row)
        versions = [self._version_health(endpoint, version, shadow, found, now,
                                         query.window_s)
                    for (version, shadow), found in sorted(groups.items())]
        series = self._series(endpoint, rows, query.step_s, now)
        status, reasons = self._judge(endpoint, versions)
        return EndpointHealth(endpoint=name, model=endpoint.model, window_s=query.window_s,
                              step_s=query.step_s, as_of=_at(now), status=status,
                              reasons=reasons, versions=versions, series=series)

    @staticmethod
    def _role(endpoint: EndpointRow, version: int, shadow: bool) -> str:
        if shadow:
            return "shadow"
        if version == endpoint.primary_version:
            return "primary"
        if version == endpoint.candidate_version:
            return "candidate"
        return "retired"

    def _version_health(self, endpoint: EndpointRow, version: int, shadow: bool,
                        rows: list[BucketRow], now: float, window_s: int) -> VersionHealth:
        requests = sum(r.requests for r in rows)
        errors = sum(r.errors for r in rows)
        hist = stats.merge_histograms(r.latency_hist for r in rows)
        span = min(float(window_s), max(float(BUCKET_S), now - _epoch(rows[0].start)))
        count = sum(r.prediction_count for r in rows)
        # each bucket keeps at most SAMPLE_VALUES values: weigh them by what they stand for
        sample = [v for r in rows for v in r.prediction_sample]
        weights = [r.prediction_count / len(r.prediction_sample) for r in rows
                   for _ in r.prediction_sample]
        baseline = self.baseline(endpoint.model, version)
        reference = None if baseline is None else baseline["prediction"].to_numpy()
        edges, counts = stats.histogram(sample, span=(0.0, 1.0) if sample and min(sample) >= 0
                                        and max(sample) <= 1 else None)
        return VersionHealth(
            version=version, role=self._role(endpoint, version, shadow), requests=requests,
            requests_per_s=round(requests / span, 3), errors=errors,
            rejected=sum(r.rejected for r in rows),
            error_rate=round(errors / requests, 5) if requests else 0.0,
            rows=sum(r.rows for r in rows),
            p50_ms=_round(stats.percentile(hist, 0.50)),
            p99_ms=_round(stats.percentile(hist, 0.99)),
            mean_ms=_round(sum(r.latency_sum_ms for r in rows) / requests if requests else None),
            max_ms=_round(max(r.latency_max_ms for r in rows)),
            mean_prediction=(sum(r.prediction_sum for r in rows) / count if count else None),
            prediction_histogram=PredictionHistogram(edges=edges, counts=counts),
            psi=_round(None if reference is None else stats.psi(reference, sample,
                                                                  weights=weights), 4),
            baseline_mean=None if reference is None else float(reference.mean()))

    def _series(self, endpoint: EndpointRow, rows: list[BucketRow], step: int, now: float
                ) -> list[HealthPoint]:
        groups: dict[tuple[int, int, bool], list[BucketRow]] = defaultdict(list)
        for row in rows:
            start = int(_epoch(row.start) // step * step)
            groups[(start, row.version, row.shadow)].append(row)
        points = []
        for (start, version, shadow), found in sorted(groups.items()):
            requests = sum(r.requests for r in found)
            hist = stats.merge_histograms(r.latency_hist for r in found)
            count = sum(r.prediction_count for r in found)
            points.append(HealthPoint(
                at=_at(start), complete=start + step <= now, version=version,
                role=self._role(endpoint, version, shadow),
                requests_per_s=round(requests / step, 3),
                p50_ms=_round(stats.percentile(hist, 0.5)),
                p99_ms=_round(stats.percentile(hist, 0.99)),
                error_rate=round(sum(r.errors for r in found) / requests, 5) if requests else 0,
                mean_prediction=(sum(r.prediction_sum for r in found) / count
                                 if count else None)))
        return points

    def _judge(self, endpoint: EndpointRow, versions: list[VersionHealth]
               ) -> tuple[str, list[str]]:
        live = [v for v in versions if v.role in ("primary", "candidate")]
        if not any(v.requests for v in live):
            return "idle", []
        tier = self._tier(endpoint.model)
        level, reasons = 0, []
        for v in live:
            if v.requests < MIN_REQUESTS:
                continue
            if v.error_rate >= 0.05:
                level = max(level, 2)
                reasons.append(f"v{v.version}: {v.error_rate:.1%} of requests failed")
            elif v.error_rate >= 0.01:
                level = max(level, 1)
                reasons.append(f"v{v.version}: {v.error_rate:.1%} of requests failed")
            if v.psi is not None and v.psi >= 0.25:
                level = max(level, 2 if tier <= 1 else 1)
                reasons.append(f"v{v.version}: predictions drifted from training (PSI "
                               f"{v.psi:.2f})")
            if v.p99_ms is not None and v.p99_ms >= 1000:
                level = max(level, 1)
                reasons.append(f"v{v.version}: p99 latency {v.p99_ms:.0f} ms")
        return ("ok", "warning", "critical")[level], reasons

    def _tier(self, model: str) -> int:
        from ..registry.tables import ModelRow

        with self.db.session() as session:
            tier = session.execute(select(ModelRow.tier).where(ModelRow.name == model)).scalar()
        return 3 if tier is None else int(tier)

    # -- outcomes and stability ------------------------------------------------------------
    def log_outcomes(self, body: OutcomesRequest, actor: str) -> OutcomesResult:
        from ..registry.tables import ModelRow

        with self.db.session() as session:
            if session.execute(select(ModelRow.id).where(ModelRow.name == body.model)
                               ).scalar() is None:
                raise NotFound(f"No model named {body.model!r} in the registry", field="model")
        for i, o in enumerate(body.outcomes):
            if not math.isfinite(o.label):
                raise InvalidInput(f"outcomes[{i}].label is not a finite number",
                                   field=f"outcomes[{i}].label")
        self.ingest()  # predictions logged just before their outcomes are joinable
        now = utcnow()
        rows = [dict(model=body.model, entity=str(o.id), label=float(o.label),
                     at=(o.at.astimezone(UTC) if o.at and o.at.tzinfo else
                         o.at.replace(tzinfo=UTC) if o.at else now),
                     logged_at=now, logged_by=actor[:200]) for o in body.outcomes]
        with self.db.session(write=True) as session:
            session.execute(OutcomeRow.__table__.insert(), rows)
        entities = {r["entity"] for r in rows}
        known = self._predicted(body.model, entities)
        if len(known) < len(entities) and self.serving.has_endpoints(active=True):
            # predictions of the last second may still be in a running worker's memory
            time.sleep(request_log.FLUSH_S + 0.2)
            self.ingest()
            known = self._predicted(body.model, entities)
        matched = sum(1 for r in rows if r["entity"] in known)
        return OutcomesResult(model=body.model, logged=len(rows), matched=matched)

    def _predicted(self, model: str, entities: set[str]) -> set[str]:
        """Which of ``entities`` have a prediction of ``model``."""
        found: set[str] = set()
        names = sorted(entities)
        with self.db.session() as session:
            for i in range(0, len(names), 500):
                found |= set(session.execute(select(PredictionRow.entity).where(
                    PredictionRow.model == model, PredictionRow.entity.in_(names[i:i + 500]))
                    .distinct()).scalars())
        return found

    def bounds(self, tier: int, offline: QualityWindow | None) -> TierBounds:
        """The tier's limits. Stability is about change: with an offline baseline, windows
        are judged against the version's own calibration and normalized entropy there."""
        low, high, rise = TIER_LIMITS.get(tier, TIER_LIMITS[3])
        ne = offline.normalized_entropy if offline is not None else None
        ceiling = (ne if ne is not None else 1.0) * (1 + rise)
        return TierBounds(tier=tier, calibration_low=low, calibration_high=high,
                          baseline_calibration=offline.calibration if offline else None,
                          max_normalized_entropy=round(ceiling, 4), min_outcomes=MIN_OUTCOMES,
                          min_each_class=MIN_EACH_CLASS)

    def _labelled(self, model: str, since: datetime) -> Any:
        """Outcomes since ``since`` with the latest live prediction before each."""
        import pandas as pd

        o, p = OutcomeRow.__table__, PredictionRow.__table__
        stmt = (select(o.c.id, o.c.label, o.c.at.label("outcome_at"), p.c.value,
                       p.c.at.label("predicted_at"), p.c.version)
                .join(p, and_(p.c.model == o.c.model, p.c.entity == o.c.entity,
                              p.c.at <= o.c.at, p.c.shadow.is_(False)))
                .where(o.c.model == model, o.c.at >= since))
        with self.db.session() as session:
            frame = pd.DataFrame(session.execute(stmt).all(),
                                 columns=["id", "label", "outcome_at", "value", "predicted_at",
                                          "version"])
        if frame.empty:
            return frame
        for column in ("outcome_at", "predicted_at"):
            frame[column] = pd.to_datetime(frame[column], utc=True)
        frame = frame.sort_values("predicted_at").drop_duplicates("id", keep="last")
        return frame.sort_values("predicted_at").reset_index(drop=True)

    def stability(self, model: str, query: StabilityQuery | None = None) -> StabilityReport:
        import pandas as pd

        query = query or StabilityQuery()
        self.ingest()
        info = self.registry.get(model, history=0)
        tier = info.tier
        serving = self._serving_version(model) or info.latest_version
        offline = None
        baseline = self.baseline(model, serving) if serving else None
        if baseline is not None:
            offline = _window(None, None, baseline["label"], baseline["prediction"])
        bounds = self.bounds(tier, offline)
        now = time.time()
        first = (now // query.window_s - query.windows + 1) * query.window_s
        frame = self._labelled(model, _at(first) - timedelta(seconds=query.window_s))
        windows = []
        if not frame.empty:
            starts = (frame["predicted_at"].map(pd.Timestamp.timestamp) // query.window_s
                      * query.window_s)
            for start, part in frame.groupby(starts):
                if start < first:
                    continue
                windows.append(_judged(_window(_at(start), _at(start + query.window_s),
                                               part["label"], part["value"]), bounds))
        judged = [w for w in windows if w.within_bounds is not None]
        stable = None if not judged else bool(judged[-1].within_bounds)
        reasons = [] if stable is not False else [
            f"window from {judged[-1].start:%Y-%m-%d %H:%M:%S}: {p}" for p in judged[-1].problems]
        return StabilityReport(model=model, tier=tier, bounds=bounds, baseline=offline,
                               windows=windows, stable=stable, reasons=reasons)

    def _serving_version(self, model: str) -> int | None:
        with self.db.session() as session:
            return session.execute(select(EndpointRow.primary_version).where(
                EndpointRow.model == model, EndpointRow.state == "active")
                .order_by(EndpointRow.id)).scalar()

    # -- the verdict -----------------------------------------------------------------------
    def assess(self, model: str) -> str:
        """Health of ``model`` from its endpoints and its stability, written to the registry
        when it changed; the health."""
        with self.db.session() as session:
            names = list(session.execute(select(EndpointRow.name).where(
                EndpointRow.model == model, EndpointRow.state == "active")).scalars())
        level, reasons = 0, []
        order = {"idle": 0, "ok": 0, "warning": 1, "critical": 2}
        for name in names:
            h = self.health(name, HealthQuery(window_s=ASSESS_WINDOW_S))
            level = max(level, order[h.status])
            reasons += [f"{name}: {r}" for r in h.reasons]
        report = self.stability(model, StabilityQuery(window_s=3600, windows=24))
        if report.stable is False:
            level = max(level, 2 if report.tier <= 1 else 1)
            reasons += [f"unstable: {r}" for r in report.reasons]
        has_signal = bool(names) or report.stable is not None
        health = ("ok", "warning", "critical")[level] if has_signal else "unknown"
        reason = "; ".join(reasons)[:2000]
        current = self.registry.get(model, history=0)
        if (current.health, current.health_reason) != (health, reason):
            self.registry.set_health(model, HealthUpdate(health=health, reason=reason), ACTOR)
        return health

    def refresh(self) -> RefreshReport:
        """Ingest what is new and assess every model that has an endpoint or outcomes."""
        started = time.perf_counter()
        files, lines = self.ingest()
        with self.db.session() as session:
            models = set(session.execute(select(EndpointRow.model).where(
                EndpointRow.state == "active")).scalars())
            models |= set(session.execute(select(OutcomeRow.model).distinct()).scalars())
        verdicts = {}
        for model in sorted(models):
            with contextlib.suppress(NotFound):
                verdicts[model] = self.assess(model)
        return RefreshReport(files=files, requests=lines, models=verdicts,
                             seconds=round(time.perf_counter() - started, 3))

    def samples(self, endpoint: str, limit: int = 200) -> list[str]:
        """The latest request bodies ``endpoint`` answered (for replay), oldest first."""
        self.ingest()
        with self.db.session() as session:
            bodies = list(session.execute(select(SampleRow.body).where(
                SampleRow.endpoint == endpoint).order_by(SampleRow.id.desc()).limit(limit))
                .scalars())
        return bodies[::-1]

    def has_logs(self) -> bool:
        return self.root.is_dir() and any(self.root.glob("*/*.jsonl"))


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(float(value), digits)


def _window(start: datetime | None, end: datetime | None, labels: Any, predictions: Any
            ) -> QualityWindow:
    q = stats.quality(list(labels), list(predictions))
    return QualityWindow(start=start, end=end, outcomes=len(labels),
                         **{k: _round(v, 5) for k, v in q.items()})


def _judged(window: QualityWindow, bounds: TierBounds) -> QualityWindow:
    positives = round((window.observed_rate or 0.0) * window.outcomes)
    if (window.outcomes < bounds.min_outcomes
            or min(positives, window.outcomes - positives) < bounds.min_each_class):
        return window
    problems = []
    if window.calibration is not None:
        reference = bounds.baseline_calibration or 1.0
        relative = window.calibration / reference
        # out only when sampling cannot explain it: the whole interval is outside the band
        low = (window.calibration_low if window.calibration_low is not None
               else window.calibration) / reference
        high = (window.calibration_high if window.calibration_high is not None
                else window.calibration) / reference
        if high < bounds.calibration_low or low > bounds.calibration_high:
            against = (f" ({relative:.2f}x the offline {reference:.2f}, 95% interval "
                       f"{low:.2f}-{high:.2f}x)" if bounds.baseline_calibration else
                       f" (95% interval {low:.2f}-{high:.2f})")
            problems.append(f"calibration {window.calibration:.2f}{against} outside "
                            f"[{bounds.calibration_low:.2f}, {bounds.calibration_high:.2f}]")
    ne_low = (window.normalized_entropy_low if window.normalized_entropy_low is not None
              else window.normalized_entropy)
    if ne_low is not None and ne_low > bounds.max_normalized_entropy:
        problems.append(f"normalized entropy {window.normalized_entropy:.3f} (at least "
                        f"{ne_low:.3f} at 95%) above {bounds.max_normalized_entropy:.3f}")
    return window.model_copy(update={"within_bounds": not problems, "problems": problems})

