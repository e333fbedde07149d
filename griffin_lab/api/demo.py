"""Operations of the demo data generator."""

from __future__ import annotations

from ..demo.schemas import DemoReport, DemoRequest
from .core import operation


@operation(
    "demo", "POST", "/demo", tag="demo", response=DemoReport, body=DemoRequest,
    summary="Generate the demo grocery dataset (idempotent) and seed every subsystem.",
)
def demo(platform, ctx, body: DemoRequest) -> DemoReport:  # noqa: ANN001
    from ..demo.seed import seed_demo

    report = seed_demo(platform, body.size, body.seed, force=body.force, actor=ctx.actor,
                       models=body.models)
    return DemoReport.model_validate(report)
