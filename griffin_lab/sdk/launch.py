"""``client.launch(model, version)``: a launch and its timeline from a notebook."""

from __future__ import annotations

import time
from typing import Any

from ..errors import InvalidInput
from ..launch.schemas import ApprovalRequest, LaunchDetail, LaunchesQuery, LaunchRequest
from .client import _build
from .transport import Transport

ENDED = ("succeeded", "blocked", "rejected", "rolled_back", "failed")


class Launch:
    """A launch: ``.wait()``, ``.status``, ``.timeline()``, ``.gates()``, ``.approve()``;
    displayed in a notebook it is a live timeline."""

    def __init__(self, transport: Transport, detail: LaunchDetail) -> None:
        self._t, self.detail = transport, detail

    @property
    def id(self) -> int:
        return self.detail.id

    @property
    def status(self) -> str:
        return self.detail.status

    @property
    def done(self) -> bool:
        return self.detail.status in ENDED

    def refresh(self) -> LaunchDetail:
        self.detail = self._t.call("launches_get", launch_id=str(self.id))
        return self.detail

    def wait(self, timeout: float | None = None, poll_s: float = 0.5) -> Launch:
        """Block until the launch ends (or waits for a person); returns self."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.done and self.detail.status != "awaiting_approval":
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"launch #{self.id} still {self.status} after {timeout} s")
            time.sleep(poll_s)
            self.refresh()
        return self

    def approve(self, reason: str = "") -> Launch:
        body = _build(ApprovalRequest, approve=True, reason=reason)
        self.detail = self._t.call("launches_decide", launch_id=str(self.id), body=body)
        return self

    def reject(self, reason: str = "") -> Launch:
        body = _build(ApprovalRequest, approve=False, reason=reason)
        self.detail = self._t.call("launches_decide", launch_id=str(self.id), body=body)
        return self

    def timeline(self) -> Any:
        """The steps as a DataFrame: status, start, seconds, message."""
        import pandas as pd

        return pd.DataFrame([{"step": s.name, "status": s.status, "started_at": s.started_at,
                              "seconds": s.seconds, "message": s.message}
                             for s in self.detail.steps]).set_index("step")

    def gates(self) -> Any:
        import pandas as pd

        columns = ["gate", "required", "passed", "message"]
        return pd.DataFrame([{"gate": g.name, "required": g.required, "passed": g.passed,
                              "message": g.message} for g in self.detail.gates],
                            columns=columns).set_index("gate")

    def widget(self, poll_s: float = 1.0) -> Any:
        from ..notebook.launch_widget import LaunchWidget

        return LaunchWidget(self, poll_s=poll_s)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget().box)

    def __repr__(self) -> str:
        d = self.detail
        return (f"<Launch #{d.id} {d.model} v{d.version} on {d.endpoint}: {d.status}"
                + (f" — {d.message}" if d.message else "") + ">")


def parse_ref(model: str, version: int | str | None) -> tuple[str, int | str | None]:
    if version is None and "@" in model:
        name, _, which = model.partition("@")
        return name, int(which) if which.isdigit() else which
    return model, version


class LaunchClient:
    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def launch(self, model: str, version: int | str | None = None, **options: Any) -> Launch:
        name, which = parse_ref(model, version)
        if which is None:
            raise InvalidInput("say which version to launch: launch('model', 3) or "
                               "launch('model@3')", field="version")
        if not isinstance(which, int):  # an alias or "latest"
            which = self._t.call("models_version", name=name, version=str(which)).version
        body = _build(LaunchRequest, model=name, version=which, **options)
        return Launch(self._t, self._t.call("launches_start", body=body))

    def get(self, launch_id: int) -> Launch:
        return Launch(self._t, self._t.call("launches_get", launch_id=str(launch_id)))

    def list(self, model: str | None = None, endpoint: str | None = None,
             limit: int = 50) -> list[Any]:
        query = _build(LaunchesQuery, model=model, endpoint=endpoint, limit=limit)
        return self._t.call("launches_list", query=query)
