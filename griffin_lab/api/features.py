"""Operations of the feature store."""

from __future__ import annotations

from ..features.schemas import (
    AddSourceRequest,
    AddSourceResult,
    FeatureServerInfo,
    FeatureServerRequest,
    FeatureServiceInfo,
    FeatureServiceRequest,
    FeatureViewDetail,
    InferredSchema,
    InferRequest,
    MaterializeRequest,
    MaterializeResult,
    OnlineRequest,
    OnlineResponse,
    ReportsPage,
    ReportsQuery,
    SampleQuery,
    SampleRows,
    SearchQuery,
    SearchResult,
    TrainingSetRequest,
    TrainingSetResponse,
    ValidationReport,
    ViewStats,
)
from ..features.spec import FeatureServiceSpec
from .core import operation

TAG = "features"


@operation("features_search", "GET", "/features", tag=TAG, response=SearchResult,
           query=SearchQuery, summary="Search feature views and services by text, tag, owner, "
           "entity.")
def search(platform, ctx, query: SearchQuery) -> SearchResult:  # noqa: ANN001
    return platform.features.search(query)


@operation("features_describe", "GET", "/features/views/{name}", tag=TAG,
           response=FeatureViewDetail, summary="One feature view: schema, source, TTL, owner, "
           "materializations, rules, usage.")
def describe(platform, ctx, name: str) -> FeatureViewDetail:  # noqa: ANN001
    return platform.features.describe(name)


@operation("features_stats", "GET", "/features/views/{name}/stats", tag=TAG,
           response=ViewStats, summary="Per-feature statistics (cached until the data changes).")
def stats(platform, ctx, name: str) -> ViewStats:  # noqa: ANN001
    return platform.features.stats(name)


@operation("features_sample", "GET", "/features/views/{name}/sample", tag=TAG,
           response=SampleRows, query=SampleQuery, summary="The first rows of a view's data.")
def sample(platform, ctx, name: str, query: SampleQuery) -> SampleRows:  # noqa: ANN001
    return platform.features.sample(name, query.limit)


@operation("features_validate", "POST", "/features/views/{name}/validate", tag=TAG,
           response=ValidationReport, summary="Run a view's rules over its data; keep the "
           "report.")
def validate(platform, ctx, name: str) -> ValidationReport:  # noqa: ANN001
    return platform.features.validate_view(name, ctx.actor)


@operation("features_reports", "GET", "/features/reports", tag=TAG, response=ReportsPage,
           query=ReportsQuery, summary="Validation reports, newest first.")
def reports(platform, ctx, query: ReportsQuery) -> ReportsPage:  # noqa: ANN001
    return platform.features.reports(query.feature_view, query.limit)


@operation("features_infer", "POST", "/features/sources/infer", tag=TAG,
           response=InferredSchema, body=InferRequest,
           summary="Infer the schema of a parquet/CSV file (step 1 of adding a source).")
def infer(platform, ctx, body: InferRequest) -> InferredSchema:  # noqa: ANN001
    from ..features.sources import infer_schema

    return infer_schema(body.path)


@operation("features_add_source", "POST", "/features/sources", tag=TAG,
           response=AddSourceResult, body=AddSourceRequest,
           summary="Validate a source, preview the plan (dry_run), or write and apply it.")
def add_source(platform, ctx, body: AddSourceRequest) -> AddSourceResult:  # noqa: ANN001
    return platform.features.add_source(body.spec, ctx.actor, dry_run=body.dry_run)


@operation("features_services", "GET", "/features/services", tag=TAG,
           response=list[FeatureServiceInfo], summary="Every feature service.")
def services(platform, ctx) -> list[FeatureServiceInfo]:  # noqa: ANN001
    return platform.features.services()


@operation("features_define_service", "POST", "/features/services", tag=TAG,
           response=FeatureServiceInfo, body=FeatureServiceRequest,
           summary="Create or replace a feature service.")
def define_service(platform, ctx, body: FeatureServiceRequest) -> FeatureServiceInfo:  # noqa: ANN001
    return platform.features.define_service(FeatureServiceSpec(**body.model_dump()), ctx.actor)


@operation("features_materialize", "POST", "/features/materialize", tag=TAG,
           response=MaterializeResult, body=MaterializeRequest,
           summary="Validate new rows, then load them into the online store.")
def materialize(platform, ctx, body: MaterializeRequest) -> MaterializeResult:  # noqa: ANN001
    return platform.features.materialize(body, ctx.actor)


@operation("features_online", "POST", "/features/online", tag=TAG, response=OnlineResponse,
           body=OnlineRequest, summary="Latest feature values for entity keys (low latency).")
def online(platform, ctx, body: OnlineRequest) -> OnlineResponse:  # noqa: ANN001
    columns = platform.features.online(body.features, body.entities, body.feature_service,
                                       body.full_feature_names)
    return OnlineResponse(columns=columns)


@operation("features_server_start", "POST", "/features/server", tag=TAG,
           response=FeatureServerInfo, body=FeatureServerRequest,
           summary="Start the online feature server: /features/online from N worker processes.")
def server_start(platform, ctx, body: FeatureServerRequest) -> FeatureServerInfo:  # noqa: ANN001
    return platform.features.serve(body)


@operation("features_server", "GET", "/features/server", tag=TAG, response=FeatureServerInfo,
           summary="Whether the online feature server runs, its URL and token.")
def server(platform, ctx) -> FeatureServerInfo:  # noqa: ANN001
    return platform.features.server()


@operation("features_server_stop", "DELETE", "/features/server", tag=TAG,
           response=FeatureServerInfo, summary="Stop the online feature server.")
def server_stop(platform, ctx) -> FeatureServerInfo:  # noqa: ANN001
    return platform.features.stop_server()


@operation("features_training_set", "POST", "/features/training-set", tag=TAG,
           response=TrainingSetResponse, body=TrainingSetRequest,
           summary="Point-in-time correct features for entity rows (historical retrieval).")
def training_set(platform, ctx, body: TrainingSetRequest) -> TrainingSetResponse:  # noqa: ANN001
    import pandas as pd

    from ..errors import InvalidInput

    try:
        entity_df = pd.DataFrame(body.entity_rows)
    except ValueError as exc:
        raise InvalidInput(f"entity_rows columns differ in length: {exc}",
                           field="entity_rows") from exc
    frame, empty = platform.features.training_frame(
        entity_df, body.features, body.feature_service, body.full_feature_names)
    return TrainingSetResponse(columns=frame_columns(frame), rows_without_features=empty)


def frame_columns(frame) -> dict[str, list]:  # noqa: ANN001
    """A DataFrame as JSON-ready columns (timestamps as ISO strings, NaN as null)."""
    import json

    return {name: json.loads(frame[name].to_json(orient="values", date_format="iso",
                                                  date_unit="us"))
            for name in frame.columns}
