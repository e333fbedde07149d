"""TensorFlow/Keras on Ray Train: a Keras MLP trained data-parallel with
``MultiWorkerMirroredStrategy``.

Workers use ``tf_keras`` (``TF_USE_LEGACY_KERAS=1``): Keras 3 cannot run
``MultiWorkerMirroredStrategy`` with several workers. Each worker turns its slice of the rows
into a finite dataset with the same number of batches as every other worker (streaming
shards of unequal length deadlock the collective ops), with auto-sharding off.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from typing import TYPE_CHECKING, Any

from ...errors import InvalidInput
from .common import (
    make_trainer,
    output_dir,
    predictions_frame,
    quiet_tensorflow,
    signature,
    write_results,
)

if TYPE_CHECKING:
    from ..data import PreparedData
    from ..spec import TensorFlowJob

FRAMEWORK = "tensorflow"
PERMUTATION_ROWS = 2000


def default_metric(task: str) -> tuple[str, str]:
    return ("valid_auc", "max") if task == "binary" else ("valid_loss", "min")


def params(spec: TensorFlowJob) -> dict[str, Any]:
    return spec.params.model_dump()


def check(spec: TensorFlowJob, data: PreparedData) -> None:
    loss = spec.params.loss
    if data.task == "regression" and loss in ("binary_crossentropy", "binary_focal_crossentropy"):
        raise InvalidInput(f"loss {loss!r} needs a 0/1 label; label {data.label!r} has other "
                           "values", field="params.loss")
    if loss is not None:
        quiet_tensorflow()
        import tf_keras

        try:
            tf_keras.losses.get(loss)
        except ValueError as exc:
            raise InvalidInput(f"{loss!r} is not a Keras loss", field="params.loss") from exc
    train_rows = data.rows - max(1, round(data.rows * spec.split.validation_fraction))
    per_worker = train_rows // spec.scaling.num_workers
    if per_worker < spec.params.batch_size:
        raise InvalidInput(f"each of the {spec.scaling.num_workers} workers gets about "
                           f"{per_worker} training rows, fewer than one batch of "
                           f"{spec.params.batch_size}; lower params.batch_size or "
                           "scaling.num_workers", field="params.batch_size")


def _build(p: dict[str, Any], task: str, n_features: int, mean: Any, std: Any) -> Any:
    import tf_keras as keras

    inputs = keras.Input(shape=(n_features,), name="features")
    x = keras.layers.Normalization(mean=mean, variance=std ** 2, name="standardize")(inputs)
    for i, layer in enumerate(p["layers"]):
        x = keras.layers.Dense(layer["units"], activation=layer["activation"],
                               name=f"dense_{i}")(x)
        if layer.get("dropout"):
            x = keras.layers.Dropout(layer["dropout"])(x)
    out = keras.layers.Dense(1, activation="sigmoid" if task == "binary" else None,
                             name="prediction")(x)
    model = keras.Model(inputs, out)
    optimizer = keras.optimizers.get({"class_name": p["optimizer"],
                                      "config": {"learning_rate": p["learning_rate"]}})
    loss = p.get("loss") or ("binary_crossentropy" if task == "binary" else "mse")
    metrics = [keras.metrics.AUC(name="auc")] if task == "binary" else ["mae"]
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
    return model


def fit(cfg: dict[str, Any], rank: int, world: int) -> dict[str, Any]:
    quiet_tensorflow()
    import numpy as np
    import tensorflow as tf
    import tf_keras as keras

    from ..data import load_split
    from ..metrics import MetricsSink, register_worker

    # collective ops must be configured before TensorFlow runs anything
    strategy = (tf.distribute.MultiWorkerMirroredStrategy() if world > 1
                else tf.distribute.get_strategy())
    if not cfg.get("trial"):
        register_worker(cfg["job_id"], rank, world)
    started = time.monotonic()
    p, task = cfg["params"], cfg["data"]["task"]
    split = load_split(cfg, rank, world, scale=True)
    loaded = time.monotonic()
    batch = int(p["batch_size"])
    # every worker runs the same number of steps: the smallest slice decides
    per_worker = len(split.x_train) if world == 1 else split.train_rows_total // world
    steps = max(1, per_worker // batch)
    x_train, y_train = split.x_train[: steps * batch], split.y_train[: steps * batch]
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
    train = tf.data.Dataset.from_tensor_slices((x_train, y_train)).batch(
        batch, drop_remainder=True).with_options(options)
    valid = tf.data.Dataset.from_tensor_slices((split.x_valid, split.y_valid)).batch(
        max(batch, 1024)).with_options(options)
    with strategy.scope():
        model = _build(p, task, split.x_train.shape[1], split.mean, split.std)
    epochs = int(p["epochs"])
    sink = MetricsSink(cfg["job_id"], cfg.get("trial", ""), total_steps=epochs) \
        if rank == 0 else None
    history: dict[str, list[float]] = {}

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
            values = {(k[4:] and f"valid_{k[4:]}") if k.startswith("val_") else f"train_{k}":
                      float(v) for k, v in (logs or {}).items()}
            for k, v in values.items():
                history.setdefault(k, []).append(v)
            if sink is not None:
                sink.add(epoch + 1, values)
                sink.flush()

    model.fit(train, epochs=epochs, validation_data=valid, callbacks=[Record()], verbose=0)
    final = {k: v[-1] for k, v in history.items()}
    final.update(epochs=epochs, train_rows=split.train_rows_total, valid_rows=len(split.y_valid),
                 load_seconds=loaded - started, fit_seconds=time.monotonic() - loaded)
    # every worker takes part in saving (collective ops); rank 0 keeps its copy and, with
    # several workers, predicts with a plain (undistributed) load of it, so no collective op
    # waits for workers that are done
    with tempfile.TemporaryDirectory(prefix="griffin-keras-") as scratch:
        path = os.path.join(scratch, "model.keras")
        model.save(path)
        if rank != 0:
            return final
        out = output_dir(cfg)
        with out.local_folder("model") as folder:
            shutil.copy(path, os.path.join(folder, "model.keras"))
        if world > 1:
            model = keras.models.load_model(path)
    predicted = model.predict(split.x_valid, batch_size=4096, verbose=0).reshape(-1)
    importance = _permutation_importance(model, split, cfg["data"]["feature_columns"], task,
                                         np.random.default_rng(cfg["split"]["seed"]))
    final["train_seconds"] = time.monotonic() - started  # load + fit + results
    write_results(out, metrics={"final": final, "history": history}, importance=importance,
                  predictions=predictions_frame(split, predicted),
                  signature=signature(cfg, "prediction"))
    sink.flush(message=f"finished: {epochs} epochs")
    return final


def _permutation_importance(model: Any, split: Any, names: list[str], task: str,
                            rng: Any) -> dict[str, float]:
    """How much the validation loss grows when one feature's values are shuffled."""
    import numpy as np

    take = rng.permutation(len(split.x_valid))[:PERMUTATION_ROWS]
    x, y = split.x_valid[take], split.y_valid[take]

    def loss(p: Any) -> float:
        p = p.astype("float64")
        if task == "binary":
            p = np.clip(p, 1e-7, 1 - 1e-7)
            return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
        return float(np.mean((p - y) ** 2))

    # the rows as they are, then once with each feature shuffled: one predict call for all
    # (a call costs far more than its rows here)
    copies = [x]
    for i in range(len(names)):
        shuffled = x.copy()
        shuffled[:, i] = rng.permutation(shuffled[:, i])
        copies.append(shuffled)
    predicted = model.predict(np.concatenate(copies), batch_size=8192,
                              verbose=0).reshape(len(copies), len(x))
    base = loss(predicted[0])
    scores = {name: max(0.0, loss(predicted[i + 1]) - base) for i, name in enumerate(names)}
    return dict(sorted(scores.items(), key=lambda t: -t[1]))


def trainer(cfg: dict[str, Any]) -> Any:
    from ray.train.tensorflow import TensorflowTrainer

    return make_trainer(TensorflowTrainer, cfg)
