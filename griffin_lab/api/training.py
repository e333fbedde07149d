"""Operations of the training platform."""

from __future__ import annotations

from ..training.schemas import (
    JobDetail,
    JobLogs,
    JobsPage,
    JobsQuery,
    LogsQuery,
    MergeRequest,
    MergeResult,
    MetricsPage,
    MetricsQuery,
    SubmitRequest,
)
from .core import operation

TAG = "training"


@operation("training_submit", "POST", "/training/jobs", tag=TAG, response=JobDetail,
           body=SubmitRequest, summary="Check a job spec (JSON or YAML) and submit it to Ray.")
def submit(platform, ctx, body: SubmitRequest) -> JobDetail:  # noqa: ANN001
    spec = body.spec if body.spec is not None else body.yaml
    return platform.training.submit(spec, ctx.actor, parent_id=body.parent_id)


@operation("training_jobs", "GET", "/training/jobs", tag=TAG, response=JobsPage,
           query=JobsQuery, summary="Training jobs, newest first.")
def jobs(platform, ctx, query: JobsQuery) -> JobsPage:  # noqa: ANN001
    return platform.training.list(query)


@operation("training_job", "GET", "/training/jobs/{job_id}", tag=TAG, response=JobDetail,
           summary="One job: status, spec, data, workers, final metrics, error, trials.")
def job(platform, ctx, job_id: str) -> JobDetail:  # noqa: ANN001
    return platform.training.get(job_id)


@operation("training_metrics", "GET", "/training/jobs/{job_id}/metrics", tag=TAG,
           response=MetricsPage, query=MetricsQuery,
           summary="Metric points of a job (poll with `after` for new ones).")
def metrics(platform, ctx, job_id: str, query: MetricsQuery) -> MetricsPage:  # noqa: ANN001
    return platform.training.metrics(job_id, query.after, query.limit)


@operation("training_logs", "GET", "/training/jobs/{job_id}/logs", tag=TAG, response=JobLogs,
           query=LogsQuery, summary="The last lines of a job's log.")
def logs(platform, ctx, job_id: str, query: LogsQuery) -> JobLogs:  # noqa: ANN001
    return platform.training.logs(job_id, query.tail)


@operation("training_cancel", "POST", "/training/jobs/{job_id}/cancel", tag=TAG,
           response=JobDetail, summary="Cancel a pending or running job.")
def cancel(platform, ctx, job_id: str) -> JobDetail:  # noqa: ANN001
    return platform.training.cancel(job_id, ctx.actor)


@operation("training_merge", "POST", "/training/jobs/{job_id}/merge", tag=TAG,
           response=MergeResult, body=MergeRequest,
           summary="Merge an LLM job's LoRA adapter into its base model (a full model "
           "folder), optionally registered.")
def merge(platform, ctx, job_id: str, body: MergeRequest) -> MergeResult:  # noqa: ANN001
    return platform.training.merge(job_id, ctx.actor, register_as=body.register_as)
