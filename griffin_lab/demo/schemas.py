"""REST contract of the demo data generator."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class DemoRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    size: str | None = Field(
        None, description="tiny, small, medium, large, or a number of users; default: the "
        "dataset already there, else GRIFFIN_DEMO_SIZE, else small.",
    )
    seed: int = Field(42, ge=0, description="The same seed always gives the same data.")
    force: bool = Field(False, description="Regenerate even when the data is already there.")
    models: int = Field(0, ge=0, le=100_000, description="Also register this many demo "
                        "catalogue models (5 versions each; metadata only) to see the registry "
                        "at scale. Models already there are kept.")


class DemoManifest(BaseModel):
    n_users: int
    seed: int
    generator_version: int
    tables: dict[str, int] = Field(description="Row count per table.")
    fingerprint: str = Field(description="Content hash of every table.")


class DemoReport(BaseModel):
    data_dir: str
    written: bool = Field(description="False when the same data was already there.")
    manifest: DemoManifest
    seeded: dict[str, Any] = Field(description="What each subsystem seeded, by subsystem.")
