"""Training data: resolved and checked before submission, split and sharded in the workers.

Before a job is submitted its rows are resolved (a file as it is, or a point-in-time training
set from the feature store written beside the job's artifacts), the label and feature columns
are checked, and the data is fingerprinted. Workers read the same file and apply the same
deterministic split; each takes its own slice of the training rows.
"""

from __future__ import annotations

import difflib
import hashlib
import os
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from ..features.service import FeatureStoreService
    from .spec import TabularJob

MIN_ROWS = 10


@dataclass
class PreparedData:
    uri: str
    fingerprint: str
    rows: int
    feature_columns: list[str]
    label: str
    task: str  # binary | regression
    time_column: str | None = None
    feature_refs: list[str] = field(default_factory=list)
    rows_without_features: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def expand(path: str) -> str:
    return os.path.expanduser(os.path.expandvars(path))


def _open_fs(uri: str) -> tuple[Any, str]:
    from fsspec.core import url_to_fs

    return url_to_fs(uri)


def read_table_file(path: str, what: str) -> pd.DataFrame:
    """A parquet or CSV file as a DataFrame, with errors that name the file."""
    import pandas as pd

    uri = expand(path)
    fs, local = _open_fs(uri)
    if not fs.exists(local):
        raise InvalidInput(f"{what} file {path!r} does not exist", field=what)
    try:
        with fs.open(local, "rb") as fh:
            if uri.endswith((".csv", ".csv.gz", ".tsv")):
                return pd.read_csv(fh, sep="\t" if uri.endswith(".tsv") else ",")
            return pd.read_parquet(fh)
    except Exception as exc:
        raise InvalidInput(f"{what} file {path!r} cannot be read as "
                           f"{'CSV' if '.csv' in uri else 'parquet'}: {exc}", field=what) from exc


def frame_fingerprint(frame: pd.DataFrame) -> str:
    import pandas as pd

    digest = hashlib.sha256(",".join(f"{c}:{t}" for c, t in frame.dtypes.items()).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).values.tobytes())
    return "sha256:" + digest.hexdigest()


def parquet_fingerprint(uri: str) -> tuple[str, int, dict[str, str]]:
    """Fingerprint (the file's size and parquet footer: schema, row groups, statistics), rows
    and column types, without reading the data."""
    import pyarrow.parquet as pq

    fs, local = _open_fs(uri)
    with fs.open(local, "rb") as fh:
        meta = pq.ParquetFile(fh).metadata
        schema = meta.schema.to_arrow_schema()
    digest = hashlib.sha256(str(fs.size(local)).encode())
    digest.update(str(meta.to_dict()).encode())
    types = {name: str(schema.field(name).type) for name in schema.names}
    return "sha256:" + digest.hexdigest(), meta.num_rows, types


def _close(name: str, names: list[str]) -> str:
    near = difflib.get_close_matches(name, names, n=3)
    return f"; did you mean {', '.join(near)}?" if near else ""


def _is_numeric(arrow_or_numpy_type: str) -> bool:
    t = arrow_or_numpy_type.lower()
    return t.startswith(("int", "uint", "float", "double", "bool", "halffloat", "decimal"))


def prepare(spec: TabularJob, job_dir: str, features: FeatureStoreService | None) -> PreparedData:
    """Resolve, check and fingerprint the job's rows (nothing has been submitted yet)."""
    import pandas as pd

    data = spec.data
    refs: list[str] = []
    keys: set[str] = set()
    without = 0
    if data.path is not None:
        uri = expand(data.path)
        fs, local = _open_fs(uri)
        if not fs.exists(local):
            raise InvalidInput(f"data file {data.path!r} does not exist", field="data.path")
        if uri.endswith((".parquet", ".pq")) or fs.isdir(local):
            try:
                fingerprint, rows, types = parquet_fingerprint(uri)
            except Exception as exc:
                raise InvalidInput(f"data file {data.path!r} is not a readable parquet file: "
                                   f"{exc}", field="data.path") from exc
            frame = None
        else:
            frame = read_table_file(data.path, "data.path")
    else:
        if features is None:
            raise InvalidInput("the feature store is not available here", field="data")
        entities = read_table_file(data.entities or "", "data.entities")
        if spec.label not in entities.columns:
            raise InvalidInput(f"label {spec.label!r} is not a column of the entities file "
                               f"(columns: {', '.join(map(str, entities.columns))})"
                               f"{_close(spec.label, list(map(str, entities.columns)))}",
                               field="label")
        refs, keys = features.feature_refs(data.features, data.feature_service)
        frame, without = features.training_frame(entities, data.features, data.feature_service)
    if frame is not None:
        uri = f"{job_dir}/data.parquet"
        fs, local = _open_fs(uri)
        fs.makedirs(fs._parent(local), exist_ok=True)
        with fs.open(local, "wb") as fh:
            frame.to_parquet(fh, index=False)
        fingerprint, rows = frame_fingerprint(frame), len(frame)
        types = {str(c): str(t) for c, t in frame.dtypes.items()}
    columns = list(types)
    time_column = _time_column(spec, types)
    label_type = types.get(spec.label)
    if label_type is None:
        raise InvalidInput(f"label {spec.label!r} is not a column of the data (columns: "
                           f"{', '.join(columns)}){_close(spec.label, columns)}", field="label")
    if not _is_numeric(label_type):
        raise InvalidInput(f"label {spec.label!r} has type {label_type}; a label must be "
                           "numeric (0/1 for a binary model) or boolean", field="label")
    excluded = {spec.label, *keys, *([time_column] if time_column else []), "event_timestamp"}
    if spec.feature_columns is not None:
        for col in spec.feature_columns:
            if col not in types:
                raise InvalidInput(f"feature column {col!r} is not in the data"
                                   f"{_close(col, columns)}", field="feature_columns")
            if col == spec.label:
                raise InvalidInput(f"the label {col!r} cannot also be a feature column",
                                   field="feature_columns")
            if not _is_numeric(types[col]):
                raise InvalidInput(f"feature column {col!r} has type {types[col]}; feature "
                                   "columns must be numeric or boolean", field="feature_columns")
        feature_columns = list(spec.feature_columns)
    else:
        feature_columns = [c for c in columns if c not in excluded and _is_numeric(types[c])]
    if not feature_columns:
        raise InvalidInput("the data has no numeric feature column to train on",
                           field="feature_columns")
    if rows < MIN_ROWS:
        raise InvalidInput(f"the data has {rows} rows; training needs at least {MIN_ROWS}",
                           field="data")
    labels = _read_columns(uri, [spec.label])[spec.label]
    if labels.isna().any():
        raise InvalidInput(f"label {spec.label!r} has {int(labels.isna().sum())} missing "
                           "values; drop or fill those rows", field="label")
    task = "binary" if set(pd.unique(labels)) <= {0, 1} else "regression"
    return PreparedData(uri=uri, fingerprint=fingerprint, rows=rows,
                        feature_columns=feature_columns, label=spec.label, task=task,
                        time_column=time_column, feature_refs=refs,
                        rows_without_features=without)


def _time_column(spec: TabularJob, types: dict[str, str]) -> str | None:
    if spec.split.kind != "time":
        return spec.split.time_column if spec.split.time_column in types else None
    column = spec.split.time_column or "event_timestamp"
    if column not in types:
        raise InvalidInput(f"a time split needs the time column {column!r} in the data"
                           f"{_close(column, list(types))}", field="split.time_column")
    return column


def _read_columns(uri: str, columns: list[str]) -> pd.DataFrame:
    import pandas as pd

    fs, local = _open_fs(uri)
    with fs.open(local, "rb") as fh:
        return pd.read_parquet(fh, columns=columns)


# worker side -----------------------------------------------------------------------------
def split_indices(n: int, kind: str, fraction: float, seed: int,
                  times: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic (train, validation) row indices, both sorted."""
    import numpy as np

    n_valid = min(n - 1, max(1, round(n * fraction)))
    if kind == "time" and times is not None:
        order = np.argsort(times, kind="stable")
        return np.sort(order[: n - n_valid]), np.sort(order[n - n_valid:])
    perm = np.random.default_rng(seed).permutation(n)
    return np.sort(perm[n_valid:]), np.sort(perm[:n_valid])


@dataclass
class Split:
    x_train: Any
    y_train: Any
    x_valid: Any
    y_valid: Any
    valid_index: Any
    train_rows_total: int
    mean: Any = None
    std: Any = None


def load_split(cfg: dict[str, Any], rank: int, world: int, *, scale: bool = False) -> Split:
    """This worker's slice of the training rows and the whole validation set (float32)."""
    import numpy as np

    data = cfg["data"]
    cols, label, time_col = data["feature_columns"], data["label"], data.get("time_column")
    frame = _read_columns(data["uri"], [*cols, label, *([time_col] if time_col else [])])
    x = frame[cols].to_numpy(dtype=np.float32, na_value=np.nan)
    y = frame[label].to_numpy(dtype=np.float32)
    times = frame[time_col].to_numpy() if time_col else None
    split = cfg["split"]
    train_idx, valid_idx = split_indices(len(frame), split["kind"], split["validation_fraction"],
                                         split["seed"], times)
    mine = np.array_split(train_idx, world)[rank]
    mean = std = None
    if scale:
        train = x[train_idx]
        mean = np.nan_to_num(np.nanmean(train, axis=0))
        std = np.nan_to_num(np.nanstd(train, axis=0))
        std[std == 0] = 1.0
    return Split(x_train=x[mine], y_train=y[mine], x_valid=x[valid_idx], y_valid=y[valid_idx],
                 valid_index=valid_idx, train_rows_total=len(train_idx), mean=mean, std=std)
