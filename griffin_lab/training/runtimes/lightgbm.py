"""LightGBM on Ray Train: data-parallel boosting with ``get_network_params()``.

Each worker reads the job's data file, takes its slice of the training rows and the whole
validation set, and joins LightGBM's network, so every tree is grown from the histograms of
all rows. Rank 0 streams per-round metrics and writes the model and its results.
"""

from __future__ import annotations

import difflib
import time
from typing import TYPE_CHECKING, Any

from ...errors import InvalidInput
from .common import (
    make_trainer,
    output_dir,
    predictions_frame,
    signature,
    threads,
    write_results,
)

if TYPE_CHECKING:
    from ..data import PreparedData
    from ..spec import LightGBMJob

FRAMEWORK = "lightgbm"
_OWN = ("objective", "num_boost_round", "learning_rate", "num_leaves", "max_depth",
        "min_data_in_leaf", "feature_fraction", "bagging_fraction", "bagging_freq", "lambda_l2",
        "metric", "early_stopping_rounds")
# above this many training rows, metrics are evaluated on the validation set only (AUC on the
# training rows costs a sort of all of them every round)
TRAIN_EVAL_MAX_ROWS = 200_000
# set by Griffin: a user may not override them
_RESERVED = {"num_threads", "tree_learner", "pre_partition", "num_machines", "machines",
             "local_listen_port", "time_out", "machine_list_filename", "seed_for_network"}


def default_metric(task: str) -> tuple[str, str]:
    return ("valid_auc", "max") if task == "binary" else ("valid_l2", "min")


def params(spec: LightGBMJob) -> dict[str, Any]:
    p = spec.params.model_dump(exclude={"extra"})
    return {**p, **spec.params.extra}


def _known_parameters() -> set[str]:
    import lightgbm as lgb

    aliases = lgb.basic._ConfigAliases._get_all_param_aliases()
    return set(aliases) | {a for names in aliases.values() for a in names}


def check(spec: LightGBMJob, data: PreparedData) -> None:
    extra = spec.params.extra
    if extra:
        known = _known_parameters()
        for name in extra:
            if name in _RESERVED:
                raise InvalidInput(f"LightGBM parameter {name!r} is set by Griffin from the "
                                   "scaling section; remove it", field=f"params.extra.{name}")
            if name in _OWN:
                raise InvalidInput(f"{name!r} has its own field: write params.{name}",
                                   field=f"params.extra.{name}")
            if name not in known:
                near = difflib.get_close_matches(name, sorted(known), n=3)
                hint = f"; did you mean {', '.join(near)}?" if near else ""
                raise InvalidInput(f"{name!r} is not a LightGBM parameter{hint}",
                                   field=f"params.extra.{name}")
    objective = spec.params.objective
    if data.task == "regression" and objective in ("binary", "cross_entropy"):
        raise InvalidInput(f"objective {objective!r} needs a 0/1 label; label "
                           f"{data.label!r} has other values", field="params.objective")


def _lgb_params(cfg: dict[str, Any], world: int) -> tuple[dict[str, Any], int, int | None]:
    p = dict(cfg["params"])
    rounds = int(p.pop("num_boost_round"))
    stop = p.pop("early_stopping_rounds", None)
    task = cfg["data"]["task"]
    if p.get("objective") is None:
        p["objective"] = "binary" if task == "binary" else "regression"
    if p.get("metric") is None:
        p["metric"] = ["binary_logloss", "auc"] if task == "binary" else ["l2", "l1"]
    p.update(num_threads=threads(cfg), verbosity=-1, seed=cfg["split"]["seed"],
             deterministic=True, force_row_wise=True)
    if world > 1:
        import ray.train.lightgbm

        p.update(tree_learner="data_parallel", pre_partition=True,
                 **ray.train.lightgbm.get_network_params())
    return p, rounds, stop


def fit(cfg: dict[str, Any], rank: int, world: int) -> dict[str, Any]:
    """Train on this worker's rows; rank 0 writes the results. Returns the final metrics."""
    import lightgbm as lgb

    from ..data import load_split
    from ..metrics import MetricsSink, register_worker

    if not cfg.get("trial"):
        register_worker(cfg["job_id"], rank, world)
    started = time.monotonic()
    split = load_split(cfg, rank, world)
    loaded = time.monotonic()
    params, rounds, stop = _lgb_params(cfg, world)
    names = cfg["data"]["feature_columns"]
    train = lgb.Dataset(split.x_train, split.y_train, feature_name=names, free_raw_data=False)
    valid = lgb.Dataset(split.x_valid, split.y_valid, reference=train)
    sink = MetricsSink(cfg["job_id"], cfg.get("trial", ""), total_steps=rounds) \
        if rank == 0 else None
    history: dict[str, list[float]] = {}

    def record(env: Any) -> None:
        values = {f"{data_name}_{metric}": value
                  for data_name, metric, value, _ in env.evaluation_result_list}
        for k, v in values.items():
            history.setdefault(k, []).append(v)
        if sink is not None:
            sink.add(env.iteration + 1, values)

    callbacks = [record]
    if stop:
        callbacks.append(lgb.early_stopping(stop, first_metric_only=True, verbose=False))
    eval_train = split.train_rows_total <= TRAIN_EVAL_MAX_ROWS
    booster = lgb.train(params, train, num_boost_round=rounds,
                        valid_sets=[train, valid] if eval_train else [valid],
                        valid_names=["train", "valid"] if eval_train else ["valid"],
                        callbacks=callbacks)
    best = booster.best_iteration or booster.current_iteration()
    final = {k: v[best - 1] for k, v in history.items() if len(v) >= best}
    final.update(best_iteration=best, train_rows=split.train_rows_total,
                 valid_rows=len(split.y_valid), load_seconds=loaded - started,
                 fit_seconds=time.monotonic() - loaded)
    if rank != 0:
        return final
    out = output_dir(cfg)
    out.write_text("model/model.txt", booster.model_to_string(num_iteration=best))
    gain = booster.feature_importance("gain", iteration=best)
    importance = {n: float(g) for n, g in sorted(zip(names, gain, strict=True),
                                                  key=lambda t: -t[1])}
    predicted = booster.predict(split.x_valid, num_iteration=best)
    final["train_seconds"] = time.monotonic() - started  # load + fit + results
    write_results(out, metrics={"final": final, "history": history}, importance=importance,
                  predictions=predictions_frame(split, predicted),
                  signature=signature(cfg, "prediction", _with_missing(names, split)))
    sink.flush(message=f"finished: {best} rounds")
    return final


def trainer(cfg: dict[str, Any]) -> Any:
    from ray.train.lightgbm import LightGBMTrainer

    return make_trainer(LightGBMTrainer, cfg)


def _with_missing(names: list[str], split: Any) -> list[str]:
    """Features with missing values in this worker's training rows or the validation rows:
    LightGBM learned where to send them, so serving takes them too."""
    import numpy as np

    missing = np.isnan(split.x_train).any(axis=0) | np.isnan(split.x_valid).any(axis=0)
    return [n for n, m in zip(names, missing, strict=True) if m]
