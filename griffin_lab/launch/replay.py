"""Replaying recorded requests at an endpoint: latency, throughput and the predictions.

Replayed requests carry ``X-Griffin-Replay: 1``, so the endpoint's monitoring does not count
them as traffic. When an endpoint has recorded nothing yet, requests are made up
from the version's signature (seeded random numbers), which is enough for latency but says
little about stability: the gate says which it was.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ..monitoring import stats

HEADERS = {"content-type": "application/json", "x-griffin-replay": "1"}


@dataclass
class Replay:
    requests: int = 0
    failed: int = 0  # 5xx or no answer
    rejected: int = 0  # 4xx: the version refused a request production took
    latencies_ms: list[float] = field(default_factory=list)
    answers: list[list[float] | None] = field(default_factory=list)  # per body; None: failed
    errors: list[str] = field(default_factory=list)
    requests_per_s: float | None = None

    @property
    def predictions(self) -> list[float]:
        return [v for answer in self.answers if answer for v in answer]

    def percentile(self, q: float) -> float | None:
        if not self.latencies_ms:
            return None
        hist: dict[int, int] = {}
        for ms in self.latencies_ms:
            key = stats.latency_bucket(ms)
            hist[key] = hist.get(key, 0) + 1
        return stats.percentile(hist, q)

    def summary(self) -> dict[str, Any]:
        p50, p99 = self.percentile(0.5), self.percentile(0.99)
        return {"requests": self.requests, "failed": self.failed, "rejected": self.rejected,
                "p50_ms": None if p50 is None else round(p50, 2),
                "p99_ms": None if p99 is None else round(p99, 2),
                "requests_per_s": self.requests_per_s, "errors": self.errors[:3]}


def synthetic_bodies(signature: dict[str, Any], count: int = 50, seed: int = 7) -> list[str]:
    """Requests made up from a tabular signature (numbers from a seeded normal)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    inputs = (signature or {}).get("inputs") or []
    bodies = []
    for _ in range(count):
        row = {}
        for spec in inputs:
            kind = str(spec.get("type", "float64"))
            value = rng.normal()
            row[str(spec["name"])] = int(round(value * 3)) if kind.startswith("int") else \
                float(value)
        bodies.append(json.dumps({"instances": [row]}))
    return bodies


def _values(answer: dict[str, Any]) -> list[float]:
    out = []
    for p in answer.get("predictions") or []:
        value = p[0] if isinstance(p, list) and p else p
        if isinstance(value, int | float):
            out.append(float(value))
    return out


def paired(a: Replay, b: Replay) -> tuple[list[float], list[float]]:
    """The predictions both answered, row for row (the same bodies in the same order)."""
    left: list[float] = []
    right: list[float] = []
    for x, y in zip(a.answers, b.answers, strict=False):
        if x and y and len(x) == len(y):
            left.extend(x)
            right.extend(y)
    return left, right


def _send(http: Any, url: str, body: str, result: Replay) -> None:
    import httpx

    result.requests += 1
    started = time.perf_counter()
    try:
        r = http.post(f"{url}/predict", content=body, headers=HEADERS)
    except httpx.HTTPError as exc:
        result.failed += 1
        result.errors.append(repr(exc)[:200])
        result.answers.append(None)
        return
    result.latencies_ms.append((time.perf_counter() - started) * 1000)
    if r.status_code >= 500:
        result.failed += 1
        result.errors.append(f"{r.status_code} {r.text[:200]}")
        result.answers.append(None)
    elif r.status_code >= 400:
        result.rejected += 1
        result.errors.append(f"{r.status_code} {r.text[:200]}")
        result.answers.append(None)
    else:
        result.answers.append(_values(r.json()))


def replay(urls: list[str], bodies: list[str], timeout: float = 30.0,
           warm_up: int = 5) -> list[Replay]:
    """Send each of ``bodies`` to every one of ``urls``/predict, one request at a time, and
    return one ``Replay`` per URL. With several URLs the requests interleave (body by body,
    the first to be asked taking turns), so a stall of this machine falls on all of them
    alike rather than on whichever was measured second. ``warm_up`` untimed requests go to
    each first: a process that just started answers its first requests slowly."""
    import httpx

    results = [Replay() for _ in urls]
    with httpx.Client(timeout=timeout, trust_env=False) as http:
        for url in urls:
            for body in bodies[:warm_up]:
                with contextlib.suppress(httpx.HTTPError):
                    http.post(f"{url}/predict", content=body, headers=HEADERS)
        for i, body in enumerate(bodies):
            for k in range(len(urls)):
                j = (i + k) % len(urls)
                _send(http, urls[j], body, results[j])
    return results


def burst(url: str, bodies: list[str], clients: int = 4, seconds: float = 2.0) -> float:
    """Requests per second ``clients`` keep-alive clients get through in ``seconds``."""
    import httpx

    done = [0] * clients
    stop = time.monotonic() + seconds

    def run(i: int) -> None:
        with httpx.Client(timeout=10.0, trust_env=False) as http:
            j = i
            while time.monotonic() < stop:
                try:
                    if http.post(f"{url}/predict", content=bodies[j % len(bodies)],
                                 headers=HEADERS).status_code < 400:
                        done[i] += 1
                except httpx.HTTPError:
                    pass
                j += clients

    started = time.monotonic()
    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 15)
    return round(sum(done) / max(time.monotonic() - started, 1e-6), 1)
