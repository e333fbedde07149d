"""``client.features``: the feature store from a notebook or a script."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput, ValidationFailed
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
    ReportsPage,
    ReportsQuery,
    SampleQuery,
    SearchQuery,
    SearchResult,
    TrainingSetRequest,
    ValidationReport,
    ViewStats,
)
from ..features.spec import SourceSpec
from .client import _build
from .transport import InProcessTransport, Transport

if TYPE_CHECKING:
    import pandas as pd


def _entity_columns(entities: Any) -> dict[str, list[Any]]:
    """Entity keys as columns, from a dict of lists, a list of dicts or a DataFrame."""
    if hasattr(entities, "to_dict") and hasattr(entities, "columns"):
        return {str(c): entities[c].tolist() for c in entities.columns}
    if isinstance(entities, dict):
        return {k: list(v) if isinstance(v, list | tuple) or hasattr(v, "tolist") else [v]
                for k, v in entities.items()}
    if isinstance(entities, list) and entities and all(isinstance(r, dict) for r in entities):
        keys = list(entities[0])
        return {k: [r.get(k) for r in entities] for k in keys}
    raise InvalidInput("entities must be a dict of lists, a list of dicts or a DataFrame",
                       field="entities")


class FeaturesClient:
    def __init__(self, transport: Transport) -> None:
        self._t = transport

    # discovery --------------------------------------------------------------------
    def search(self, q: str | None = None, *, tag: str | None = None, owner: str | None = None,
               entity: str | None = None) -> SearchResult:
        """Feature views and services matching every filter given."""
        query = _build(SearchQuery, q=q, tag=tag, owner=owner, entity=entity)
        return self._t.call("features_search", query=query)

    def describe(self, name: str) -> FeatureViewDetail:
        return self._t.call("features_describe", name=name)

    def stats(self, name: str) -> ViewStats:
        """Count, nulls, min/max/mean/std, distinct values and a histogram per feature."""
        return self._t.call("features_stats", name=name)

    def sample(self, name: str, limit: int = 10) -> pd.DataFrame:
        import pandas as pd

        rows = self._t.call("features_sample", name=name,
                            query=_build(SampleQuery, limit=limit))
        return pd.DataFrame(rows.rows, columns=rows.columns)

    def services(self) -> list[FeatureServiceInfo]:
        return self._t.call("features_services")

    def browse(self, query: str = "") -> Any:
        """An interactive catalogue: search, details, histograms, code for a new cell."""
        from ..notebook.features_widget import FeatureBrowser

        return FeatureBrowser(self, query)

    # definition -------------------------------------------------------------------
    def infer(self, path: str) -> InferredSchema:
        return self._t.call("features_infer", body=_build(InferRequest, path=str(path)))

    def add_source(self, spec: SourceSpec | dict[str, Any] | None = None, *,
                   dry_run: bool = False, **fields: Any) -> AddSourceResult:
        """Validate a parquet/CSV source and add it as a feature view.

        ``dry_run=True`` shows the definition file and what would change, writing nothing.
        Data that breaks the rules raises :class:`ValidationFailed` with the report.
        """
        if spec is None:
            spec = fields
        elif fields:
            raise InvalidInput("Give a spec or keyword fields, not both")
        body = _build(AddSourceRequest, spec=spec, dry_run=dry_run)
        return self._t.call("features_add_source", body=body)

    def define_service(self, name: str, features: list[str], description: str = "",
                       owner: str = "", tags: dict[str, str] | None = None
                       ) -> FeatureServiceInfo:
        body = _build(FeatureServiceRequest, name=name, features=features,
                      description=description, owner=owner, tags=tags or {})
        return self._t.call("features_define_service", body=body)

    # validation & materialization ------------------------------------------------
    def validate(self, name: str) -> ValidationReport:
        return self._t.call("features_validate", name=name)

    def reports(self, feature_view: str | None = None, limit: int = 20) -> ReportsPage:
        return self._t.call("features_reports",
                            query=_build(ReportsQuery, feature_view=feature_view, limit=limit))

    def materialize(self, feature_views: list[str] | None = None, *, incremental: bool = True,
                    start: datetime | None = None, end: datetime | None = None
                    ) -> MaterializeResult:
        """Load new rows into the online store; raises if validation rejected any view."""
        body = _build(MaterializeRequest, feature_views=feature_views, incremental=incremental,
                      start=start, end=end)
        result: MaterializeResult = self._t.call("features_materialize", body=body)
        rejected = [v for v in result.views if v.status == "rejected"]
        if rejected:
            names = ", ".join(v.feature_view for v in rejected)
            raise ValidationFailed(
                f"Materialization of {names} rejected by validation; nothing of it reached the "
                "online store (see client.features.reports())",
                result=result.model_dump(mode="json"),
            )
        return result

    # retrieval --------------------------------------------------------------------
    def online(self, features: str | list[str], entities: Any,
               full_feature_names: bool = False) -> pd.DataFrame:
        """Latest values: ``features`` is a feature service name or view:feature refs."""
        import pandas as pd

        body = _build(
            OnlineRequest,
            feature_service=features if isinstance(features, str) else None,
            features=None if isinstance(features, str) else list(features),
            entities=_entity_columns(entities), full_feature_names=full_feature_names,
        )
        return pd.DataFrame(self._t.call("features_online", body=body).columns)

    # the online feature server ---------------------------------------------------------
    def serve(self, workers: int = 2, port: int | None = None) -> FeatureServerInfo:
        """Start the online feature server: the same online reads as :meth:`online`, answered
        by ``workers`` processes at ``url + online_path`` for applications on their request
        path (send ``Authorization: token <token>``). A running server with the same workers
        is kept."""
        return self._t.call("features_server_start",
                            body=_build(FeatureServerRequest, workers=workers, port=port))

    def server(self) -> FeatureServerInfo:
        """Whether the online feature server runs, with its URL and token."""
        return self._t.call("features_server")

    def stop_server(self) -> FeatureServerInfo:
        return self._t.call("features_server_stop")

    def training_set(self, entity_df: pd.DataFrame, features: str | list[str],
                     full_feature_names: bool = False) -> pd.DataFrame:
        """Point-in-time correct training data: every entity row, in order, with features."""
        import pandas as pd

        service = features if isinstance(features, str) else None
        refs = None if isinstance(features, str) else list(features)
        if isinstance(self._t, InProcessTransport):  # no JSON round trip in-process
            frame, _ = self._t.platform.features.training_frame(
                entity_df, refs, service, full_feature_names)
            return frame
        from ..api.features import frame_columns

        body = _build(TrainingSetRequest, features=refs, feature_service=service,
                      entity_rows=frame_columns(entity_df),
                      full_feature_names=full_feature_names)
        response = self._t.call("features_training_set", body=body)
        frame = pd.DataFrame(response.columns)
        frame["event_timestamp"] = pd.to_datetime(frame["event_timestamp"], utc=True)
        return frame
