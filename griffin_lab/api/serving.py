"""Operations of the serving platform: endpoints, their reconcile loop and Kubernetes
manifests."""

from __future__ import annotations

from ..serving.schemas import (
    DeployRequest,
    EndpointDetail,
    EndpointInfo,
    KubernetesRender,
    KubernetesRequest,
    PromoteRequest,
    ReconcileReport,
    ScaleRequest,
)
from .core import operation

TAG = "serving"


@operation("endpoints_deploy", "POST", "/endpoints", tag=TAG, response=EndpointDetail,
           body=DeployRequest, summary="Deploy a model version behind a new endpoint (a "
           "stable address on 127.0.0.1); returns once it serves.")
def deploy(platform, ctx, body: DeployRequest) -> EndpointDetail:  # noqa: ANN001
    return platform.serving.deploy(body, ctx.actor)


@operation("endpoints_list", "GET", "/endpoints", tag=TAG, response=list[EndpointInfo],
           summary="Endpoints and what they serve.")
def endpoints(platform, ctx) -> list[EndpointInfo]:  # noqa: ANN001
    return platform.serving.list()


@operation("endpoints_get", "GET", "/endpoints/{name}", tag=TAG, response=EndpointDetail,
           summary="One endpoint: its versions, processes and what reconcile saw.")
def get(platform, ctx, name: str) -> EndpointDetail:  # noqa: ANN001
    return platform.serving.get(name)


@operation("endpoints_promote", "POST", "/endpoints/{name}/promote", tag=TAG,
           response=EndpointDetail, body=PromoteRequest,
           summary="Serve another version: blue/green replace, a traffic split, or shadow.")
def promote(platform, ctx, name: str, body: PromoteRequest) -> EndpointDetail:  # noqa: ANN001
    return platform.serving.promote(name, body, ctx.actor)


@operation("endpoints_rollback", "POST", "/endpoints/{name}/rollback", tag=TAG,
           response=EndpointDetail,
           summary="Drop the candidate, or go back to the previous primary version.")
def rollback(platform, ctx, name: str) -> EndpointDetail:  # noqa: ANN001
    return platform.serving.rollback(name, ctx.actor)


@operation("endpoints_scale", "POST", "/endpoints/{name}/scale", tag=TAG,
           response=EndpointDetail, body=ScaleRequest,
           summary="Change the worker count (a new process takes over, then the old stops).")
def scale(platform, ctx, name: str, body: ScaleRequest) -> EndpointDetail:  # noqa: ANN001
    return platform.serving.scale(name, body.workers, ctx.actor)


@operation("endpoints_delete", "DELETE", "/endpoints/{name}", tag=TAG, response=EndpointInfo,
           summary="Stop serving and remove the endpoint.")
def delete(platform, ctx, name: str) -> EndpointInfo:  # noqa: ANN001
    return platform.serving.delete(name, ctx.actor)


@operation("serving_reconcile", "POST", "/serving/reconcile", tag=TAG,
           response=ReconcileReport, summary="Make processes match the endpoints now.")
def reconcile(platform, ctx) -> ReconcileReport:  # noqa: ANN001
    return platform.serving.reconcile()


@operation("serving_kubernetes", "POST", "/serving/kubernetes", tag=TAG,
           response=KubernetesRender, body=KubernetesRequest,
           summary="Write a model version's Bento and Kubernetes manifests (Deployment, "
           "Service, kustomization) to a folder, with the commands that apply them.")
def kubernetes(platform, ctx, body: KubernetesRequest) -> KubernetesRender:  # noqa: ANN001
    return platform.serving.render_kubernetes(body)
