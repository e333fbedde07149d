"""Declarative validation rules, run by pandera, reported per rule and feature."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from .spec import AllowedValues, DType, Freshness, InRange, NotNull, Rule, Unique, parse_duration

if TYPE_CHECKING:
    import pandas as pd

MAX_EXAMPLES = 5


class RuleFailure(BaseModel):
    rule: str = Field(description="The rule, e.g. range(min=0, max=100).")
    feature: str = Field(description="The column (or columns) it checks.")
    failing_rows: int
    examples: list[Any] = Field(description="A few failing values.")


class ValidationOutcome(BaseModel):
    passed: bool
    rows_checked: int
    rules_checked: int
    failures: list[RuleFailure]


def describe_rule(rule: Rule) -> str:
    match rule:
        case NotNull():
            return "not_null"
        case InRange(min=lo, max=hi):
            return f"range(min={lo}, max={hi})"
        case AllowedValues(values=values):
            return f"allowed_values({values})"
        case DType(dtype=dtype):
            return f"dtype({dtype})"
        case Unique(columns=columns):
            return f"unique({', '.join(columns)})"
        case Freshness(max_age=age):
            return f"freshness(max_age={age})"
    return rule.kind


def _dtype_ok(series: pd.Series, dtype: str) -> bool:
    import pandas as pd

    checks = {
        "int64": pd.api.types.is_integer_dtype,
        "float64": lambda s: pd.api.types.is_float_dtype(s) or pd.api.types.is_integer_dtype(s),
        "string": lambda s: pd.api.types.is_string_dtype(s) or pd.api.types.is_object_dtype(s),
        "bool": pd.api.types.is_bool_dtype,
        "timestamp": pd.api.types.is_datetime64_any_dtype,
    }
    return bool(checks[dtype](series))


def _json_value(value: Any) -> Any:
    import math

    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return value if isinstance(value, int | float | str | bool | type(None)) else str(value)


def validate(df: pd.DataFrame, rules: list[Rule], now: datetime | None = None) -> ValidationOutcome:
    """Run every rule over ``df`` with pandera (lazily: every failure is collected)."""
    import pandera.pandas as pa
    from pandera.errors import SchemaErrors

    failures: list[RuleFailure] = []
    missing = sorted(
        {c for r in rules for c in (r.columns if isinstance(r, Unique) else [r.column])}
        - set(df.columns)
    )
    for column in missing:
        failures.append(RuleFailure(rule="column exists", feature=column, failing_rows=len(df),
                                    examples=[]))
    rules = [r for r in rules if not any(
        c in missing for c in (r.columns if isinstance(r, Unique) else [r.column]))]

    # (column or None, pandera check name) -> (rule text, feature) for the report.
    labels: dict[tuple[str | None, str], tuple[str, str]] = {}
    columns: dict[str, list[Any]] = {}
    nullable: dict[str, bool] = {}
    frame_checks = []
    unique: list[str] | None = None
    for i, rule in enumerate(rules):
        text = describe_rule(rule)
        if isinstance(rule, NotNull):
            nullable[rule.column] = False
            labels[(rule.column, "not_nullable")] = (text, rule.column)
        elif isinstance(rule, InRange):
            lo = rule.min if rule.min is not None else float("-inf")
            hi = rule.max if rule.max is not None else float("inf")
            check = pa.Check.in_range(lo, hi, ignore_na=True)
            columns.setdefault(rule.column, []).append(check)
            labels[(rule.column, check.name)] = (text, rule.column)
        elif isinstance(rule, AllowedValues):
            check = pa.Check.isin(rule.values, ignore_na=True)
            columns.setdefault(rule.column, []).append(check)
            labels[(rule.column, check.name)] = (text, rule.column)
        elif isinstance(rule, DType):
            dtype, col, name = rule.dtype, rule.column, f"griffin_dtype_{i}"
            frame_checks.append(pa.Check(
                lambda d, dtype=dtype, col=col: _dtype_ok(d[col], dtype), name=name))
            labels[(None, name)] = (text, col)
        elif isinstance(rule, Unique):
            unique = rule.columns
            for col in rule.columns:
                labels[(col, "multiple_fields_uniqueness")] = (text, ", ".join(rule.columns))
        elif isinstance(rule, Freshness):
            limit = (now or datetime.now(UTC)) - parse_duration(rule.max_age)
            col, name = rule.column, f"griffin_freshness_{i}"
            frame_checks.append(pa.Check(
                lambda d, col=col, limit=limit: bool(
                    len(d) and _as_utc(d[col]).max() >= limit), name=name))
            labels[(None, name)] = (text, col)

    schema = pa.DataFrameSchema(
        columns={
            c: pa.Column(checks=columns.get(c, []), nullable=nullable.get(c, True),
                         required=True, coerce=False)
            for c in set(columns) | set(nullable)
        },
        checks=frame_checks,
        unique=unique,
        strict=False,
    )
    try:
        schema.validate(df, lazy=True)
    except SchemaErrors as err:
        failures += _summarize(err.failure_cases, labels, df)
    return ValidationOutcome(
        passed=not failures, rows_checked=len(df), rules_checked=len(rules), failures=failures,
    )


def _as_utc(series: pd.Series) -> pd.Series:
    import pandas as pd

    s = pd.to_datetime(series)
    return s.dt.tz_localize("UTC") if s.dt.tz is None else s.dt.tz_convert("UTC")


def _summarize(cases: pd.DataFrame, labels: dict[tuple[str | None, str], tuple[str, str]],
               df: pd.DataFrame) -> list[RuleFailure]:
    """One entry per rule: how many rows fail it and a few of their values."""
    import pandas as pd

    grouped: dict[tuple[str, str], list[Any]] = {}
    for row in cases.itertuples(index=False):
        column = None if pd.isna(row.column) or row.column not in df.columns else row.column
        check = str(row.check).split("(")[0]
        key = labels.get((column, check)) or labels.get((None, check))
        if key is None:
            key = (str(row.check), str(column))
        grouped.setdefault(key, []).append(row)
    out = []
    for (rule, feature), rows in grouped.items():
        index = [r.index for r in rows if not pd.isna(r.index)]
        cols = [c.strip() for c in feature.split(",") if c.strip() in df.columns]
        if index and cols:
            failing = df.loc[sorted(set(index))]
            values = failing[cols[0]] if len(cols) == 1 else failing[cols].apply(tuple, axis=1)
            examples = [_json_value(v) for v in values.drop_duplicates().head(MAX_EXAMPLES)]
            count = len(set(index))
        elif cols:  # a whole-frame check (dtype, freshness): the column's extremes say why
            count = len(df)
            series = df[cols[0]]
            examples = [_json_value(series.max())] if len(series) else []
        else:
            count, examples = len(rows), [_json_value(r.failure_case) for r in rows[:5]]
        out.append(RuleFailure(rule=rule, feature=feature, failing_rows=int(count),
                               examples=examples))
    return out
