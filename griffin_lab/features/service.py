"""Operations of the feature store."""

from __future__ import annotations

import difflib
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter
from sqlalchemy import select

from ..db import Database
from ..db.base import utcnow
from ..errors import Conflict, InvalidInput, NotFound, ValidationFailed
from ..settings import Settings
from . import catalog
from .feast_repo import (
    VALUE_TYPES,
    EntityDef,
    FeastRepo,
    ViewDef,
    quiet,
    render_entities,
    render_services,
    render_view,
)
from .schemas import (
    AddSourceResult,
    FeatureInfo,
    FeatureServerInfo,
    FeatureServerRequest,
    FeatureServiceInfo,
    FeatureViewDetail,
    MaterializationInfo,
    MaterializeRequest,
    MaterializeResult,
    MaterializeViewResult,
    PlannedChangeInfo,
    ReportsPage,
    SampleRows,
    SearchQuery,
    SearchResult,
    UsageInfo,
    ValidationReport,
    ViewStats,
)
from .sources import dtype_of, read_source
from .spec import FeatureServiceSpec, NotNull, Rule, SourceSpec, parse_duration
from .tables import FeatureStatsRow, FeatureUsageRow, MaterializationRow, ValidationReportRow
from .validation import ValidationOutcome, validate

if TYPE_CHECKING:
    import pandas as pd

RESERVED = {"entities", "feature_services", "data", "validation"}
ROW = "__griffin_row"  # numbers the entity rows sent to Feast for a training set
Progress = Callable[[str], None]
RULES = TypeAdapter(list[Rule])


@contextmanager
def _name_collisions() -> Iterator[None]:
    """Feast's collision error, as a user error that says what to do."""
    try:
        yield
    except Exception as exc:
        _raise_if_collision(exc)
        raise


def _raise_if_collision(exc: Exception) -> None:
    from feast.errors import FeatureNameCollisionError

    if isinstance(exc, FeatureNameCollisionError):
        raise InvalidInput(f"{exc}. Ask with full_feature_names=True to get view__feature "
                           "columns", field="features") from exc


class FeatureStoreService:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self.repo = FeastRepo(settings.resolved_feast_repo_path, settings.online_store_url)
        self._index: tuple[float, dict[str, Any]] | None = None
        # Resolved feature requests (the hot path of online reads), valid with _index.
        self._resolved: dict[tuple[Any, ...], tuple[Any, set[str], dict[str, list[str]]]] = {}
        # Column orders of online answers, by (resolved refs, entity keys, full names).
        self._orders: dict[tuple[Any, ...], tuple[Any, list[str], set[str]]] = {}

    # Catalogue ------------------------------------------------------------------------
    def _views(self) -> dict[str, Any]:
        """Feature views by name, from the registry (cached like Feast caches it)."""
        now = time.monotonic()
        if self._index is None or now - self._index[0] > 10:
            if not self.repo.exists():
                return {}
            views = self.repo.store.list_feature_views(allow_cache=True)
            self._index = (now, {v.name: v for v in views})
            self._resolved, self._orders = {}, {}
        return self._index[1]

    def _forget(self) -> None:
        self._index = None
        self._resolved, self._orders = {}, {}

    def view(self, name: str) -> Any:
        views = self._views()
        if name not in views:
            close = difflib.get_close_matches(name, list(views), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise NotFound(f"No feature view named {name!r}{hint}", field="feature_view")
        return views[name]

    def search(self, query: SearchQuery | None = None) -> SearchResult:
        query = query or SearchQuery()
        if not self.repo.exists():
            return SearchResult(views=[], services=[])
        store = self.repo.store
        views = catalog.search(list(self._views().values()), store.list_entities(allow_cache=True),
                               query)
        services = self.services()
        if query.q:
            text = query.q.lower()
            services = [s for s in services if text in s.name.lower()
                        or text in s.description.lower()]
        return SearchResult(views=views, services=services)

    def services(self) -> list[FeatureServiceInfo]:
        if not self.repo.exists():
            return []
        return [catalog.service_info(s)
                for s in self.repo.store.list_feature_services()]

    def describe(self, name: str) -> FeatureViewDetail:
        view = self.view(name)
        store = self.repo.store
        entities = {e.name: e for e in store.list_entities(allow_cache=True)}
        path = catalog.source_path(view, self.repo.path)
        with self.db.session() as session:
            mats = session.scalars(
                select(MaterializationRow).where(MaterializationRow.feature_view == name)
                .order_by(MaterializationRow.id.desc()).limit(10)).all()
            usage = session.scalars(
                select(FeatureUsageRow).where(FeatureUsageRow.feature_view == name)
                .order_by(FeatureUsageRow.id.desc()).limit(200)).all()
            mat_infos = [MaterializationInfo.model_validate(m) for m in mats]
            used_by = [UsageInfo.model_validate(u) for u in usage]
        last = next((m.finished_at for m in mat_infos if m.status == "succeeded"), None)
        intervals = getattr(view, "materialization_intervals", None) or []
        if last is None and intervals:
            last = max(end for _, end in intervals)
        return FeatureViewDetail(
            **catalog.summarize_view(view).model_dump(),
            entity_details=[catalog.entity_info(entities[e]) for e in view.entities
                            if e in entities],
            source_path=str(path),
            timestamp_field=view.batch_source.timestamp_field,
            ttl_seconds=int(view.ttl.total_seconds()) if view.ttl else 0,
            online=view.online,
            row_count=catalog.row_count(path),
            last_materialized_at=last,
            materializations=mat_infos,
            used_by=used_by,
            rules=[r.model_dump() for r in self.rules(name)],
            definition_file=str(self.repo.path / f"{name}.py"),
        )

    def rules(self, name: str) -> list[Rule]:
        path = self.repo.rules_dir / f"{name}.json"
        if not path.is_file():
            return []
        return RULES.validate_json(path.read_text())

    def stats(self, name: str) -> ViewStats:
        """Per-feature statistics, computed once and cached until the data changes."""
        import pandas as pd

        view = self.view(name)
        path = catalog.source_path(view, self.repo.path)
        if not path.is_file():
            raise NotFound(f"The data of {name!r} is missing at {path}")
        fp = catalog.fingerprint(path)
        with self.db.session() as session:
            row = session.scalar(select(FeatureStatsRow).where(
                FeatureStatsRow.feature_view == name))
            if row is not None and row.data_fingerprint == fp:
                return ViewStats(**row.stats, computed_at=row.computed_at, cached=True)
        names = [f.name for f in view.features]
        df = pd.read_parquet(path, columns=names)
        result = {
            "feature_view": name,
            "rows": len(df),
            "features": [catalog.feature_stats(f.name, catalog.dtype_name(f.dtype), df[f.name])
                         .model_dump(mode="json") for f in view.features],
        }
        with self.db.session(write=True) as session:
            row = session.scalar(select(FeatureStatsRow).where(
                FeatureStatsRow.feature_view == name))
            if row is None:
                row = FeatureStatsRow(feature_view=name)
                session.add(row)
            row.data_fingerprint, row.stats, row.computed_at = fp, result, utcnow()
            computed_at = row.computed_at
        return ViewStats(**result, computed_at=computed_at, cached=False)

    def sample(self, name: str, limit: int = 10) -> SampleRows:
        import pyarrow.parquet as pq

        view = self.view(name)
        path = catalog.source_path(view, self.repo.path)
        batch = next(pq.ParquetFile(path).iter_batches(batch_size=limit), None)
        df = batch.to_pandas() if batch is not None else None
        if df is None:
            return SampleRows(feature_view=name, columns=[], rows=[])
        return SampleRows(feature_view=name, columns=list(df.columns),
                          rows=catalog.json_rows(df))

    # Validation -----------------------------------------------------------------------
    def _report(self, actor: str, view: str, stage: str, outcome: ValidationOutcome
                ) -> ValidationReport:
        with self.db.session(write=True) as session:
            row = ValidationReportRow(
                actor=actor, feature_view=view, stage=stage, passed=outcome.passed,
                rows_checked=outcome.rows_checked, rules_checked=outcome.rules_checked,
                failures=[f.model_dump(mode="json") for f in outcome.failures],
            )
            session.add(row)
            session.flush()
            return ValidationReport.model_validate(row)

    def reports(self, feature_view: str | None = None, limit: int = 20) -> ReportsPage:
        stmt = select(ValidationReportRow).order_by(ValidationReportRow.id.desc()).limit(limit)
        if feature_view:
            stmt = stmt.where(ValidationReportRow.feature_view == feature_view)
        with self.db.session() as session:
            return ReportsPage(reports=[ValidationReport.model_validate(r)
                                        for r in session.scalars(stmt)])

    def validate_view(self, name: str, actor: str) -> ValidationReport:
        """Re-run a view's rules over all of its offline data and keep the report."""
        import pandas as pd

        view = self.view(name)
        df = pd.read_parquet(catalog.source_path(view, self.repo.path))
        return self._report(actor, name, "validate", validate(df, self._all_rules(view, name)))

    def _all_rules(self, view: Any, name: str) -> list[Rule]:
        implicit: list[Rule] = [NotNull(column=k) for k in view.join_keys]
        implicit.append(NotNull(column=view.batch_source.timestamp_field))
        return implicit + self.rules(name)

    @staticmethod
    def _raise_failed(report: ValidationReport, what: str) -> None:
        worst = ", ".join(f"{f.rule} on {f.feature}: {f.failing_rows} rows"
                          for f in report.failures[:3])
        raise ValidationFailed(f"{what} rejected by validation ({worst}); nothing was written",
                               report=report.model_dump(mode="json"))

    # Guided source workflow -----------------------------------------------------------
    def _prepare(self, spec: SourceSpec) -> tuple[pd.DataFrame, ViewDef, list[EntityDef]]:
        import pandas as pd

        if spec.name in RESERVED or spec.name in sys.stdlib_module_names:
            raise InvalidInput(f"{spec.name!r} is reserved; choose another feature view name",
                               field="name")
        df = read_source(spec.path)
        missing = [c for c in [*spec.entities, spec.timestamp] if c not in df.columns]
        if missing:
            raise InvalidInput(
                f"Column(s) {', '.join(missing)} not in {spec.path}; it has: "
                f"{', '.join(map(str, df.columns))}", field="entities" if
                missing[0] in spec.entities else "timestamp")
        ts = df[spec.timestamp]
        if not pd.api.types.is_datetime64_any_dtype(ts):
            try:
                df[spec.timestamp] = pd.to_datetime(ts, utc=True, format="mixed")
            except (ValueError, TypeError) as exc:
                raise InvalidInput(f"Timestamp column {spec.timestamp!r} does not hold times: "
                                   f"{exc}", field="timestamp") from exc
        elif df[spec.timestamp].dt.tz is None:
            df[spec.timestamp] = df[spec.timestamp].dt.tz_localize("UTC")
        chosen = spec.features or [
            {"name": str(c)} for c in df.columns
            if c not in (*spec.entities, spec.timestamp, "created_timestamp")
        ]
        features: list[tuple[str, str, str]] = []
        for col in chosen:
            col = col if isinstance(col, dict) else col.model_dump()
            name = col["name"]
            if name not in df.columns:
                raise InvalidInput(f"Feature column {name!r} not in {spec.path}",
                                   field="features")
            if name in spec.entities or name == spec.timestamp:
                raise InvalidInput(f"{name!r} is an entity or timestamp column, not a feature",
                                   field="features")
            inferred = dtype_of(df[name])
            if inferred is None:
                raise InvalidInput(f"Column {name!r} has an unsupported type "
                                   f"({df[name].dtype}); use numbers, strings, booleans or "
                                   "timestamps", field="features")
            dtype = col.get("dtype") or inferred
            features.append((name, dtype, col.get("description") or ""))
        if not features:
            raise InvalidInput("The source has no feature columns", field="features")
        existing = {e.join_key: e for e in self.repo.entity_defs()} if self.repo.exists() \
            else {}
        entities: list[EntityDef] = list(existing.values())
        view_entities = []
        for key in spec.entities:
            kind = dtype_of(df[key])
            if kind not in ("int64", "string"):
                raise InvalidInput(f"Entity column {key!r} must hold integers or strings, "
                                   f"not {df[key].dtype}", field="entities")
            value_type = VALUE_TYPES[kind]
            if key in existing:
                if existing[key].value_type != value_type:
                    raise InvalidInput(
                        f"Entity key {key!r} is {existing[key].value_type} in the store but "
                        f"{value_type} in {spec.path}", field="entities")
                view_entities.append(existing[key].name)
            else:
                name = key[:-3] if key.endswith("_id") and len(key) > 3 else key
                if any(e.name == name for e in entities):
                    name = key
                entities.append(EntityDef(name, key, value_type, f"Keyed by {key}"))
                view_entities.append(name)
        keep = [*spec.entities, spec.timestamp, *(f[0] for f in features)]
        for rule in spec.rules:
            for col in (rule.columns if hasattr(rule, "columns") else [rule.column]):
                if col not in keep:
                    raise InvalidInput(
                        f"Rule {rule.kind} names column {col!r}, which is not in the view "
                        f"(columns: {', '.join(keep)})", field="rules")
        view = ViewDef(
            name=spec.name, entities=view_entities, timestamp=spec.timestamp,
            features=features, ttl=parse_duration(spec.ttl), owner=spec.owner,
            description=spec.description, tags=spec.tags, online=spec.online,
        )
        return df[keep], view, entities

    def add_source(self, spec: SourceSpec, actor: str, dry_run: bool = False) -> AddSourceResult:
        """Validate a source, show what would change, then write its definition and apply."""
        self.repo.ensure()
        if spec.name in self._views() or (self.repo.path / f"{spec.name}.py").exists():
            raise Conflict(f"A feature view named {spec.name!r} already exists",
                           field="name")
        df, view, entities = self._prepare(spec)
        rules: list[Rule] = [NotNull(column=k) for k in spec.entities]
        rules.append(NotNull(column=spec.timestamp))
        rules += list(spec.rules)
        outcome = validate(df, rules)
        report = self._report(actor, spec.name, "dry_run" if dry_run else "add_source", outcome)
        files = {"entities.py": render_entities(entities), f"{spec.name}.py": render_view(view)}
        schema = [FeatureInfo(name=n, dtype=d, description=desc) for n, d, desc in view.features]
        if dry_run or not outcome.passed:
            plan = self.repo.plan(files)
            result = AddSourceResult(
                applied=False, dry_run=dry_run, feature_view=spec.name,
                definition_file=f"{spec.name}.py", definition=files[f"{spec.name}.py"],
                plan=[PlannedChangeInfo(**vars(c)) for c in plan.changes], plan_text=plan.text,
                validation=report, schema=schema,
            )
            if not outcome.passed and not dry_run:
                self._raise_failed(report, f"Source {spec.name!r}")
            return result
        data = self.repo.data_dir / f"{spec.name}.parquet"
        rules_file = self.repo.rules_dir / f"{spec.name}.json"
        df.to_parquet(data, index=False)
        rules_file.write_text(json.dumps([r.model_dump() for r in spec.rules], indent=2))
        try:
            plan = self.repo.apply(files)
        except BaseException:
            data.unlink(missing_ok=True)
            rules_file.unlink(missing_ok=True)
            self._forget()
            raise
        self._forget()
        return AddSourceResult(
            applied=True, dry_run=False, feature_view=spec.name,
            definition_file=f"{spec.name}.py", definition=files[f"{spec.name}.py"],
            plan=[PlannedChangeInfo(**vars(c)) for c in plan.changes], plan_text=plan.text,
            validation=report, schema=schema,
        )

    def define_service(self, spec: FeatureServiceSpec, actor: str) -> FeatureServiceInfo:
        """Create or replace a feature service (a named feature set a model reads)."""
        views = self._views()
        for ref in spec.features:
            view, _, feature = ref.partition(":")
            known = self.view(view)
            if feature and feature not in {f.name for f in known.features}:
                raise InvalidInput(f"Feature view {view!r} has no feature {feature!r}",
                                   field="features")
        services = [s for s in self.repo.service_specs() if s.name != spec.name] + [spec]
        self.repo.apply({"feature_services.py": render_services(services, set(views))})
        self._forget()
        return catalog.service_info(self.repo.store.get_feature_service(spec.name,
                                                                        allow_cache=False))

    # Materialization ------------------------------------------------------------------
    def _last_end(self, name: str) -> datetime | None:
        with self.db.session() as session:
            return session.scalar(
                select(MaterializationRow.end).where(
                    MaterializationRow.feature_view == name,
                    MaterializationRow.status == "succeeded",
                ).order_by(MaterializationRow.end.desc()).limit(1))

    def materialize(self, request: MaterializeRequest, actor: str,
                    progress: Progress | None = None) -> MaterializeResult:
        """Validate each view's new rows, then load them into the online store.

        A view whose rows break its rules is rejected: nothing of it reaches the online store.
        """
        import pandas as pd

        say = progress or (lambda _m: None)
        views = self._views()
        names = request.feature_views or sorted(n for n, v in views.items() if v.online)
        for n in names:
            self.view(n)
        end = request.end or datetime.now(UTC)
        results = []
        for i, name in enumerate(names, start=1):
            view = views[name]
            t0 = time.perf_counter()
            ts = view.batch_source.timestamp_field
            df = pd.read_parquet(catalog.source_path(view, self.repo.path))
            start = request.start
            if request.incremental:
                # From the last load; the first load takes the whole history.
                start = self._last_end(name) or start or (
                    df[ts].min() - timedelta(seconds=1) if len(df) else end - timedelta(days=1))
            say(f"[{i}/{len(names)}] {name}: reading {start:%Y-%m-%d %H:%M} → {end:%Y-%m-%d %H:%M}")
            window = df[(df[ts] > pd.Timestamp(start)) & (df[ts] <= pd.Timestamp(end))]
            outcome = validate(window, self._all_rules(view, name))
            report = self._report(actor, name, "materialize", outcome)
            row = MaterializationRow(feature_view=name, start=start, end=end, rows=len(window),
                                     status="running", actor=actor)
            if not outcome.passed:
                say(f"[{i}/{len(names)}] {name}: rejected by validation")
                row.status, row.finished_at = "rejected", utcnow()
                row.detail = "; ".join(f"{f.rule} on {f.feature}: {f.failing_rows} rows"
                                       for f in outcome.failures)[:2000]
                status = "rejected"
            elif window.empty:
                row.status, row.finished_at, status = "succeeded", utcnow(), "skipped"
            else:
                say(f"[{i}/{len(names)}] {name}: loading {len(window):,} rows")
                with quiet():
                    self.repo.store.materialize(start, end, feature_views=[name])
                row.status, row.finished_at, status = "succeeded", utcnow(), "succeeded"
            with self.db.session(write=True) as session:
                session.add(row)
            results.append(MaterializeViewResult(
                feature_view=name, status=status, rows=len(window), start=start, end=end,
                seconds=round(time.perf_counter() - t0, 3), validation=report))
        self._forget()
        return MaterializeResult(views=results)

    # Retrieval ------------------------------------------------------------------------
    def _resolve(self, features: list[str] | None, service: str | None
                 ) -> tuple[Any, set[str], dict[str, list[str]]]:
        """Features for Feast, the join keys they need and the refs by view (memoized)."""
        key = (tuple(features) if features is not None else None, service)
        views = self._views()
        hit = self._resolved.get(key)
        if hit is None:
            wanted, keys = self._resolve_uncached(features, service, views)
            hit = (wanted, keys, self._refs_by_view(wanted))
            if len(self._resolved) < 1024:
                self._resolved[key] = hit
        return hit

    def _resolve_uncached(self, features: list[str] | None, service: str | None,
                          views: dict[str, Any]) -> tuple[Any, set[str]]:
        """Unknown names are named, with near matches."""
        if service is not None:
            try:
                fs = self.repo.store.get_feature_service(service, allow_cache=True)
            except Exception as exc:
                names = [s.name for s in self.repo.store.list_feature_services()]
                raise NotFound(f"No feature service named {service!r} (known: "
                               f"{', '.join(names) or 'none'})", field="feature_service") from exc
            used = [views[p.name] for p in fs.feature_view_projections if p.name in views]
            return fs, {k for v in used for k in v.join_keys}
        keys: set[str] = set()
        for ref in features or []:
            view_name, sep, feature = ref.partition(":")
            if not sep or not feature:
                raise InvalidInput(f"Feature reference {ref!r} must look like view:feature",
                                   field="features")
            view = self.view(view_name)
            names = {f.name for f in view.features}
            if feature not in names:
                close = difflib.get_close_matches(feature, list(names), n=3)
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                raise InvalidInput(f"Feature view {view_name!r} has no feature {feature!r}"
                                   f"{hint}", field="features")
            keys.update(view.join_keys)
        if not features:
            raise InvalidInput("Ask for at least one feature", field="features")
        return features, keys

    @staticmethod
    def _check_keys(given: set[str], needed: set[str], extra_ok: bool = False) -> None:
        missing = sorted(needed - given)
        if missing:
            raise InvalidInput(f"Missing entity key(s) {', '.join(missing)} (these features are "
                               f"keyed by {', '.join(sorted(needed))})", field="entities")
        unknown = sorted(given - needed)
        if unknown and not extra_ok:
            raise InvalidInput(f"Unknown entity key(s) {', '.join(unknown)}; expected "
                               f"{', '.join(sorted(needed))}", field="entities")

    def online(self, features: list[str] | None, entities: dict[str, list[Any]],
               feature_service: str | None = None, full_feature_names: bool = False
               ) -> dict[str, list[Any]]:
        """Latest feature values for the given entity keys, as columns."""
        wanted, keys, by_view = self._resolve(features, feature_service)
        if entities.keys() != keys:
            self._check_keys(set(entities), keys)
        try:  # _name_collisions() inlined: a context manager per read costs on this hot path
            response = self.repo.store.get_online_features(
                features=wanted, entity_rows=entities, full_feature_names=full_feature_names)
        except Exception as exc:
            _raise_if_collision(exc)
            raise
        columns = response.to_dict()
        # A stable order: the entity keys as given, then the features as asked.
        shape = (id(by_view), tuple(entities), full_feature_names)
        known = self._orders.get(shape)
        if known is None or known[0] is not by_view:
            order = list(entities)
            for view, refs in by_view.items():
                order += [f"{view}__{r.split(':', 1)[1]}" if full_feature_names
                          else r.split(":", 1)[1] for r in refs]
            known = (by_view, order, set(order))
            if len(self._orders) < 1024:
                self._orders[shape] = known
        _, order, names = known
        if columns.keys() == names:  # the usual case: nothing missing, nothing extra
            return {c: columns[c] for c in order}
        order = [*order, *(c for c in columns if c not in names)]
        return {c: columns[c] for c in order if c in columns}

    # The online feature server -----------------------------------------------------------
    def _server_info(self, process: Any) -> FeatureServerInfo:
        state = process.state()
        info = FeatureServerInfo(running=state is not None, online_path=process.online_path)
        if state is None:
            return info
        return info.model_copy(update={"url": state.url, "workers": state.workers,
                                       "pid": state.pid, "started_at": state.started_at,
                                       "token": process.token()})

    def serve(self, request: FeatureServerRequest) -> FeatureServerInfo:
        """Start the online feature server (or keep the running one when it matches)."""
        from .online_server import FeatureServerProcess

        process = FeatureServerProcess(self.settings)
        process.start(request.workers, request.port)
        return self._server_info(process)

    def server(self) -> FeatureServerInfo:
        from .online_server import FeatureServerProcess

        return self._server_info(FeatureServerProcess(self.settings))

    def stop_server(self) -> FeatureServerInfo:
        from .online_server import FeatureServerProcess

        process = FeatureServerProcess(self.settings)
        process.stop()
        return self._server_info(process)

    def training_frame(self, entity_df: pd.DataFrame, features: list[str] | None = None,
                       feature_service: str | None = None, full_feature_names: bool = False
                       ) -> tuple[pd.DataFrame, int]:
        """Point-in-time correct features for each entity row.

        Every entity row comes back, in order; rows with no feature value inside the TTL
        window get nulls (Feast's file store would drop them). Returns the frame and how many
        rows had no feature at all.
        """
        import numpy as np
        import pandas as pd
        import pytz

        wanted, keys, by_view = self._resolve(features, feature_service)
        if "event_timestamp" not in entity_df.columns:
            raise InvalidInput("The entity rows need an event_timestamp column",
                               field="entity_rows")
        self._check_keys(set(entity_df.columns) - {"event_timestamp"}, keys, extra_ok=True)
        frame = entity_df.reset_index(drop=True)  # a copy, numbered 0..n-1
        try:
            frame["event_timestamp"] = pd.to_datetime(frame["event_timestamp"], utc=True)
        except (ValueError, TypeError) as exc:
            raise InvalidInput(f"event_timestamp does not hold times: {exc}",
                               field="entity_rows") from exc
        # Feast's file store keeps one row per (view keys, timestamp) and drops rows with no
        # value in the TTL window, so each view is fetched for the distinct keys it needs and
        # joined back: every entity row comes back, in order, with nulls where nothing was
        # known at that time.
        store, views = self.repo.store, self._views()
        frame["event_timestamp"] = frame["event_timestamp"].astype("datetime64[ns, UTC]")
        parts: list[pd.DataFrame] = []
        added: list[str] = []
        for view_name, refs in by_view.items():
            on = [*views[view_name].join_keys, "event_timestamp"]
            # Each distinct (keys, timestamp) goes to Feast once, numbered; its answer comes
            # back in any order and without the rows it had nothing for, so it is put back in
            # place by that number (cheaper than joining on the keys and timestamp again).
            repeated = frame.duplicated(on)
            distinct = frame.loc[~repeated, on].reset_index(drop=True)
            distinct[ROW] = np.arange(len(distinct))
            # Feast's file store takes a fast path only for timestamps whose zone is pytz's
            # UTC object; any other UTC (pandas' own) costs a Python call per row (~3 µs each)
            distinct["event_timestamp"] = distinct["event_timestamp"].dt.tz_convert(pytz.utc)
            with _name_collisions():
                part = store.get_historical_features(
                    entity_df=distinct, features=refs, full_feature_names=full_feature_names,
                ).to_df()
            cols = [c for c in part.columns if c not in on and c != ROW]
            clash = sorted(set(cols) & set(added))
            if clash:
                raise InvalidInput(
                    f"Feature name(s) {', '.join(clash)} come from several views; ask with "
                    "full_feature_names=True to get view__feature columns", field="features")
            taken = sorted(set(cols) & set(frame.columns))
            if taken:
                raise InvalidInput(
                    f"The entity rows already have column(s) {', '.join(taken)}, which are "
                    "also feature names: rename them, or ask with full_feature_names=True",
                    field="entity_rows")
            by_row = part.drop_duplicates(ROW).set_index(ROW)[cols].reindex(
                np.arange(len(distinct)))
            if repeated.any():  # rows sharing keys and timestamp share the answer
                group = frame.groupby(on, sort=False, dropna=False).ngroup()
                by_row = by_row.take(group.to_numpy())
            parts.append(by_row.set_axis(frame.index))
            added += cols
        out = pd.concat([frame, *parts], axis=1) if parts else frame
        empty = int(out[added].isna().all(axis=1).sum()) if added else len(out)
        return out, empty

    def feature_refs(self, features: list[str] | None = None,
                     feature_service: str | None = None) -> tuple[list[str], set[str]]:
        """Every ``view:feature`` a request reads, and the join keys it needs (unknown names
        raise with near matches)."""
        _, keys, by_view = self._resolve(features, feature_service)
        return [ref for refs in by_view.values() for ref in refs], set(keys)

    def _refs_by_view(self, wanted: Any) -> dict[str, list[str]]:
        if isinstance(wanted, list):
            refs = wanted
        else:
            refs = [f"{p.name}:{f.name}" for p in wanted.feature_view_projections
                    for f in p.features]
        grouped: dict[str, list[str]] = {}
        for ref in refs:
            grouped.setdefault(ref.split(":")[0], []).append(ref)
        return grouped

    def record_usage(self, refs: list[str], used_by_kind: str, used_by_id: str) -> None:
        """Link features to a training job or model version (lineage both ways)."""
        with self.db.session(write=True) as session:
            seen = set(session.execute(select(FeatureUsageRow.feature_ref).where(
                FeatureUsageRow.used_by_kind == used_by_kind,
                FeatureUsageRow.used_by_id == used_by_id)).scalars())
            for ref in refs:
                if ref not in seen:
                    session.add(FeatureUsageRow(feature_view=ref.split(":")[0], feature_ref=ref,
                                                used_by_kind=used_by_kind, used_by_id=used_by_id))
