"""Operations of the model registry."""

from __future__ import annotations

from ..registry.schemas import (
    AliasDeleteQuery,
    AliasEvent,
    AliasInfo,
    AliasRequest,
    AttentionQuery,
    CompareQuery,
    Comparison,
    ExportRequest,
    ExportResult,
    HealthUpdate,
    ImportRequest,
    ModelCreate,
    ModelDetail,
    ModelInfo,
    ModelsPage,
    ModelsQuery,
    ModelUpdate,
    ModelVersionInfo,
    RegisterRequest,
)
from .core import operation

TAG = "registry"


@operation("models_search", "GET", "/models", tag=TAG, response=ModelsPage, query=ModelsQuery,
           summary="Search models: text, tier, owner, team, framework, tag, alias, health, "
           "feature, updated time; sorted and paged.")
def search(platform, ctx, query: ModelsQuery) -> ModelsPage:  # noqa: ANN001
    return platform.registry.search(query)


@operation("models_create", "POST", "/models", tag=TAG, response=ModelDetail, body=ModelCreate,
           summary="Create a model entry (catalogue fields; versions come from training or "
           "register).")
def create(platform, ctx, body: ModelCreate) -> ModelDetail:  # noqa: ANN001
    return platform.registry.create(body, ctx.actor)


@operation("models_attention", "GET", "/registry/attention", tag=TAG, response=ModelsPage,
           query=AttentionQuery,
           summary="Models that need attention: unhealthy ones, tier 0 first, then severity.")
def attention(platform, ctx, query: AttentionQuery) -> ModelsPage:  # noqa: ANN001
    return platform.registry.attention(query.limit, query.offset)


@operation("models_get", "GET", "/models/{name}", tag=TAG, response=ModelDetail,
           summary="One model: catalogue fields, card, versions, aliases and their history.")
def get(platform, ctx, name: str) -> ModelDetail:  # noqa: ANN001
    return platform.registry.get(name)


@operation("models_update", "PATCH", "/models/{name}", tag=TAG, response=ModelDetail,
           body=ModelUpdate, summary="Change a model's catalogue fields (only those given).")
def update(platform, ctx, name: str, body: ModelUpdate) -> ModelDetail:  # noqa: ANN001
    return platform.registry.update(name, body, ctx.actor)


@operation("models_register", "POST", "/models/{name}/versions", tag=TAG,
           response=ModelVersionInfo, body=RegisterRequest,
           summary="Register a model file or folder from the server's disk as the next "
           "version (the model is created when new).")
def register(platform, ctx, name: str, body: RegisterRequest) -> ModelVersionInfo:  # noqa: ANN001
    return platform.registry.register(name, body, ctx.actor)


@operation("models_version", "GET", "/models/{name}/versions/{version}", tag=TAG,
           response=ModelVersionInfo,
           summary="One version by number, alias or `latest`: signature, metrics, lineage.")
def version(platform, ctx, name: str, version: str) -> ModelVersionInfo:  # noqa: ANN001
    return platform.registry.version(name, version)


@operation("models_export", "POST", "/models/{name}/versions/{version}/export", tag=TAG,
           response=ExportResult, body=ExportRequest,
           summary="Write a version (model files + metadata) as a .tar.gz bundle on the "
           "server's disk.")
def export(platform, ctx, name: str, version: str, body: ExportRequest) -> ExportResult:  # noqa: ANN001
    return platform.registry.export(name, version, body)


@operation("models_import", "POST", "/registry/import", tag=TAG, response=ModelVersionInfo,
           body=ImportRequest, summary="Register a bundle written by export.")
def import_bundle(platform, ctx, body: ImportRequest) -> ModelVersionInfo:  # noqa: ANN001
    return platform.registry.import_bundle(body, ctx.actor)


@operation("models_set_alias", "PUT", "/models/{name}/aliases/{alias}", tag=TAG,
           response=AliasInfo, body=AliasRequest,
           summary="Point an alias at a version (atomic; the move is kept in the history).")
def set_alias(platform, ctx, name: str, alias: str, body: AliasRequest) -> AliasInfo:  # noqa: ANN001
    return platform.registry.set_alias(name, alias, body.version, ctx.actor, body.reason)


@operation("models_delete_alias", "DELETE", "/models/{name}/aliases/{alias}", tag=TAG,
           response=AliasEvent, query=AliasDeleteQuery, summary="Remove an alias.")
def delete_alias(platform, ctx, name: str, alias: str, query: AliasDeleteQuery) -> AliasEvent:  # noqa: ANN001
    return platform.registry.delete_alias(name, alias, ctx.actor, query.reason)


@operation("models_set_health", "PUT", "/models/{name}/health", tag=TAG, response=ModelInfo,
           body=HealthUpdate, summary="Record a model's health (fed by monitoring).")
def set_health(platform, ctx, name: str, body: HealthUpdate) -> ModelInfo:  # noqa: ANN001
    return platform.registry.set_health(name, body, ctx.actor)


@operation("models_compare", "GET", "/models/{name}/compare", tag=TAG, response=Comparison,
           query=CompareQuery, summary="Compare versions: metrics side by side, parameter "
           "and feature differences, training curves.")
def compare(platform, ctx, name: str, query: CompareQuery) -> Comparison:  # noqa: ANN001
    versions = [int(v) for v in query.versions.split(",")] if query.versions else None
    return platform.registry.compare(name, versions)
