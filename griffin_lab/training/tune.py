"""Tuning: a Ray Tune sweep over the runtime. Each trial is one training run with the
trial's parameters; every trial's parameters and metrics are kept, and the best trial's
model becomes the job's model."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .tables import TrainingTrialRow


def search_space(space: dict[str, dict[str, Any]]) -> dict[str, Any]:
    from ray import tune

    out: dict[str, Any] = {}
    for name, dim in space.items():
        kind, value = next((k, v) for k, v in dim.items() if v is not None)
        if kind == "uniform":
            out[name] = tune.uniform(*value)
        elif kind == "loguniform":
            out[name] = tune.loguniform(*value)
        elif kind == "randint":
            out[name] = tune.randint(value[0], value[1] + 1)  # inclusive, as written
        else:
            out[name] = tune.choice(value)
    return out


def _trial(cfg: dict[str, Any], module: str, config: dict[str, Any]) -> None:
    import importlib

    from ray import tune

    from .metrics import database

    trial = tune.get_context().get_trial_id()
    params = {**cfg["params"], **config}
    with database().session(write=True) as session:
        session.add(TrainingTrialRow(job_id=cfg["job_id"], trial=trial, params=config,
                                     status="running"))
    try:
        final = importlib.import_module(module).fit({**cfg, "params": params, "trial": trial},
                                                    0, 1)
    except BaseException:
        _set_trial(cfg["job_id"], trial, status="failed")
        raise
    _set_trial(cfg["job_id"], trial, status="succeeded", metrics=final)
    tune.report({k: v for k, v in final.items() if isinstance(v, int | float)})


def _set_trial(job_id: str, trial: str, **values: Any) -> None:
    from sqlalchemy import update

    from .metrics import database

    with database().session(write=True) as session:
        session.execute(update(TrainingTrialRow).where(
            TrainingTrialRow.job_id == job_id, TrainingTrialRow.trial == trial).values(**values))


def run_tuning(cfg: dict[str, Any], tune_spec: dict[str, Any], rt: ModuleType) -> None:
    """Run the sweep; copy the best trial's results to the job's folder."""
    from functools import partial

    from ray import tune
    from sqlalchemy import update

    from .artifacts import ArtifactDir
    from .metrics import MetricsSink, database

    metric, mode = tune_spec.get("metric"), tune_spec.get("mode")
    default_metric, default_mode = rt.default_metric(cfg["data"]["task"])
    metric, mode = metric or default_metric, mode or default_mode
    cpus = cfg["scaling"]["cpus_per_worker"]
    trainable = tune.with_resources(partial(_trial, cfg, rt.__name__), {"cpu": cpus})
    num = tune_spec["num_trials"]
    sink = MetricsSink(cfg["job_id"], total_steps=num)
    sink.flush(message=f"tuning: {num} trials")

    class Progress(tune.Callback):
        def __init__(self) -> None:
            self.done = 0

        def on_trial_complete(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
            self.done += 1
            sink.add(self.done, {})
            sink.flush(message=f"tuning: {self.done} of {num} trials done")

    tuner = tune.Tuner(
        trainable,
        param_space=search_space(tune_spec["search_space"]),
        tune_config=tune.TuneConfig(metric=metric, mode=mode, num_samples=num,
                                    max_concurrent_trials=tune_spec.get("max_concurrent")),
        run_config=tune.RunConfig(name="tune", storage_path=cfg["ray_storage"],
                                  callbacks=[Progress()], verbose=0),
    )
    results = tuner.fit()
    if results.num_errors == len(results):
        raise RuntimeError(f"all {len(results)} tuning trials failed; first error: "
                           f"{results.errors[0] if results.errors else 'unknown'}")
    best = results.get_best_result(metric=metric, mode=mode)
    trial_id = (best.metrics or {}).get("trial_id") or best.path.rstrip("/").split("/")[-1]
    with database().session(write=True) as session:
        session.execute(update(TrainingTrialRow).where(
            TrainingTrialRow.job_id == cfg["job_id"], TrainingTrialRow.trial == trial_id
        ).values(best=True))
    root = ArtifactDir(cfg["artifact_uri"])
    trial_dir = root.child(f"trials/{trial_id}")
    for name in ("model", "metrics.json", "importance.json", "signature.json",
                 "validation_predictions.parquet"):
        src = f"{trial_dir.path}/{name}"
        if root.fs.isdir(src):
            root.copy_tree(src, name)
        else:
            root.fs.copy(src, f"{root.path}/{name}")
    metrics = root.read_json("metrics.json")
    metrics["tuning"] = {"metric": metric, "mode": mode, "best_trial": trial_id,
                         "best_params": best.config, "trials": len(results)}
    root.write_json("metrics.json", metrics)
