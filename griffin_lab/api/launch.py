"""Operations of the launch pipeline."""

from __future__ import annotations

from ..errors import InvalidInput
from ..launch.schemas import ApprovalRequest, LaunchDetail, LaunchesQuery, LaunchInfo, LaunchRequest
from .core import operation

TAG = "launch"


def _id(value: str) -> int:
    if not value.isdigit():
        raise InvalidInput(f"launch id {value!r} is not a number", field="id")
    return int(value)


@operation("launches_start", "POST", "/launches", tag=TAG, response=LaunchDetail,
           body=LaunchRequest,
           summary="Launch a version: estimation, approval gates, preparation (staging, "
           "shadow), scale-up with a health watch, finalization. Returns at once; the "
           "pipeline runs in the server.")
def start(platform, ctx, body: LaunchRequest) -> LaunchDetail:  # noqa: ANN001
    return platform.launches.start(body, ctx.actor)


@operation("launches_list", "GET", "/launches", tag=TAG, response=list[LaunchInfo],
           query=LaunchesQuery, summary="Recent launches, newest first.")
def launches(platform, ctx, query: LaunchesQuery) -> list[LaunchInfo]:  # noqa: ANN001
    return platform.launches.list(query)


@operation("launches_get", "GET", "/launches/{launch_id}", tag=TAG, response=LaunchDetail,
           summary="One launch: its steps with their times and outcomes, and the gates.")
def get(platform, ctx, launch_id: str) -> LaunchDetail:  # noqa: ANN001
    return platform.launches.get(_id(launch_id))


@operation("launches_decide", "POST", "/launches/{launch_id}/decision", tag=TAG,
           response=LaunchDetail, body=ApprovalRequest,
           summary="Approve or reject a launch that waits for a person.")
def decide(platform, ctx, launch_id: str, body: ApprovalRequest) -> LaunchDetail:  # noqa: ANN001
    return platform.launches.decide(_id(launch_id), body, ctx.actor)
