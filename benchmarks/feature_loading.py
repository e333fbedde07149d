"""What feature loading costs: one endpoint that takes every feature in the request against
one that takes entity keys only and reads the features from the online store.

In one run, on 127.0.0.1, in a scratch ``GRIFFIN_HOME`` seeded with the demo grocery data
(``--size``), the feature store materialized into its SQLite online store: a LightGBM model
trained on the ``reorder_model`` feature service is deployed twice, one worker each,
request logging on: ``full`` (``{"instances": [{...}]}``, the values read beforehand from
the same online store) and ``keys`` (``online_features=True``,
``{"entities": [{"user_id", "product_id"}]}``). Both answer the same 200 rows (checked
equal), under the same bounded load (wrk if present, else asyncio keep-alive clients; one
row per request; alternating runs) and one request at a time (the latency a lone caller
sees). For reference: Feast's own ``get_online_features`` for one entity, in-process.

    python -m benchmarks.feature_loading [--size tiny] [--seconds 10] [--runs 2] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.feature_store import post_load, say, summarize
from benchmarks.serving import wrk_load

KEYS = ["user_id", "product_id"]
SERVICE = "reorder_model"


def sequential_ms(url: str, key: str, rows: list[dict[str, Any]], n: int) -> dict[str, float]:
    import httpx

    times = []
    with httpx.Client(timeout=30, trust_env=False) as http:
        for i in range(n):
            started = time.perf_counter()
            r = http.post(f"{url}/predict", json={key: [rows[i % len(rows)]]})
            times.append((time.perf_counter() - started) * 1000)
            r.raise_for_status()
    times.sort()
    return {"p50_ms": round(statistics.median(times), 3),
            "p99_ms": round(times[int(0.99 * (len(times) - 1))], 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="tiny")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import lightgbm as lgb
    import pandas as pd

    import griffin_lab

    work = Path(tempfile.mkdtemp(prefix="griffin-bench-fl-"))
    results: dict[str, Any] = {"args": vars(args)}
    client = griffin_lab.connect(home=work / "home")
    platform = client.transport.platform
    try:
        report = client.demo(args.size, seed=3)
        labels = pd.read_parquet(Path(report.data_dir) / "reorder_labels.parquet")
        refs = next(s.features for s in client.features.services() if s.name == SERVICE)
        names = [r.split(":", 1)[1] for r in refs]
        frame = client.features.training_set(labels, SERVICE)
        booster = lgb.train({"objective": "binary", "verbose": -1, "num_leaves": 15},
                            lgb.Dataset(frame[names], frame["label"]), num_boost_round=50)
        booster.save_model(str(work / "model.txt"))
        client.models.register("fl-bench", work / "model.txt",
                               lineage={"feature_refs": refs})
        entities = labels[KEYS].drop_duplicates().head(200).reset_index(drop=True)
        online = client.features.online(refs, entities)
        full_rows = [{k: (None if pd.isna(v) else float(v)) for k, v in r.items()}
                     for r in online[names].to_dict(orient="records")]
        key_rows = [{k: int(v) for k, v in r.items()}
                    for r in entities.to_dict(orient="records")]
        results["features"], results["entities"] = len(names), len(key_rows)

        started = time.perf_counter()
        full = client.deploy("fl-bench@1", name="fl-full")
        results["deploy_full_s"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        keys = client.deploy("fl-bench@1", name="fl-keys", online_features=True)
        results["deploy_keys_s"] = round(time.perf_counter() - started, 2)
        a = full.predict(full_rows)
        b = keys.predict(entities=key_rows)
        assert all(abs(x - y) < 1e-12 for x, y in zip(a, b, strict=True)), "answers differ"
        say(f"{len(key_rows)} rows answered alike by {full.url} and {keys.url}")

        store = platform.features.repo.store
        one = {k: [key_rows[0][k]] for k in KEYS}
        for _ in range(20):
            store.get_online_features(features=refs, entity_rows=one)
        t = []
        for i in range(300):
            row = key_rows[i % len(key_rows)]
            started = time.perf_counter()
            store.get_online_features(features=refs, entity_rows={k: [row[k]] for k in KEYS})
            t.append((time.perf_counter() - started) * 1000)
        results["feast_in_process_1_entity_p50_ms"] = round(statistics.median(t), 3)

        targets = {"full": (full.url, "instances", full_rows),
                   "keys": (keys.url, "entities", key_rows)}
        for url, key, rows in targets.values():  # warm-up
            sequential_ms(url, key, rows, 50)
        results["sequential"] = {name: sequential_ms(url, key, rows, 500)
                                 for name, (url, key, rows) in targets.items()}
        use_wrk = shutil.which("wrk") is not None
        results["load_generator"] = "wrk" if use_wrk else "python asyncio (wrk not found)"

        def load(url: str, key: str, rows: list[dict[str, Any]], seconds: float) -> Any:
            if use_wrk:
                return wrk_load(url, rows, 16, seconds, work, key=key)
            bodies = [json.dumps({key: [r]}) for r in rows]
            return post_load(f"{url}/predict", {}, bodies, 16, seconds)

        for url, key, rows in targets.values():
            load(url, key, rows, 2)
        chunks: dict[str, list[Any]] = {k: [] for k in targets}
        for _ in range(args.runs):
            for name, (url, key, rows) in targets.items():
                chunks[name].append(load(url, key, rows, args.seconds))
        figures = {k: summarize(v, 0.0) for k, v in chunks.items()}
        for f in figures.values():
            for key in ("server_cpu_ms_per_request", "server_cpu_cores"):
                f.pop(key, None)
        results["c16"] = figures
    finally:
        platform.serving.stop_all()
        client.close()
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    seq = results["sequential"]
    print(f"{results['features']} features, {results['entities']} entities; Feast in-process "
          f"1 entity p50 {results['feast_in_process_1_entity_p50_ms']} ms")
    print(f"deploy: full {results['deploy_full_s']} s, keys {results['deploy_keys_s']} s")
    for name in ("full", "keys"):
        f = results["c16"][name]
        print(f"{name:<5} one at a time p50 {seq[name]['p50_ms']:.2f} ms p99 "
              f"{seq[name]['p99_ms']:.2f} ms | c16 {f['rps']:.0f} req/s p50 {f['p50_ms']:.1f} "
              f"ms p99 {f['p99_ms']:.1f} ms errors {f['errors']}")
    f, k = results["c16"]["full"], results["c16"]["keys"]
    print(f"keys/full: {k['rps'] / f['rps']:.2f}x req/s, {k['p99_ms'] / f['p99_ms']:.2f}x p99, "
          f"+{seq['keys']['p50_ms'] - seq['full']['p50_ms']:.2f} ms p50 one at a time")


if __name__ == "__main__":
    sys.exit(main())
