"""Models in and out of the registry without a training job: register a LightGBM file, a
Keras file or a Hugging Face folder from disk, export a version as a bundle, import it back;
bad files and damaged bundles are refused and leave nothing behind. The SDK tests run
in-process and over HTTP against a real JupyterLab; the REST errors are checked raw."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

import griffin_lab
from griffin_lab.errors import Conflict, InvalidInput, NotFound
from griffin_lab.sdk import Client
from tests.servers import Lab


@pytest.fixture(params=["in-process", "http"])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Client]:
    if request.param == "in-process":
        c = griffin_lab.connect(home=tmp_path / "home")
    else:
        lab = request.getfixturevalue("lab_server")
        c = griffin_lab.connect(url=lab.url, token=lab.token)
    with c:
        yield c


@pytest.fixture(scope="module")
def booster_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray, np.ndarray]:
    import lightgbm as lgb

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 4))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int)
    import pandas as pd

    frame = pd.DataFrame(x, columns=["basket_size", "days_since", "orders", "reorder_rate"])
    booster = lgb.train({"objective": "binary", "verbose": -1, "num_leaves": 7},
                        lgb.Dataset(frame, y), num_boost_round=10)
    path = tmp_path_factory.mktemp("gbm") / "reorder.txt"
    booster.save_model(str(path))
    return path, x, booster.predict(x)


def test_register_export_import_round_trip(client: Client, booster_file, tmp_path: Path,
                                           request: pytest.FixtureRequest) -> None:
    path, x, expected = booster_file
    name = f"imported-gbm-{request.node.callspec.id}"
    v = client.models.register(name, path, description="trained offline",
                               metrics={"valid_auc": 0.91}, tier=1, team="growth")
    assert (v.version, v.framework, v.source, v.description) == (1, "lightgbm", "import",
                                                                  "trained offline")
    assert [f["name"] for f in v.signature["inputs"]] == ["basket_size", "days_since", "orders",
                                                          "reorder_rate"]
    assert v.signature["objective"] == "binary"
    model = client.models.get(name)
    assert (model.tier, model.team) == (1, "growth")  # the new model took the given fields
    np.testing.assert_allclose(client.models.load(name).predict(x), expected)

    bundle = client.models.export(name, tmp_path, 1)
    assert Path(bundle.path).name == f"{name}-v1.tar.gz" and bundle.bytes > 0
    with pytest.raises(Conflict, match="already exists"):
        client.models.export(name, bundle.path, 1)
    copy = client.models.import_bundle(bundle.path, name=f"{name}-copy")
    assert copy.lineage["imported_from"]["model"] == name
    assert copy.metrics == {"valid_auc": 0.91}
    assert client.models.get(f"{name}-copy").tier == 1
    np.testing.assert_allclose(client.models.load(f"{name}-copy@1").predict(x), expected)
    again = client.models.import_bundle(bundle.path)  # back into the original: next version
    assert (again.model, again.version) == (name, 2)
    assert copy.artifact_uri != again.artifact_uri != v.artifact_uri


def test_bad_files_and_bundles_are_refused_and_leave_nothing(tmp_path: Path,
                                                             booster_file) -> None:
    client = griffin_lab.connect(home=tmp_path / "home")
    artifacts = tmp_path / "home" / "artifacts"
    not_a_model = tmp_path / "notes.txt"
    not_a_model.write_text("hello\n")
    with pytest.raises(InvalidInput, match="not a LightGBM model"):
        client.models.register("bad", not_a_model)
    with pytest.raises(NotFound, match="does not exist"):
        client.models.register("bad", tmp_path / "missing.txt")
    truncated = tmp_path / "truncated.txt"
    text = booster_file[0].read_text()
    truncated.write_text(text[: len(text) // 2])  # LightGBM aborts a process reading this
    with pytest.raises(InvalidInput, match="not a readable LightGBM model"):
        client.models.register("bad", truncated)
    with pytest.raises(InvalidInput, match="is a lightgbm model, not tensorflow"):
        client.models.register("bad", booster_file[0], framework="tensorflow")
    with pytest.raises(InvalidInput, match="signature"):
        client.models.register("bad", booster_file[0],
                               signature={"inputs": [{"name": "a", "type": "complex"}]})
    empty_hf = tmp_path / "hf"
    empty_hf.mkdir()
    (empty_hf / "config.json").write_text('{"model_type": "gpt2"}')
    with pytest.raises(InvalidInput, match="no weights"):
        client.models.register("bad", empty_hf)
    assert client.models.search().total == 0
    assert not (artifacts / "registry").exists() or not any((artifacts / "registry").rglob("*.txt"))

    good = client.models.register("good", booster_file[0])
    bundle = Path(client.models.export("good", tmp_path / "good.tar.gz").path)
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(bundle) as src, tarfile.open(damaged, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None
            if member.name.endswith("model.txt"):
                data = data.replace(b"tree", b"TREE", 1)
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    with pytest.raises(InvalidInput, match="checksum"):
        client.models.import_bundle(damaged)
    with pytest.raises(InvalidInput, match="not a readable model bundle"):
        client.models.import_bundle(not_a_model)
    with pytest.raises(InvalidInput, match=".tar.gz"):
        client.models.export("good", tmp_path / "x.zip")
    assert client.models.get("good").latest_version == good.version == 1
    assert len(list((artifacts / "registry" / "good").iterdir())) == 1


def test_keras_and_hugging_face_folders(tmp_path: Path) -> None:
    import os

    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    import tf_keras as keras
    from transformers import GPT2Config, GPT2LMHeadModel

    client = griffin_lab.connect(home=tmp_path / "home")
    net = keras.Sequential([keras.layers.Input(shape=(3,)), keras.layers.Dense(2),
                            keras.layers.Dense(1)])
    net.save(tmp_path / "net.keras")
    v = client.models.register("keras-net", tmp_path / "net.keras")
    assert v.framework == "tensorflow"
    assert v.signature["inputs"][0]["shape"] == [-1, 3]
    loaded = client.models.load("keras-net")
    batch = np.ones((2, 3), dtype="float32")
    np.testing.assert_allclose(loaded.predict(batch, verbose=0), net.predict(batch, verbose=0),
                               rtol=1e-5)

    GPT2LMHeadModel(GPT2Config(n_layer=1, n_head=2, n_embd=16, vocab_size=50, n_positions=32)
                    ).save_pretrained(tmp_path / "tiny-gpt")
    hf = client.models.register("tiny-gpt", tmp_path / "tiny-gpt", tier=3)
    assert hf.framework == "transformers"
    assert hf.signature["inputs"] == [{"name": "prompt", "type": "string"}]
    folder = client.models.load("tiny-gpt")
    assert (Path(folder) / "config.json").is_file()


def test_rest_errors_are_clear_4xx(lab_server: Lab, booster_file) -> None:
    api = f"{lab_server.url}/griffin/api/v1"
    auth = {"Authorization": f"token {lab_server.token}"}
    assert httpx.get(f"{api}/models").status_code == 403
    assert httpx.put(f"{api}/models/x/aliases/prod", json={"version": 1}).status_code == 403
    r = httpx.post(f"{api}/models", json={"name": "Bad Name"}, headers=auth)
    assert r.status_code == 422 and "model name" in r.json()["error"]["message"]
    r = httpx.post(f"{api}/models", json={"name": "rest-model", "tier": 9}, headers=auth)
    assert r.status_code == 422 and r.json()["error"]["field"] == "tier"
    assert httpx.post(f"{api}/models", json={"name": "rest-model", "tier": 0},
                      headers=auth).status_code == 200
    assert httpx.post(f"{api}/models", json={"name": "rest-model"},
                      headers=auth).status_code == 409
    r = httpx.post(f"{api}/models/rest-model/versions", headers=auth, json={
        "path": str(booster_file[0]), "signature": {"inputs": [{"name": "a", "type": "matrix"}]}})
    assert r.status_code == 422 and "signature" in r.json()["error"]["field"]
    r = httpx.post(f"{api}/models/rest-model/versions", headers=auth,
                   json={"path": str(booster_file[0])})
    assert r.status_code == 200 and r.json()["version"] == 1
    assert httpx.get(f"{api}/models/rest-model/versions/7", headers=auth).status_code == 404
    assert httpx.get(f"{api}/models/rest-model/versions/latest",
                     headers=auth).json()["version"] == 1
    r = httpx.put(f"{api}/models/rest-model/aliases/production", headers=auth,
                  json={"version": 3, "reason": "x"})
    assert r.status_code == 404 and r.json()["error"]["field"] == "version"
    r = httpx.put(f"{api}/models/rest-model/aliases/production", headers=auth,
                  json={"version": 1, "reason": "launch"})
    assert r.status_code == 200 and r.json()["version"] == 1
    assert httpx.get(f"{api}/models/rest-model/versions/production",
                     headers=auth).json()["version"] == 1
    assert httpx.get(f"{api}/models?tier=5", headers=auth).status_code == 422
    assert httpx.get(f"{api}/models?sort=size", headers=auth).status_code == 422
    page = httpx.get(f"{api}/models?tier=0&q=rest", headers=auth).json()
    assert page["total"] == 1 and page["items"][0]["aliases"] == {"production": 1}
    assert httpx.get(f"{api}/models/rest-model/compare", headers=auth).status_code == 422
    r = httpx.delete(f"{api}/models/rest-model/aliases/production?reason=done", headers=auth)
    assert r.status_code == 200 and r.json()["from_version"] == 1
    assert httpx.get(f"{api}/registry/attention", headers=auth).json()["total"] == 0
