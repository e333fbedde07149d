"""What a user writes: feature sources, validation rules and feature services."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
DTYPES = ("int64", "float64", "string", "bool", "timestamp")


def check_name(value: str, what: str) -> str:
    if not NAME.match(value):
        raise ValueError(
            f"{what} {value!r} must start with a lowercase letter and use only lowercase "
            "letters, digits and underscores (at most 63 characters)"
        )
    return value


def parse_duration(value: str | int | float | timedelta) -> timedelta:
    """``90d``, ``12h``, ``30m``, ``45s``, a number of seconds, or a timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float):
        return timedelta(seconds=value)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([dhms])\s*", str(value))
    if not match:
        raise ValueError(f"{value!r} is not a duration: use e.g. 90d, 12h, 30m or 45s")
    amount, unit = float(match.group(1)), match.group(2)
    return timedelta(**{{"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}[unit]: amount})


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NotNull(_Rule):
    kind: Literal["not_null"] = "not_null"
    column: str


class InRange(_Rule):
    kind: Literal["range"] = "range"
    column: str
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _bounds(self) -> InRange:
        if self.min is None and self.max is None:
            raise ValueError("a range rule needs min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"range min {self.min} is above max {self.max}")
        return self


class AllowedValues(_Rule):
    kind: Literal["allowed_values"] = "allowed_values"
    column: str
    values: list[Any] = Field(min_length=1)


class DType(_Rule):
    kind: Literal["dtype"] = "dtype"
    column: str
    dtype: Literal["int64", "float64", "string", "bool", "timestamp"]


class Unique(_Rule):
    """No two rows share these columns (entity keys + event timestamp, typically)."""

    kind: Literal["unique"] = "unique"
    columns: list[str] = Field(min_length=1)


class Freshness(_Rule):
    """The newest row's timestamp is no older than ``max_age``."""

    kind: Literal["freshness"] = "freshness"
    column: str = "event_timestamp"
    max_age: str = Field(description="e.g. 2d, 12h")

    @field_validator("max_age")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value


Rule = Annotated[
    NotNull | InRange | AllowedValues | DType | Unique | Freshness, Field(discriminator="kind")
]


class FeatureColumn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    dtype: Literal["int64", "float64", "string", "bool", "timestamp"] | None = Field(
        None, description="Inferred from the data when left out."
    )
    description: str = ""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_name(value, "feature name")


class SourceSpec(BaseModel):
    """A new feature source: a parquet/CSV file becomes a Feast feature view.

    Entity columns become (or reuse) Feast entities; every other chosen column becomes a
    feature. The data is validated by ``rules`` before anything is written.
    """

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Feature view name.")
    path: str = Field(description="Parquet or CSV file readable by the platform.")
    entities: list[str] = Field(min_length=1, description="Entity key columns.")
    timestamp: str = Field("event_timestamp", description="Event timestamp column.")
    features: list[FeatureColumn] | None = Field(
        None, description="Feature columns; default: every other column."
    )
    ttl: str = Field("90d", description="How long a feature value stays valid (e.g. 90d).")
    owner: str = Field(description="Who answers for this feature view (an email or team).")
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)
    online: bool = True

    @field_validator("name")
    @classmethod
    def _view_name(cls, value: str) -> str:
        return check_name(value, "feature view name")

    @field_validator("entities")
    @classmethod
    def _entities(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("entity columns are listed twice")
        return [check_name(v, "entity column") for v in value]

    @field_validator("ttl")
    @classmethod
    def _ttl(cls, value: str) -> str:
        if parse_duration(value) <= timedelta(0):
            raise ValueError("ttl must be positive")
        return value

    @field_validator("owner")
    @classmethod
    def _owner(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("every feature view needs an owner")
        return value.strip()


class FeatureServiceSpec(BaseModel):
    """A named set of features a model reads (e.g. ``reorder_model``)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    features: list[str] = Field(
        min_length=1, description="Feature view names, or view:feature references."
    )
    description: str = ""
    owner: str = ""
    tags: dict[str, str] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_name(value, "feature service name")
