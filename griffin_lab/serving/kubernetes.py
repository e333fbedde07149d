"""Kubernetes manifests for a registered version: the scale-out path of serving.

``render(version, home, out_dir, ...)`` builds (or reuses) the version's Bento, exports it
into ``out_dir`` as ``<name>.bento`` (``bentoml export``) and writes beside it:

- ``deployment.yaml``: an ``apps/v1`` Deployment of the image ``bentoml containerize`` makes
  of that Bento (``<bento name>:<bento version>``, or the ``image`` given), port 3000, the
  worker count (``GRIFFIN_BENTO_WORKERS``), cpu and memory requests and limits, and probes:
  a startup probe on ``/readyz`` that gives a slow-loading model minutes to load, then
  readiness on ``/readyz`` and liveness on ``/livez``;
- ``service.yaml``: a ``v1`` ClusterIP Service, port 80 to the pods' 3000;
- ``kustomization.yaml`` listing both (``kubectl apply -k``);
- ``README.md`` with the commands that build the image and apply the manifests;
- ``griffin-render.json``: what was rendered, so rendering the same model under the same
  name into the folder again (a new version, other resources) is an update, not a conflict.

Nothing here needs a cluster or Docker: the commands are for the machine that has them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Conflict, EngineUnavailable, InvalidInput
from .schemas import KubernetesRender, KubernetesRequest

if TYPE_CHECKING:
    from ..registry.schemas import ModelVersionInfo
    from ..registry.service import RegistryService
    from .bento import BentoRef

PORT = 3000
MARKER = "griffin-render.json"
MANIFESTS = ("deployment.yaml", "service.yaml", "kustomization.yaml")
EXPORT_TIMEOUT_S = 600.0
MIN_MEMORY = 128 * 2**20  # a BentoML server and one worker need at least this
LABEL_PREFIX = "griffin-lab"
TEXT_FRAMEWORKS = ("transformers", "transformers-peft")

_NAME = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_CPU = re.compile(r"^(?:(?P<milli>[0-9]+)m|(?P<cores>[0-9]+(?:\.[0-9]{1,3})?))$")
_MEMORY = re.compile(r"^(?P<n>[0-9]+(?:\.[0-9]+)?)(?P<unit>Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$")
_MEMORY_UNITS = {None: 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15,
                 "E": 10**18, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40,
                 "Pi": 2**50, "Ei": 2**60}
# an image reference as Docker's distribution grammar writes it (tags only: no digests)
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN = (r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
           r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?)")
_IMAGE = re.compile(rf"^(?P<repo>(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*)"
                    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?$")
_PREFIX = re.compile(rf"^(?:{_DOMAIN}|{_COMPONENT})(?:/{_COMPONENT})*/$")
_LABEL_VALUE_BAD = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Options:
    """What a render was asked for, checked."""

    name: str
    replicas: int
    workers: int
    cpu: str
    memory: str
    image: str | None


# -- checks ----------------------------------------------------------------------------------
def default_name(model: str) -> str:
    """The Deployment/Service name for a model: its name as a DNS label."""
    name = re.sub(r"[^a-z0-9-]+", "-", model.lower()).strip("-") or "model"
    if not name[0].isalpha():
        name = f"m-{name}"
    if len(name) > 63:
        digest = hashlib.sha256(model.encode()).hexdigest()[:8]
        name = f"{name[:54].rstrip('-')}-{digest}"
    return name


def check_name(value: str) -> str:
    if len(value) > 63 or not _NAME.match(value):
        raise InvalidInput(f"name {value!r} cannot name a Kubernetes Deployment and Service: "
                           "use a DNS label of lowercase letters, digits and '-', starting "
                           "with a letter, ending with a letter or digit, at most 63 "
                           f"characters (like {default_name(value or 'model')!r})",
                           field="name")
    return value


def cpu_millicores(value: str) -> int:
    """``"500m"`` -> 500, ``"2"`` -> 2000; ``InvalidInput`` for anything else."""
    match = _CPU.match(str(value).strip())
    if not match:
        raise InvalidInput(f"cpu {value!r} is not a Kubernetes CPU quantity: write cores "
                           "('1', '2', '0.5') or millicores ('500m')", field="cpu")
    milli = (int(match["milli"]) if match["milli"] is not None
             else round(float(match["cores"]) * 1000))
    if milli < 1:
        raise InvalidInput(f"cpu {value!r} is no CPU at all: give at least '1m' (like "
                           "'500m' or '1')", field="cpu")
    return milli


def memory_bytes(value: str) -> int:
    """``"512Mi"`` -> 536870912; ``InvalidInput`` for anything else or under 128Mi."""
    match = _MEMORY.match(str(value).strip())
    if not match:
        raise InvalidInput(f"memory {value!r} is not a Kubernetes memory quantity: write "
                           "'512Mi' or '2Gi' (binary units) or '1G' (decimal)",
                           field="memory")
    size = int(float(match["n"]) * _MEMORY_UNITS[match["unit"]])
    if size < MIN_MEMORY:
        hint = (f" (a number without a unit is bytes: did you mean '{match['n']}Mi'?)"
                if match["unit"] is None else "")
        raise InvalidInput(f"memory {value!r} is less than the 128Mi a BentoML server needs "
                           f"at the least{hint}", field="memory")
    return size


def check_image(value: str) -> str:
    if "@" in value:
        raise InvalidInput(f"image {value!r} has a digest: give a tag instead, since the "
                           "image is built from the Bento by `bentoml containerize` and has "
                           "no digest until it is pushed", field="image")
    if not (_IMAGE.match(value) or _PREFIX.match(value)):
        raise InvalidInput(f"image {value!r} is not an image reference: give "
                           "'registry.example.com/team/name[:tag]' (lowercase path) or a "
                           "registry prefix ending in '/' ('registry.example.com/team/')",
                           field="image")
    return value


def check_options(model: str, name: str | None = None, replicas: int = 1, workers: int = 1,
                  cpu: str = "1", memory: str = "1Gi", image: str | None = None) -> Options:
    """The options of a render, or ``InvalidInput`` naming the field to fix."""
    name = check_name(name) if name is not None else default_name(model)
    if isinstance(replicas, bool) or not isinstance(replicas, int) or not 1 <= replicas <= 1000:
        raise InvalidInput(f"replicas must be a whole number from 1 to 1000, not {replicas!r}",
                           field="replicas")
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 16:
        raise InvalidInput(f"workers must be a whole number from 1 to 16, not {workers!r}",
                           field="workers")
    cpu, memory = str(cpu).strip(), str(memory).strip()
    cpu_millicores(cpu)
    memory_bytes(memory)
    image = check_image(image.strip()) if image is not None and image.strip() else None
    return Options(name, replicas, workers, cpu, memory, image)


def image_for(bento_tag: str, image: str | None = None) -> str:
    """The image a Deployment runs: ``bentoml containerize``'s tag for the Bento (its tag,
    ``name:version``), under a registry prefix (``image`` ending in ``/``), or ``image``
    itself (tagged with the Bento's version when it has no tag)."""
    if not image:
        return bento_tag
    if image.endswith("/"):
        return f"{image}{bento_tag}"
    match = _IMAGE.match(image)
    if match and match["tag"] is None:
        return f"{image}:{bento_tag.partition(':')[2]}"
    return image


def label_value(value: str) -> str:
    """``value`` as a Kubernetes label value (at most 63 of ``[A-Za-z0-9._-]``, alphanumeric
    at both ends)."""
    cleaned = _LABEL_VALUE_BAD.sub("-", value)[:63]
    return re.sub(r"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "", cleaned)


# -- manifests -------------------------------------------------------------------------------
def manifests(opts: Options, model: str, version: int, framework: str, bento_tag: str,
              image: str) -> dict[str, dict[str, Any]]:
    """``{file name: document}`` of the Deployment, the Service and the kustomization."""
    selector = {"app.kubernetes.io/name": opts.name}
    labels = {**selector,
              "app.kubernetes.io/version": f"v{version}",
              "app.kubernetes.io/component": "model-server",
              "app.kubernetes.io/part-of": "griffin-lab",
              "app.kubernetes.io/managed-by": "griffin-lab",
              f"{LABEL_PREFIX}/model": label_value(model),
              f"{LABEL_PREFIX}/version": str(version),
              f"{LABEL_PREFIX}/framework": label_value(framework)}
    annotations = {f"{LABEL_PREFIX}/model-ref": f"{model}@{version}",
                   f"{LABEL_PREFIX}/bento": bento_tag}
    # a model loads before the server answers: the startup probe gives it minutes (ten for
    # text models), after which readiness and liveness take over
    startup_checks = 120 if framework in TEXT_FRAMEWORKS else 60
    resources = {"cpu": opts.cpu, "memory": opts.memory}
    container = {
        "name": "model",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "http", "containerPort": PORT, "protocol": "TCP"}],
        "env": [{"name": "GRIFFIN_BENTO_WORKERS", "value": str(opts.workers)}],
        "resources": {"requests": dict(resources), "limits": dict(resources)},
        "startupProbe": _probe("/readyz", period=5, timeout=3, failures=startup_checks),
        "readinessProbe": _probe("/readyz", period=10, timeout=3, failures=3),
        "livenessProbe": _probe("/livez", period=20, timeout=5, failures=3),
        "securityContext": {"allowPrivilegeEscalation": False},
    }
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": opts.name, "labels": labels, "annotations": annotations},
        "spec": {
            "replicas": opts.replicas,
            "revisionHistoryLimit": 5,
            "progressDeadlineSeconds": 5 * startup_checks + 300,
            "selector": {"matchLabels": selector},
            "strategy": {"type": "RollingUpdate",
                         "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": labels,
                             "annotations": {**annotations,
                                             "prometheus.io/scrape": "true",
                                             "prometheus.io/port": str(PORT),
                                             "prometheus.io/path": "/metrics"}},
                "spec": {"containers": [container]},
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": opts.name, "labels": labels, "annotations": annotations},
        "spec": {"type": "ClusterIP", "selector": selector,
                 "ports": [{"name": "http", "port": 80, "targetPort": PORT,
                            "protocol": "TCP"}]},
    }
    kustomization = {"apiVersion": "kustomize.config.k8s.io/v1beta1",
                     "kind": "Kustomization",
                     "resources": ["deployment.yaml", "service.yaml"]}
    return {"deployment.yaml": deployment, "service.yaml": service,
            "kustomization.yaml": kustomization}


def _probe(path: str, period: int, timeout: int, failures: int) -> dict[str, Any]:
    return {"httpGet": {"path": path, "port": "http"}, "periodSeconds": period,
            "timeoutSeconds": timeout, "failureThreshold": failures}


def commands(folder: Path | None, bento_file: str, bento_tag: str, image: str) -> list[str]:
    """The commands that turn the folder into running pods, in order (relative to the folder
    when ``folder`` is None)."""
    archive = shlex.quote(str(folder / bento_file)) if folder else f"./{bento_file}"
    out = [f"bentoml import {archive}"]
    if image == bento_tag:
        out.append(f"bentoml containerize {bento_tag}")
    else:
        out += [f"bentoml containerize {bento_tag} -t {image}", f"docker push {image}"]
    out.append(f"kubectl apply -k {shlex.quote(str(folder)) if folder else '.'}")
    return out


def _readme(opts: Options, model: str, version: int, bento_tag: str, bento_file: str,
            image: str) -> str:
    steps = "\n".join(commands(None, bento_file, bento_tag, image))
    local = ("" if image != bento_tag else f"""
The image has no registry in its name: load it into the cluster's nodes
(`kind load docker-image {image}`, `minikube image load {image}`), or render again
with an image under your registry (`--image registry.example.com/team/`).
""")
    again = (f"griffin deploy {model}@{version} --target kubernetes --out . --name {opts.name} "
             f"--replicas {opts.replicas} --workers {opts.workers} --cpu {opts.cpu} "
             f"--memory {opts.memory}" + (f" --image {opts.image}" if opts.image else ""))
    return f"""# {opts.name}: {model} v{version} on Kubernetes

Rendered by Griffin Lab from `{model}@{version}` (Bento `{bento_tag}`).
Render again rather than edit these files:

```sh
{again}
```

| file | what |
| --- | --- |
| `{bento_file}` | the Bento: service code and model files (`bentoml export`) |
| `deployment.yaml` | {opts.replicas} replica(s) of `{image}`, {opts.workers} worker(s), \
cpu {opts.cpu}, memory {opts.memory}, probes on `/readyz` and `/livez` |
| `service.yaml` | ClusterIP Service `{opts.name}`, port 80 to the pods' {PORT} |
| `kustomization.yaml` | both, for `kubectl apply -k` |

Run in this folder, on a machine with Docker and access to the cluster:

```sh
{steps}
kubectl rollout status deployment/{opts.name}
```
{local}
Then, from inside the cluster, `POST http://{opts.name}/predict` with
`{{"instances": [{{...}}]}}`; to try it from here:
`kubectl port-forward service/{opts.name} 8080:80` and `POST http://127.0.0.1:8080/predict`.
Prometheus metrics are on `/metrics` (port {PORT}).
"""


def _yaml(doc: dict[str, Any], header: str) -> str:
    import yaml

    plain = json.loads(json.dumps(doc))  # no shared objects, so no YAML anchors
    return f"# {header}\n" + yaml.safe_dump(plain, sort_keys=False, default_flow_style=False)


# -- the folder ------------------------------------------------------------------------------
def _previous(folder: Path, model: str, name: str, overwrite: bool) -> dict[str, Any]:
    """The folder's previous render (``{}`` when there is none), or ``Conflict`` when the
    folder holds something else and ``overwrite`` is off."""
    if folder.exists() and not folder.is_dir():
        raise InvalidInput(f"{folder} is a file, not a folder", field="out_dir")
    if not folder.is_dir() or not any(folder.iterdir()):
        return {}
    marker: dict[str, Any] = {}
    try:
        loaded = json.loads((folder / MARKER).read_text())
        if isinstance(loaded, dict) and loaded.get("kind") == "griffin-kubernetes":
            marker = loaded
    except (OSError, ValueError):
        pass
    if marker.get("model") == model and marker.get("name") == name:
        return marker
    if overwrite:
        return marker
    what = (f"a render of {marker.get('model')} as {marker.get('name')!r}" if marker else
            "files that are not a Griffin render (" +
            ", ".join(sorted(p.name for p in folder.iterdir())[:5]) + ")")
    raise Conflict(f"{folder} holds {what}: choose an empty or new folder, or pass "
                   "overwrite=True (--overwrite) to write over it", field="out_dir")


def _write_marker(folder: Path, **fields: Any) -> None:
    tmp = folder / f".{MARKER}.tmp"
    tmp.write_text(json.dumps({"kind": "griffin-kubernetes", **fields}, indent=2))
    os.replace(tmp, folder / MARKER)


def _export(ref: BentoRef, target: Path, previous: dict[str, Any]) -> bool:
    """``bentoml export`` of ``ref`` to ``target``; False when ``target`` already is it."""
    from .bento import _bentoml, _env

    if (previous.get("bento") == ref.tag and target.is_file()
            and target.stat().st_size == previous.get("bento_size")):
        return False
    partial = target.with_name(f".{target.stem}.partial.bento")
    partial.unlink(missing_ok=True)
    argv = [*_bentoml(), "export", ref.tag, str(partial)]
    try:
        done = subprocess.run(argv, env={**os.environ, **_env(ref.bentoml_home)},
                              capture_output=True, text=True, errors="replace",
                              timeout=EXPORT_TIMEOUT_S)
        if done.returncode != 0 or not partial.is_file():
            tail = (done.stderr or done.stdout or "")[-2000:]
            raise EngineUnavailable(f"bentoml export of {ref.tag} to {target} failed "
                                    f"(exit {done.returncode}):\n{tail}")
        os.replace(partial, target)
    except subprocess.TimeoutExpired:
        raise EngineUnavailable(f"bentoml export of {ref.tag} took more than "
                                f"{EXPORT_TIMEOUT_S:.0f} s") from None
    finally:
        partial.unlink(missing_ok=True)
    return True


def render(version: ModelVersionInfo, home: Path, out_dir: str | Path, *,
           name: str | None = None, replicas: int = 1, workers: int = 1, cpu: str = "1",
           memory: str = "1Gi", image: str | None = None,
           overwrite: bool = False) -> KubernetesRender:
    """Write ``version``'s Bento and Kubernetes manifests to ``out_dir``.

    Raises ``InvalidInput`` naming the option to fix, ``Conflict`` when ``out_dir`` holds
    something other than a previous render of this model under this name (unless
    ``overwrite``), and what ``bento.build`` raises for an unservable version.
    """
    from . import bento

    opts = check_options(version.model, name, replicas, workers, cpu, memory, image)
    folder = Path(out_dir).expanduser().absolute()
    previous = _previous(folder, version.model, opts.name, overwrite)
    ref = bento.build(version, home)
    image_ref = image_for(ref.tag, opts.image)
    bento_file = f"{opts.name}.bento"
    files = [*MANIFESTS, "README.md", bento_file, MARKER]
    folder.mkdir(parents=True, exist_ok=True)
    stale = [f for f in previous.get("files", []) if isinstance(f, str) and f not in files
             and f == Path(f).name and not f.startswith(".")]
    # claim the folder first, so an interrupted render is still recognised as one
    _write_marker(folder, model=version.model, name=opts.name, version=version.version,
                  bento=previous.get("bento"), bento_size=previous.get("bento_size"),
                  files=sorted({*files, *stale}))
    exported = _export(ref, folder / bento_file, previous)
    header = (f"Rendered by Griffin Lab from {version.model}@{version.version} "
              f"(Bento {ref.tag}); render again rather than edit.")
    for file_name, doc in manifests(opts, version.model, version.version, version.framework,
                                    ref.tag, image_ref).items():
        (folder / file_name).write_text(_yaml(doc, header))
    (folder / "README.md").write_text(_readme(opts, version.model, version.version, ref.tag,
                                              bento_file, image_ref))
    for file_name in stale:
        (folder / file_name).unlink(missing_ok=True)
    _write_marker(folder, model=version.model, name=opts.name, version=version.version,
                  bento=ref.tag, bento_size=(folder / bento_file).stat().st_size,
                  image=image_ref, files=files)
    return KubernetesRender(
        folder=str(folder), files=files, name=opts.name, model=version.model,
        version=version.version, bento=ref.tag, bento_file=bento_file, image=image_ref,
        replicas=opts.replicas, workers=opts.workers, cpu=opts.cpu, memory=opts.memory,
        exported=exported, commands=commands(folder, bento_file, ref.tag, image_ref))


def render_request(body: KubernetesRequest, registry: RegistryService,
                   home: Path) -> KubernetesRender:
    """``render`` for a REST request: the options are checked before the registry is asked."""
    from ..registry.service import split_ref

    model, _ = split_ref(body.model)
    check_options(model, body.name, body.replicas, body.workers, body.cpu, body.memory,
                  body.image)
    if not Path(body.out_dir).expanduser().is_absolute():
        raise InvalidInput(f"out_dir {body.out_dir!r} must be an absolute path (the platform "
                           "may run in another folder than the caller)", field="out_dir")
    version = registry.resolve(body.model)
    return render(version, home, body.out_dir, name=body.name, replicas=body.replicas,
                  workers=body.workers, cpu=body.cpu, memory=body.memory, image=body.image,
                  overwrite=body.overwrite)
