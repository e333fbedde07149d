"""What every runtime's workers share: the job config, Ray Train's context, result files."""

from __future__ import annotations

import os
from typing import Any

from ..artifacts import ArtifactDir


def worker_position() -> tuple[int, int]:
    """(rank, world size) inside a Ray Train worker; (0, 1) anywhere else."""
    try:
        import ray.train

        ctx = ray.train.get_context()
        return ctx.get_world_rank(), ctx.get_world_size()
    except Exception:
        return 0, 1


def threads(cfg: dict[str, Any]) -> int:
    return max(1, int(cfg["scaling"]["cpus_per_worker"]))


def output_dir(cfg: dict[str, Any]) -> ArtifactDir:
    """Where rank 0 writes the model and its results (a trial writes under trials/)."""
    root = ArtifactDir(cfg["artifact_uri"])
    return root.child(f"trials/{cfg['trial']}") if cfg.get("trial") else root


def runs_in_driver(scaling: dict[str, Any], tuned: bool) -> bool:
    """A single CPU worker runs in Ray Train's local mode, inside the job's driver (whose CPUs
    Ray reserves): no controller or worker processes to start. Two or more workers, a GPU or
    a tuning sweep start a worker group."""
    return scaling["num_workers"] == 1 and not scaling["use_gpu"] and not tuned


def scaling_config(cfg: dict[str, Any]) -> Any:
    from ray.train import ScalingConfig

    s = cfg["scaling"]
    if runs_in_driver(s, tuned=False):
        return ScalingConfig(num_workers=0)  # local mode: the driver is the worker
    return ScalingConfig(num_workers=s["num_workers"], use_gpu=s["use_gpu"],
                         resources_per_worker={"CPU": s["cpus_per_worker"],
                                               **({"GPU": 1} if s["use_gpu"] else {})})


def run_config(cfg: dict[str, Any]) -> Any:
    from ray.train import FailureConfig, RunConfig

    storage = cfg["ray_storage"]
    return RunConfig(name=f"griffin-{cfg['job_id']}", storage_path=storage,
                     failure_config=FailureConfig(max_failures=0),
                     worker_runtime_env={"env_vars": dict(cfg.get("env", {}))})


def train_loop_per_worker(cfg: dict[str, Any]) -> None:
    """What every Ray Train worker runs: the job's runtime's ``fit`` at this worker's rank."""
    from . import runtime

    rank, world = worker_position()
    runtime(cfg["runtime"]).fit(cfg, rank, world)


def make_trainer(trainer_cls: Any, cfg: dict[str, Any]) -> Any:
    """A Ray Train trainer (LightGBM's, TensorFlow's...) over the job's config."""
    return trainer_cls(train_loop_per_worker, train_loop_config=cfg,
                       scaling_config=scaling_config(cfg), run_config=run_config(cfg))


def write_results(out: ArtifactDir, *, metrics: dict[str, Any], importance: dict[str, float],
                  predictions: Any, signature: dict[str, Any]) -> None:
    out.write_json("metrics.json", metrics)
    out.write_json("importance.json", importance)
    out.write_json("signature.json", signature)
    out.write_frame("validation_predictions.parquet", predictions)


def signature(cfg: dict[str, Any], output: str, nullable: Any = ()) -> dict[str, Any]:
    """Inputs in training's column order; ``nullable`` names the features the model was
    trained with missing values in (a model that handles them, like LightGBM, takes them)."""
    data = cfg["data"]
    missing = set(nullable)
    return {"inputs": [{"name": c, "type": "float32", **({"nullable": True} if c in missing
                                                           else {})}
                       for c in data["feature_columns"]],
            "outputs": [{"name": output, "type": "float32"}],
            "task": data["task"], "label": data["label"]}


def predictions_frame(split: Any, predicted: Any) -> Any:
    import pandas as pd

    return pd.DataFrame({"row": split.valid_index, "label": split.y_valid,
                         "prediction": predicted})


def quiet_tensorflow() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
