"""Griffin training jobs against the raw engines, side by side in one run.

1. LightGBM: a Griffin job (spec submitted -> model registered; 1 Ray Train worker with all
   the machine's threads, a warm embedded Ray head) vs plain ``lightgbm.train`` in this
   process on the same rows, split, parameters, threads and per-round validation metrics.
2. Submit -> RUNNING: how long until the job runs on the warm head (Griffin's ``started_at`` -
   ``created_at``), over several small jobs: on an idle warm standby (the default path; the
   benchmark waits for one to be idle before each job) and as a new Ray job (standbys off).
3. Keras: a Griffin ``tensorflow`` job (1 worker) vs plain ``model.fit`` of the same MLP on the
   same rows in one process, on a warm standby and as a new Ray job.

Each Griffin job's time is split into phases from its own records: submission (checks, data
fingerprint), queue (Ray starts the entrypoint), start-up (driver imports, Ray Train's
controller and worker processes), training (the worker's read, fit and results), and finish
(registration, worker-group teardown).

    python -m benchmarks.training [--rows 1000000] [--features 50] [--rounds 100] [--json]
    python -m benchmarks.training --rows 20000 --features 10 --rounds 20   # smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

THREADS = os.cpu_count() or 1


def make_data(path: Path, rows: int, features: int, seed: int = 0) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, features)).astype("float32")
    w = rng.normal(size=features).astype("float32")
    logit = x @ w / np.sqrt(features) + 0.5 * x[:, 0] * x[:, 1] + rng.normal(scale=0.5, size=rows)
    frame = pd.DataFrame(x, columns=[f"f{i}" for i in range(features)])
    frame["label"] = (logit > 0).astype("int8")
    frame.to_parquet(path, index=False)


def read_split(path: Path) -> tuple[list[str], Any, Any, Any, Any]:
    """Columns, features, label and the same random 80/20 split a Griffin job makes."""
    import pandas as pd

    from griffin_lab.training.data import split_indices

    frame = pd.read_parquet(path)
    cols = [c for c in frame.columns if c != "label"]
    train_idx, valid_idx = split_indices(len(frame), "random", 0.2, 42)
    return (cols, frame[cols].to_numpy("float32"), frame["label"].to_numpy("float32"),
            train_idx, valid_idx)


def plain_lightgbm(path: Path, rounds: int) -> dict[str, float]:
    """What a user would write by hand: read, split, Dataset, train with validation metrics."""
    import lightgbm as lgb

    t0 = time.perf_counter()
    cols, x, y, train_idx, valid_idx = read_split(path)
    train = lgb.Dataset(x[train_idx], y[train_idx], feature_name=cols, free_raw_data=False)
    valid = lgb.Dataset(x[valid_idx], y[valid_idx], reference=train)
    t1 = time.perf_counter()
    evals: dict[str, Any] = {}
    booster = lgb.train({"objective": "binary", "metric": ["binary_logloss", "auc"],
                         "num_threads": THREADS, "verbosity": -1, "learning_rate": 0.1,
                         "num_leaves": 31, "seed": 42, "deterministic": True,
                         "force_row_wise": True},
                        train, num_boost_round=rounds, valid_sets=[valid], valid_names=["valid"],
                        callbacks=[lgb.record_evaluation(evals)])
    t2 = time.perf_counter()
    return {"seconds": t2 - t0, "prepare_s": t1 - t0, "train_s": t2 - t1,
            "valid_auc": evals["valid"]["auc"][booster.current_iteration() - 1]}


def plain_keras(path: Path, epochs: int, batch: int) -> dict[str, float]:
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tf_keras as keras

    t0 = time.perf_counter()
    cols, x, y, train_idx, valid_idx = read_split(path)
    mean, std = x[train_idx].mean(axis=0), x[train_idx].std(axis=0)
    inputs = keras.Input(shape=(len(cols),))
    h = keras.layers.Normalization(mean=mean, variance=std ** 2)(inputs)
    h = keras.layers.Dense(64, activation="relu")(h)
    h = keras.layers.Dense(32, activation="relu")(h)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(h))
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy",
                  metrics=[keras.metrics.AUC(name="auc")])
    hist = model.fit(x[train_idx], y[train_idx], batch_size=batch, epochs=epochs,
                     validation_data=(x[valid_idx], y[valid_idx]), verbose=0)
    return {"seconds": time.perf_counter() - t0, "valid_auc": hist.history["val_auc"][-1]}


def griffin_job(client: Any, spec: dict[str, Any]) -> dict[str, Any]:
    t0 = time.time()
    job = client.train(spec)
    submitted = time.time()
    while job.refresh().status not in ("succeeded", "failed", "cancelled"):
        time.sleep(0.2)
    done = time.time()
    d = job.detail
    if d.status != "succeeded":
        raise RuntimeError(f"job {d.id} {d.status}: {d.error}")
    created, started, finished = (d.created_at.timestamp(), d.started_at.timestamp(),
                                  d.finished_at.timestamp())
    worker_start = min(w["started_at"] for w in d.workers)
    m = d.metrics
    train_s = m["train_seconds"]
    return {
        "seconds": done - t0, "job_id": d.id, "valid_auc": d.metrics.get("valid_auc"),
        "phases": {
            "submit (checks, fingerprint, Ray submit)": submitted - t0,
            "queue (Ray starts the entrypoint)": started - created,
            "start-up (driver, Train controller, worker processes)": worker_start - started,
            "train: read and split the rows": m["load_seconds"],
            "train: fit (Dataset + boosting, or model.fit)": m["fit_seconds"],
            "train: results (model, importance, predictions)":
                train_s - m["load_seconds"] - m["fit_seconds"],
            "finish (teardown, registration)": finished - worker_start - train_s,
        },
    }


def wait_warm(platform: Any, runtime: str, timeout: float = 300.0) -> float:
    """Until a standby of ``runtime`` is idle (what a user finds a few seconds after their
    previous job started); the seconds waited."""
    from sqlalchemy import select

    from griffin_lab.training.tables import TrainingStandbyRow

    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        with platform.db.session() as session:
            idle = session.execute(select(TrainingStandbyRow.id).where(
                TrainingStandbyRow.runtime == runtime,
                TrainingStandbyRow.state == "idle")).first()
        if idle is not None:
            return time.perf_counter() - t0
        time.sleep(0.1)
    raise RuntimeError(f"no {runtime} standby became idle in {timeout:.0f} s")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--keras-rows", type=int, default=100_000)
    parser.add_argument("--keras-epochs", type=int, default=2)
    parser.add_argument("--latency-jobs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from griffin_lab.platform import Platform
    from griffin_lab.sdk import Client
    from griffin_lab.sdk.transport import InProcessTransport
    from griffin_lab.settings import Settings
    from griffin_lab.training.ray_jobs import ensure_local_head, stop_local_head

    scratch = Path(tempfile.mkdtemp(prefix="griffin-bench-train-"))
    home = scratch / "home"
    data, small, kdata = scratch / "big.parquet", scratch / "small.parquet", scratch / "k.parquet"
    make_data(data, args.rows, args.features)
    make_data(small, 2_000, 5, seed=1)
    make_data(kdata, args.keras_rows, 20, seed=2)
    results: dict[str, Any] = {"rows": args.rows, "features": args.features,
                               "rounds": args.rounds, "threads": THREADS}
    t = time.perf_counter()
    ensure_local_head(home)
    results["head_start_s"] = time.perf_counter() - t
    platform = Platform.from_settings(Settings.load(home=home, training_standby=True))
    client = Client(InProcessTransport(platform))
    # The same home without standbys: every job is a new Ray job (the path of a job that finds
    # no idle standby, and of every job before standbys existed).
    cold_platform = Platform.from_settings(Settings.load(home=home, training_standby=False))
    cold = Client(InProcessTransport(cold_platform))
    try:
        base = {"runtime": "lightgbm", "label": "label", "register_as": "bench",
                "scaling": {"num_workers": 1, "cpus_per_worker": THREADS}}
        small_job = {**base, "data": {"path": str(small)}, "params": {"num_boost_round": 5}}
        # warm-up: the head's first job pays one-off costs (runtime env agent, caches); it
        # also submits the first LightGBM standby
        griffin_job(client, {**small_job, "name": "warmup"})
        lat, lat_cold, waited = [], [], []
        for i in range(args.latency_jobs):
            waited.append(wait_warm(platform, "lightgbm"))
            lat.append(griffin_job(client, {**small_job, "name": f"latency-{i}"}))
        for i in range(args.latency_jobs):
            lat_cold.append(griffin_job(cold, {**small_job, "name": f"latency-cold-{i}"}))
        for key, runs in (("submit_to_running_s", lat), ("submit_to_running_cold_s", lat_cold)):
            queue = [r["phases"]["queue (Ray starts the entrypoint)"] for r in runs]
            results[key] = {"median": statistics.median(queue), "max": max(queue),
                            "runs": len(queue)}
        results["standby_ready_s"] = {"median": statistics.median(waited), "max": max(waited)}
        results["small_job_s"] = statistics.median(r["seconds"] for r in lat)
        results["small_job_cold_s"] = statistics.median(r["seconds"] for r in lat_cold)
        plain = plain_lightgbm(data, args.rounds)
        wait_warm(platform, "lightgbm")
        job = griffin_job(client, {**base, "name": "lgbm-bench", "data": {"path": str(data)},
                                   "params": {"num_boost_round": args.rounds}})
        plain2 = plain_lightgbm(data, args.rounds)  # again after, to see the machine's drift
        results["lightgbm"] = {"plain_s": [plain["seconds"], plain2["seconds"]],
                               "plain_detail": plain, "griffin": job,
                               "ratio": job["seconds"] / statistics.mean(
                                   [plain["seconds"], plain2["seconds"]])}
        keras = {"name": "keras-bench", "runtime": "tensorflow", "label": "label",
                 "data": {"path": str(kdata)},
                 "scaling": {"num_workers": 1, "cpus_per_worker": THREADS},
                 "params": {"layers": [{"units": 64}, {"units": 32}],
                            "epochs": args.keras_epochs, "batch_size": 256}}
        # a small TensorFlow job first: it submits the first TensorFlow standby
        griffin_job(client, {**keras, "name": "keras-warmup", "data": {"path": str(small)},
                             "params": {**keras["params"], "epochs": 1}})
        kplain = plain_keras(kdata, args.keras_epochs, 256)
        wait_warm(platform, "tensorflow")
        kjob = griffin_job(client, keras)
        kcold = griffin_job(cold, {**keras, "name": "keras-cold"})
        results["keras"] = {"plain": kplain, "griffin": kjob, "cold": kcold,
                            "ratio": kjob["seconds"] / kplain["seconds"],
                            "cold_ratio": kcold["seconds"] / kplain["seconds"]}
    finally:
        platform.training.standby.stop_all()
        cold_platform.close()
        platform.close()
        stop_local_head(home)
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    else:
        report(results)
    return results


def report(r: dict[str, Any]) -> None:
    lg, ke = r["lightgbm"], r["keras"]
    print(f"LightGBM {r['rows']:,} x {r['features']}, {r['rounds']} rounds, {r['threads']} "
          f"threads: plain {lg['plain_s'][0]:.1f} / {lg['plain_s'][1]:.1f} s, Griffin job "
          f"{lg['griffin']['seconds']:.1f} s -> ratio {lg['ratio']:.2f}")
    for name, s in lg["griffin"]["phases"].items():
        print(f"    {name:<58} {s:6.2f} s")
    p = lg["plain_detail"]
    print(f"    plain: read + split + Dataset {p['prepare_s']:.2f} s, "
          f"boosting {p['train_s']:.2f} s")
    print(f"Keras: plain {ke['plain']['seconds']:.1f} s, Griffin job {ke['griffin']['seconds']:.1f}"
          f" s -> ratio {ke['ratio']:.2f}; without a standby {ke['cold']['seconds']:.1f} s -> "
          f"ratio {ke['cold_ratio']:.2f}")
    for name, s in ke["griffin"]["phases"].items():
        print(f"    {name:<58} {s:6.2f} s  (without a standby "
              f"{ke['cold']['phases'][name]:.2f} s)")
    for key, what in (("submit_to_running_s", "on a warm standby"),
                      ("submit_to_running_cold_s", "as a new Ray job")):
        sr = r[key]
        print(f"submit -> RUNNING {what} (warm head): median {sr['median']:.2f} s, max "
              f"{sr['max']:.2f} s over {sr['runs']} jobs")
    print(f"a small job end to end: {r['small_job_s']:.1f} s on a standby, "
          f"{r['small_job_cold_s']:.1f} s as a new Ray job; a standby was idle "
          f"{r['standby_ready_s']['median']:.1f} s (median) after the previous job started")


if __name__ == "__main__":
    main(sys.argv[1:])
