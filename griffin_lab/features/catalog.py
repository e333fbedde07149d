"""Reading the catalogue: search, describe, statistics and samples of feature views."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import NotFound
from .schemas import (
    EntityInfo,
    FeatureInfo,
    FeatureServiceInfo,
    FeatureStats,
    FeatureViewSummary,
    Histogram,
    SearchQuery,
)

if TYPE_CHECKING:
    import pandas as pd
    from feast import FeatureView

FEAST_TO_DTYPE = {
    "Int64": "int64", "Int32": "int64", "Float64": "float64", "Float32": "float64",
    "String": "string", "Bool": "bool", "UnixTimestamp": "timestamp",
}
HISTOGRAM_BINS = 20
TOP_VALUES = 10


def dtype_name(feast_type: Any) -> str:
    name = getattr(feast_type, "name", None) or str(feast_type)
    return FEAST_TO_DTYPE.get(str(name), str(name).lower())


def summarize_view(view: FeatureView, matched: list[str] | None = None) -> FeatureViewSummary:
    return FeatureViewSummary(
        name=view.name,
        description=view.description,
        owner=view.owner,
        tags=dict(view.tags),
        entities=list(view.entities),
        features=[FeatureInfo(name=f.name, dtype=dtype_name(f.dtype), description=f.description)
                  for f in view.features],
        matched_features=matched or [],
    )


def service_info(service: Any) -> FeatureServiceInfo:
    refs = [f"{p.name}:{f.name}" for p in service.feature_view_projections for f in p.features]
    return FeatureServiceInfo(name=service.name, description=service.description,
                              owner=service.owner, tags=dict(service.tags), features=refs)


def entity_info(entity: Any) -> EntityInfo:
    vt = getattr(entity.value_type, "name", str(entity.value_type))
    return EntityInfo(name=entity.name, join_key=entity.join_key, value_type=vt,
                      description=entity.description)


def _tag_matches(tags: dict[str, str], wanted: str) -> bool:
    key, _, value = wanted.partition("=")
    return key in tags and (not value or tags[key] == value)


def search(views: list[FeatureView], entities: list[Any], query: SearchQuery
           ) -> list[FeatureViewSummary]:
    """Views matching every given filter; text matches names and descriptions."""
    text = (query.q or "").lower().strip()
    by_key = {e.join_key: e.name for e in entities}
    hits = []
    for view in sorted(views, key=lambda v: v.name):
        if query.owner and query.owner.lower() not in view.owner.lower():
            continue
        if query.tag and not _tag_matches(dict(view.tags), query.tag):
            continue
        if query.entity and not (query.entity in view.entities
                                 or by_key.get(query.entity) in view.entities):
            continue
        matched: list[str] = []
        if text:
            matched = [f.name for f in view.features
                       if text in f.name.lower() or text in (f.description or "").lower()]
            view_hit = (text in view.name.lower() or text in view.description.lower()
                        or any(text in f"{k}={v}".lower() for k, v in view.tags.items()))
            if not view_hit and not matched:
                continue
        hits.append(summarize_view(view, matched))
    return hits


def source_path(view: FeatureView, repo: Path) -> Path:
    """The view's parquet file (relative source paths are relative to the repository)."""
    path = getattr(view.batch_source, "path", None)
    if not path:
        raise NotFound(f"Feature view {view.name!r} has no file source")
    return repo / path if not Path(path).is_absolute() else Path(path)


def fingerprint(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size}-{st.st_mtime_ns}"


def row_count(path: Path) -> int | None:
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path).metadata.num_rows
    except (OSError, ValueError):
        return None


def _number(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


def feature_stats(name: str, dtype: str, series: pd.Series) -> FeatureStats:
    import numpy as np
    import pandas as pd

    total = len(series)
    present = series.dropna()
    stats: dict[str, Any] = {
        "name": name, "dtype": dtype, "count": int(len(present)),
        "null_fraction": float(1 - len(present) / total) if total else 0.0,
        "distinct": int(present.nunique()),
    }
    if len(present) and pd.api.types.is_bool_dtype(present):
        counts = present.value_counts()
        stats["histogram"] = Histogram(labels=[str(k) for k in counts.index],
                                       counts=[int(c) for c in counts.values])
    elif len(present) and pd.api.types.is_numeric_dtype(present):
        values = present.to_numpy(dtype="float64")
        counts, edges = np.histogram(values, bins=HISTOGRAM_BINS)
        stats.update(min=_number(values.min()), max=_number(values.max()),
                     mean=_number(values.mean()), std=_number(values.std(ddof=1))
                     if len(values) > 1 else 0.0)
        stats["histogram"] = Histogram(edges=[float(e) for e in edges],
                                       counts=[int(c) for c in counts])
    elif len(present) and pd.api.types.is_datetime64_any_dtype(present):
        seconds = present.astype("int64").to_numpy() / 1e9
        counts, edges = np.histogram(seconds, bins=HISTOGRAM_BINS)
        stats.update(min=present.min().isoformat(), max=present.max().isoformat())
        stats["histogram"] = Histogram(edges=[float(e) for e in edges],
                                       counts=[int(c) for c in counts])
    else:
        counts = present.astype(str).value_counts().head(TOP_VALUES)
        stats["histogram"] = Histogram(labels=list(counts.index),
                                       counts=[int(c) for c in counts.values])
    return FeatureStats(**stats)


def json_rows(df: pd.DataFrame) -> list[list[Any]]:
    import pandas as pd

    out = []
    for row in df.itertuples(index=False):
        cells = []
        for v in row:
            if isinstance(v, pd.Timestamp):
                cells.append(v.isoformat())
            elif v is None or (isinstance(v, float) and math.isnan(v)):
                cells.append(None)
            elif hasattr(v, "item"):
                cells.append(v.item())
            else:
                cells.append(v)
        out.append(cells)
    return out
