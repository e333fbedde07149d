"""A Griffin endpoint against a plain, hand-written BentoML service of the same LightGBM model.

In one run, on 127.0.0.1:

1. cold start: ``client.deploy`` (Bento build + ``bentoml serve`` + router) to the first
   answer through the stable address, vs ``bentoml serve plain_service.py`` to its first
   answer;
2. throughput and latency under the same bounded load (wrk, else asyncio keep-alive
   clients, posting one row of 50 features, fixed duration, 16 and 64 connections,
   alternating runs): the Griffin endpoint through its stable address (nginx → BentoML,
   request validation, batching, request logging, the logs read into the database every 5 s
   as the Jupyter server does), the same Griffin BentoML process directly (the router's
   cost), the same Bento started with its request log off (monitoring's cost), and the plain
   service (one worker each, access logs off).

Goal: Griffin >= 0.9x the plain service's requests/s with p99 <= 1.2x.

    python -m benchmarks.serving [--seconds 10] [--runs 2] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.feature_store import BIN, free_port, post_load, say, summarize

FEATURES = [f"f{i:02d}" for i in range(50)]
PLAIN_SERVICE = '''
import bentoml
import lightgbm as lgb
import numpy as np

FEATURES = %(features)r


@bentoml.service(workers=1)
class Plain:
    def __init__(self) -> None:
        self.booster = lgb.Booster(model_file=%(model)r)

    @bentoml.api
    def predict(self, instances: list[dict]) -> dict:
        x = np.array([[row[f] for f in FEATURES] for row in instances], dtype="float64")
        return {"predictions": self.booster.predict(x, num_threads=1).tolist()}
'''


def train(work: Path) -> tuple[Path, list[dict[str, float]]]:
    import lightgbm as lgb
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(20_000, len(FEATURES))), columns=FEATURES)
    y = (frame["f00"] + frame["f01"] * frame["f02"] > 0).astype(int)
    booster = lgb.train({"objective": "binary", "verbose": -1, "num_leaves": 31},
                        lgb.Dataset(frame, y), num_boost_round=100)
    path = work / "model.txt"
    booster.save_model(str(path))
    return path, frame.head(2000).to_dict(orient="records")


WRK_SCRIPT = """
local bodies = {%(bodies)s}
local i = 0
request = function()
  i = i %% #bodies + 1
  return wrk.format("POST", "/predict", {["Content-Type"] = "application/json"}, bodies[i])
end
done = function(summary, latency, requests)
  local q = {}
  for p = 1, 1000 do q[p] = latency:percentile(p / 10) end
  io.write(string.format('WRKJSON {"requests": %%d, "duration_us": %%d, "errors": %%d, '
    .. '"max_us": %%d, "quantiles_us": [%%s]}\\n', summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout, latency.max, table.concat(q, ",")))
end
"""


def wrk_load(url: str, rows: list[dict[str, Any]], connections: int, seconds: float,
             work: Path, key: str = "instances") -> dict[str, Any]:
    """wrk (C, 1 thread) drives the load, so the client does not compete with the servers
    for the Python interpreter's time; rows rotate over 200 different bodies, each
    ``{key: [row]}``."""
    from urllib.parse import urlsplit

    bodies = ",".join(json.dumps(json.dumps({key: [r]})) for r in rows[:200])
    script = work / f"wrk-{connections}-{key}.lua"
    script.write_text(WRK_SCRIPT % {"bodies": bodies})
    base = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{int(seconds)}s",
                          "--timeout", "10s", "-s", str(script), base],
                         capture_output=True, text=True, timeout=seconds + 60, check=True)
    line = next(x for x in out.stdout.splitlines() if x.startswith("WRKJSON "))
    r = json.loads(line[len("WRKJSON "):])
    weight = r["requests"] / 1000
    return {"requests": r["requests"], "duration_s": r["duration_us"] / 1e6,
            "errors": r["errors"], "max_ms": r["max_us"] / 1e3,
            "samples": [(q / 1e3, weight) for q in r["quantiles_us"]]}


def wait_answer(url: str, row: dict[str, float], timeout: float = 120) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.post(url, json={"instances": [row]}, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from griffin_lab.platform import Platform
    from griffin_lab.registry.schemas import RegisterRequest
    from griffin_lab.serving.schemas import DeployRequest

    work = Path(tempfile.mkdtemp(prefix="griffin-bench-serving-"))
    plain = nolog = None
    platform = Platform.from_settings(home=work / "home")
    results: dict[str, Any] = {"args": vars(args)}
    try:
        model, rows = train(work)
        platform.registry.register("bench-model", RegisterRequest(path=str(model)), "bench")

        started = time.perf_counter()
        endpoint = platform.serving.deploy(DeployRequest(model="bench-model@1"), "bench")
        wait_answer(f"{endpoint.url}/predict", rows[0])
        griffin_cold = time.perf_counter() - started
        say(f"griffin endpoint {endpoint.url} ready in {griffin_cold:.1f} s")

        (work / "plain_service.py").write_text(PLAIN_SERVICE % {"features": FEATURES,
                                                                "model": str(model)})
        port = free_port()
        env = {**os.environ, "BENTOML_HOME": str(work / "bentoml-plain"),
               "BENTOML_DO_NOT_TRACK": "True"}
        started = time.perf_counter()
        plain = subprocess.Popen([str(BIN / "bentoml"), "serve", "plain_service:Plain",
                                  "--host", "127.0.0.1", "--port", str(port)],
                                 cwd=work, env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, start_new_session=True)
        plain_url = f"http://127.0.0.1:{port}"
        wait_answer(f"{plain_url}/predict", rows[0])
        plain_cold = time.perf_counter() - started
        say(f"plain bentoml serve ready in {plain_cold:.1f} s")
        results["cold_start_s"] = {"griffin_deploy": round(griffin_cold, 2),
                                   "plain_bentoml_serve": round(plain_cold, 2)}

        process = platform.serving.get(endpoint.name).processes[0]
        direct = f"http://127.0.0.1:{process.port}"
        from griffin_lab.serving import bento

        nolog_port = free_port()
        argv, env = bento.serve_command(bento.get(platform.settings.home, process.bento),
                                        nolog_port)
        nolog = subprocess.Popen(argv, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, start_new_session=True)
        nolog_url = f"http://127.0.0.1:{nolog_port}"
        wait_answer(f"{nolog_url}/predict", rows[0])
        targets = {"griffin": endpoint.url, "griffin_direct": direct,
                   "griffin_direct_no_log": nolog_url, "plain": plain_url}
        stop_ingest = threading.Event()

        def ingest() -> None:  # what the Jupyter server's monitoring loop does
            while not stop_ingest.wait(5.0):
                platform.monitoring.refresh()

        threading.Thread(target=ingest, daemon=True).start()
        use_wrk = shutil.which("wrk") is not None
        results["load_generator"] = "wrk" if use_wrk else "python asyncio (wrk not found)"

        def run_load(url: str, connections: int, seconds: float) -> dict[str, Any]:
            if use_wrk:
                return wrk_load(url, rows, connections, seconds, work)
            bodies = [json.dumps({"instances": [r]}) for r in rows]
            return post_load(f"{url}/predict", {}, bodies, connections, seconds)

        for connections in (16, 64):
            chunks: dict[str, list[dict[str, Any]]] = {k: [] for k in targets}
            for url in targets.values():  # warm-up
                run_load(url, connections, 2)
            for _ in range(args.runs):
                for target, url in targets.items():
                    chunks[target].append(run_load(url, connections, args.seconds))
            figures = {k: summarize(v, 0.0) for k, v in chunks.items()}
            for f in figures.values():
                for key in ("server_cpu_ms_per_request", "server_cpu_cores"):
                    f.pop(key)
            results[f"c{connections}"] = figures
            g, p = figures["griffin"], figures["plain"]
            say(f"{connections} connections: griffin {g['rps']:.0f} req/s p99 "
                f"{g['p99_ms']:.1f} ms; plain {p['rps']:.0f} req/s p99 {p['p99_ms']:.1f} ms")
        stop_ingest.set()
        started = time.perf_counter()
        report = platform.monitoring.refresh()
        health = platform.monitoring.health(endpoint.name)
        results["monitoring"] = {
            "requests_counted": sum(v.requests for v in health.versions),
            "last_refresh_s": round(time.perf_counter() - started, 3),
            "last_refresh_lines": report.requests}
    finally:
        from griffin_lab.serving import bento

        for proc in (plain, nolog):
            if proc is not None:
                bento.stop(proc.pid)
        platform.serving.stop_all()
        platform.close()
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"\ncold start: griffin deploy {results['cold_start_s']['griffin_deploy']} s, "
          f"plain bentoml serve {results['cold_start_s']['plain_bentoml_serve']} s")
    for connections in (16, 64):
        figures = results[f"c{connections}"]
        for name, f in figures.items():
            print(f"c{connections} {name:<15} {f['rps']:>8.0f} req/s  p50 {f['p50_ms']:6.1f} ms"
                  f"  p99 {f['p99_ms']:6.1f} ms  errors {f['errors']}")
        g, p = figures["griffin"], figures["plain"]
        print(f"c{connections} ratio: {g['rps'] / p['rps']:.2f}x req/s, "
              f"{g['p99_ms'] / p['p99_ms']:.2f}x p99")
        on, off = figures["griffin_direct"], figures["griffin_direct_no_log"]
        print(f"c{connections} request log on/off: {on['rps'] / off['rps']:.2f}x req/s")
    print(f"monitoring: {results['monitoring']}")


if __name__ == "__main__":
    sys.exit(main())
