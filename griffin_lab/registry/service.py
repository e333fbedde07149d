"""The model registry: models and numbered versions with their lineage.

Training registers a version in the same transaction that marks its job succeeded, so a
model version never exists without its job's results, and a job never succeeds without its
version.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db import Database
from ..db.base import utcnow
from ..errors import NotFound
from .schemas import ModelDetail, ModelInfo, ModelVersionInfo
from .tables import ModelRow, ModelVersionRow


def register_version(session: Session, *, name: str, framework: str, artifact_uri: str,
                     actor: str, signature: dict[str, Any], metrics: dict[str, Any],
                     params: dict[str, Any], lineage: dict[str, Any], description: str = "",
                     owner: str | None = None) -> int:
    """Add the next version of ``name`` (creating the model on first use); its number."""
    by_name = select(ModelRow).where(ModelRow.name == name).with_for_update()
    model = session.execute(by_name).scalar_one_or_none()
    if model is None:
        try:
            with session.begin_nested():  # another process may be creating it right now
                model = ModelRow(name=name, description=description, owner=owner or actor,
                                 created_by=actor)
                session.add(model)
                session.flush()
        except IntegrityError:
            model = session.execute(by_name).scalar_one()
    latest = session.execute(select(func.max(ModelVersionRow.version))
                             .where(ModelVersionRow.model_id == model.id)).scalar()
    version = (latest or 0) + 1
    session.add(ModelVersionRow(model_id=model.id, version=version, framework=framework,
                                artifact_uri=artifact_uri, signature=signature, metrics=metrics,
                                params=params, lineage=lineage, created_by=actor))
    model.updated_at = utcnow()
    return version


def _version_info(row: ModelVersionRow, name: str) -> ModelVersionInfo:
    return ModelVersionInfo(model=name, version=row.version, framework=row.framework,
                            artifact_uri=row.artifact_uri, signature=row.signature,
                            metrics=row.metrics, params=row.params, lineage=row.lineage,
                            status=row.status, created_at=row.created_at,
                            created_by=row.created_by)


class RegistryService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def list(self, limit: int = 100, offset: int = 0) -> list[ModelInfo]:
        with self.db.session() as session:
            counts = (select(ModelVersionRow.model_id, func.max(ModelVersionRow.version)
                             .label("latest")).group_by(ModelVersionRow.model_id).subquery())
            rows = session.execute(
                select(ModelRow, counts.c.latest)
                .outerjoin(counts, counts.c.model_id == ModelRow.id)
                .order_by(ModelRow.updated_at.desc()).limit(limit).offset(offset)).all()
            return [ModelInfo(name=m.name, description=m.description, owner=m.owner,
                              latest_version=latest, created_at=m.created_at,
                              updated_at=m.updated_at) for m, latest in rows]

    def get(self, name: str) -> ModelDetail:
        with self.db.session() as session:
            model = session.execute(select(ModelRow).where(ModelRow.name == name)).scalar()
            if model is None:
                raise NotFound(f"No model named {name!r} in the registry", field="name")
            versions = session.execute(select(ModelVersionRow).where(
                ModelVersionRow.model_id == model.id).order_by(ModelVersionRow.version.desc())
            ).scalars().all()
            return ModelDetail(name=model.name, description=model.description,
                               owner=model.owner, created_at=model.created_at,
                               updated_at=model.updated_at, created_by=model.created_by,
                               latest_version=versions[0].version if versions else None,
                               versions=[_version_info(v, model.name) for v in versions])
