"""Reading a user's source file (parquet or CSV) and inferring its schema."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InvalidInput
from .schemas import InferredColumn, InferredSchema

if TYPE_CHECKING:
    import pandas as pd

MAX_SOURCE_BYTES = 2 * 1024**3


def read_source(path: str | Path) -> pd.DataFrame:
    """Load a parquet or CSV file; timestamps in CSV are parsed where a column holds them."""
    import pandas as pd

    p = Path(path).expanduser()
    if not p.is_file():
        raise InvalidInput(f"Source file {str(p)!r} does not exist", field="path")
    if p.stat().st_size > MAX_SOURCE_BYTES:
        raise InvalidInput(f"Source file {p} is larger than 2 GiB; split it", field="path")
    suffix = p.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            df = pd.read_parquet(p)
        elif suffix in (".csv", ".txt"):
            df = pd.read_csv(p)
            for col in df.columns:
                if df[col].dtype == object and _looks_like_time(col):
                    try:
                        df[col] = pd.to_datetime(df[col], utc=True)
                    except (ValueError, TypeError) as exc:
                        raise InvalidInput(
                            f"Column {col!r} of {p.name} looks like a timestamp but does not "
                            f"parse: {exc}", field=col,
                        ) from exc
        else:
            raise InvalidInput(
                f"{p.name}: only parquet (.parquet) and CSV (.csv) sources are supported",
                field="path",
            )
    except InvalidInput:
        raise
    except Exception as exc:  # pyarrow / pandas parser errors
        raise InvalidInput(
            f"Cannot read {p.name} as {suffix.lstrip('.')}: {type(exc).__name__}: {exc}",
            field="path",
        ) from exc
    if df.empty:
        raise InvalidInput(f"Source file {p.name} has no rows", field="path")
    return df


def _looks_like_time(column: str) -> bool:
    c = column.lower()
    return "time" in c or "date" in c or c.endswith("_at")


def dtype_of(series: pd.Series) -> str | None:
    import pandas as pd

    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_integer_dtype(series):
        return "int64"
    if pd.api.types.is_float_dtype(series):
        return "float64"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "timestamp"
    if pd.api.types.is_string_dtype(series) or series.dtype == object:
        sample = series.dropna().head(100)
        if all(isinstance(v, str) for v in sample):
            return "string"
    return None


def infer_schema(path: str | Path) -> InferredSchema:
    df = read_source(path)
    columns = []
    for col in df.columns:
        series = df[col]
        present = series.dropna()
        example = present.iloc[0] if len(present) else None
        if hasattr(example, "isoformat"):
            example = example.isoformat()
        elif hasattr(example, "item"):
            example = example.item()
        columns.append(InferredColumn(name=str(col), dtype=dtype_of(series) or "unsupported",
                                      nulls=int(series.isna().sum()), example=example))
    timestamps = [c.name for c in columns if c.dtype == "timestamp"]
    suggested_ts = "event_timestamp" if "event_timestamp" in timestamps else (
        timestamps[0] if timestamps else None)
    entities = [c.name for c in columns
                if c.name.endswith("_id") and c.dtype in ("int64", "string")]
    return InferredSchema(path=str(Path(path).expanduser()), rows=len(df), columns=columns,
                          suggested_entities=entities, suggested_timestamp=suggested_ts)
