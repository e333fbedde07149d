"""Griffin's feature store against raw Feast on the same materialized store, side by side.

Builds N users x 10 float features through Griffin (``add_source``, ``materialize``) in a
scratch ``GRIFFIN_HOME``, then measures in one run:

1. materialize: Griffin's ``materialize`` (read + validation + bookkeeping + Feast) of view
   ``user_stats`` vs raw ``FeatureStore.materialize`` of ``user_stats_raw`` (same data, same
   store, same window) after a small warm-up materialization; Feast's call inside Griffin's
   run is timed too, so Griffin's own overhead does not depend on run-to-run noise;
2. in-process online retrieval, 1 and 100 entities: ``FeatureStoreService.online`` vs
   ``FeatureStore.get_online_features(...).to_dict()`` on the very same ``FeatureStore``,
   interleaved call by call (same entity keys for both), p50/p99 after warm-up; then the SDK's
   in-process ``client.features.online`` (a DataFrame) on the same platform, for information;
3. REST: Griffin's online feature server (``python -m griffin_lab.features.online_server``,
   as ``client.features.serve(workers=2)`` starts it) and Griffin's Jupyter route ``POST
   /griffin/api/v1/features/online`` (one Jupyter server process) vs ``feast serve --workers 2
   --max-requests 0 --no-access-log`` (its best settings here), the same bounded wrk load
   (16 connections, fixed duration, random keys) for 1 and 100 entities,
   with the servers' CPU per request; then, for information, the same feast serve resized to
   1 worker (one process, like Griffin's);
4. historical retrieval of one entity row per user: ``training_frame`` vs
   ``FeatureStore.get_historical_features(...).to_df()``, warm, alternating, median of runs.

Goals: in-process online and historical ratio <= 1.10; REST throughput >= 1.0x Feast's with
p99 no worse (the feature server, with as many workers as feast serve). Every process
started here is stopped before exit. ``--profile DIR`` adds two
load runs with py-spy sampling the Griffin server's GIL holder (where its time goes).

    python -m benchmarks.feature_store [--users 100000] [--calls 2000] [--seconds 15] [--json]
    python -m benchmarks.feature_store --users 2000 --calls 50 --seconds 3   # smoke run
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ONLINE_GOAL = 1.10  # Griffin / Feast latency, in-process
HISTORICAL_GOAL = 1.10  # Griffin / Feast time
REST_GOAL = 1.0  # Griffin / Feast throughput (and p99 no worse)
FEATURES = 10
CONNECTIONS = 16
VIEW, RAW_VIEW, WARM_VIEW = "user_stats", "user_stats_raw", "warmup_stats"
ACTOR = "benchmark"
BIN = Path(sys.executable).parent
TOKEN = secrets.token_hex(16)


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def silenced() -> Iterator[None]:
    """Keep Feast's progress bars out of the output (Griffin does the same internally)."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        yield


def pct(values: list[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(np.asarray(values), q))


def refs() -> list[str]:
    return [f"{VIEW}:f{i}" for i in range(FEATURES)]


# Data --------------------------------------------------------------------------------------
def make_data(users: int, seed: int) -> tuple[Any, Any, datetime]:
    """Feature rows (one per user) and entity rows for historical retrieval.

    Feature timestamps are spread over 30 days ending 20 days ago; each entity row's timestamp
    is its feature row's plus -12 h..15 days, so about 3 % of entity rows come before any
    feature value (raw Feast's file store drops those rows; Griffin returns them with nulls).
    """
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    now = pd.Timestamp(datetime.now(UTC)).floor("s")
    start = now - pd.Timedelta(days=50)
    ts = start + pd.to_timedelta(rng.integers(0, 30 * 86400, users), unit="s")
    ids = np.arange(1, users + 1, dtype=np.int64)
    data = pd.DataFrame({"user_id": ids, "event_timestamp": ts})
    for i in range(FEATURES):
        data[f"f{i}"] = rng.random(users)
    offset = pd.to_timedelta(rng.integers(-12 * 3600, 15 * 86400, users), unit="s")
    entities = pd.DataFrame({"user_id": ids, "event_timestamp": ts + offset})
    entities = entities.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    return data, entities, now.to_pydatetime()


def build_store(home: Path, work: Path, data: Any, end: datetime) -> tuple[Any, dict[str, Any]]:
    """Add three sources through Griffin; materialize one through Griffin, one through Feast."""
    from griffin_lab.features.schemas import MaterializeRequest
    from griffin_lab.features.spec import SourceSpec
    from griffin_lab.platform import Platform

    platform = Platform.from_settings(home=home)
    svc = platform.features
    out: dict[str, Any] = {"rows": len(data)}
    for name, frame in ((WARM_VIEW, data.head(200)), (VIEW, data), (RAW_VIEW, data)):
        path = work / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        t0 = time.perf_counter()
        svc.add_source(SourceSpec(name=name, path=str(path), entities=["user_id"],
                                  owner="benchmarks", description="benchmark data"), ACTOR)
        out.setdefault("add_source_s", {})[name] = time.perf_counter() - t0
    store = svc.repo.store
    start = data["event_timestamp"].min().to_pydatetime() - timedelta(seconds=1)
    # Warm-up: the first materialization in a process pays one-off imports and set-up.
    svc.materialize(MaterializeRequest(feature_views=[WARM_VIEW], end=end), ACTOR)
    # Time Feast's own materialize inside Griffin's too: Griffin's overhead is the difference,
    # whatever the machine does between the two separate runs.
    inner: list[float] = []
    feast_materialize = store.materialize

    def timed(*a: Any, **kw: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return feast_materialize(*a, **kw)
        finally:
            inner.append(time.perf_counter() - t0)

    store.materialize = timed
    try:
        t0 = time.perf_counter()
        result = svc.materialize(MaterializeRequest(feature_views=[VIEW], end=end), ACTOR)
        out["griffin_materialize_s"] = time.perf_counter() - t0
    finally:
        del store.materialize
    out["griffin_materialize_feast_part_s"] = sum(inner)
    view = result.views[0]
    if view.status != "succeeded" or view.rows != len(data):
        raise RuntimeError(f"Griffin materialization did not load every row: {view}")
    t0 = time.perf_counter()
    with silenced():
        store.materialize(start, end, feature_views=[RAW_VIEW])
    out["feast_materialize_s"] = time.perf_counter() - t0
    return platform, out


# In-process online retrieval ---------------------------------------------------------------
def bench_online(platform: Any, users: int, calls: int, seed: int) -> dict[str, Any]:
    import random

    from griffin_lab.sdk.client import Client
    from griffin_lab.sdk.transport import InProcessTransport

    svc = platform.features
    store = svc.repo.store
    features = refs()
    # The SDK on the same platform: a second FeatureStore in this process (what
    # ``griffin_lab.connect(home=...)`` would build) makes both stores thrash Feast's
    # process-global feature-resolution cache (~2.5 ms per call instead of ~0.3 ms).
    client = Client(InProcessTransport(platform))
    runners: dict[str, Callable[[list[int]], Any]] = {
        "griffin": lambda ids: svc.online(features, {"user_id": ids}),
        "feast": lambda ids: store.get_online_features(
            features=features, entity_rows={"user_id": ids}).to_dict(),
        "sdk": lambda ids: client.features.online(features, {"user_id": ids}),
    }
    rng = random.Random(seed)
    results: dict[str, Any] = {}
    probe = [rng.randint(1, users) for _ in range(5)]
    if runners["griffin"](probe) != runners["feast"](probe):
        raise RuntimeError("Griffin and Feast disagree on the online values")
    if runners["griffin"](probe)["f0"][0] is None:
        raise RuntimeError("The online store holds no values: materialization failed?")

    def measure(names: list[str], k: int, n: int) -> dict[str, list[float]]:
        times: dict[str, list[float]] = {name: [] for name in names}
        order = list(names)
        warm = max(20, n // 10)
        for i in range(warm + n):
            ids = [rng.randint(1, users) for _ in range(k)]
            order = order[1:] + order[:1]  # rotate: each goes first equally often
            for name in order:
                t0 = time.perf_counter()
                runners[name](ids)
                elapsed = time.perf_counter() - t0
                if i >= warm:
                    times[name].append(elapsed)
        return times

    for k in (1, 100):
        n = calls if k == 1 else max(100, calls // 4)
        # Griffin and Feast call by call; the SDK (a DataFrame per call, whose garbage would
        # land in the others' timings) on its own afterwards.
        times = {**measure(["griffin", "feast"], k, n), **measure(["sdk"], k, n)}
        results[str(k)] = {
            name: {"p50_ms": pct(t, 50) * 1e3, "p99_ms": pct(t, 99) * 1e3,
                   "mean_ms": statistics.fmean(t) * 1e3, "calls": len(t)}
            for name, t in times.items()
        }
    return results


# Historical retrieval ----------------------------------------------------------------------
def bench_historical(platform: Any, entities: Any, runs: int) -> dict[str, Any]:
    svc = platform.features
    store = svc.repo.store
    features = refs()
    times: dict[str, list[float]] = {"griffin": [], "feast": []}
    rows: dict[str, int] = {}
    first: dict[str, Any] = {}
    empty = None
    for i in range(runs + 1):  # run 0 warms both up and is not counted
        for name in (("griffin", "feast") if i % 2 == 0 else ("feast", "griffin")):
            frame = entities.copy()
            gc.collect()  # not inside the timing: the previous run's frames are garbage
            t0 = time.perf_counter()
            if name == "griffin":
                df, empty = svc.training_frame(frame, features=features)
            else:
                with silenced():
                    df = store.get_historical_features(entity_df=frame, features=features).to_df()
            elapsed = time.perf_counter() - t0
            if i:
                times[name].append(elapsed)
            rows[name] = len(df)
            if i == 0:
                first[name] = df
        if i == 0:  # the rows raw Feast returns carry the same values in Griffin's frame
            on = ["user_id", "event_timestamp"]
            both = first["feast"].merge(first["griffin"], on=on, suffixes=("_f", "_g"))
            if len(both) != len(first["feast"]) or not (both["f0_f"] == both["f0_g"]).all():
                raise RuntimeError("Griffin's training frame disagrees with Feast's")
            first.clear()
    return {
        "entity_rows": len(entities),
        "griffin": {"median_s": statistics.median(times["griffin"]), "min_s": min(times["griffin"]),
                    "runs_s": times["griffin"],
                    "rows": rows["griffin"], "rows_without_features": empty},
        "feast": {"median_s": statistics.median(times["feast"]), "min_s": min(times["feast"]),
                  "runs_s": times["feast"],
                  "rows": rows["feast"]},
    }


# Servers -----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server process in its own process group; stopped (group and all) on exit."""

    def __init__(self, name: str, cmd: list[str], cwd: Path, env: dict[str, str], log: Path,
                 health: str, headers: dict[str, str]) -> None:
        self.name, self.health, self.headers, self.log = name, health, headers, log
        self._log = log.open("wb")
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.ready_s: float | None = None

    def wait_ready(self, timeout: float = 120.0) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}); see {self.log}")
            try:
                req = urllib.request.Request(self.health, headers=self.headers)
                with urllib.request.urlopen(req, timeout=2) as r:
                    if r.status == 200:
                        self.ready_s = time.perf_counter() - self.started
                        return self.ready_s
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} not healthy after {timeout:.0f} s; see {self.log}")

    def post(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={**self.headers,
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    def cpu_s(self) -> float:
        """CPU seconds (user + system) used so far by the live processes of the group."""
        total, tick = 0, os.sysconf("SC_CLK_TCK")
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.proc.pid:  # pgrp
                total += int(fields[11]) + int(fields[12])
        return total / tick

    def children(self) -> int:
        return len(subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True,
                                  text=True).stdout.split())

    def resize(self, workers: int, timeout: float = 60.0) -> None:
        """Change a gunicorn server's worker count (TTIN adds one, TTOU removes one)."""
        now = self.children()
        sig = signal.SIGTTIN if workers > now else signal.SIGTTOU
        for _ in range(abs(workers - now)):
            os.kill(self.proc.pid, sig)
            time.sleep(0.2)
        deadline = time.monotonic() + timeout
        while self.children() != workers:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not reach {workers} workers")
            time.sleep(0.1)
        if sig == signal.SIGTTIN:  # a new worker loads the store before it serves
            time.sleep(3)
            self.wait_ready()

    def terminate(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        # gunicorn's workers share the group; make sure none outlives its master.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self._log.close()


def server_env(home: Path, work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRIFFIN_", "JUPYTER_"))}
    env.update(GRIFFIN_HOME=str(home), JUPYTER_CONFIG_DIR=str(work / "jupyter-config"),
               JUPYTER_RUNTIME_DIR=str(work / "jupyter-runtime"), PYTHONUNBUFFERED="1")
    return env


def start_griffin(home: Path, work: Path) -> tuple[Server, str]:
    port = free_port()
    root = work / "notebooks"
    root.mkdir(exist_ok=True)
    cmd = [str(BIN / "jupyter"), "server", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0", "--allow-root",
           "--ServerApp.open_browser=False", f"--IdentityProvider.token={TOKEN}",
           f"--ServerApp.root_dir={root}"]
    base = f"http://127.0.0.1:{port}"
    server = Server("jupyter server (Griffin)", cmd, work, server_env(home, work),
                    work / "griffin-server.log", f"{base}/api/status",
                    {"Authorization": f"token {TOKEN}"})
    return server, f"{base}/griffin/api/v1/features/online"


def start_feature_server(platform: Any, home: Path, work: Path, workers: int
                         ) -> tuple[Server, str]:
    """Griffin's online feature server, started the way the platform starts it (the same
    command, settings and token), but owned by this benchmark like the others."""
    from griffin_lab.features.online_server import TOKEN_ENV, FeatureServerProcess

    process = FeatureServerProcess(platform.settings)
    port = free_port()
    cmd = [sys.executable, "-m", "griffin_lab.features.online_server", "--port", str(port),
           "--workers", str(workers)]
    env = {**server_env(home, work), **platform.settings.as_env(), TOKEN_ENV: process.token()}
    base = f"http://127.0.0.1:{port}"
    server = Server(f"griffin feature server ({workers} workers)", cmd, work, env,
                    work / f"griffin-feature-server-{workers}.log", f"{base}/healthz",
                    {"Authorization": f"token {process.token()}"})
    return server, f"{base}{process.online_path}"


def start_feast(repo: Path, home: Path, work: Path, workers: int) -> tuple[Server, str]:
    port = free_port()
    cmd = [str(BIN / "feast"), "serve", "-h", "127.0.0.1", "-p", str(port),
           "--workers", str(workers), "--max-requests", "0", "--no-access-log"]
    base = f"http://127.0.0.1:{port}"
    server = Server(f"feast serve ({workers} workers)", cmd, repo, server_env(home, work),
                    work / f"feast-serve-{workers}.log", f"{base}/health", {})
    return server, f"{base}/get-online-features"


# Load --------------------------------------------------------------------------------------
WRK_SCRIPT = r"""
local bodies = {}
math.randomseed(%(seed)d)
for i = 1, 2000 do
  local ids = {}
  for j = 1, %(k)d do ids[j] = math.random(1, %(users)d) end
  bodies[i] = '%(prefix)s' .. table.concat(ids, ",") .. '%(suffix)s'
end
local headers = %(headers)s
local path = "%(path)s"
local n = 0
request = function()
  n = n %% #bodies + 1
  return wrk.format("POST", path, headers, bodies[n])
end
done = function(summary, latency, requests)
  local e = summary.errors
  local q = {}
  for i = 1, 1000 do q[i] = latency:percentile((i - 0.5) / 10) end
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "max_us": %%d, "errors": %%d, ' ..
    '"quantiles_us": [%%s]}\n', summary.requests, summary.duration, latency.max,
    e.connect + e.read + e.write + e.status + e.timeout, table.concat(q, ",")))
end
"""


def wrk_load(url: str, headers: dict[str, str], k: int, users: int, seconds: int,
             work: Path, seed: int) -> dict[str, Any]:
    """One wrk run: 1 thread, 16 connections, random keys; latency as 1,000 quantiles."""
    from urllib.parse import urlsplit

    prefix = json.dumps({"features": refs(), "entities": {"user_id": []}})[:-3]
    lua_headers = "{" + ", ".join(f'["{n}"] = "{v}"' for n, v in
                                  {**headers, "Content-Type": "application/json"}.items()) + "}"
    script = work / f"wrk-{urlsplit(url).port}-{k}.lua"
    script.write_text(WRK_SCRIPT % {"seed": seed, "k": k, "users": users, "prefix": prefix,
                                    "suffix": "]}}", "headers": lua_headers,
                                    "path": urlsplit(url).path})
    base = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    cmd = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s",
           "-s", str(script), base]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=True)
    line = next(x for x in out.stdout.splitlines() if x.startswith("WRKJSON "))
    r = json.loads(line[len("WRKJSON "):])
    weight = r["requests"] / 1000
    return {"requests": r["requests"], "duration_s": r["duration_us"] / 1e6,
            "errors": r["errors"], "max_ms": r["max_us"] / 1e3,
            "samples": [(q / 1e3, weight) for q in r["quantiles_us"]]}


def python_load(url: str, headers: dict[str, str], k: int, users: int, seconds: int,
                seed: int, max_requests: int = 200_000) -> dict[str, Any]:
    """Fallback when wrk is missing: 16 asyncio connections, bounded by time and count."""
    import random

    rng = random.Random(seed)
    bodies = [json.dumps({"features": refs(),
                          "entities": {"user_id": [rng.randint(1, users) for _ in range(k)]}})
              for _ in range(2000)]
    return post_load(url, headers, bodies, CONNECTIONS, seconds, max_requests)


def post_load(url: str, headers: dict[str, str], bodies: list[str], connections: int,
              seconds: float, max_requests: int = 200_000) -> dict[str, Any]:
    """``connections`` asyncio keep-alive clients POSTing ``bodies`` in turn to ``url``,
    bounded by time and count; latencies as samples for :func:`summarize`."""
    import asyncio

    import httpx

    latencies: list[float] = []
    errors = 0

    async def run() -> float:
        nonlocal errors
        limits = httpx.Limits(max_connections=connections)
        async with httpx.AsyncClient(headers={**headers, "Content-Type": "application/json"},
                                     limits=limits, timeout=10) as client:
            deadline = time.perf_counter() + seconds

            async def worker(w: int) -> None:
                nonlocal errors
                i = w
                while time.perf_counter() < deadline and len(latencies) < max_requests:
                    t0 = time.perf_counter()
                    try:
                        r = await client.post(url, content=bodies[i % len(bodies)])
                        if r.status_code != 200:
                            errors += 1
                    except httpx.HTTPError:
                        errors += 1
                    latencies.append(time.perf_counter() - t0)
                    i += connections

            t0 = time.perf_counter()
            await asyncio.gather(*(worker(w) for w in range(connections)))
            return time.perf_counter() - t0

    elapsed = asyncio.run(run())
    return {"requests": len(latencies), "duration_s": elapsed, "errors": errors,
            "max_ms": max(latencies) * 1e3, "samples": [(x * 1e3, 1.0) for x in latencies]}


def summarize(chunks: list[dict[str, Any]], cpu_s: float) -> dict[str, Any]:
    """Merge load runs: total throughput; percentiles of the pooled latency distribution."""
    samples = sorted(s for c in chunks for s in c["samples"])
    total = sum(w for _, w in samples)

    def quantile(q: float) -> float:
        acc = 0.0
        for value, weight in samples:
            acc += weight
            if acc >= q / 100 * total:
                return value
        return samples[-1][0]

    requests = sum(c["requests"] for c in chunks)
    duration = sum(c["duration_s"] for c in chunks)
    return {"rps": requests / duration, "requests": requests, "seconds": duration,
            "runs": len(chunks), "p50_ms": quantile(50), "p90_ms": quantile(90),
            "p99_ms": quantile(99), "max_ms": max(c["max_ms"] for c in chunks),
            "errors": sum(c["errors"] for c in chunks),
            "server_cpu_ms_per_request": cpu_s / max(1, requests) * 1e3,
            "server_cpu_cores": cpu_s / duration,
            "rps_per_run": [c["requests"] / c["duration_s"] for c in chunks]}


def bench_rest(platform: Any, home: Path, work: Path, users: int, seconds: float, seed: int,
               feast_workers: list[int], profile: Path | None = None,
               tool: str = "auto", rounds: int = 3) -> dict[str, Any]:
    repo = platform.settings.resolved_feast_repo_path
    have_wrk = tool == "wrk" or (tool == "auto" and shutil.which("wrk") is not None)

    def run(server: Server, url: str, k: int, secs: int) -> tuple[dict[str, Any], float]:
        cpu0 = server.cpu_s()
        if have_wrk:
            chunk = wrk_load(url, server.headers, k, users, secs, work, seed)
        else:
            chunk = python_load(url, server.headers, k, users, secs, seed)
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.name} died under load; see {server.log}")
        return chunk, server.cpu_s() - cpu0

    def load(server: Server, url: str, k: int, secs: int) -> dict[str, Any]:
        chunk, cpu = run(server, url, k, secs)
        return summarize([chunk], cpu)

    # Each side gets `seconds` of load per entity count, in `rounds` runs that alternate
    # between the two servers (ABBA...), so bursts of machine noise hit both alike.
    chunk_s = max(1, round(seconds / rounds))

    def compare(targets: dict[str, tuple[Server, str]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for k in (1, 100):
            label = f"{k} entit{'y' if k == 1 else 'ies'}"
            say(f"REST load, {label}: {' vs '.join(targets)}, {rounds} x {chunk_s} s each, "
                "alternating")
            chunks: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
            cpu = dict.fromkeys(targets, 0.0)
            for r in range(rounds):
                for name in (list(targets) if r % 2 == 0 else list(reversed(targets))):
                    server, url = targets[name]
                    chunk, used = run(server, url, k, chunk_s)
                    chunks[name].append(chunk)
                    cpu[name] += used
            for name in targets:
                result.setdefault(name, {})[str(k)] = summarize(chunks[name], cpu[name])
        return result

    servers: list[Server] = []
    out: dict[str, Any] = {"load_tool": "wrk" if have_wrk else "python", "targets": {}}
    base_workers, *other_workers = feast_workers
    try:
        say(f"starting the Jupyter server (Griffin) and feast serve --workers {base_workers} "
            "(together)")
        griffin, g_url = start_griffin(home, work)
        pool, p_url = start_feature_server(platform, home, work, base_workers)
        feast, f_url = start_feast(repo, home, work, base_workers)
        servers += [griffin, pool, feast]
        feast_name = f"feast_{base_workers}w"
        targets = {"griffin": (griffin, g_url), "griffin_server": (pool, p_url),
                   feast_name: (feast, f_url)}
        # The first request of each (lazy imports, store and registry loading) goes out as
        # soon as that server is healthy, so the servers' start-ups overlap; then both must
        # give the same answer before any load.
        body = {"features": refs(), "entities": {"user_id": [1, 2, users]}}
        answers: dict[str, Any] = {}

        failures: dict[str, str] = {}

        def first(name: str, server: Server, url: str) -> None:
            t0 = time.perf_counter()
            try:
                answers[name] = server.post(url, body)
            except Exception as exc:  # reported below, in the main thread
                failures[name] = f"{type(exc).__name__}: {exc}"
            out.setdefault("first_request_s", {})[name] = time.perf_counter() - t0

        threads = []
        for name, (server, url) in targets.items():
            out.setdefault("ready_s", {})[name] = server.wait_ready()
            threads.append(threading.Thread(target=first, args=(name, server, url),
                                            daemon=True))
            threads[-1].start()
        for thread in threads:
            thread.join(timeout=180)
        if set(answers) != set(targets):
            raise RuntimeError(f"no answer to the first request: {failures or 'timed out'}")
        f = answers[feast_name]
        names = f["metadata"]["feature_names"]
        for name in ("griffin", "griffin_server"):
            g = answers[name]["columns"]
            if any(f["results"][i]["values"] != g[n] for i, n in enumerate(names)):
                raise RuntimeError(f"{name}'s REST answer differs from feast serve's")
        say("warming up both servers")
        for server, url in targets.values():  # warm-up: pools, caches, registry
            load(server, url, 1, min(3, chunk_s))
        out["targets"] = compare(targets)
        if profile is not None:
            out["profile"] = profile_griffin(griffin, g_url, lambda k: load(
                griffin, g_url, k, chunk_s * rounds), seconds, profile)
        # For information: the same feast serve resized (gunicorn TTIN/TTOU), e.g. to one
        # worker process like Griffin's one Jupyter server process, against Griffin again.
        for n in other_workers:
            say(f"resizing feast serve to {n} worker(s)")
            feast.resize(n)
            out.setdefault("resized", {})[f"feast_{n}w"] = compare(
                {"griffin": (griffin, g_url), f"feast_{n}w": (feast, f_url)})
    finally:
        t0 = time.perf_counter()
        for server in servers:
            server.terminate()
        for server in servers:
            server.stop()
        say(f"stopped the servers in {time.perf_counter() - t0:.1f} s")
    return out


# Where Griffin's server spends its time -----------------------------------------------------
def profile_griffin(server: Server, url: str, load: Callable[[int], dict[str, Any]],
                    seconds: float, out_dir: Path) -> dict[str, Any]:
    """Extra load runs with py-spy sampling the GIL holder of the Jupyter server.

    A single Python server process is bound by its GIL, so "which code holds the GIL" is where
    its throughput goes. Writes py-spy's raw (collapsed) stacks and returns the top frames.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    spy = BIN / "py-spy" if (BIN / "py-spy").exists() else shutil.which("py-spy")
    if spy is None:
        return {"error": "py-spy not found"}
    result: dict[str, Any] = {}
    for k in (1, 100):
        raw = out_dir / f"griffin-online-{k}.txt"
        say(f"profiling the Griffin server (py-spy --gil), {k} entit{'y' if k == 1 else 'ies'}")
        proc = subprocess.Popen([str(spy), "record", "--pid", str(server.proc.pid), "--gil",
                                 "--nonblocking", "--rate", "250", "--format", "raw",
                                 "--duration", str(max(1, round(seconds))), "-o", str(raw)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(0.5)
            stats = load(k)
            proc.wait(timeout=seconds + 60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        result[str(k)] = {"raw": str(raw), "rps_while_sampled": stats["rps"],
                          "top_inclusive": top_frames(raw) if raw.is_file() else []}
    return result


def top_frames(raw: Path, limit: int = 30) -> list[tuple[str, float]]:
    """Share of samples in which each function is on the stack (py-spy raw format)."""
    import re

    inclusive: dict[str, int] = {}
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        seen = set()
        for frame in stack.split(";"):
            m = re.match(r"(.*) \((.*):\d+\)$", frame)
            name = f"{m.group(1)} ({m.group(2).split('site-packages/')[-1]})" if m else frame
            if name not in seen:
                seen.add(name)
                inclusive[name] = inclusive.get(name, 0) + n
    plumbing = ("(threading.py)", "(asyncio/base_events.py)", "(asyncio/events.py)",
                "(concurrent/futures/thread.py)", "(traitlets/", "(jupyter_core/application.py)",
                "(jupyter_server/serverapp.py)", "(tornado/platform/asyncio.py)", "<module>")
    ranked = sorted(((name, n) for name, n in inclusive.items()
                     if not any(p in name for p in plumbing)), key=lambda kv: -kv[1])[:limit]
    return [(name, round(100 * n / max(1, total), 1)) for name, n in ranked]


# Report ------------------------------------------------------------------------------------
def table(res: dict[str, Any]) -> str:
    rows: list[tuple[str, str, str, str, str]] = []

    def add(what: str, g: float, f: float, fmt: str, goal: str = "", higher: bool = False,
            limit: float | None = None) -> None:
        ratio = g / f if f else float("nan")
        mark = ""
        if limit is not None:
            ok = ratio >= limit if higher else ratio <= limit
            mark = f"{goal} {'met' if ok else 'MISSED'}"
        rows.append((what, format(g, fmt), format(f, fmt), f"{ratio:.2f}", mark))

    b = res["build"]
    add(f"materialize {b['rows']:,} rows (s), separate views", b["griffin_materialize_s"],
        b["feast_materialize_s"], ".2f")
    add("  same, Griffin's run vs the Feast call inside it", b["griffin_materialize_s"],
        b["griffin_materialize_feast_part_s"], ".2f")
    for k, r in res["online"].items():
        label = "1 entity" if k == "1" else f"{k} entities"
        for q in ("p50", "p99"):
            add(f"in-process online, {label}, {q} (ms)", r["griffin"][f"{q}_ms"],
                r["feast"][f"{q}_ms"], ".3f", f"<= {ONLINE_GOAL:.2f}", limit=ONLINE_GOAL)
    rest = res.get("rest")
    if rest:
        feast_name = next(n for n in rest["targets"] if n.startswith("feast"))
        f_t = rest["targets"][feast_name]
        sides = [("feature server", "griffin_server", True), ("Jupyter route", "griffin", False)]
        for side, name, goal in sides:
            g_t = rest["targets"].get(name)
            if g_t is None:
                continue
            for k in ("1", "100"):
                label = f"REST {side}, {'1 entity' if k == '1' else f'{k} entities'}"
                add(f"{label}, req/s", g_t[k]["rps"], f_t[k]["rps"], ".0f",
                    f">= {REST_GOAL:.1f}" if goal else "", higher=True,
                    limit=REST_GOAL if goal else None)
                add(f"{label}, p50 (ms)", g_t[k]["p50_ms"], f_t[k]["p50_ms"], ".1f")
                add(f"{label}, p99 (ms)", g_t[k]["p99_ms"], f_t[k]["p99_ms"], ".1f",
                    "<= 1.0" if goal else "", limit=1.0 if goal else None)
                add(f"{label}, server CPU per request (ms)",
                    g_t[k]["server_cpu_ms_per_request"], f_t[k]["server_cpu_ms_per_request"],
                    ".2f")
    h = res["historical"]
    add(f"historical, {h['entity_rows']:,} entity rows, median (s)", h["griffin"]["median_s"],
        h["feast"]["median_s"], ".3f", f"<= {HISTORICAL_GOAL:.2f}", limit=HISTORICAL_GOAL)
    add("historical, fastest run (s)", h["griffin"]["min_s"], h["feast"]["min_s"], ".3f")
    rows.append((f"historical, rows returned (of {h['entity_rows']:,})",
                 f"{h['griffin']['rows']:,}", f"{h['feast']['rows']:,}", "", ""))
    head = ("measure", "griffin", "feast", "ratio", "goal")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(5)]
    lines = ["  ".join(c.ljust(w) if i in (0, 4) else c.rjust(w)
                       for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip()
             for r in [head, *rows]]
    lines.insert(1, "-" * len(lines[0]))
    notes = ["ratio = griffin / feast; times: lower is better, req/s: higher is better"]
    sdk = res["online"]
    notes.append("SDK in-process client.features.online (DataFrame) p50: " + ", ".join(
        f"{k} entit{'y' if k == '1' else 'ies'} {v['sdk']['p50_ms']:.3f} ms"
        for k, v in sdk.items()))
    if rest:
        for name, pair in rest.get("resized", {}).items():
            notes.append(f"vs {name} (same feast serve resized; Griffin measured again, "
                         "alternating): " + "; ".join(
                f"{k} entit{'y' if k == '1' else 'ies'} griffin {pair['griffin'][k]['rps']:.0f}"
                f" vs {pair[name][k]['rps']:.0f} req/s "
                f"({pair['griffin'][k]['rps'] / pair[name][k]['rps']:.2f}x), p99 "
                f"{pair['griffin'][k]['p99_ms']:.0f} vs {pair[name][k]['p99_ms']:.0f} ms, CPU/req "
                f"{pair['griffin'][k]['server_cpu_ms_per_request']:.2f} vs "
                f"{pair[name][k]['server_cpu_ms_per_request']:.2f} ms" for k in ("1", "100")))
        notes.append("server CPU used under load (cores): " + "; ".join(
            f"{n} " + "/".join(f"{v['server_cpu_cores']:.2f}" for v in t.values())
            for n, t in rest["targets"].items()) + " (1/100 entities)")
        everything = [rest["targets"], *rest.get("resized", {}).values()]
        errs: dict[str, int] = {}
        for group in everything:
            for n, t in group.items():
                errs[n] = errs.get(n, 0) + sum(v["errors"] for v in t.values())
        notes.append("REST errors/non-2xx: " + ", ".join(f"{n} {e}" for n, e in errs.items())
                     + "; healthy after start (started together): " + ", ".join(
                         f"{n} {v:.1f} s" for n, v in rest["ready_s"].items())
                     + "; first request: " + ", ".join(
                         f"{n} {v * 1e3:.0f} ms" for n, v in rest["first_request_s"].items()))
    notes.append("load average (1/5/15 min) at start " + "/".join(
        f"{x:.1f}" for x in res["loadavg_start"]) + ", at end " + "/".join(
        f"{x:.1f}" for x in res["loadavg_end"]))
    return "\n".join(lines + [""] + notes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=2000,
                        help="measured in-process online calls per side for 1 entity (a "
                        "quarter of them for 100 entities)")
    parser.add_argument("--seconds", type=float, default=15.0,
                        help="REST load per server and entity count")
    parser.add_argument("--rounds", type=int, default=3,
                        help="split each REST load into this many runs, alternating servers")
    parser.add_argument("--historical-runs", type=int, default=7)
    parser.add_argument("--feast-workers", type=int, nargs="+", default=None,
                        help="feast serve worker counts; the first is the baseline, the "
                        "others (the same server resized) are compared with Griffin again for "
                        "information; default: 2 1, or just 2 when --seconds < 10")
    parser.add_argument("--no-rest", action="store_true", help="skip the server comparison")
    parser.add_argument("--load-tool", choices=("auto", "wrk", "python"), default="auto",
                        help="auto: wrk when installed (apt-get install wrk), else a Python "
                        "asyncio/httpx load generator (which competes for the same 2 cores)")
    parser.add_argument("--profile", type=Path, default=None, metavar="DIR",
                        help="after the REST runs, sample the Griffin server with py-spy "
                        "during two extra load runs; raw stacks go to DIR")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep the scratch GRIFFIN_HOME, data and server logs here")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.feast_workers is None:
        args.feast_workers = [2, 1] if args.seconds >= 10 else [2]
    # A terminated benchmark still stops its servers (the finally blocks run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    work = args.workdir or Path(tempfile.mkdtemp(prefix="griffin-bench-fs-"))
    work.mkdir(parents=True, exist_ok=True)
    home = work / "home"
    if home.exists():
        shutil.rmtree(home)
    results: dict[str, Any] = {
        "users": args.users, "features": FEATURES, "calls": args.calls,
        "seconds": args.seconds, "cpus": os.cpu_count(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        git = ["git", "-C", str(Path(__file__).resolve().parent.parent)]
        results["commit"] = subprocess.run([*git, "rev-parse", "--short", "HEAD"],
                                           capture_output=True, text=True,
                                           check=True).stdout.strip()
        results["griffin_lab_modified"] = bool(subprocess.run(
            [*git, "status", "--porcelain", "griffin_lab"], capture_output=True, text=True,
            check=True).stdout.strip())
    results["loadavg_start"] = os.getloadavg()
    platform = None
    t_start = time.perf_counter()
    try:
        import feast

        results["feast_version"] = feast.__version__
        say(f"building {args.users:,} users x {FEATURES} features in {home}")
        data, entities, end = make_data(args.users, args.seed)
        platform, results["build"] = build_store(home, work, data, end)
        say("in-process online retrieval")
        results["online"] = bench_online(platform, args.users, args.calls, args.seed)
        say("historical retrieval")
        results["historical"] = bench_historical(platform, entities, args.historical_runs)
        if not args.no_rest:
            results["rest"] = bench_rest(platform, home, work, args.users, args.seconds,
                                         args.seed, args.feast_workers, args.profile,
                                         args.load_tool, args.rounds)
    finally:
        if platform is not None:
            platform.close()
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    results["total_s"] = time.perf_counter() - t_start
    results["loadavg_end"] = os.getloadavg()
    if args.json:
        print(json.dumps(results, indent=2, default=str))
        return
    print(f"Feature store: {args.users:,} users x {FEATURES} float features, Feast "
          f"{results['feast_version']}, SQLite online store, {os.cpu_count()} CPUs, commit "
          f"{results.get('commit', '?')}"
          f"{' (griffin_lab modified)' if results.get('griffin_lab_modified') else ''}, "
          f"{results['total_s']:.0f} s total")
    print(table(results))
    for k, prof in results.get("rest", {}).get("profile", {}).items():
        print(f"\nGriffin server, {k} entit{'y' if k == '1' else 'ies'} per request: share of "
              f"GIL-holding samples per function (py-spy, {prof['raw']})")
        for name, share in prof["top_inclusive"]:
            print(f"{share:6.1f}%  {name}")


if __name__ == "__main__":
    main()
