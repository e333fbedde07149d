"""The BentoML service that serves one registered model version.

This module is what ``griffin_lab.serving.bento.build`` copies into a Bento as
``service.py``; ``bentoml serve`` imports it in each worker process. It reads its
configuration from ``griffin_bento.json`` next to it (or the file named by
``GRIFFIN_BENTO_CONFIG``): model name and version, framework, signature and the folder of
the model files (``model/``, plus ``base/`` for a LoRA adapter's base model).

HTTP API (all POST, JSON in and out):

- ``/predict``: ``{"instances": [{...}, ...]}`` or ``{"inputs": {"col": [...]}}`` ->
  ``{"predictions": [...], "model": name, "version": n}``, with optional ``"ids"`` (one
  string or integer per row: the caller's key for the row, to which outcomes are joined
  later). For text models it generates.
- ``/generate``: ``{"prompts": ["..."], "max_new_tokens": 32}`` -> the same envelope with
  one completion per prompt.
- ``/info``: the version's name, version, framework and signature.

Feature loading: with ``GRIFFIN_ONLINE_FEATURES`` set (``{"repo", "features", "keys"}``: a
Feast repository, ``view:feature`` references and their entity keys), ``/predict`` also takes
``{"entities": [{"user_id": 1, ...}, ...]}``: the service reads those features from the
repository's online store (SQLite or Redis, whatever its ``feature_store.yaml`` says), takes
any other field of an entity row as the value of that input, and predicts on the result.

A request that does not match the signature answers 400 (not JSON / not an object) or 422
with ``{"error": {"type", "message", "field"}}``; never a 500. BentoML's own ``/readyz``,
``/livez`` and ``/metrics`` (Prometheus) are on; the access log is off unless
``GRIFFIN_BENTO_ACCESS_LOG=1``. ``GRIFFIN_BENTO_WORKERS`` sets the worker count. With
``GRIFFIN_REQUEST_LOG`` set, every answered request is logged there (latency, status, rows,
predictions, ids, shadow or not; see ``griffin_request_log``); requests that nginx mirrors to a
shadow candidate carry ``X-Griffin-Shadow: 1``; a launch's replays (``X-Griffin-Replay: 1``)
are not logged.

Requests to ``/predict`` are batched inside each worker: while the model is busy, new
requests queue, and the next model call takes all of them at once (up to
``max_batch_rows``); an idle model answers a lone request at once, without waiting.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any

import bentoml
import numpy as np
from starlette.responses import Response

try:  # the validator and request log the Bento was built with, copied beside this file
    import griffin_request_log as _request_log
    import griffin_signature as _signature
except ImportError:  # imported from the griffin_lab package
    from griffin_lab.monitoring import request_log as _request_log
    from griffin_lab.serving import signature as _signature

HERE = Path(__file__).resolve().parent
CONFIG_FILE = "griffin_bento.json"
TEXT_FRAMEWORKS = ("transformers", "transformers-peft")


def load_config() -> dict[str, Any]:
    path = Path(os.environ.get("GRIFFIN_BENTO_CONFIG") or HERE / CONFIG_FILE)
    if not path.is_file():
        return {}
    with open(path) as fh:
        config = json.load(fh)
    config["root"] = str(path.parent)
    return config


_CONFIG = load_config()
_WORKERS = int(os.environ.get("GRIFFIN_BENTO_WORKERS") or _CONFIG.get("workers") or 1)
_TIMEOUT = float(os.environ.get("GRIFFIN_BENTO_TIMEOUT") or _CONFIG.get("timeout_s") or 60)
_ACCESS_LOG = os.environ.get("GRIFFIN_BENTO_ACCESS_LOG", "0").lower() in ("1", "true", "yes")


def _json(payload: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(payload), status_code=status, media_type="application/json")


def _error(exc: Any, ctx: Any = None) -> Response:
    status = getattr(exc, "status_code", 422)
    if ctx is not None:  # with a context, BentoML answers with the context's status
        ctx.response.status_code = status
    return _json({"error": exc.to_dict()}, status)


class OnlineFeatures:
    """Reads a model's inputs from a Feast online store for rows that carry entity keys."""

    def __init__(self, config: dict[str, Any], inputs: list[str], max_rows: int) -> None:
        from feast import FeatureStore

        self.store = FeatureStore(repo_path=config["repo"])
        self.refs = list(config["features"])
        self.keys = list(config["keys"])
        self.names = [r.split(":", 1)[1] for r in self.refs]
        self.inputs, self.max_rows = inputs, max_rows
        self._allowed = set(self.keys) | set(inputs)

    def _check(self, entities: Any) -> None:
        if not isinstance(entities, list) or not entities:
            raise _signature.InvalidInput("'entities' must be a non-empty list of objects "
                                          f"with the keys {', '.join(self.keys)}",
                                          field="entities")
        if len(entities) > self.max_rows:
            raise _signature.InvalidInput(f"{len(entities)} rows is more than the "
                                          f"{self.max_rows} allowed per request; split the "
                                          "batch", field="entities")
        for i, row in enumerate(entities):
            if type(row) is not dict:
                raise _signature.InvalidInput(f"entities[{i}] must be an object with the keys "
                                              f"{', '.join(self.keys)}",
                                              field=f"entities[{i}]")
            missing = [k for k in self.keys if row.get(k) is None]
            if missing:
                raise _signature.InvalidInput(f"entities[{i}] has no {missing[0]!r} (this "
                                              f"endpoint's features are keyed by "
                                              f"{', '.join(self.keys)})",
                                              field=f"entities[{i}].{missing[0]}")
            unknown = sorted(set(row) - self._allowed)
            if unknown:
                raise _signature.InvalidInput(
                    f"entities[{i}] has {unknown[0]!r}, which is neither an entity key "
                    f"({', '.join(self.keys)}) nor an input of the model",
                    field=f"entities[{i}].{unknown[0]}")

    def rows(self, entities: Any) -> list[dict[str, Any]]:
        """The model's input rows for ``entities``: store values, overridden by what a row
        carries itself. An entity the store knows nothing of is refused, naming it."""
        self._check(entities)
        columns = {k: [row[k] for row in entities] for k in self.keys}
        try:
            got = self.store.get_online_features(features=self.refs,
                                                 entity_rows=columns).to_dict()
        except (TypeError, ValueError) as exc:  # keys of the wrong type, mostly
            raise _signature.InvalidInput(f"the online store refused these entity keys: "
                                          f"{exc}", field="entities") from None
        except Exception as exc:  # the store itself: not the caller's fault
            error = _signature.InvalidInput(f"the online store could not be read "
                                            f"({type(exc).__name__}: {exc})",
                                            field="entities")
            error.status_code = 503
            raise error from None
        out = []
        for i, row in enumerate(entities):
            fetched = {n: got[n][i] for n in self.names if n in got}
            if fetched and all(v is None for v in fetched.values()) and \
                    not set(row) & set(fetched):
                key = ", ".join(f"{k}={row[k]!r}" for k in self.keys)
                raise _signature.InvalidInput(
                    f"the online store has no features for entities[{i}] ({key}): check the "
                    "key, or materialize the feature views", field=f"entities[{i}]")
            values = {}
            for name in self.inputs:
                if name in row:
                    values[name] = row[name]
                elif name in fetched:
                    values[name] = fetched[name]
                else:
                    raise _signature.InvalidInput(
                        f"input {name!r} is not among this endpoint's online features; send "
                        f"it in entities[{i}]", field=f"entities[{i}].{name}")
            out.append(values)
        return out


class MicroBatcher:
    """Adaptive batching inside one worker: the model runs on everything that queued while
    it was busy. ``inline`` runs the model on the event loop (fast models: no thread hop);
    otherwise in a thread, so requests keep queueing during a slow call."""

    def __init__(self, fn: Any, max_rows: int, inline: bool) -> None:
        self.fn, self.max_rows, self.inline = fn, max_rows, inline
        self._pending: list[tuple[Any, asyncio.Future[Any]]] = []
        self._busy = False

    async def __call__(self, x: Any) -> Any:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append((x, future))
        if not self._busy:
            self._busy = True
            loop.create_task(self._drain())
        return await future

    def _take(self) -> list[tuple[Any, asyncio.Future[Any]]]:
        taken, rows = [], 0
        while self._pending:
            n = len(self._pending[0][0])
            if taken and rows + n > self.max_rows:
                break
            taken.append(self._pending.pop(0))
            rows += n
        return taken

    async def _drain(self) -> None:
        try:
            while self._pending:
                taken = self._take()
                try:
                    await self._run(taken)
                except Exception as exc:  # every waiting request learns of it
                    for _, future in taken:
                        if not future.done():
                            future.set_exception(exc)
                if self.inline and self._pending:
                    await asyncio.sleep(0)  # let queued requests in before the next batch
        finally:
            self._busy = False

    async def _run(self, taken: list[tuple[Any, asyncio.Future[Any]]]) -> None:
        inputs = [x for x, _ in taken]
        if len(inputs) == 1:
            batch = inputs[0]
        elif isinstance(inputs[0], np.ndarray):
            batch = np.concatenate(inputs)
        else:
            import pandas as pd

            batch = pd.concat(inputs, ignore_index=True)
        out = self.fn(batch) if self.inline else await asyncio.to_thread(self.fn, batch)
        start = 0
        for x, future in taken:
            end = start + len(x)
            if not future.done():
                future.set_result(out[start:end])
            start = end


@bentoml.service(
    name="griffin_model",
    workers=_WORKERS,
    traffic={"timeout": _TIMEOUT},
    logging={"access": {"enabled": _ACCESS_LOG}},
)
class GriffinModel:
    """One model version behind /predict (and /generate for text models)."""

    def __init__(self) -> None:
        config = load_config()
        if not config:
            raise RuntimeError(f"no {CONFIG_FILE} beside {__file__} and no "
                               "GRIFFIN_BENTO_CONFIG: this service serves a built Bento")
        self.config = config
        self.name = config["model"]
        self.version = int(config["version"])
        self.framework = config["framework"]
        self.root = Path(config["root"])
        self.model_dir = self.root / config.get("model_dir", "model")
        self.text = self.framework in TEXT_FRAMEWORKS
        max_rows = int(config.get("max_batch_rows") or _signature.MAX_ROWS)
        self.validator = _signature.RequestValidator(config["signature"], max_rows=max_rows,
                                                     text=self.text)
        self._lock = asyncio.Lock()
        online = os.environ.get("GRIFFIN_ONLINE_FEATURES")
        self.online = None if self.text or not online else OnlineFeatures(
            json.loads(online), list(self.validator.names), max_rows)
        self.log = _request_log.RequestLog(os.environ.get("GRIFFIN_REQUEST_LOG"), self.name,
                                           self.version, os.environ.get("GRIFFIN_ENDPOINT", ""))
        if self.framework == "lightgbm":
            self._load_lightgbm()
            self.batcher = MicroBatcher(self._predict_lightgbm, max_rows, inline=True)
        elif self.framework == "tensorflow":
            self._load_keras()
            self.batcher = MicroBatcher(self._predict_keras, max_rows, inline=False)
        elif self.text:
            self._load_generator()
        else:
            raise RuntimeError(f"framework {self.framework!r} is not served yet")

    # -- loading -----------------------------------------------------------------------------
    def _load_lightgbm(self) -> None:
        import lightgbm as lgb

        self.model = lgb.Booster(model_file=str(self.model_dir / "model.txt"))
        cpus = os.cpu_count() or 1
        self.threads = int(self.config.get("threads") or max(1, cpus // _WORKERS))

    def _predict_lightgbm(self, x: Any) -> np.ndarray:
        # one OpenMP thread for small batches: thread start-up costs more than it saves, and
        # far more on a busy machine
        return self.model.predict(x, num_threads=1 if len(x) < 5_000 else self.threads)

    def _load_keras(self) -> None:
        os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tf_keras as keras

        self.model = keras.models.load_model(self.model_dir / "model.keras")

    def _predict_keras(self, x: np.ndarray) -> np.ndarray:
        out = self.model(x, training=False)
        out = out.numpy() if hasattr(out, "numpy") else np.asarray(out)
        if out.ndim == 2 and out.shape[1] == 1:
            out = out[:, 0]
        return out

    def _load_generator(self) -> None:
        from griffin_lab.training.llm_model import load_generator

        base = self.root / "base"
        self.generator = load_generator(str(self.model_dir),
                                        str(base) if base.is_dir() else None)

    # -- API ---------------------------------------------------------------------------------
    def _envelope(self, predictions: Any) -> Response:
        if isinstance(predictions, np.ndarray):
            predictions = predictions.tolist()
        return _json({"predictions": predictions, "model": self.name,
                      "version": self.version})

    @bentoml.on_shutdown
    def _flush_log(self) -> None:
        self.log.close()

    def _record(self, started: float, ctx: Any, body: bytes, status: int, rows: int = 0,
                predictions: Any = None, ids: list[Any] | None = None, error: str = "") -> None:
        if not self.log.enabled:
            return
        headers = ctx.request.headers if ctx is not None else {}
        if headers.get("x-griffin-replay") == "1":  # a launch measuring: not traffic
            return
        shadow = headers.get("x-griffin-shadow") == "1"
        keep = status < 400 and not shadow and self.log.keep_body()
        self.log.record((time.perf_counter() - started) * 1000.0, status, rows, predictions,
                        ids, shadow, body if keep else None, error)

    @bentoml.api
    async def predict(self, body: bytes, /, ctx: bentoml.Context = None) -> dict:  # type: ignore[type-arg,assignment]
        """Predictions for rows or columns that match the signature; ``ids`` (one per row,
        optional) name the rows, so outcomes logged later can be joined to predictions."""
        if self.text:
            return await self.generate(body, ctx)
        started = time.perf_counter()
        try:
            data = self.validator.parse(body)
            ids = _signature.take_ids(data)
            if "entities" in data:
                data = await self._load_features(data)
            x = self.validator.validate(data)
            _signature.check_ids(ids, len(x))
        except _signature.InvalidInput as exc:
            self._record(started, ctx, body, getattr(exc, "status_code", 422),
                         error=exc.message)
            return _error(exc, ctx)
        try:
            predictions = await self.batcher(x)
        except Exception as exc:
            self._record(started, ctx, body, 500, len(x), error=f"{type(exc).__name__}: {exc}")
            raise
        self._record(started, ctx, body, 200, len(x), predictions, ids)
        return self._envelope(predictions)

    async def _load_features(self, data: dict[str, Any]) -> dict[str, Any]:
        if self.online is None:
            raise _signature.InvalidInput("this endpoint does not read features from the "
                                          "online store: send 'instances' with every input "
                                          "(deploy with online_features to send entity keys)",
                                          field="entities")
        other = sorted(k for k in data if k != "entities")
        if other:
            raise _signature.InvalidInput(f"unknown field {other[0]!r} beside 'entities'",
                                          field=other[0])
        return {"instances": await asyncio.to_thread(self.online.rows, data["entities"])}

    @bentoml.api
    async def generate(self, body: bytes, /, ctx: bentoml.Context = None) -> dict:  # type: ignore[type-arg,assignment]
        """Completions for prompts (text generation models)."""
        if not self.text:
            if ctx is not None:
                ctx.response.status_code = 404
            return _json({"error": {"type": "not_found", "message": (
                f"{self.name} v{self.version} is a {self.framework} model: POST /predict"),
                "field": "path"}}, 404)
        started = time.perf_counter()
        try:
            request = self.validator.validate(body)
        except _signature.InvalidInput as exc:
            self._record(started, ctx, body, getattr(exc, "status_code", 422),
                         error=exc.message)
            return _error(exc, ctx)
        async with self._lock:  # one generation at a time per worker
            texts = await asyncio.to_thread(
                self.generator, request.prompts, max_new_tokens=request.max_new_tokens,
                temperature=request.temperature, top_p=request.top_p)
        self._record(started, ctx, body, 200, len(request.prompts))
        return self._envelope(list(texts))

    @bentoml.api
    async def info(self) -> dict:  # type: ignore[type-arg]
        """Which version this is and what it takes."""
        return {"model": self.name, "version": self.version, "framework": self.framework,
                "signature": self.config["signature"]}
