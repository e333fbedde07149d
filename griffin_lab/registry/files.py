"""Model files in and out of the registry: register a model file or folder from disk,
export a version as a portable bundle, import a bundle, and load a version's model.

A version's artifact is a folder (``.../model``) holding ``model.txt`` (LightGBM),
``model.keras`` (Keras) or a Hugging Face model/adapter folder's files: the same layout the
training runtimes write, so serving needs one loader for both ways in.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import Conflict, InvalidInput, NotFound

BUNDLE_FORMAT = "griffin-model-bundle/1"
MANIFEST = "griffin-bundle.json"
HF_WEIGHTS = (".safetensors", ".bin", ".pt", ".pth")


@dataclass
class Inspected:
    """What a model file/folder on disk is."""

    framework: str
    files: dict[str, Path]  # name inside the version's model folder -> local path
    signature: dict[str, Any] | None = None
    lineage: dict[str, Any] = field(default_factory=dict)


def _local(path: str, what: str = "path") -> Path:
    p = Path(os.path.expanduser(path))
    if not p.exists():
        raise NotFound(f"{path!r} does not exist on the server", field=what)
    return p.resolve()


_READ_LIGHTGBM = """
import json, sys
import lightgbm as lgb
booster = lgb.Booster(model_file=sys.argv[1])
booster.predict([[0.0] * booster.num_feature()], num_threads=1)
objective = booster.dump_model(num_iteration=1).get("objective", "")
print(json.dumps({"features": booster.feature_name(), "objective": objective}))
"""


def _lightgbm(path: Path) -> Inspected:
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if not head.startswith(b"tree\n") or b"version=" not in head:
        raise InvalidInput(f"{path} is not a LightGBM model file (a model saved with "
                           "Booster.save_model starts with 'tree' and a version line)",
                           field="path")
    # in a child process: LightGBM aborts the whole process on some damaged files
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _READ_LIGHTGBM, str(path)],
                          capture_output=True, text=True, errors="replace", timeout=120)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise InvalidInput(f"{path} is not a readable LightGBM model: {reason}", field="path")
    read = json.loads(done.stdout.strip().splitlines()[-1])
    signature = {"inputs": [{"name": n, "type": "float32"} for n in read["features"]],
                 "outputs": [{"name": "prediction", "type": "float32"}]}
    if read["objective"]:
        signature["objective"] = str(read["objective"]).split(" ")[0]
    return Inspected("lightgbm", {"model.txt": path}, signature)


def _keras(path: Path) -> Inspected:
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError):
        raise InvalidInput(f"{path} is not a Keras model (a .keras file is a zip with "
                           "config.json; save it with model.save('name.keras'))",
                           field="path") from None
    shape = _keras_input_shape(config)
    signature = None
    if shape is not None:
        signature = {"inputs": [{"name": "inputs", "type": "tensor",
                                 "shape": [-1 if d is None else int(d) for d in shape]}],
                     "outputs": [{"name": "prediction", "type": "tensor"}]}
    return Inspected("tensorflow", {"model.keras": path}, signature)


def _keras_input_shape(config: dict[str, Any]) -> list[Any] | None:
    layers = (config.get("config") or {}).get("layers") or []
    for layer in layers[:1]:
        inner = layer.get("config") or {}
        shape = inner.get("batch_shape") or inner.get("batch_input_shape")
        if shape:
            return list(shape)
    build = config.get("build_config") or {}
    shape = build.get("input_shape")
    return list(shape) if isinstance(shape, list) else None


def _hugging_face(path: Path) -> Inspected:
    files = {p.name: p for p in path.iterdir() if p.is_file()}
    if "adapter_config.json" in files:
        config = json.loads(files["adapter_config.json"].read_text())
        if not any(n.startswith("adapter_model") for n in files):
            raise InvalidInput(f"{path} has adapter_config.json but no adapter_model weights",
                               field="path")
        lineage = {"base_model": {"path": config.get("base_model_name_or_path")}}
        return Inspected("transformers-peft", files, _text_signature(), lineage)
    try:
        config = json.loads(files["config.json"].read_text())
    except (KeyError, json.JSONDecodeError):
        raise InvalidInput(f"{path} is not a Hugging Face model folder (no readable "
                           "config.json)", field="path") from None
    if "model_type" not in config:
        raise InvalidInput(f"{path}/config.json has no model_type: not a model config",
                           field="path")
    if not any(n.endswith(HF_WEIGHTS) for n in files):
        raise InvalidInput(f"{path} has a config.json but no weights (*.safetensors or "
                           "*.bin)", field="path")
    causal = any(a.endswith(("ForCausalLM", "LMHeadModel"))
                 for a in config.get("architectures") or [])
    return Inspected("transformers", files, _text_signature() if causal else None,
                     {"model_type": config["model_type"]})


def _text_signature() -> dict[str, Any]:
    return {"inputs": [{"name": "prompt", "type": "string"}],
            "outputs": [{"name": "completion", "type": "string"}]}


def inspect(path: str, framework: str | None = None) -> Inspected:
    """Recognise a model file or folder; check it really is what ``framework`` says."""
    p = _local(path)
    if p.is_dir():
        inner = {c.name for c in p.iterdir()}
        if "model.txt" in inner:
            found = _lightgbm(p / "model.txt")
        elif "model.keras" in inner:
            found = _keras(p / "model.keras")
        elif "saved_model.pb" in inner:
            raise InvalidInput(f"{p} is a TensorFlow SavedModel; register a Keras "
                               "'.keras' file instead (model.save('model.keras'))",
                               field="path")
        else:
            found = _hugging_face(p)
    elif p.suffix == ".keras":
        found = _keras(p)
    else:
        found = _lightgbm(p)
    if framework is not None and framework != found.framework:
        raise InvalidInput(f"{p} is a {found.framework} model, not {framework}",
                           field="framework")
    return found


def store(inspected: Inspected, artifact_root: str, name: str) -> str:
    """Copy the model's files into the artifact root; the version's artifact URI."""
    from ..training.artifacts import ArtifactDir

    out = ArtifactDir(artifact_root).child(f"registry/{name}/{uuid.uuid4().hex[:12]}")
    out.fs.makedirs(f"{out.path}/model", exist_ok=True)
    for target, source in inspected.files.items():
        out.fs.put(str(source), f"{out.path}/model/{target}")
    return out.url("model")


def discard(artifact_uri: str) -> None:
    """Remove a stored copy whose registration failed (best effort)."""
    from fsspec.core import url_to_fs

    fs, path = url_to_fs(artifact_uri.rsplit("/", 1)[0])
    if fs.exists(path):
        fs.rm(path, recursive=True)


def fetch(artifact_uri: str, dest: Path) -> Path:
    """Download a version's model folder to ``dest``; the local folder."""
    from fsspec.core import url_to_fs

    fs, path = url_to_fs(artifact_uri)
    if not fs.exists(path):
        raise NotFound(f"The artifact {artifact_uri} is missing from the artifact root",
                       field="artifact_uri")
    dest.mkdir(parents=True, exist_ok=True)
    for entry in fs.ls(path, detail=False):
        fs.get(entry, str(dest / os.path.basename(entry)), recursive=True)
    return dest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def export_bundle(metadata: dict[str, Any], artifact_uri: str, path: str,
                  overwrite: bool = False) -> tuple[Path, int, str]:
    """Write ``<model folder> + manifest`` as a tar.gz; (path, bytes, sha256)."""
    target = Path(os.path.expanduser(path))
    if target.is_dir():
        target = target / f"{metadata['model']['name']}-v{metadata['version']['version']}.tar.gz"
    elif not target.name.endswith((".tar.gz", ".tgz")):
        raise InvalidInput(f"{path!r}: give a folder or a file name ending in .tar.gz",
                           field="path")
    if not target.parent.is_dir():
        raise NotFound(f"The folder {target.parent} does not exist", field="path")
    if target.exists() and not overwrite:
        raise Conflict(f"{target} already exists; pass overwrite to replace it", field="path")
    with tempfile.TemporaryDirectory(prefix="griffin-export-") as tmp:
        folder = fetch(artifact_uri, Path(tmp) / "model")
        files = {str(p.relative_to(folder)): _sha256(p)
                 for p in sorted(folder.rglob("*")) if p.is_file()}
        manifest = {"format": BUNDLE_FORMAT, "exported_at": datetime.now(UTC).isoformat(),
                    **metadata, "files": files}
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
        try:
            with tarfile.open(partial, "w:gz") as archive:
                data = json.dumps(manifest, indent=2, default=str).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime = len(data), int(datetime.now(UTC).timestamp())
                archive.addfile(info, io.BytesIO(data))
                archive.add(folder, arcname="model")
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    return target, target.stat().st_size, _sha256(target)


def open_bundle(path: str, workdir: Path) -> tuple[dict[str, Any], Path]:
    """Unpack and verify a bundle into ``workdir``; (manifest, model folder)."""
    source = _local(path)
    try:
        with tarfile.open(source, "r:*") as archive:
            archive.extractall(workdir, filter="data")
    except (tarfile.TarError, OSError) as exc:
        raise InvalidInput(f"{path} is not a readable model bundle: {exc}",
                           field="path") from None
    try:
        manifest = json.loads((workdir / MANIFEST).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        raise InvalidInput(f"{path} has no {MANIFEST}: not a bundle written by "
                           "`griffin models export`", field="path") from None
    if manifest.get("format") != BUNDLE_FORMAT:
        raise InvalidInput(f"{path}: unknown bundle format {manifest.get('format')!r} "
                           f"(expected {BUNDLE_FORMAT})", field="path")
    for key in ("model", "version", "files"):
        if not isinstance(manifest.get(key), dict):
            raise InvalidInput(f"{path}: the manifest lacks {key!r}", field="path")
    folder = workdir / "model"
    for name, digest in manifest["files"].items():
        file = folder / name
        if not file.is_file() or _sha256(file) != digest:
            raise InvalidInput(f"{path}: {name} is missing or does not match its checksum; "
                               "the bundle is damaged", field="path")
    return manifest, folder


def load(framework: str, artifact_uri: str) -> Any:
    """The model object of a version: a LightGBM Booster, a Keras model, or a local folder
    path for Hugging Face models (load those with transformers/peft)."""
    from fsspec.core import url_to_fs

    fs, path = url_to_fs(artifact_uri)
    if framework == "lightgbm":
        import lightgbm as lgb

        with fs.open(f"{path}/model.txt", "r") as fh:
            return lgb.Booster(model_str=fh.read())
    local = Path(tempfile.mkdtemp(prefix="griffin-model-"))
    fetch(artifact_uri, local)
    if framework == "tensorflow":
        from ..training.runtimes.common import quiet_tensorflow

        quiet_tensorflow()
        import tf_keras as keras

        try:
            return keras.models.load_model(local / "model.keras")
        finally:
            shutil.rmtree(local, ignore_errors=True)
    return local
