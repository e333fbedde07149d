"""``client.train(spec)`` and ``Job``: training jobs from a notebook or a script."""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import GriffinError, InvalidInput
from ..training.schemas import (
    JobDetail,
    JobInfo,
    JobLogs,
    JobsQuery,
    LogsQuery,
    MergeRequest,
    MergeResult,
    MetricsPage,
    MetricsQuery,
    SubmitRequest,
)
from .client import _build
from .transport import Transport

if TYPE_CHECKING:
    import pandas as pd

TERMINAL = ("succeeded", "failed", "cancelled")


class TrainingFailed(GriffinError):
    """A job ended failed or cancelled while someone waited for it."""

    status_code = 409
    kind = "training_failed"


def submit_request(spec: Any, parent_id: str | None = None) -> SubmitRequest:
    """YAML text and .yaml paths travel as YAML (errors then name the line); anything else
    is checked here first, naming the field, before it is sent."""
    from ..training.service import validate_spec

    if isinstance(spec, Path) or (isinstance(spec, str) and "\n" not in spec
                                  and spec.endswith((".yaml", ".yml"))):
        path = Path(spec)
        if not path.is_file():
            raise InvalidInput(f"training spec file {str(path)!r} does not exist")
        return SubmitRequest(yaml=path.read_text(), parent_id=parent_id)
    if isinstance(spec, str):
        validate_spec(spec)  # the same errors, with lines, before anything is sent
        return SubmitRequest(yaml=spec, parent_id=parent_id)
    return SubmitRequest(spec=validate_spec(spec), parent_id=parent_id)


def _merge(base: dict[str, Any], edits: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in edits.items():
        if "." in key:  # "params.num_leaves": 63
            head, rest = key.split(".", 1)
            out[head] = _merge(out.get(head) or {}, {rest: value})
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


class Job:
    """A training job on Ray. It runs on the cluster: closing the notebook does not stop it."""

    def __init__(self, transport: Transport, detail: JobDetail) -> None:
        self._t = transport
        self._detail = detail
        self.id = detail.id
        self.name = detail.name

    # state ---------------------------------------------------------------------------------
    def refresh(self) -> JobDetail:
        self._detail = self._t.call("training_job", job_id=self.id)
        return self._detail

    @property
    def detail(self) -> JobDetail:
        """The last fetched state (``refresh()`` fetches again)."""
        return self._detail

    @property
    def status(self) -> str:
        """pending, running, succeeded, failed or cancelled (fetched now)."""
        return self.refresh().status

    @property
    def done(self) -> bool:
        return self.status in TERMINAL

    @property
    def error(self) -> str | None:
        return self._detail.error

    @property
    def model(self) -> Any:
        """The registered model version, once the job succeeded with ``register_as``."""
        d = self._detail
        if d.model_name is None or d.model_version is None:
            return None
        detail = self._t.call("models_get", name=d.model_name)
        return next(v for v in detail.versions if v.version == d.model_version)

    def wait(self, timeout: float | None = None, *, poll_s: float = 1.0,
             check: bool = True) -> Job:
        """Block until the job ends. With ``check``, a failed or cancelled job raises
        ``TrainingFailed`` carrying its reason."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.refresh().status not in TERMINAL:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"job {self.id} still {self._detail.status} after "
                                   f"{timeout:g} s")
            time.sleep(poll_s)
        if check and self._detail.status != "succeeded":
            reason = (self._detail.error or self._detail.message or "").strip()
            raise TrainingFailed(f"job {self.id} {self._detail.status}"
                                 + (f": {reason.splitlines()[0]}" if reason else ""),
                                 job_id=self.id, status=self._detail.status,
                                 error=self._detail.error)
        return self

    # outputs -------------------------------------------------------------------------------
    def logs(self, tail: int = 200) -> str:
        """The last lines of the job's log (Ray's chatter filtered out)."""
        page: JobLogs = self._t.call("training_logs", job_id=self.id,
                                     query=_build(LogsQuery, tail=tail))
        return "\n".join(page.lines)

    def metric_points(self, after: int = 0) -> MetricsPage:
        return self._t.call("training_metrics", job_id=self.id,
                            query=_build(MetricsQuery, after=after))

    def metrics(self, *, long: bool = False, trial: str | None = "") -> pd.DataFrame:
        """Metrics per step (boosting round or epoch): one column per metric. ``long=True``
        gives the raw points (trial, step, name, value); ``trial=None`` keeps every trial."""
        import pandas as pd

        points, after = [], 0
        while True:
            page = self.metric_points(after)
            points += [p.model_dump() for p in page.points]
            if not page.points or len(page.points) < 20_000:
                break
            after = page.last_id
        frame = pd.DataFrame(points, columns=["id", "trial", "step", "name", "value"])
        if trial is not None:
            frame = frame[frame["trial"] == trial]
        if long:
            return frame.drop(columns="id").reset_index(drop=True)
        wide = frame.pivot_table(index="step", columns="name", values="value", aggfunc="last")
        wide.columns.name = None
        return wide

    def cancel(self) -> Job:
        self._detail = self._t.call("training_cancel", job_id=self.id)
        return self

    def rerun(self, **edits: Any) -> Job:
        """Submit this job's spec again with edits, e.g. ``rerun(**{"params.num_leaves": 63})``
        or ``rerun(scaling={"num_workers": 2})``."""
        spec = _merge(self._detail.spec, edits)
        detail = self._t.call("training_submit", body=submit_request(spec, parent_id=self.id))
        return Job(self._t, detail)

    # LLM fine-tuning ----------------------------------------------------------------------
    @property
    def evaluation(self) -> dict[str, Any] | None:
        """An LLM job's loss and perplexity before/after and its sample generations."""
        return self._detail.evaluation

    def generations(self) -> pd.DataFrame:
        """The sample generations of an LLM job: prompt, before, after."""
        import pandas as pd

        ev = self._detail.evaluation or {}
        return pd.DataFrame(ev.get("generations", []), columns=["prompt", "before", "after"])

    def merge(self, register_as: str | None = None) -> MergeResult:
        """Merge this LLM job's LoRA adapter into its base model: a full model folder (and a
        ``transformers`` registry version when ``register_as`` is given)."""
        return self._t.call("training_merge", job_id=self.id,
                            body=MergeRequest(register_as=register_as))

    def generator(self, base_uri: str | None = None) -> Any:
        """The fine-tuned model as ``gen(prompts, max_new_tokens=...) -> list[str]`` (loads
        from the job's artifacts, so it needs to reach them)."""
        from ..training.llm_model import load_generator

        return load_generator(f"{self._detail.artifact_uri}/model", base_uri)

    # display -------------------------------------------------------------------------------
    def widget(self) -> Any:
        """A live view: status, progress, metric curves, log tail (updates while it runs)."""
        from ..notebook.training_widget import JobWidget

        return JobWidget(self)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget())

    def __repr__(self) -> str:
        d = self._detail
        return f"<Job {d.id} {d.runtime} {d.status}{f' ({d.message})' if d.message else ''}>"


class TrainingClient:
    """Jobs and the registry, as ``client.train`` / ``client.jobs`` / ``client.models``."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def train(self, spec: Any, *, wait: bool = False, timeout: float | None = None) -> Job:
        detail = self._t.call("training_submit", body=submit_request(spec))
        job = Job(self._t, detail)
        return job.wait(timeout) if wait else job

    def job(self, job_id: str) -> Job:
        return Job(self._t, self._t.call("training_job", job_id=job_id))

    def jobs(self, status: str | None = None, name: str | None = None, limit: int = 50
             ) -> list[JobInfo]:
        query = _build(JobsQuery, status=status, name=name, limit=limit)
        return self._t.call("training_jobs", query=query).jobs
