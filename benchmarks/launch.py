"""Launch time of a tier-1 model with every gate, from ``launch`` to serving production
traffic, on this machine.

In one run, on 127.0.0.1: two close versions of a LightGBM model (50 features, 100 trees)
are registered as a tier-1 model, v1 is deployed and gets a bounded background load (4
keep-alive clients, one row per request) for 10 s, so the endpoint has recorded traffic to
replay; then v2 is launched with the defaults (200 replayed requests, 5 s of shadow traffic,
a 10 s health watch). Reported: seconds until the load first sees v2 answer (serving
production traffic), seconds until the launch succeeded, each step's seconds, and failed
requests during the launch (goal: none; and launch-to-production <= 60 s).

    python -m benchmarks.launch [--shadow 5] [--watch 10] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.feature_store import say

FEATURES = [f"f{i:02d}" for i in range(50)]


def train(work: Path) -> tuple[list[Path], list[dict[str, float]]]:
    import lightgbm as lgb
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.normal(size=(20_000, len(FEATURES))), columns=FEATURES)
    y = ((x.iloc[:, :5].sum(axis=1) + rng.normal(size=len(x))) > 0).astype(int)
    paths = []
    for seed, leaf in ((1, 20), (2, 22)):
        booster = lgb.train({"objective": "binary", "verbose": -1, "num_leaves": 31,
                             "min_data_in_leaf": leaf, "seed": seed},
                            lgb.Dataset(x, y), num_boost_round=100)
        path = work / f"model-{seed}.txt"
        booster.save_model(str(path))
        paths.append(path)
    return paths, x.head(500).to_dict(orient="records")


class Load:
    def __init__(self, url: str, rows: list[dict[str, float]], clients: int = 4) -> None:
        self.url, self.rows = url, rows
        self.stop, self.failures, self.seen = threading.Event(), 0, []
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True)
                        for i in range(clients)]
        for t in self.threads:
            t.start()

    def _run(self, i: int) -> None:
        import httpx

        deadline = time.monotonic() + 600
        with httpx.Client(timeout=30, trust_env=False) as http:
            while not self.stop.is_set() and time.monotonic() < deadline:
                row = self.rows[i % len(self.rows)]
                i += len(self.threads)
                try:
                    r = http.post(f"{self.url}/predict", json={"instances": [row]})
                except httpx.RemoteProtocolError:  # an idle connection a reload closed
                    r = http.post(f"{self.url}/predict", json={"instances": [row]})
                except httpx.HTTPError:
                    self.failures += 1
                    continue
                if r.status_code != 200:
                    self.failures += 1
                else:
                    self.seen.append((time.monotonic(), r.json()["version"]))
                time.sleep(0.01)

    def close(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shadow", type=float, default=5.0)
    parser.add_argument("--watch", type=float, default=10.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from griffin_lab.launch.schemas import LaunchRequest
    from griffin_lab.platform import Platform
    from griffin_lab.registry.schemas import ModelUpdate, RegisterRequest
    from griffin_lab.serving.schemas import DeployRequest

    work = Path(tempfile.mkdtemp(prefix="griffin-bench-launch-"))
    platform = Platform.from_settings(home=work / "home")
    load = None
    try:
        paths, rows = train(work)
        for i, (path, auc) in enumerate(zip(paths, (0.80, 0.81), strict=True)):
            platform.registry.register("bench-launch", RegisterRequest(
                path=str(path), metrics={"valid_auc": auc},
                model=ModelUpdate(tier=1) if i == 0 else None), "bench")
        endpoint = platform.serving.deploy(DeployRequest(model="bench-launch@1"), "bench")
        load = Load(endpoint.url, rows)
        time.sleep(10)  # recorded traffic
        started = time.monotonic()
        detail = platform.launches.start(LaunchRequest(
            model="bench-launch", version=2, shadow_s=args.shadow, watch_s=args.watch),
            "bench")
        detail = platform.launches.wait(detail.id, timeout=600)
        done = time.monotonic() - started
        switched = next((t for t, v in load.seen if v == 2 and t >= started), None)
        load.close()
        results: dict[str, Any] = {
            "args": vars(args), "status": detail.status, "message": detail.message,
            "launch_to_production_traffic_s": None if switched is None else
            round(switched - started, 2),
            "launch_to_succeeded_s": round(done, 2),
            "steps": {s.name: s.seconds for s in detail.steps},
            "gates": {g.name: g.passed for g in detail.gates},
            "failed_requests": load.failures, "requests": len(load.seen)}
        say(f"launch {detail.status} in {done:.1f} s")
    finally:
        if load is not None:
            load.close()
        platform.serving.stop_all()
        platform.close()
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"launch: {results['status']} ({results['message']})")
    print(f"launch -> production traffic: {results['launch_to_production_traffic_s']} s; "
          f"-> succeeded: {results['launch_to_succeeded_s']} s")
    for step, seconds in results["steps"].items():
        print(f"  {step:<13} {seconds} s")
    print(f"gates: {results['gates']}; failed requests {results['failed_requests']} of "
          f"{results['requests']}")


if __name__ == "__main__":
    sys.exit(main())
