"""``griffin deploy --target kubernetes``: a registered LightGBM version rendered to a folder
(its exported Bento, a Deployment, a Service, a kustomization, a README with the commands).
Every manifest validates against the Kubernetes JSON schemas (``kubernetes-validate``, strict,
offline); probes, resources, labels and the image match the Bento; the exported Bento imports
into a fresh BentoML store; bad options are refused naming the field (in-process, over REST
and from the CLI); a folder holding something else is never written over unless asked. No
cluster is needed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

import griffin_lab
from griffin_lab.errors import Conflict, InvalidInput, NotFound
from griffin_lab.registry.schemas import RegisterRequest
from griffin_lab.serving import bento, kubernetes
from griffin_lab.serving.schemas import KubernetesRender

COLUMNS = ["basket_size", "days_since", "orders", "reorder_rate"]
GRIFFIN = str(Path(sys.executable).with_name("griffin"))
DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$")
SCHEMA_VERSIONS = ("1.25.0", "latest")  # the oldest schemas kubernetes-validate ships, newest


@dataclass
class Rendered:
    client: Any
    home: Path
    tmp: Path
    render: KubernetesRender
    docs: dict[str, dict[str, Any]]


def load(folder: Path, name: str) -> dict[str, Any]:
    docs = list(yaml.safe_load_all((folder / name).read_text()))
    assert len(docs) == 1, f"{name} holds {len(docs)} documents"
    return docs[0]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rendered]:
    import lightgbm as lgb
    import numpy as np
    import pandas as pd

    tmp = tmp_path_factory.mktemp("kubernetes")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 4))
    booster = lgb.train({"objective": "binary", "verbose": -1, "num_leaves": 7},
                        lgb.Dataset(pd.DataFrame(x, columns=COLUMNS), (x[:, 0] > 0).astype(int)),
                        num_boost_round=5)
    model_file = tmp / "reorder.txt"
    booster.save_model(str(model_file))
    home = tmp / "home"
    with griffin_lab.connect(home=home) as client:
        client.transport.platform.registry.register(
            "reorder-gbm", RegisterRequest(path=str(model_file)), "tester")
        render = client.render_kubernetes("reorder-gbm@1", tmp / "k8s", replicas=2, workers=2,
                                          cpu="500m", memory="512Mi")
        folder = Path(render.folder)
        docs = {f: load(folder, f) for f in kubernetes.MANIFESTS}
        yield Rendered(client, home, tmp, render, docs)


def validate(doc: dict[str, Any]) -> None:
    import kubernetes_validate

    for version in SCHEMA_VERSIONS:
        if version == "latest":
            version = kubernetes_validate.latest_version()
        kubernetes_validate.validate(doc, version, strict=True)  # raises when it does not


# -- the folder and the schemas --------------------------------------------------------------
def test_the_folder_holds_the_bento_manifests_and_readme(rendered: Rendered) -> None:
    r = rendered.render
    folder = Path(r.folder)
    assert folder == rendered.tmp / "k8s"
    assert sorted(p.name for p in folder.iterdir()) == sorted(r.files)
    assert set(r.files) >= {"deployment.yaml", "service.yaml", "kustomization.yaml",
                            "README.md", "reorder-gbm.bento"}
    assert r.bento_file == "reorder-gbm.bento" and (folder / r.bento_file).stat().st_size > 0
    assert r.exported is True
    assert r.commands == [f"bentoml import {folder / 'reorder-gbm.bento'}",
                          f"bentoml containerize {r.bento}", f"kubectl apply -k {folder}"]
    readme = (folder / "README.md").read_text()
    for command in ("bentoml import ./reorder-gbm.bento", f"bentoml containerize {r.bento}",
                    "kubectl apply -k ."):
        assert f"\n{command}\n" in readme


def test_every_manifest_validates_against_the_kubernetes_schemas(rendered: Rendered) -> None:
    import kubernetes_validate

    deployment, service = rendered.docs["deployment.yaml"], rendered.docs["service.yaml"]
    for doc in (deployment, service):
        validate(doc)
        # what the JSON schemas leave to the API server: names and label syntax
        assert DNS_LABEL.match(doc["metadata"]["name"])
        for key, value in doc["metadata"]["labels"].items():
            assert LABEL_VALUE.match(value), (key, value)
    # a broken manifest does fail: the check is not vacuous
    broken = json.loads(json.dumps(deployment))
    broken["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(broken)
    extra = json.loads(json.dumps(service))
    extra["spec"]["colour"] = "red"
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(extra)
    # kustomize's own kind has no Kubernetes schema: it lists exactly the two manifests
    kustomization = rendered.docs["kustomization.yaml"]
    assert kustomization == {"apiVersion": "kustomize.config.k8s.io/v1beta1",
                             "kind": "Kustomization",
                             "resources": ["deployment.yaml", "service.yaml"]}
    assert all((Path(rendered.render.folder) / f).is_file() for f in kustomization["resources"])


def test_deployment_runs_the_bento_with_probes_and_resources(rendered: Rendered) -> None:
    r = rendered.render
    ref = bento.get(rendered.home, r.bento)  # the Bento really is in the home's store
    assert (ref.model, ref.version, ref.framework) == ("reorder-gbm", 1, "lightgbm")
    name, _, bento_version = r.bento.partition(":")
    assert name == bento.bento_name("reorder-gbm") and bento_version.startswith("v1-")
    assert r.image == r.bento  # what `bentoml containerize` names the image

    d = rendered.docs["deployment.yaml"]
    assert d["apiVersion"] == "apps/v1" and d["kind"] == "Deployment"
    assert d["metadata"]["name"] == r.name == "reorder-gbm"
    labels = d["metadata"]["labels"]
    assert labels["griffin-lab/model"] == "reorder-gbm"
    assert labels["griffin-lab/version"] == "1"
    assert labels["app.kubernetes.io/version"] == "v1"
    assert d["metadata"]["annotations"]["griffin-lab/bento"] == r.bento
    spec = d["spec"]
    assert spec["replicas"] == 2
    selector = spec["selector"]["matchLabels"]
    pod_labels = spec["template"]["metadata"]["labels"]
    assert pod_labels == labels and selector.items() <= pod_labels.items()
    assert "griffin-lab/version" not in selector  # a new version is a rolling update
    (container,) = spec["template"]["spec"]["containers"]
    assert container["image"] == r.bento
    assert container["ports"] == [{"name": "http", "containerPort": 3000, "protocol": "TCP"}]
    assert {"name": "GRIFFIN_BENTO_WORKERS", "value": "2"} in container["env"]
    assert container["resources"] == {"requests": {"cpu": "500m", "memory": "512Mi"},
                                      "limits": {"cpu": "500m", "memory": "512Mi"}}
    probes = {k: container[k] for k in ("startupProbe", "readinessProbe", "livenessProbe")}
    assert probes["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert probes["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "http"}
    assert probes["startupProbe"]["httpGet"]["path"] == "/readyz"
    startup = probes["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 300  # minutes to load
    assert spec["progressDeadlineSeconds"] > startup["periodSeconds"] * startup[
        "failureThreshold"]

    s = rendered.docs["service.yaml"]
    assert s["apiVersion"] == "v1" and s["kind"] == "Service"
    assert s["metadata"]["name"] == "reorder-gbm"
    assert s["spec"]["type"] == "ClusterIP"
    assert s["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": 3000,
                                   "protocol": "TCP"}]
    assert s["spec"]["selector"].items() <= pod_labels.items()


def test_the_exported_bento_imports_into_a_fresh_store(rendered: Rendered) -> None:
    r = rendered.render
    fresh = rendered.tmp / "fresh-home"
    store = bento.bentoml_home(fresh)
    done = subprocess.run([*bento._bentoml(), "import", str(Path(r.folder) / r.bento_file)],
                          env={**os.environ, **bento._env(store)}, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    imported = bento.get(fresh, r.bento)
    assert (imported.model, imported.version, imported.framework) == ("reorder-gbm", 1,
                                                                       "lightgbm")
    assert (imported.path / "src" / "model" / "model.txt").is_file()
    assert (imported.path / "src" / "service.py").is_file()


# -- re-rendering, and folders that hold something else --------------------------------------
def test_rendering_again_updates_a_previous_render(rendered: Rendered) -> None:
    client, folder = rendered.client, rendered.tmp / "update"
    first = client.render_kubernetes("reorder-gbm@1", folder)
    bento_file = folder / first.bento_file
    stamp = bento_file.stat().st_mtime_ns
    again = client.render_kubernetes("reorder-gbm@1", folder, replicas=3, cpu=2,
                                     memory="2Gi")
    assert again.exported is False and bento_file.stat().st_mtime_ns == stamp  # kept
    spec = load(folder, "deployment.yaml")["spec"]
    assert spec["replicas"] == 3
    assert spec["template"]["spec"]["containers"][0]["resources"]["limits"] == {
        "cpu": "2", "memory": "2Gi"}
    # a new version of the same model under the same name is an update too
    platform = client.transport.platform
    platform.registry.register("reorder-gbm", RegisterRequest(
        path=str(rendered.tmp / "reorder.txt")), "tester")
    second = client.render_kubernetes("reorder-gbm@2", folder)
    assert second.exported is True and second.bento != first.bento
    assert second.bento.startswith(f"{bento.bento_name('reorder-gbm')}:v2-")
    deployment = load(folder, "deployment.yaml")
    validate(deployment)
    assert deployment["metadata"]["labels"]["griffin-lab/version"] == "2"
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == second.bento
    assert sorted(p.name for p in folder.iterdir()) == sorted(second.files)


def test_a_folder_holding_something_else_is_not_written_over(rendered: Rendered) -> None:
    client = rendered.client
    notes = rendered.tmp / "taken" / "notes.txt"
    notes.parent.mkdir()
    notes.write_text("mine")
    with pytest.raises(Conflict) as err:
        client.render_kubernetes("reorder-gbm@1", notes.parent)
    assert err.value.field == "out_dir" and "overwrite" in err.value.message
    assert [p.name for p in notes.parent.iterdir()] == ["notes.txt"]
    done = client.render_kubernetes("reorder-gbm@1", notes.parent, overwrite=True)
    assert notes.read_text() == "mine" and "deployment.yaml" in done.files

    # another name in a render's folder is another thing: refused, then replaced on request
    with pytest.raises(Conflict) as err:
        client.render_kubernetes("reorder-gbm@1", notes.parent, name="reorder-canary")
    assert err.value.field == "out_dir" and "reorder-gbm" in err.value.message
    canary = client.render_kubernetes("reorder-gbm@1", notes.parent, name="reorder-canary",
                                      overwrite=True)
    names = sorted(p.name for p in notes.parent.iterdir())
    assert names == sorted([*canary.files, "notes.txt"])  # the old render's Bento is gone
    assert "reorder-gbm.bento" not in names
    assert load(notes.parent, "service.yaml")["metadata"]["name"] == "reorder-canary"

    a_file = rendered.tmp / "a-file"
    a_file.write_text("x")
    with pytest.raises(InvalidInput) as err:
        client.render_kubernetes("reorder-gbm@1", a_file)
    assert err.value.field == "out_dir"


# -- bad input ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("options", "field", "needle"), [
    ({"replicas": 0}, "replicas", "replicas"),
    ({"workers": 17}, "workers", "workers"),
    ({"cpu": "2 cores"}, "cpu", "millicores ('500m')"),
    ({"cpu": "0m"}, "cpu", "at least '1m'"),
    ({"memory": "1gb"}, "memory", "'2Gi'"),
    ({"memory": "512"}, "memory", "did you mean '512Mi'"),
    ({"name": "Reorder_GBM"}, "name", "'reorder-gbm'"),
    ({"name": "r" * 64}, "name", "at most 63"),
    ({"name": "9lives"}, "name", "starting with a letter"),
    ({"image": "Registry/Team/Reorder"}, "image", "not an image reference"),
    ({"image": "reorder@sha256:" + "a" * 64}, "image", "give a tag"),
])
def test_bad_options_are_refused_naming_the_field(rendered: Rendered, options: dict[str, Any],
                                                  field: str, needle: str) -> None:
    folder = rendered.tmp / f"bad-{field}"
    with pytest.raises(InvalidInput) as err:
        rendered.client.render_kubernetes("reorder-gbm@1", folder, **options)
    assert err.value.field == field and needle in err.value.message, err.value.message
    assert not folder.exists()


def test_render_itself_checks_its_options(rendered: Rendered) -> None:
    version = rendered.client.transport.platform.registry.resolve("reorder-gbm@1")
    for options, field in (({"replicas": 0}, "replicas"), ({"workers": True}, "workers")):
        with pytest.raises(InvalidInput) as err:
            kubernetes.render(version, rendered.home, rendered.tmp / "direct", **options)
        assert err.value.field == field
    with pytest.raises(NotFound):
        rendered.client.render_kubernetes("reorder-gbm@9", rendered.tmp / "missing")
    assert not (rendered.tmp / "direct").exists() and not (rendered.tmp / "missing").exists()


def test_quantities_and_images() -> None:
    assert kubernetes.cpu_millicores("500m") == 500 and kubernetes.cpu_millicores("2") == 2000
    assert kubernetes.cpu_millicores("0.25") == 250
    assert kubernetes.memory_bytes("512Mi") == 512 * 2**20
    assert kubernetes.memory_bytes("1G") == 10**9
    tag = "griffin-reorder-gbm:v3-0123456789ab"
    assert kubernetes.image_for(tag) == tag
    assert kubernetes.image_for(tag, "registry.example.com:5000/team/") == (
        "registry.example.com:5000/team/" + tag)
    assert kubernetes.image_for(tag, "ghcr.io/acme/reorder") == (
        "ghcr.io/acme/reorder:v3-0123456789ab")
    assert kubernetes.image_for(tag, "ghcr.io/acme/reorder:prod") == "ghcr.io/acme/reorder:prod"
    assert kubernetes.default_name("reorder_gbm.v2") == "reorder-gbm-v2"
    long = kubernetes.default_name("m" * 100)
    assert len(long) <= 63 and DNS_LABEL.match(long)
    assert kubernetes.label_value("a" * 70 + "_") == "a" * 63


async def test_rest_refuses_bad_options_with_a_422_naming_the_field(jp_fetch) -> None:
    from tornado.httpclient import HTTPClientError

    cases = [({"cpu": "lots"}, "cpu"), ({"memory": "1gb"}, "memory"),
             ({"replicas": 0}, "replicas"), ({"out_dir": "relative/k8s"}, "out_dir"),
             ({"replica": 2}, "replica")]
    for extra, field in cases:
        body = {"model": "reorder-gbm@1", "out_dir": "/tmp/griffin-k8s-never", **extra}
        with pytest.raises(HTTPClientError) as err:
            await jp_fetch("griffin", "api", "v1", "serving", "kubernetes", method="POST",
                           body=json.dumps(body).encode())
        assert err.value.code == 422, (extra, err.value.code)
        assert json.loads(err.value.response.body)["error"]["field"] == field
    assert not Path("/tmp/griffin-k8s-never").exists()


# -- the CLI -----------------------------------------------------------------------------------
def griffin(*args: str, home: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GRIFFIN, *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env={**os.environ, "GRIFFIN_HOME": str(home)})


def test_cli_renders_with_a_registry_prefix(rendered: Rendered) -> None:
    cwd = rendered.tmp
    done = griffin("deploy", "reorder-gbm@1", "--target", "kubernetes", "--out", "cli-k8s",
                   "--replicas", "3", "--cpu", "1", "--memory", "1Gi", "--image",
                   "registry.example.com/team/", "--json", home=rendered.home, cwd=cwd)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["folder"] == str(cwd / "cli-k8s")  # relative to where the command ran
    assert out["image"] == f"registry.example.com/team/{out['bento']}"
    assert out["bento"].startswith(f"{bento.bento_name('reorder-gbm')}:v1-")
    assert bento.get(rendered.home, out["bento"]).version == 1
    assert f"bentoml containerize {out['bento']} -t {out['image']}" in out["commands"]
    assert f"docker push {out['image']}" in out["commands"]
    deployment = load(cwd / "cli-k8s", "deployment.yaml")
    validate(deployment)
    assert deployment["spec"]["replicas"] == 3
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == out["image"]

    again = griffin("deploy", "reorder-gbm@1", "--target", "kubernetes", "--out", "cli-k8s",
                    home=rendered.home, cwd=cwd)
    assert again.returncode == 0, again.stderr
    assert "kubectl apply -k" in again.stdout and "bentoml import" in again.stdout


@pytest.mark.parametrize(("args", "needle"), [
    (["--target", "kubernetes"], "needs --out"),
    (["--out", "somewhere"], "--out is for --target kubernetes only"),
    (["--target", "k8s", "--out", "x"], "use local or kubernetes"),
    (["--target", "kubernetes", "--out", "x", "--port", "8080"], "--port is for local"),
    (["--target", "kubernetes", "--out", "x", "--cpu", "lots"], "cpu 'lots'"),
])
def test_cli_refuses_what_does_not_fit_the_target(rendered: Rendered, args: list[str],
                                                  needle: str) -> None:
    done = griffin("deploy", "reorder-gbm@1", *args, home=rendered.home, cwd=rendered.tmp)
    assert done.returncode == 2 and needle in done.stderr, done.stderr
    assert not (rendered.tmp / "x").exists() and not (rendered.tmp / "somewhere").exists()
