"""The model registry: the one source of truth for what each model is, how important it is,
who owns it, which versions exist, where aliases point and how healthy it is.

Training registers a version in the same transaction that marks its job succeeded, so a
model version never exists without its job's results, and a job never succeeds without its
version. Every alias move is one transaction that also appends to the alias history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Select, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db import Database
from ..db.base import utcnow
from ..errors import Conflict, InvalidInput, NotFound
from ..system.tables import AuditEvent
from .schemas import (
    ALIAS_NAME,
    HEALTH_SEVERITY,
    AliasEvent,
    AliasInfo,
    Comparison,
    Curve,
    ExportRequest,
    ExportResult,
    HealthUpdate,
    ImportRequest,
    Link,
    MetricRow,
    ModelCreate,
    ModelDetail,
    ModelInfo,
    ModelsPage,
    ModelsQuery,
    ModelUpdate,
    ModelVersionInfo,
    ParamRow,
    RegisterRequest,
    check_model_name,
    check_tags,
)
from .tables import AliasEventRow, AliasRow, ModelRow, ModelTagRow, ModelVersionRow

LOWER_IS_BETTER = ("loss", "error", "rmse", "mae", "mse", "logloss", "perplexity", "l1", "l2")
HIGHER_IS_BETTER = ("auc", "accuracy", "precision", "recall", "f1", "r2", "ndcg", "map")
SORT_COLUMNS = {"updated_at": ModelRow.updated_at, "created_at": ModelRow.created_at,
                "name": ModelRow.name, "tier": ModelRow.tier}


def _audit(session: Session, actor: str, action: str, subject: str,
           detail: dict[str, Any] | None = None) -> None:
    session.add(AuditEvent(actor=actor[:200], action=action, subject=subject[:500],
                           detail=detail or {}))


def search_text(name: str, description: str, use_case: str, team: str,
                tags: Sequence[str]) -> str:
    """What text search looks in, lowercased once at write time."""
    return " ".join((name, description, use_case, team, *tags)).lower()


def _index_text(model: ModelRow) -> None:
    model.search_text = search_text(model.name, model.description or "", model.use_case or "",
                                    model.team or "", model.tags or [])


def _set_tags(session: Session, model: ModelRow, tags: list[str]) -> None:
    model.tags = tags
    if model.id is not None:
        session.execute(delete(ModelTagRow).where(ModelTagRow.model_id == model.id))
    session.flush()
    session.add_all(ModelTagRow(model_id=model.id, tag=t) for t in tags)


def _new_model(session: Session, name: str, actor: str, fields: ModelUpdate | None = None,
               description: str = "", owner: str | None = None) -> ModelRow:
    values = fields.model_dump(exclude_none=True) if fields is not None else {}
    tags = values.pop("tags", [])
    links = [Link.model_validate(link).model_dump() for link in values.pop("links", [])]
    values.setdefault("description", description)
    values.setdefault("owner", owner or actor)
    model = ModelRow(name=name, created_by=actor, updated_by=actor, links=links, **values)
    session.add(model)
    session.flush()
    _set_tags(session, model, tags)
    _index_text(model)
    return model


def register_version(session: Session, *, name: str, framework: str, artifact_uri: str,
                     actor: str, signature: dict[str, Any], metrics: dict[str, Any],
                     params: dict[str, Any], lineage: dict[str, Any], description: str = "",
                     owner: str | None = None, version_description: str = "",
                     source: str = "training", model_fields: ModelUpdate | None = None) -> int:
    """Add the next version of ``name`` (creating the model on first use); its number."""
    by_name = select(ModelRow).where(ModelRow.name == name).with_for_update()
    model = session.execute(by_name).scalar_one_or_none()
    if model is None:
        try:
            with session.begin_nested():  # another process may be creating it right now
                model = _new_model(session, name, actor, model_fields, description, owner)
        except IntegrityError:
            model = session.execute(by_name).scalar_one()
    latest = session.execute(select(func.max(ModelVersionRow.version))
                             .where(ModelVersionRow.model_id == model.id)).scalar()
    version = (latest or 0) + 1
    session.add(ModelVersionRow(model_id=model.id, version=version, framework=framework,
                                artifact_uri=artifact_uri, signature=signature, metrics=metrics,
                                params=params, lineage=lineage, created_by=actor,
                                description=version_description, source=source))
    model.latest_version, model.framework = version, framework
    model.updated_at, model.updated_by = utcnow(), actor
    _audit(session, actor, "model.registered", f"{name}:{version}",
           {"framework": framework, "source": source})
    return version


def _version_info(row: ModelVersionRow, name: str,
                  aliases: Sequence[str] = ()) -> ModelVersionInfo:
    return ModelVersionInfo(model=name, version=row.version, framework=row.framework,
                            artifact_uri=row.artifact_uri, signature=row.signature,
                            metrics=row.metrics, params=row.params, lineage=row.lineage,
                            description=row.description, source=row.source,
                            aliases=sorted(aliases), status=row.status,
                            created_at=row.created_at, created_by=row.created_by)


def _model_info(m: ModelRow, aliases: dict[str, int]) -> dict[str, Any]:
    return dict(name=m.name, description=m.description, owner=m.owner, team=m.team,
                use_case=m.use_case, tier=m.tier, tags=m.tags or [],
                latest_version=m.latest_version, framework=m.framework, aliases=aliases,
                health=m.health,
                health_severity=m.health_severity, health_reason=m.health_reason,
                created_at=m.created_at, updated_at=m.updated_at, updated_by=m.updated_by)


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def metric_direction(name: str) -> int:
    """+1 when higher is better, -1 when lower is, 0 when unknown."""
    key = name.lower()
    if any(token in key for token in LOWER_IS_BETTER):
        return -1
    if any(token in key for token in HIGHER_IS_BETTER):
        return 1
    return 0


def split_ref(ref: str) -> tuple[str, str | None]:
    """``name``, ``name@3``, ``name@production`` -> (name, version-or-alias or None)."""
    name, _, which = ref.strip().partition("@")
    check_or_invalid(name)
    return name, (which or None)


def check_or_invalid(name: str) -> str:
    try:
        return check_model_name(name)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="name") from None


class RegistryService:
    def __init__(self, db: Database, artifact_root: str) -> None:
        self.db = db
        self.artifact_root = artifact_root

    # -- reading ---------------------------------------------------------------------------

    def _model(self, session: Session, name: str, lock: bool = False) -> ModelRow:
        stmt = select(ModelRow).where(ModelRow.name == name)
        model = session.execute(stmt.with_for_update() if lock else stmt).scalar()
        if model is None:
            raise NotFound(f"No model named {name!r} in the registry", field="name")
        return model

    def _aliases(self, session: Session, model_ids: list[int]) -> dict[int, dict[str, int]]:
        out: dict[int, dict[str, int]] = defaultdict(dict)
        if model_ids:
            rows = session.execute(
                select(AliasRow.model_id, AliasRow.alias, ModelVersionRow.version)
                .join(ModelVersionRow, ModelVersionRow.id == AliasRow.version_id)
                .where(AliasRow.model_id.in_(model_ids))).all()
            for model_id, alias, version in rows:
                out[model_id][alias] = version
        return out

    def _filtered(self, query: ModelsQuery, session: Session) -> Select[Any]:
        stmt = select(ModelRow)
        for word in (query.q or "").split():  # every word, anywhere in the indexed text
            stmt = stmt.where(ModelRow.search_text.like(_like(word), escape="\\"))
        if query.tier:
            stmt = stmt.where(ModelRow.tier.in_(query.tiers()))
        for column, value in ((ModelRow.owner, query.owner), (ModelRow.team, query.team),
                              (ModelRow.health, query.health)):
            if value:
                stmt = stmt.where(column == value)
        if query.framework:
            stmt = stmt.where(ModelRow.framework == query.framework)
        if query.tag:
            stmt = stmt.where(ModelRow.id.in_(select(ModelTagRow.model_id).where(
                ModelTagRow.tag == query.tag)))
        if query.alias:
            stmt = stmt.where(ModelRow.id.in_(select(AliasRow.model_id).where(
                AliasRow.alias == query.alias)))
        if query.feature:
            stmt = stmt.where(ModelRow.name.in_(self._models_using(session, query.feature)))
        if query.updated_after:
            stmt = stmt.where(ModelRow.updated_at >= query.updated_after)
        return stmt

    @staticmethod
    def _models_using(session: Session, feature: str) -> list[str]:
        from ..features.tables import FeatureUsageRow

        column = FeatureUsageRow.feature_ref if ":" in feature else FeatureUsageRow.feature_view
        ids = session.scalars(select(FeatureUsageRow.used_by_id).where(
            column == feature, FeatureUsageRow.used_by_kind == "model_version")).all()
        return sorted({i.rsplit(":", 1)[0] for i in ids})

    def _page(self, session: Session, stmt: Select[Any], order: Sequence[Any], limit: int,
              offset: int) -> ModelsPage:
        """One page of the models ``stmt`` selects, in ``order``; ``total`` counts them all."""
        total = session.execute(select(func.count()).select_from(
            stmt.with_only_columns(ModelRow.id).subquery())).scalar_one()
        models = session.execute(stmt.order_by(*order).limit(limit).offset(offset)
                                 ).scalars().all()
        aliases = self._aliases(session, [m.id for m in models])
        items = [ModelInfo(**_model_info(m, aliases.get(m.id, {}))) for m in models]
        return ModelsPage(items=items, total=total, limit=limit, offset=offset)

    def search(self, query: ModelsQuery | None = None) -> ModelsPage:
        query = query or ModelsQuery()
        with self.db.session() as session:
            column = SORT_COLUMNS[query.sort.lstrip("-")]
            descending = query.sort.startswith("-")
            order = (column.desc(), ModelRow.id.desc()) if descending else (column.asc(),
                                                                             ModelRow.id.asc())
            return self._page(session, self._filtered(query, session), order, query.limit,
                              query.offset)

    def list(self, limit: int = 100, offset: int = 0) -> list[ModelInfo]:
        return self.search(ModelsQuery(limit=min(limit, 500), offset=offset)).items

    def attention(self, limit: int = 50, offset: int = 0) -> ModelsPage:
        """Models whose health needs a look: tier 0 first, then the most severe, newest."""
        with self.db.session() as session:
            return self._page(session, select(ModelRow).where(ModelRow.health_severity > 0),
                              (ModelRow.tier.asc(), ModelRow.health_severity.desc(),
                               ModelRow.health_updated_at.desc(), ModelRow.id), limit, offset)

    def get(self, name: str, history: int = 50) -> ModelDetail:
        check_or_invalid(name)
        with self.db.session() as session:
            model = self._model(session, name)
            versions = session.execute(select(ModelVersionRow).where(
                ModelVersionRow.model_id == model.id).order_by(ModelVersionRow.version.desc())
            ).scalars().all()
            aliases = self._aliases(session, [model.id]).get(model.id, {})
            by_version: dict[int, list[str]] = defaultdict(list)
            for alias, version in aliases.items():
                by_version[version].append(alias)
            events = session.execute(select(AliasEventRow).where(
                AliasEventRow.model_id == model.id).order_by(AliasEventRow.id.desc())
                .limit(history)).scalars().all()
            return ModelDetail(
                **_model_info(model, aliases), created_by=model.created_by,
                links=[Link.model_validate(link) for link in model.links or []],
                card=model.card, health_updated_at=model.health_updated_at,
                versions=[_version_info(v, model.name, by_version.get(v.version, ()))
                          for v in versions],
                alias_history=[AliasEvent(alias=e.alias, from_version=e.from_version,
                                          to_version=e.to_version, actor=e.actor,
                                          reason=e.reason, at=e.at) for e in events])

    def _version_row(self, session: Session, model: ModelRow,
                     which: str | int | None) -> ModelVersionRow:
        """A version by number, alias, ``latest`` or None (= latest)."""
        stmt = select(ModelVersionRow).where(ModelVersionRow.model_id == model.id)
        if which is None or which == "latest":
            row = session.execute(stmt.order_by(ModelVersionRow.version.desc()).limit(1)).scalar()
            if row is None:
                raise NotFound(f"Model {model.name!r} has no versions yet", field="version")
            return row
        if isinstance(which, int) or str(which).isdigit():
            row = session.execute(stmt.where(ModelVersionRow.version == int(which))).scalar()
            if row is None:
                raise NotFound(f"Model {model.name!r} has no version {which} (latest: "
                               f"{model.latest_version})", field="version")
            return row
        row = session.execute(stmt.join(AliasRow, AliasRow.version_id == ModelVersionRow.id)
                              .where(AliasRow.alias == str(which))).scalar()
        if row is None:
            raise NotFound(f"Model {model.name!r} has no alias {which!r}", field="version")
        return row

    def version(self, name: str, which: str | int | None = None) -> ModelVersionInfo:
        """One version by number, alias or ``latest``."""
        check_or_invalid(name)
        with self.db.session() as session:
            model = self._model(session, name)
            row = self._version_row(session, model, which)
            aliases = [a for a, v in self._aliases(session, [model.id]).get(model.id, {}).items()
                       if v == row.version]
            return _version_info(row, name, aliases)

    def resolve(self, ref: str) -> ModelVersionInfo:
        """``name`` (latest), ``name@3`` or ``name@alias`` -> that version."""
        name, which = split_ref(ref)
        return self.version(name, which)

    # -- writing ---------------------------------------------------------------------------

    def create(self, body: ModelCreate, actor: str) -> ModelDetail:
        with self.db.session(write=True) as session:
            if session.execute(select(ModelRow.id).where(ModelRow.name == body.name)).scalar():
                raise Conflict(f"A model named {body.name!r} already exists; update it "
                               "instead", field="name")
            fields = ModelUpdate.model_validate(body.model_dump(exclude={"name"}))
            _new_model(session, body.name, actor, fields)
            _audit(session, actor, "model.created", body.name)
        return self.get(body.name)

    def update(self, name: str, body: ModelUpdate, actor: str) -> ModelDetail:
        check_or_invalid(name)
        changes = body.model_dump(exclude_none=True)
        if not changes:
            raise InvalidInput("Nothing to update: give at least one field", field="body")
        with self.db.session(write=True) as session:
            model = self._model(session, name, lock=True)
            if "tags" in changes:
                _set_tags(session, model, check_tags(changes.pop("tags")))
            for key, value in changes.items():
                setattr(model, key, value)
            _index_text(model)
            model.updated_at, model.updated_by = utcnow(), actor
            _audit(session, actor, "model.updated", name, {"fields": sorted(
                body.model_dump(exclude_none=True))})
        return self.get(name)

    def set_alias(self, name: str, alias: str, version: int, actor: str,
                  reason: str = "") -> AliasInfo:
        """Point ``alias`` at ``version`` of this model (atomically; the move is kept)."""
        check_or_invalid(name)
        if not ALIAS_NAME.match(alias) or alias == "latest":
            raise InvalidInput(f"alias {alias!r} must start with a lowercase letter and use "
                               "lowercase letters, digits, '-' or '_' (at most 60); 'latest' "
                               "is reserved", field="alias")
        with self.db.session(write=True) as session:
            model = self._model(session, name, lock=True)
            target = self._version_row(session, model, int(version))
            row = session.execute(select(AliasRow).where(
                AliasRow.model_id == model.id, AliasRow.alias == alias)).scalar()
            before = None
            if row is None:
                row = AliasRow(model_id=model.id, alias=alias, version_id=target.id,
                               updated_by=actor, updated_at=utcnow())
                session.add(row)
            else:
                before = session.execute(select(ModelVersionRow.version).where(
                    ModelVersionRow.id == row.version_id)).scalar()
                row.version_id, row.updated_by, row.updated_at = target.id, actor, utcnow()
            session.add(AliasEventRow(model_id=model.id, alias=alias, from_version=before,
                                      to_version=target.version, actor=actor, reason=reason))
            model.updated_at, model.updated_by = utcnow(), actor
            _audit(session, actor, "model.alias_set", name,
                   {"alias": alias, "from": before, "to": target.version, "reason": reason})
            session.flush()
            return AliasInfo(alias=alias, version=target.version, updated_at=row.updated_at,
                             updated_by=actor)

    def delete_alias(self, name: str, alias: str, actor: str, reason: str = "") -> AliasEvent:
        check_or_invalid(name)
        with self.db.session(write=True) as session:
            model = self._model(session, name, lock=True)
            row = session.execute(select(AliasRow).where(
                AliasRow.model_id == model.id, AliasRow.alias == alias)).scalar()
            if row is None:
                raise NotFound(f"Model {name!r} has no alias {alias!r}", field="alias")
            before = session.execute(select(ModelVersionRow.version).where(
                ModelVersionRow.id == row.version_id)).scalar()
            session.delete(row)
            event = AliasEventRow(model_id=model.id, alias=alias, from_version=before,
                                  to_version=None, actor=actor, reason=reason, at=utcnow())
            session.add(event)
            model.updated_at, model.updated_by = utcnow(), actor
            _audit(session, actor, "model.alias_removed", name,
                   {"alias": alias, "from": before, "reason": reason})
            return AliasEvent(alias=alias, from_version=before, to_version=None, actor=actor,
                              reason=reason, at=event.at)

    def set_health(self, name: str, update: HealthUpdate, actor: str) -> ModelInfo:
        """Record a model's health (monitoring feeds this; it orders "needs attention")."""
        check_or_invalid(name)
        with self.db.session(write=True) as session:
            model = self._model(session, name, lock=True)
            model.health, model.health_reason = update.health, update.reason
            model.health_severity = HEALTH_SEVERITY[update.health]
            model.health_updated_at = utcnow()
            _audit(session, actor, "model.health", name,
                   {"health": update.health, "reason": update.reason})
            session.flush()
            aliases = self._aliases(session, [model.id]).get(model.id, {})
            return ModelInfo(**_model_info(model, aliases))

    # -- files in and out ------------------------------------------------------------------

    def register(self, name: str, body: RegisterRequest, actor: str) -> ModelVersionInfo:
        """Register a model file or folder from disk as the next version (no training job)."""
        from . import files

        check_or_invalid(name)
        found = files.inspect(body.path, body.framework)
        signature = body.signature.model_dump(exclude_none=True) if body.signature else None
        signature = signature or found.signature
        if signature is None:
            raise InvalidInput(f"{found.framework} models do not record their inputs; give a "
                               "signature ({'inputs': [{'name': ..., 'type': ...}], "
                               "'outputs': [...]})", field="signature")
        lineage = {**found.lineage, **body.lineage, "source_path": str(body.path)}
        return self._store_and_register(name, found, actor, signature=signature,
                                        metrics=body.metrics, params=body.params,
                                        lineage=lineage, version_description=body.description,
                                        model_fields=body.model, source="import")

    def _store_and_register(self, name: str, found: Any, actor: str, **kwargs: Any
                            ) -> ModelVersionInfo:
        from . import files

        uri = files.store(found, self.artifact_root, name)
        try:
            with self.db.session(write=True) as session:
                version = register_version(session, name=name, framework=found.framework,
                                           artifact_uri=uri, actor=actor, **kwargs)
        except BaseException:
            files.discard(uri)
            raise
        return self.version(name, version)

    def export(self, name: str, which: str | int | None, body: ExportRequest) -> ExportResult:
        """Write one version (model files + metadata) as a portable ``.tar.gz`` bundle."""
        from . import files

        detail = self.get(name, history=0)
        version = self.version(name, which)
        model = detail.model_dump(mode="json", include={
            "name", "description", "owner", "team", "use_case", "tier", "tags", "links",
            "card"})
        metadata = {"model": model, "version": version.model_dump(
            mode="json", exclude={"model", "aliases", "status"})}
        path, size, digest = files.export_bundle(metadata, version.artifact_uri, body.path,
                                                 body.overwrite)
        return ExportResult(path=str(path), bytes=size, sha256=digest)

    def import_bundle(self, body: ImportRequest, actor: str) -> ModelVersionInfo:
        """Register a bundle written by :meth:`export` as the next version of its model."""
        import tempfile
        from pathlib import Path

        from . import files

        with tempfile.TemporaryDirectory(prefix="griffin-import-") as tmp:
            manifest, folder = files.open_bundle(body.path, Path(tmp))
            meta, ver = manifest["model"], manifest["version"]
            name = body.name or check_or_invalid(str(meta.get("name", "")))
            found = files.inspect(str(folder), ver.get("framework"))
            try:
                fields = ModelUpdate.model_validate(
                    {k: meta.get(k) for k in ModelUpdate.model_fields})
            except ValidationError as exc:
                raise InvalidInput(f"{body.path}: the bundle's model fields are invalid: "
                                   f"{exc.errors()[0]['msg']}", field="path") from None
            lineage = {**(ver.get("lineage") or {}), "imported_from": {
                "model": meta.get("name"), "version": ver.get("version"),
                "bundle": str(body.path), "exported_at": manifest.get("exported_at")}}
            return self._store_and_register(
                name, found, actor, signature=ver.get("signature") or found.signature or {},
                metrics=ver.get("metrics") or {}, params=ver.get("params") or {},
                lineage=lineage, version_description=ver.get("description") or "",
                model_fields=fields, source="import")

    def load(self, ref: str) -> Any:
        """The model object of ``name[@version|@alias]`` (see :func:`files.load`)."""
        from . import files

        version = self.resolve(ref)
        return files.load(version.framework, version.artifact_uri)

    # -- comparing -------------------------------------------------------------------------

    def compare(self, name: str, versions: list[int] | None = None) -> Comparison:
        detail = self.get(name, history=0)
        by_number = {v.version: v for v in detail.versions}
        if versions is None:
            versions = sorted(by_number)[-2:]
        missing = [v for v in versions if v not in by_number]
        if missing:
            raise NotFound(f"Model {name!r} has no version(s) {missing}; it has "
                           f"{sorted(by_number)}", field="versions")
        if len(set(versions)) < 2:
            raise InvalidInput("Compare needs at least two different versions",
                               field="versions")
        chosen = [by_number[v] for v in versions]
        return Comparison(model=name, versions=chosen, metrics=_metric_rows(chosen),
                          params=_param_rows(chosen), **_features(chosen),
                          curves=self._curves(chosen))

    def _curves(self, chosen: list[ModelVersionInfo]) -> list[Curve]:
        """Training curves of versions that came from a training job."""
        from ..training.tables import TrainingMetricRow

        jobs = {v.lineage.get("training_job"): v for v in chosen
                if v.lineage.get("training_job")}
        if not jobs:
            return []
        curves: dict[tuple[int, str], tuple[list[int], list[float]]] = {}
        with self.db.session() as session:
            rows = session.execute(select(TrainingMetricRow.job_id, TrainingMetricRow.trial,
                                          TrainingMetricRow.name, TrainingMetricRow.step,
                                          TrainingMetricRow.value)
                                   .where(TrainingMetricRow.job_id.in_(list(jobs)))
                                   .order_by(TrainingMetricRow.id)).all()
        for job_id, trial, metric, step, value in rows:
            version = jobs[job_id]
            best = (version.lineage.get("tuning") or {}).get("best_trial") or ""
            if trial != best:
                continue
            steps, values = curves.setdefault((version.version, metric), ([], []))
            steps.append(step)
            values.append(value)
        return [Curve(version=v, name=metric, steps=s, values=vals)
                for (v, metric), (s, vals) in sorted(curves.items())]


def _metric_rows(chosen: list[ModelVersionInfo]) -> list[MetricRow]:
    names = sorted({k for v in chosen for k, x in v.metrics.items()
                    if isinstance(x, int | float) and not isinstance(x, bool)})
    rows = []
    for metric in names:
        values: dict[int, float | None] = {}
        for v in chosen:
            raw = v.metrics.get(metric)
            values[v.version] = float(raw) if isinstance(raw, int | float) else None
        present = {k: x for k, x in values.items() if x is not None}
        direction = metric_direction(metric)
        best = None
        if direction and len(present) > 1:
            pick = max if direction > 0 else min
            best = pick(present, key=lambda k: present[k])
        rows.append(MetricRow(name=metric, values=values, best=best))
    return rows


def _flat(params: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _param_rows(chosen: list[ModelVersionInfo]) -> list[ParamRow]:
    flat = {v.version: _flat(v.params) for v in chosen}
    names = sorted({k for p in flat.values() for k in p})
    rows = []
    for name in names:
        values = {v: p.get(name) for v, p in flat.items()}
        rows.append(ParamRow(name=name, values=values,
                             differs=len({repr(x) for x in values.values()}) > 1))
    rows.sort(key=lambda r: (not r.differs, r.name))
    return rows


def _features(chosen: list[ModelVersionInfo]) -> dict[str, Any]:
    features = {v.version: [f["name"] for f in v.signature.get("inputs", [])
                            if isinstance(f, dict) and "name" in f] for v in chosen}
    common = set.intersection(*(set(f) for f in features.values())) if features else set()
    return {"features": features, "common_features": sorted(common)}
