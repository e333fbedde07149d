"""REST shapes of the serving platform: endpoints, their processes and events, and
Kubernetes renders."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ENDPOINT_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")


class DeployRequest(BaseModel):
    model: str = Field(min_length=1, description="`name@version`, `name@alias` or `name` "
                       "(latest).")
    name: str | None = Field(None, description="Endpoint name (default: the model's name).")
    port: int | None = Field(None, ge=1024, le=65535, description="Stable port on 127.0.0.1 "
                             "(default: a free one).")
    workers: int = Field(1, ge=1, le=16, description="BentoML worker processes.")
    online_features: bool | list[str] = Field(
        False, description="Feature loading: requests may send entity keys only "
        "(`{\"entities\": [{\"user_id\": 1, ...}]}`) and the endpoint reads the model's "
        "features from the feature store's online store before predicting. `true`: the "
        "features the version was trained on (its lineage); a list: these `view:feature` "
        "references. Values sent beside the keys are used as given.")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and not ENDPOINT_NAME.match(value):
            raise ValueError(f"endpoint name {value!r} must be lowercase letters, digits or "
                             "'-', starting with a letter (at most 63)")
        return value


class PromoteRequest(BaseModel):
    version: int = Field(ge=1, description="A version of the endpoint's model.")
    mode: Literal["replace", "split", "shadow"] = Field(
        "replace", description="replace: blue/green switch; split: the version takes "
        "`split` of the traffic; shadow: it gets a copy of the traffic, its answers are "
        "logged, not returned.")
    split: float = Field(0.1, gt=0, lt=1, description="The candidate's share in split mode.")


class ScaleRequest(BaseModel):
    workers: int = Field(ge=1, le=16)


class ProcessInfo(BaseModel):
    version: int
    role: str = Field(description="primary, candidate or retired")
    port: int
    pid: int | None
    workers: int
    status: str
    restarts: int
    started_at: datetime
    bento: str
    error: str = ""


class EventInfo(BaseModel):
    at: datetime
    kind: str
    detail: dict[str, Any]


class EndpointInfo(BaseModel):
    name: str
    model: str
    url: str = Field(description="The stable address (http://127.0.0.1:PORT).")
    port: int
    workers: int
    primary_version: int
    candidate_version: int | None
    mode: str
    split: float
    previous_version: int | None
    status: str = Field(description="pending, ready, degraded, failed or deleting")
    message: str
    created_at: datetime
    updated_at: datetime
    created_by: str
    online_features: list[str] = Field(default_factory=list, description="Features the "
                                       "endpoint reads from the online store for requests "
                                       "that carry entity keys (empty: off).")
    entity_keys: list[str] = Field(default_factory=list, description="The entity keys those "
                                   "requests carry.")


class EndpointDetail(EndpointInfo):
    processes: list[ProcessInfo]
    events: list[EventInfo] = Field(description="What reconcile saw and did, newest first.")


class ReconcileReport(BaseModel):
    endpoints: int
    started: int
    restarted: int
    stopped: int
    router_changed: bool
    seconds: float


class KubernetesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt option is refused, not ignored

    model: str = Field(min_length=1, description="`name@version`, `name@alias` or `name` "
                       "(latest).")
    out_dir: str = Field(min_length=1, description="Absolute path of the folder to write, on "
                         "the machine the platform runs on (created when missing).")
    name: str | None = Field(None, description="Name of the Deployment and Service: a "
                             "DNS-1035 label, at most 63 characters (default: the model's).")
    replicas: int = Field(1, ge=1, le=1000, description="Pods of the Deployment.")
    workers: int = Field(1, ge=1, le=16, description="BentoML worker processes in each pod.")
    cpu: str = Field("1", description="CPU of each pod (request and limit): `500m`, `2`.")
    memory: str = Field("1Gi", description="Memory of each pod (request and limit): `512Mi`, "
                        "`2Gi`.")
    image: str | None = Field(None, description="Image of the container: a full reference "
                              "(`registry.example.com/team/reorder:v3`; without a tag the "
                              "Bento's version is the tag) or a registry prefix ending in `/` "
                              "(`registry.example.com/team/`). Default: the tag `bentoml "
                              "containerize` gives the Bento, `<bento name>:<bento version>`.")
    overwrite: bool = Field(False, description="Write into a non-empty folder that is not a "
                            "previous render of this model under this name.")

    @field_validator("cpu", "memory", mode="before")
    @classmethod
    def _quantity(cls, value: Any) -> Any:
        # cpu=2 or cpu=0.5 from Python means what "2" and "0.5" mean in a manifest
        if isinstance(value, int | float) and not isinstance(value, bool):
            return format(value, "g")
        return value


class KubernetesRender(BaseModel):
    folder: str = Field(description="The folder written (absolute).")
    files: list[str] = Field(description="Files written, relative to the folder.")
    name: str
    model: str
    version: int
    bento: str = Field(description="The Bento's tag (`name:version`).")
    bento_file: str = Field(description="The exported Bento, relative to the folder.")
    image: str = Field(description="The container image the Deployment runs.")
    replicas: int
    workers: int
    cpu: str
    memory: str
    exported: bool = Field(description="False when the folder already held this Bento's "
                           "export and it was kept.")
    commands: list[str] = Field(description="What to run, in order, to build the image and "
                                "apply the manifests.")
