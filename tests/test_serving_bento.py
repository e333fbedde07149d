"""The BentoML layer of serving: a registered version's Bento is built, served by a real
``bentoml serve`` process on 127.0.0.1, answers the booster's own predictions, and refuses
bad requests with a 4xx naming the problem (never a 500). A second build reuses the Bento;
a missing or corrupt artifact is refused before anything is built. The request validator
and the in-worker batcher are unit-tested without a server."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

import griffin_lab
from griffin_lab.errors import EngineUnavailable, InvalidInput, NotFound
from griffin_lab.registry.schemas import ModelVersionInfo, RegisterRequest
from griffin_lab.serving import bento
from griffin_lab.serving.signature import RequestValidator, TextRequest

COLUMNS = ["basket_size", "days_since", "orders", "reorder_rate"]
SIGNATURE = {"inputs": [{"name": c, "type": "float32"} for c in COLUMNS]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def local_path(uri: str) -> Path:
    from fsspec.core import url_to_fs

    return Path(url_to_fs(uri)[1])


@dataclass
class Served:
    url: str
    http: httpx.Client
    booster: Any
    x: np.ndarray
    version: ModelVersionInfo
    ref: bento.BentoRef
    home: Path
    platform: Any
    model_file: Path
    figures: dict[str, float]


def _die_with_parent() -> None:
    """In the child: SIGTERM when the test process dies, so a crashed run leaks no server."""
    import ctypes

    ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start(ref: bento.BentoRef, tmp: Path, workers: int = 1
          ) -> tuple[subprocess.Popen[bytes], str, float]:
    port = free_port()
    argv, env = bento.serve_command(ref, port, workers=workers)
    with open(tmp / f"serve-{port}.log", "wb") as log:
        proc = subprocess.Popen(argv, env={**os.environ, **env}, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=_die_with_parent)
    url = f"http://127.0.0.1:{port}"
    try:
        ready_s = bento.wait_ready(url, 90, process=proc)
    except Exception:
        stop(proc)
        print((tmp / f"serve-{port}.log").read_text()[-3000:])
        raise
    return proc, url, ready_s


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server this test started, and its workers, by its PID."""
    import psutil

    workers = [] if proc.poll() is not None else psutil.Process(proc.pid).children(True)
    bento.stop(proc.pid)
    proc.wait(5)
    assert not [w for w in workers if w.is_running() and w.status() != "zombie"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    import lightgbm as lgb
    import pandas as pd

    tmp = tmp_path_factory.mktemp("bento")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 4))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int)
    booster = lgb.train({"objective": "binary", "verbose": -1, "num_leaves": 7},
                        lgb.Dataset(pd.DataFrame(x, columns=COLUMNS), y),
                        num_boost_round=15)
    model_file = tmp / "reorder.txt"
    booster.save_model(str(model_file))
    home = tmp / "home"
    with griffin_lab.connect(home=home) as client:
        platform = client.transport.platform
        version = platform.registry.register("reorder-gbm", RegisterRequest(path=str(model_file)),
                                             "tester")
        started = time.perf_counter()
        ref = bento.build(version, home)
        figures = {"build_s": time.perf_counter() - started}
        proc, url, figures["ready_s"] = start(ref, tmp)
        try:
            with httpx.Client(base_url=url, trust_env=False, timeout=30) as http:
                yield Served(url, http, booster, x, version, ref, home, platform, model_file,
                             figures)
        finally:
            stop(proc)
    print(f"\nbento build {figures['build_s']:.2f} s, serve to ready "
          f"{figures['ready_s']:.2f} s")


def rows(x: np.ndarray) -> list[dict[str, float]]:
    return [dict(zip(COLUMNS, r, strict=True)) for r in x.tolist()]


def post(served: Served, body: Any, path: str = "/predict") -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return served.http.post(path, content=content,
                            headers={"content-type": "application/json"})


# -- the served model --------------------------------------------------------------------------
def test_bento_is_a_self_contained_store_entry(served: Served) -> None:
    ref = served.ref
    name, _, tag_version = ref.tag.partition(":")
    assert name == "griffin-reorder-gbm" and tag_version.startswith("v1-")
    assert str(ref) == ref.tag and ref.path.is_dir()
    assert ref.bentoml_home == served.home / "bentoml"
    src = ref.path / "src"
    assert (src / "model" / "model.txt").read_bytes() == served.model_file.read_bytes()
    config = json.loads((src / "griffin_bento.json").read_text())
    assert (config["model"], config["version"], config["framework"]) == ("reorder-gbm", 1,
                                                                         "lightgbm")
    assert {"service.py", "griffin_signature.py"} <= {p.name for p in src.iterdir()}
    assert bento.get(served.home, ref.tag).path == ref.path


def test_predictions_equal_the_booster(served: Served) -> None:
    x = served.x
    answer = post(served, {"instances": rows(x[:50])})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["model"], body["version"]) == ("reorder-gbm", 1)
    assert body["predictions"] == served.booster.predict(x[:50]).tolist()
    columns = {c: x[50:60, i].tolist() for i, c in enumerate(COLUMNS)}
    answer = post(served, {"inputs": columns})
    assert answer.json()["predictions"] == served.booster.predict(x[50:60]).tolist()
    # integers are numbers too
    answer = post(served, {"instances": [{c: 1 for c in COLUMNS}]})
    assert answer.json()["predictions"] == served.booster.predict(np.ones((1, 4))).tolist()


def test_concurrent_requests_each_get_their_own_rows(served: Served) -> None:
    """The in-worker batcher merges requests that queue together; each answer is its own."""
    x = served.x
    chunks = [x[i * 7:(i + 1) * 7 + i % 3] for i in range(24)]

    def one(chunk: np.ndarray) -> list[float]:
        answer = post(served, {"instances": rows(chunk)})
        assert answer.status_code == 200, answer.text
        return answer.json()["predictions"]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, chunks))
    for chunk, got in zip(chunks, results, strict=True):
        assert got == served.booster.predict(chunk).tolist()


BAD = [
    ({"instances": [{"basket_size": 1.0, "days_since": 2.0, "orders": 3.0}]}, 422,
     "instances[0].reorder_rate", "missing"),
    ({"instances": [{**dict.fromkeys(COLUMNS, 1.0), "colour": 2}]}, 422,
     "instances[0].colour", "unknown field"),
    ({"instances": [{**dict.fromkeys(COLUMNS, 1.0), "orders": "three"}]}, 422,
     "instances[0].orders", "string"),
    ({"instances": [{**dict.fromkeys(COLUMNS, 1.0), "orders": None}]}, 422,
     "instances[0].orders", "null"),
    ({"instances": [dict.fromkeys(COLUMNS, 1.0)] * 10_001}, 422, "instances", "10001 rows"),
    ({"inputs": {"basket_size": [1.0], "days_since": [1.0], "orders": [1.0],
                 "reorder_rate": [1.0, 2.0]}}, 422, "inputs.reorder_rate", "2 values"),
    ({"rows": []}, 422, "instances", "'instances'"),
    ({"instances": "everything"}, 422, "instances", "list"),
    (b"basket_size=1", 400, "body", "not valid JSON"),
    (b"[1, 2]", 400, "body", "JSON object"),
]


@pytest.mark.parametrize(("body", "status", "field", "words"), BAD,
                         ids=["missing", "unknown", "string", "null", "too-many-rows",
                              "ragged-columns", "no-instances", "not-a-list", "not-json",
                              "not-an-object"])
def test_bad_requests_are_4xx_naming_the_problem(served: Served, body: Any, status: int,
                                                 field: str, words: str) -> None:
    answer = post(served, body)
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["field"] == field
    assert words in error["message"]


def test_other_routes(served: Served) -> None:
    info = served.http.post("/info").json()
    assert info["signature"]["inputs"] == served.version.signature["inputs"]
    answer = post(served, {"prompts": ["hi"]}, "/generate")
    assert answer.status_code == 404 and "/predict" in answer.json()["error"]["message"]
    assert served.http.get("/livez").status_code == 200
    metrics = served.http.get("/metrics")
    assert metrics.status_code == 200 and "request_duration" in metrics.text


def test_sequential_latency(served: Served) -> None:
    body = {"instances": rows(served.x[:1])}
    for _ in range(20):
        post(served, body)
    times = []
    for _ in range(200):
        started = time.perf_counter()
        assert post(served, body).status_code == 200
        times.append(time.perf_counter() - started)
    p50, p99 = np.percentile(np.array(times) * 1000, [50, 99])
    print(f"\nsequential 1-row /predict p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    assert p50 < 50  # a sanity bound on a shared 2-core machine, not a benchmark


# -- building ----------------------------------------------------------------------------------
def test_second_build_reuses_the_bento(served: Served) -> None:
    started = time.perf_counter()
    again = bento.build(served.version, served.home)
    assert again.reused and again.tag == served.ref.tag
    assert time.perf_counter() - started < 1.0


def test_missing_or_corrupt_artifacts_are_refused(served: Served) -> None:
    registry = served.platform.registry

    def new_version() -> ModelVersionInfo:
        return registry.register("reorder-gbm", RegisterRequest(path=str(served.model_file)),
                                 "tester")

    gone = new_version()
    (local_path(gone.artifact_uri) / "model.txt").unlink()
    with pytest.raises(NotFound, match="model.txt"):
        bento.build(gone, served.home)

    folder_gone = new_version()
    import shutil

    shutil.rmtree(local_path(folder_gone.artifact_uri))
    with pytest.raises(NotFound, match="missing"):
        bento.build(folder_gone, served.home)

    garbage = new_version()
    (local_path(garbage.artifact_uri) / "model.txt").write_text("not a model\n")
    with pytest.raises(InvalidInput, match="corrupt"):
        bento.build(garbage, served.home)

    truncated = new_version()
    path = local_path(truncated.artifact_uri) / "model.txt"
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    with pytest.raises(InvalidInput, match="cannot be loaded"):
        bento.build(truncated, served.home)

    other = new_version().model_copy(update={"framework": "sklearn"})
    with pytest.raises(InvalidInput, match="cannot be served|serving takes"):
        bento.build(other, served.home)
    names = {p.name for p in (served.home / "bentoml" / "bentos" / "griffin-reorder-gbm")
             .iterdir()}
    assert names == {served.ref.tag.split(":")[1], "latest"} or names == {
        served.ref.tag.split(":")[1]}
    assert not any((served.home / "bentoml" / "staging").glob("*/"))


def test_serve_command_and_wait_ready(served: Served, tmp_path: Path) -> None:
    argv, env = bento.serve_command(served.ref, 4321, workers=2)
    assert argv[-6:] == ["serve", served.ref.tag, "--host", "127.0.0.1", "--port", "4321"]
    assert env["BENTOML_HOME"] == str(served.home / "bentoml")
    assert env["GRIFFIN_BENTO_WORKERS"] == "2"
    with pytest.raises(InvalidInput):
        bento.serve_command(served.ref, 0)
    dead = subprocess.Popen(["python3", "-c", "pass"], start_new_session=True)
    dead.wait()
    with pytest.raises(EngineUnavailable, match="exited"):
        bento.wait_ready(f"http://127.0.0.1:{free_port()}", 5, process=dead)
    with pytest.raises(EngineUnavailable, match="not ready"):
        bento.wait_ready(f"http://127.0.0.1:{free_port()}", 0.3)


def test_bento_names() -> None:
    assert bento.bento_name("churn_v2.x") == "griffin-churn_v2.x"
    assert bento.bento_name("a-") == "griffin-a"
    long = bento.bento_name("m" * 100)
    assert len(long) <= 63 and long.startswith("griffin-m")


# -- the validator, without a server -----------------------------------------------------------
def test_validator_rows_and_columns_agree() -> None:
    v = RequestValidator(SIGNATURE)
    x = np.arange(12, dtype=float).reshape(3, 4)
    by_rows = v.validate(json.dumps({"instances": rows(x)}))
    by_columns = v.validate({"inputs": {c: x[:, i].tolist() for i, c in enumerate(COLUMNS)}})
    assert by_rows.dtype == np.float64 and by_rows.flags["C_CONTIGUOUS"]
    assert np.array_equal(by_rows, x) and np.array_equal(by_columns, x)
    # the signature's column order, whatever the order in the request
    shuffled = [dict(reversed(list(r.items()))) for r in rows(x)]
    assert np.array_equal(v.validate({"instances": shuffled}), x)


@pytest.mark.parametrize(("body", "field"), [
    ({"instances": [{**dict.fromkeys(COLUMNS, 1.0), "orders": True}]}, "instances[0].orders"),
    ({"instances": [{**dict.fromkeys(COLUMNS, 1.0), "orders": [1]}]}, "instances[0].orders"),
    ({"instances": [dict.fromkeys(COLUMNS, 1.0), 3]}, "instances[1]"),
    ({"instances": []}, "instances"),
    ({"inputs": {**{c: [1.0] for c in COLUMNS}, "orders": 1.0}}, "inputs.orders"),
    ({"inputs": {c: [1.0] for c in COLUMNS[:3]}}, "inputs.reorder_rate"),
    ({"instances": [dict.fromkeys(COLUMNS, 1.0)], "inputs": {}}, "inputs"),
    (b'{"instances": [{"basket_size": NaN, "days_since": 1, "orders": 1, "reorder_rate": 1}]}',
     "instances[0].basket_size"),
])
def test_validator_errors_name_the_field(body: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        RequestValidator(SIGNATURE).validate(body)
    assert caught.value.field == field
    assert caught.value.status_code == 422


def test_validator_nullable_and_mixed_types() -> None:
    signature = {"inputs": [{"name": "amount", "type": "float64", "nullable": True},
                            {"name": "count", "type": "int32"},
                            {"name": "store", "type": "string"},
                            {"name": "member", "type": "bool"},
                            {"name": "at", "type": "datetime"}]}
    v = RequestValidator(signature)
    frame = v.validate({"instances": [
        {"amount": None, "count": 2, "store": "north", "member": True,
         "at": "2026-01-02T03:04:05Z"},
        {"amount": 1.5, "count": 3, "store": "south", "member": False,
         "at": "2026-01-03T00:00:00+00:00"}]})
    assert list(frame.columns) == ["amount", "count", "store", "member", "at"]
    assert np.isnan(frame["amount"][0]) and frame["amount"][1] == 1.5
    assert frame["count"].dtype == np.int32 and frame["member"].dtype == bool
    assert str(frame["at"].dt.tz) == "UTC"
    good = {"amount": 1.0, "count": 1, "store": "x", "member": True, "at": "2026-01-01"}
    for change, field in [({"count": 1.5}, "count"), ({"count": 2**40}, "count"),
                          ({"store": 3}, "store"), ({"member": 1}, "member"),
                          ({"at": "yesterday"}, "at"), ({"store": None}, "store")]:
        with pytest.raises(InvalidInput) as caught:
            v.validate({"instances": [good, {**good, **change}]})
        assert caught.value.field == f"instances[1].{field}", change


def test_validator_tensors() -> None:
    v = RequestValidator({"inputs": [{"name": "inputs", "type": "tensor", "shape": [-1, 3]}]})
    out = v.validate({"instances": [[1, 2, 3], [4, 5, 6]]})
    assert out.dtype == np.float32 and out.shape == (2, 3)
    assert v.validate({"inputs": {"inputs": [[1, 2, 3]]}}).shape == (1, 3)
    for body in ({"instances": [[1, 2]]}, {"instances": [[1, 2, 3], [4, 5]]},
                 {"instances": [["a", "b", "c"]]}, {"instances": [[1, None, 3]]},
                 {"instances": [1, 2, 3]}, {"instances": [[True, False, True]]}):
        with pytest.raises(InvalidInput):
            v.validate(body)


def test_validator_text_requests() -> None:
    v = RequestValidator({"inputs": [{"name": "prompt", "type": "string"}],
                          "outputs": [{"name": "completion", "type": "string"}]})
    assert v.kind == "text"
    assert v.validate({"prompts": ["a", "b"], "max_new_tokens": 8}) == TextRequest(["a", "b"], 8)
    assert v.validate({"prompt": "a"}).prompts == ["a"]
    assert v.validate({"instances": [{"prompt": "a"}]}).prompts == ["a"]
    for body, field in [({"prompts": "a"}, "prompts"), ({"prompts": []}, "prompts"),
                        ({"prompts": [1]}, "prompts[0]"),
                        ({"prompts": ["a"], "max_new_tokens": 0}, "max_new_tokens"),
                        ({"prompts": ["a"], "max_new_tokens": "8"}, "max_new_tokens"),
                        ({"prompts": ["a"], "temperature": -1}, "temperature"),
                        ({"prompts": ["a"], "beam": 2}, "beam"),
                        ({"prompts": ["a"] * 65}, "prompts"), ({}, "prompts")]:
        with pytest.raises(InvalidInput) as caught:
            v.validate(body)
        assert caught.value.field == field, body


def test_validator_is_fast() -> None:
    v = RequestValidator({"inputs": [{"name": f"f{i}", "type": "float32"} for i in range(20)]})
    body = json.dumps({"instances": [{f"f{i}": i * 0.5 for i in range(20)}] * 1000})
    data = json.loads(body)
    v.validate(data)
    started = time.perf_counter()
    for _ in range(5):
        v.validate(data)
    per_row_us = (time.perf_counter() - started) / 5 / 1000 * 1e6
    print(f"\nvalidation {per_row_us:.2f} us per row of 20 fields (JSON parsed)")
    assert per_row_us < 50  # a few us here; a generous bound on a busy shared machine


def test_micro_batcher_merges_queued_requests() -> None:
    from griffin_lab.serving.bento_service import MicroBatcher

    calls: list[int] = []

    def model(x: np.ndarray) -> np.ndarray:
        calls.append(len(x))
        time.sleep(0.02)
        return x[:, 0] * 2

    async def run(inline: bool) -> list[np.ndarray]:
        batcher = MicroBatcher(model, max_rows=10, inline=inline)
        inputs = [np.full((i % 3 + 1, 2), float(i)) for i in range(8)]
        outs = await asyncio.gather(*(batcher(x) for x in inputs))
        for x, out in zip(inputs, outs, strict=True):
            assert np.array_equal(out, x[:, 0] * 2)
        return outs

    for inline in (False, True):
        calls.clear()
        asyncio.run(run(inline))
        assert sum(calls) == 15 and len(calls) < 8 and max(calls) <= 10, calls


# -- a Keras version -----------------------------------------------------------------------------
def test_keras_version_is_served(tmp_path: Path) -> None:
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tf_keras as keras

    keras.utils.set_random_seed(0)
    net = keras.Sequential([keras.layers.Input(shape=(3,)),
                            keras.layers.Dense(4, activation="relu"),
                            keras.layers.Dense(1, activation="sigmoid")])
    net.save(tmp_path / "net.keras")
    home = tmp_path / "home"
    with griffin_lab.connect(home=home) as client:
        version = client.transport.platform.registry.register(
            "keras-net", RegisterRequest(path=str(tmp_path / "net.keras")), "tester")
    ref = bento.build(version, home)
    proc, url, ready_s = start(ref, tmp_path)
    print(f"\nKeras: serve to ready {ready_s:.2f} s")
    try:
        x = np.random.default_rng(1).normal(size=(5, 3)).astype("float32")
        with httpx.Client(base_url=url, trust_env=False, timeout=30) as http:
            answer = http.post("/predict", json={"instances": x.tolist()})
            assert answer.status_code == 200, answer.text
            np.testing.assert_allclose(answer.json()["predictions"],
                                       net.predict(x, verbose=0)[:, 0], rtol=1e-5)
            wrong = http.post("/predict", json={"instances": [[1.0, 2.0]]})
            assert wrong.status_code == 422 and "shape" in wrong.json()["error"]["message"]
    finally:
        stop(proc)

    damaged = tmp_path / "damaged"
    with griffin_lab.connect(home=home) as client:
        again = client.transport.platform.registry.register(
            "keras-net", RegisterRequest(path=str(tmp_path / "net.keras")), "tester")
    path = local_path(again.artifact_uri) / "model.keras"
    data = bytearray(path.read_bytes())
    data[len(data) // 2: len(data) // 2 + 64] = b"\0" * 64
    path.write_bytes(bytes(data))
    damaged.mkdir()
    with pytest.raises(InvalidInput, match="model.keras"):
        bento.build(again, home)


def test_micro_batcher_passes_model_errors_to_every_waiting_request() -> None:
    from griffin_lab.serving.bento_service import MicroBatcher

    def broken(x: np.ndarray) -> np.ndarray:
        raise RuntimeError("model failed")

    async def run() -> list[Any]:
        batcher = MicroBatcher(broken, max_rows=10, inline=True)
        return await asyncio.gather(*(batcher(np.ones((1, 2))) for _ in range(3)),
                                    return_exceptions=True)

    assert [str(e) for e in asyncio.run(run())] == ["model failed"] * 3
