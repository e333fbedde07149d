"""Request logging inside a serving process, cheap enough to leave on.

Each BentoML worker keeps the requests it answered in memory (a tuple per request: time,
latency, status, rows, predictions, the caller's ids, whether it was shadow traffic) and
appends them once a second as JSON lines to ``<folder>/<pid>.jsonl``; the platform's
monitoring service reads those files into the metadata database. A few request bodies per
second are kept too (``body``), so a launch can replay real traffic at a candidate.

The hot path costs one ``perf_counter`` pair and a list append per request; JSON encoding
and the file write happen on the flush, off the request. At most ``MAX_PREDICTIONS`` values
of an unnamed batch are kept (with the batch's size and mean), so a 10,000-row request does
not turn into a 10,000-value log line; rows the caller named (``ids``) are all kept.

This module needs only the standard library: a Bento carries its own copy
(``griffin_request_log.py``); the folder comes from ``GRIFFIN_REQUEST_LOG`` and the endpoint's
name from ``GRIFFIN_ENDPOINT``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import time
from pathlib import Path
from typing import Any

MAX_PREDICTIONS = 64
MAX_BODY_BYTES = 64 * 1024
BODIES_PER_S = 10  # request bodies kept for replay, per worker and second
FLUSH_S = 1.0


def _number(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


class RequestLog:
    """One worker's request log. ``record`` is called once per answered request."""

    def __init__(self, folder: str | os.PathLike[str] | None, model: str, version: int,
                 endpoint: str = "") -> None:
        self.folder = Path(folder) if folder else None
        self.model, self.version, self.endpoint = model, version, endpoint
        self._pending: list[tuple[Any, ...]] = []
        self._task: asyncio.Task[None] | None = None
        self._second, self._bodies = 0, 0
        self.path: Path | None = None
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.path = self.folder / f"{os.getpid()}.jsonl"

    @property
    def enabled(self) -> bool:
        return self.path is not None

    def keep_body(self) -> bool:
        """Whether this request's body is kept for replay (a few per second)."""
        now = int(time.time())
        if now != self._second:
            self._second, self._bodies = now, 0
        if self._bodies >= BODIES_PER_S:
            return False
        self._bodies += 1
        return True

    def record(self, latency_ms: float, status: int, rows: int, predictions: Any = None,
               ids: list[Any] | None = None, shadow: bool = False, body: bytes | None = None,
               error: str = "") -> None:
        if self.path is None:
            return
        self._pending.append((time.time(), latency_ms, status, rows, predictions, ids, shadow,
                              body, error))
        if self._task is None:
            with contextlib.suppress(RuntimeError):  # no running loop: flushed on close
                self._task = asyncio.get_running_loop().create_task(self._flusher())

    async def _flusher(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_S)
            self.flush()

    def flush(self) -> int:
        """Write what is pending; the number of requests written."""
        if not self._pending or self.path is None:
            return 0
        taken, self._pending = self._pending, []
        lines = [self._line(*entry) for entry in taken]
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write("".join(lines))
        return len(lines)

    def _line(self, at: float, latency_ms: float, status: int, rows: int, predictions: Any,
              ids: list[Any] | None, shadow: bool, body: bytes | None, error: str) -> str:
        entry: dict[str, Any] = {"at": round(at, 4), "ms": round(latency_ms, 3), "status": status,
                                 "rows": rows, "endpoint": self.endpoint, "model": self.model,
                                 "version": self.version}
        if shadow:
            entry["shadow"] = True
        if error:
            entry["error"] = error[:300]
        if predictions is not None:
            values = [_number(v) for v in _flat(predictions)]
            finite = [v for v in values if v is not None]
            if finite:
                entry["mean"] = sum(finite) / len(finite)
            if ids is not None:  # every named row is kept: outcomes are joined to them
                entry["pred"] = values
                entry["ids"] = [str(i) for i in ids]
            else:
                entry["pred"] = values[:MAX_PREDICTIONS]
        if body is not None and len(body) <= MAX_BODY_BYTES:
            with contextlib.suppress(UnicodeDecodeError):
                entry["body"] = body.decode("utf-8")
        return json.dumps(entry, separators=(",", ":")) + "\n"

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self.flush()


def _flat(predictions: Any) -> list[Any]:
    """One value per row: a scalar per row, or the first output of a multi-output row."""
    if hasattr(predictions, "tolist"):
        predictions = predictions.tolist()
    if not isinstance(predictions, list):
        return []
    return [p[0] if isinstance(p, list) and p else p for p in predictions]
