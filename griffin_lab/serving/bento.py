"""Bentos for registered model versions: build one, the command that serves it, readiness.

``build(version, home)`` makes a real, self-contained Bento in the BentoML store under
``home / "bentoml"`` (``BENTOML_HOME``): the service module (``bento_service.py`` as
``service.py``), copies of the request validator and the request log, the version's model
files (``model/``; a LoRA adapter's base model in ``base/``) and ``griffin_bento.json``
naming them. It is
tagged ``griffin-<model>:v<version>-<checksum>``, where the checksum covers the model
files, the signature and the service code: building the same version again reuses the Bento.
A missing or unreadable artifact is refused before anything is built, so a deployment never
starts a broken service.

``serve_command(ref, port, workers)`` is the ``bentoml serve`` argv and environment for a
supervisor to start (in its own process group); ``wait_ready(url, timeout)`` polls
``/readyz``; ``stop(pid)`` stops the server and its workers (which BentoML puts in sessions
of their own, out of reach of the server's process group). Nothing here imports BentoML:
builds run ``bentoml build`` in a subprocess, so each Griffin home has its own store and
the caller's process stays light.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from ..errors import EngineUnavailable, InvalidInput, NotFound
from ..local_processes import stop_tree
from ..registry.schemas import ModelVersionInfo

HERE = Path(__file__).resolve().parent
SERVICE = "service:GriffinModel"
CONFIG_FILE = "griffin_bento.json"
TEXT_FRAMEWORKS = ("transformers", "transformers-peft")
SERVED_FRAMEWORKS = ("lightgbm", "tensorflow", *TEXT_FRAMEWORKS)
BUILD_TIMEOUT_S = 300.0
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1: no proxy
_TAG_PART = re.compile(r"^[a-z0-9]([-._a-z0-9]*[a-z0-9])?$")
_PACKAGES = {
    "lightgbm": ("bentoml", "numpy", "pandas", "lightgbm"),
    "tensorflow": ("bentoml", "numpy", "pandas", "tensorflow", "tf_keras"),
    "transformers": ("bentoml", "numpy", "pandas", "torch", "transformers", "peft"),
    "transformers-peft": ("bentoml", "numpy", "pandas", "torch", "transformers", "peft"),
}


@dataclass(frozen=True)
class BentoRef:
    """A built Bento: ``str(ref)`` is its tag."""

    tag: str
    path: Path  # the Bento's folder in the store
    bentoml_home: Path
    model: str
    version: int
    framework: str
    reused: bool = False
    build_s: float = 0.0

    def __str__(self) -> str:
        return self.tag


def bentoml_home(home: Path) -> Path:
    """The BentoML store of a Griffin home."""
    return Path(home).expanduser() / "bentoml"


def bento_name(model: str) -> str:
    """A valid Bento name for a model: ``griffin-<model>``, at most 63 characters."""
    name = re.sub(r"[^a-z0-9._-]", "-", f"griffin-{model.lower()}").rstrip("-._")
    if len(name) > 63:
        digest = hashlib.sha256(model.encode()).hexdigest()[:8]
        name = f"{name[:54].rstrip('-._')}-{digest}"
    return name


# -- checks ----------------------------------------------------------------------------------
_LOAD_LIGHTGBM = """
import sys
import lightgbm as lgb
booster = lgb.Booster(model_file=sys.argv[1])
booster.predict([[0.0] * booster.num_feature()], num_threads=1)
print(booster.num_trees())
"""


def _check_lightgbm(folder: Path, where: str) -> None:
    path = folder / "model.txt"
    if not path.is_file():
        raise NotFound(f"{where} has no model.txt: the LightGBM model file is missing",
                       field="artifact_uri")
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if not head.startswith(b"tree\n") or b"version=" not in head:
        raise InvalidInput(f"{where}/model.txt is not a LightGBM model file (it does not start "
                           "with 'tree' and a version line): the artifact is corrupt",
                           field="artifact_uri")
    # LightGBM aborts the whole process on some damaged files (a truncated one, say): load
    # it in a child process, never in the caller's
    try:
        done = subprocess.run([sys.executable, "-c", _LOAD_LIGHTGBM, str(path)],
                              capture_output=True, text=True, errors="replace", timeout=120,
                              env={**os.environ, "OMP_NUM_THREADS": "1"})
    except subprocess.TimeoutExpired:
        raise InvalidInput(f"{where}/model.txt took more than 120 s to load",
                           field="artifact_uri") from None
    if done.returncode != 0:
        lines = [ln for ln in (done.stderr + done.stdout).splitlines()
                 if "Fatal" in ln or "Error" in ln] or (done.stderr or "").splitlines()[-1:]
        reason = lines[0].strip()[:300] if lines else f"exit {done.returncode}"
        raise InvalidInput(f"{where}/model.txt cannot be loaded by LightGBM ({reason}): the "
                           "artifact is corrupt", field="artifact_uri")
    if done.stdout.strip() == "0":
        raise InvalidInput(f"{where}/model.txt holds no trees", field="artifact_uri")


def _check_keras(folder: Path, where: str) -> None:
    path = folder / "model.keras"
    if not path.is_file():
        raise NotFound(f"{where} has no model.keras: the Keras model file is missing",
                       field="artifact_uri")
    try:
        with zipfile.ZipFile(path) as archive:
            broken = archive.testzip()
            json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InvalidInput(f"{where}/model.keras is not a readable Keras archive ({exc}): "
                           "the artifact is corrupt", field="artifact_uri") from None
    if broken is not None:
        raise InvalidInput(f"{where}/model.keras is damaged: {broken} fails its checksum",
                           field="artifact_uri")


def _check_safetensors(path: Path, where: str) -> None:
    try:
        with open(path, "rb") as fh:
            size = int.from_bytes(fh.read(8), "little")
            if not 0 < size < 100_000_000:
                raise ValueError("bad header length")
            json.loads(fh.read(size))
    except (ValueError, OSError) as exc:
        raise InvalidInput(f"{where}/{path.name} is not a readable safetensors file ({exc}): "
                           "the artifact is corrupt", field="artifact_uri") from None


def _check_hugging_face(folder: Path, where: str) -> None:
    names = {p.name for p in folder.iterdir() if p.is_file()}
    config = "adapter_config.json" if "adapter_config.json" in names else "config.json"
    if config not in names:
        raise NotFound(f"{where} has neither config.json nor adapter_config.json: the model "
                       "files are missing", field="artifact_uri")
    try:
        json.loads((folder / config).read_text())
    except (ValueError, OSError) as exc:
        raise InvalidInput(f"{where}/{config} is not readable JSON ({exc})",
                           field="artifact_uri") from None
    weights = [n for n in names if n.endswith((".safetensors", ".bin"))]
    if not weights:
        raise NotFound(f"{where} has no weights (*.safetensors or *.bin)", field="artifact_uri")
    for name in weights:
        if name.endswith(".safetensors"):
            _check_safetensors(folder / name, where)


def check_model_files(framework: str, folder: Path, where: str | None = None) -> None:
    """Refuse a model folder that cannot be served: missing files, unreadable model."""
    where = where or str(folder)
    if framework == "lightgbm":
        _check_lightgbm(folder, where)
    elif framework == "tensorflow":
        _check_keras(folder, where)
    elif framework in TEXT_FRAMEWORKS:
        _check_hugging_face(folder, where)
    else:
        raise InvalidInput(f"{framework!r} models cannot be served yet; serving takes "
                           f"{', '.join(SERVED_FRAMEWORKS)}", field="framework")


# -- build -----------------------------------------------------------------------------------
def _digest(folder: Path, extra: bytes) -> str:
    digest = hashlib.sha256(extra)
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def _base_uri(version: ModelVersionInfo, model_dir: Path) -> str | None:
    """Where a LoRA adapter's base model is: lineage first, then the adapter's manifest."""
    for source in (version.lineage.get("base_model"), _manifest_base(model_dir)):
        if isinstance(source, dict):
            uri = source.get("artifact_uri") or source.get("path")
            if uri:
                return str(uri)
    return None


def _manifest_base(model_dir: Path) -> Any:
    path = model_dir / "griffin_llm.json"
    try:
        return json.loads(path.read_text()).get("base_model") if path.is_file() else None
    except ValueError:
        return None


def _requirements(framework: str) -> list[str]:
    out = []
    for package in _PACKAGES.get(framework, ("bentoml", "numpy")):
        try:
            out.append(f"{package}=={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            out.append(package)
    return out


def _stage(version: ModelVersionInfo, staging: Path) -> None:
    """Model files (checked), base model, service code and config into ``staging``."""
    from ..registry.files import fetch

    where = f"{version.model} v{version.version} ({version.artifact_uri})"
    model_dir = fetch(version.artifact_uri, staging / "model")
    if version.framework == "transformers-peft":
        base = _base_uri(version, model_dir)
        if not base:
            raise InvalidInput(f"{where} is a LoRA adapter whose base model is not recorded "
                               "(lineage.base_model)", field="lineage")
        fetch(base, staging / "base")
    shutil.copyfile(HERE / "bento_service.py", staging / "service.py")
    shutil.copyfile(HERE / "signature.py", staging / "griffin_signature.py")
    shutil.copyfile(HERE.parent / "monitoring" / "request_log.py",
                    staging / "griffin_request_log.py")
    config = {"model": version.model, "version": version.version,
              "framework": version.framework, "artifact_uri": version.artifact_uri,
              "signature": version.signature, "model_dir": "model",
              "timeout_s": 300 if version.framework in TEXT_FRAMEWORKS else 60}
    (staging / CONFIG_FILE).write_text(json.dumps(config, indent=2, default=str))


def build(version: ModelVersionInfo, home: Path) -> BentoRef:
    """The Bento serving ``version``, built in ``home``'s BentoML store or reused from it.

    Raises ``NotFound`` when the artifact or its model file is missing, ``InvalidInput`` when
    it is unreadable or the framework cannot be served, ``EngineUnavailable`` when
    ``bentoml build`` fails.
    """
    from filelock import FileLock

    if version.framework not in SERVED_FRAMEWORKS:
        raise InvalidInput(f"{version.model} v{version.version} is a {version.framework!r} "
                           f"model; serving takes {', '.join(SERVED_FRAMEWORKS)}",
                           field="framework")
    if version.framework not in TEXT_FRAMEWORKS and not (version.signature or {}).get("inputs"):
        raise InvalidInput(f"{version.model} v{version.version} has no signature inputs: "
                           "requests could not be validated", field="signature")
    started = time.perf_counter()
    store = bentoml_home(home)
    (store / "staging").mkdir(parents=True, exist_ok=True)
    name = bento_name(version.model)
    staging = Path(tempfile.mkdtemp(prefix=f"{name}-v{version.version}-",
                                    dir=store / "staging"))
    try:
        _stage(version, staging)
        code = b"".join((staging / f).read_bytes() for f in
                        ("service.py", "griffin_signature.py", "griffin_request_log.py",
                         CONFIG_FILE))
        checksum = _digest(staging / "model", code)
        if (staging / "base").is_dir():
            checksum = _digest(staging / "base", checksum.encode())
        tag_version = f"v{version.version}-{checksum[:12]}"
        tag = f"{name}:{tag_version}"
        path = store / "bentos" / name / tag_version
        with FileLock(str(store / "staging" / f"{name}.lock"), timeout=BUILD_TIMEOUT_S):
            if (path / "bento.yaml").is_file():  # the same files were checked when it was built
                return BentoRef(tag, path, store, version.model, version.version,
                                version.framework, reused=True,
                                build_s=time.perf_counter() - started)
            where = f"{version.model} v{version.version} ({version.artifact_uri})"
            check_model_files(version.framework, staging / "model", where)
            if (staging / "base").is_dir():
                check_model_files("transformers", staging / "base", "its base model")
            _bentoml_build(staging, store, name, tag_version, version, checksum)
        if not (path / "bento.yaml").is_file():
            raise EngineUnavailable(f"bentoml build said it built {tag}, but {path} has no "
                                    "bento.yaml")
        return BentoRef(tag, path, store, version.model, version.version, version.framework,
                        build_s=time.perf_counter() - started)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _bentoml_build(staging: Path, store: Path, name: str, tag_version: str,
                   version: ModelVersionInfo, checksum: str) -> None:
    bentofile = {
        "service": SERVICE,
        "name": name,
        "description": f"Griffin model {version.model} v{version.version} "
                       f"({version.framework})",
        "labels": {"griffin.model": version.model, "griffin.version": str(version.version),
                   "griffin.framework": version.framework, "griffin.checksum": checksum},
        "include": ["service.py", "griffin_signature.py", "griffin_request_log.py",
                    CONFIG_FILE, "model/**", "base/**"],
        "python": {"packages": _requirements(version.framework), "lock_packages": False},
        "envs": [{"name": "TF_USE_LEGACY_KERAS", "value": "1"},
                 {"name": "BENTOML_DO_NOT_TRACK", "value": "True"}],
    }
    (staging / "bentofile.yaml").write_text(json.dumps(bentofile, indent=2))
    argv = [*_bentoml(), "build", "-f", str(staging / "bentofile.yaml"), "--version",
            tag_version, "-o", "tag", str(staging)]
    try:
        done = subprocess.run(argv, env={**os.environ, **_env(store)}, cwd=staging,
                              capture_output=True, text=True, errors="replace",
                              timeout=BUILD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise EngineUnavailable(f"bentoml build of {name}:{tag_version} took more than "
                                f"{BUILD_TIMEOUT_S:.0f} s") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout or "")[-2000:]
        raise EngineUnavailable(f"bentoml build of {name}:{tag_version} failed "
                                f"(exit {done.returncode}):\n{tail}")


def _bentoml() -> list[str]:
    exe = Path(sys.executable).parent / "bentoml"
    return [str(exe)] if exe.is_file() else [sys.executable, "-m", "bentoml"]


def _env(store: Path) -> dict[str, str]:
    return {"BENTOML_HOME": str(store), "BENTOML_DO_NOT_TRACK": "True",
            "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "2",
            "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false", "PYTHONUNBUFFERED": "1"}


def get(home: Path, tag: str) -> BentoRef:
    """A Bento already in ``home``'s store, by tag (``NotFound`` when it is not there)."""
    store = bentoml_home(home)
    name, _, tag_version = tag.partition(":")
    if not (_TAG_PART.match(name) and _TAG_PART.match(tag_version)):
        raise InvalidInput(f"{tag!r} is not a Bento tag (name:version)", field="bento")
    path = store / "bentos" / name / tag_version
    try:
        config = json.loads((path / "src" / CONFIG_FILE).read_text())
    except (OSError, ValueError):
        raise NotFound(f"no Bento {tag} in {store}", field="bento") from None
    return BentoRef(tag, path, store, config["model"], int(config["version"]),
                    config["framework"], reused=True)


# -- serve -----------------------------------------------------------------------------------
def serve_command(ref: BentoRef, port: int, workers: int = 1,
                  host: str = "127.0.0.1") -> tuple[list[str], dict[str, str]]:
    """``(argv, env)`` that serve ``ref`` on ``host:port`` with ``workers`` processes.

    Start it with the caller's environment updated by ``env``, in its own process group
    (``start_new_session=True``), and stop it with ``os.killpg``. Offline: nothing is
    downloaded. The access log is off; set ``GRIFFIN_BENTO_ACCESS_LOG=1`` in ``env`` to
    turn it on.
    """
    if not 0 < int(port) < 65536:
        raise InvalidInput(f"port {port} is not a TCP port", field="port")
    if not 1 <= int(workers) <= 64:
        raise InvalidInput(f"workers must be 1 to 64, not {workers}", field="workers")
    argv = [*_bentoml(), "serve", ref.tag, "--host", host, "--port", str(int(port))]
    env = {**_env(ref.bentoml_home), "GRIFFIN_BENTO_WORKERS": str(int(workers))}
    return argv, env


def wait_ready(url: str, timeout: float = 60.0, process: subprocess.Popen[Any] | None = None,
               interval: float = 0.05) -> float:
    """Poll ``url``/readyz until it answers 200; the seconds it took.

    Raises ``EngineUnavailable`` when ``process`` exits first or ``timeout`` passes."""
    target = url.rstrip("/") + "/readyz"
    started = time.perf_counter()
    deadline = started + timeout
    last = "no answer yet"
    while True:
        if process is not None and process.poll() is not None:
            raise EngineUnavailable(f"the service exited with code {process.returncode} "
                                    f"before it was ready ({url})")
        try:
            with _OPENER.open(target, timeout=2.0) as answer:
                if answer.status == 200:
                    return time.perf_counter() - started
                last = f"HTTP {answer.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            last = str(getattr(exc, "reason", exc))
        if time.perf_counter() >= deadline:
            raise EngineUnavailable(f"{url} was not ready after {timeout:.0f} s ({last})")
        time.sleep(interval)


def stop(pid: int, timeout: float = 15.0) -> bool:
    """Stop a ``bentoml serve`` process started with ``serve_command`` and its workers; True
    when something was running.

    BentoML starts each worker in a session of its own, so signalling the server's process
    group does not reach them: the server and each worker of its tree get SIGTERM, and
    whatever is still alive after ``timeout`` is killed. Only ``pid`` and its descendants are
    touched.
    """
    return stop_tree(pid, timeout)
