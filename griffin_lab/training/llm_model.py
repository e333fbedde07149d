"""Causal language models for fine-tuning and serving: where the base model is, what it is,
how it is measured (loss, perplexity), how it writes (greedy generations), and how a trained
adapter is loaded back or merged into a full model.

Everything loads from local folders (``local_files_only``): nothing is ever downloaded. A base
model is a Hugging Face folder (``save_pretrained`` output) named by path, or a registry
version of framework ``transformers`` whose artifact is such a folder.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidInput, NotFound
from .data import expand

REGISTRY_PREFIX = "registry:"
MANIFEST = "griffin_llm.json"  # beside an adapter / fine-tuned model: what it is, its base
BASE_FRAMEWORK = "transformers"
ADAPTER_FRAMEWORK = "transformers-peft"
WEIGHT_FILES = (".safetensors", ".bin", ".safetensors.index.json", ".bin.index.json")


def quiet_transformers() -> None:
    """No progress bars or advice in job logs and notebook cells."""
    import warnings

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*")
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


# where the base model is ----------------------------------------------------------------------
def resolve_base(ref: str, registry: Any) -> dict[str, Any]:
    """``{"ref", "path"}`` for a folder, ``{"ref", "model", "version", "artifact_uri"}`` for a
    registry version (what lineage records; the path of a folder is made absolute)."""
    if not ref.startswith(REGISTRY_PREFIX):
        path = expand(ref)
        if "://" not in path:
            path = os.path.abspath(path)
        return {"ref": ref, "path": path}
    name = ref[len(REGISTRY_PREFIX):]
    if not name:
        raise InvalidInput("base_model 'registry:' names no model: write registry:NAME, "
                           "registry:NAME@VERSION or registry:NAME@ALIAS", field="base_model")
    try:
        version = registry.resolve(name)
    except NotFound as exc:
        raise InvalidInput(f"base_model {ref!r}: {exc.message}", field="base_model") from exc
    except InvalidInput as exc:
        raise InvalidInput(f"base_model {ref!r}: {exc.message}", field="base_model") from exc
    if version.framework != BASE_FRAMEWORK:
        hint = (" (a LoRA adapter: merge it into a full model first, or fine-tune its base)"
                if version.framework == ADAPTER_FRAMEWORK else "")
        raise InvalidInput(f"base_model {ref!r} is {version.model} v{version.version} of "
                           f"framework {version.framework!r}; a base model must be a "
                           f"{BASE_FRAMEWORK!r} version{hint}", field="base_model")
    return {"ref": ref, "model": version.model, "version": version.version,
            "artifact_uri": version.artifact_uri}


def base_uri(base: dict[str, Any]) -> str:
    return base.get("artifact_uri") or base["path"]


def local_dir(uri: str) -> str:
    """A local folder holding ``uri`` (a folder path, ``file://``, or any fsspec URL, which is
    copied once into a cache under the temp folder)."""
    if "://" not in uri:
        return uri
    if uri.startswith("file://"):
        return uri[len("file://"):]
    from fsspec.core import url_to_fs

    fs, remote = url_to_fs(uri)
    cache = os.path.join(tempfile.gettempdir(), "griffin-models",
                         hashlib.sha1(uri.encode()).hexdigest()[:16])
    if not os.path.isfile(os.path.join(cache, ".complete")):
        fs.get(remote.rstrip("/") + "/", cache, recursive=True)
        open(os.path.join(cache, ".complete"), "w").close()
    return cache


def checkable_dir(uri: str) -> str:
    """A local folder to check a base model in: the folder itself when local; for a remote
    URL its small files (config, tokenizer) with empty stand-ins for the weights, so a
    submission never downloads weights (the check builds the model on the meta device)."""
    if "://" not in uri or uri.startswith("file://"):
        return local_dir(uri)
    from fsspec.core import url_to_fs

    fs, remote = url_to_fs(uri)
    if not fs.isdir(remote):
        return os.path.join(tempfile.gettempdir(), "griffin-missing-model")
    folder = tempfile.mkdtemp(prefix="griffin-base-check-")
    for entry in fs.ls(remote, detail=True):
        name = os.path.basename(entry["name"].rstrip("/"))
        if entry.get("type") == "directory":
            continue
        if name.endswith(WEIGHT_FILES) and not name.endswith(".index.json"):
            open(os.path.join(folder, name), "wb").close()
        else:
            fs.get(entry["name"], os.path.join(folder, name))
    return folder


# what the base model is -----------------------------------------------------------------------
@dataclass
class ModelFacts:
    model_type: str
    max_positions: int | None
    modules: list[str]  # last names of the linear (and GPT-2 Conv1D) layers
    conv1d: list[str]  # those that are GPT-2 style Conv1D (LoRA needs fan_in_fan_out)
    parameters: int


def max_positions(config: Any) -> int | None:
    for name in ("n_positions", "max_position_embeddings", "n_ctx", "seq_length"):
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def inspect_base(ref: str, folder: str) -> ModelFacts:
    """Check that ``folder`` is a causal LM with a tokenizer; its facts (no weights are read:
    the model is built on the meta device)."""
    quiet_transformers()
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    field = "base_model"
    if not os.path.exists(folder):
        raise InvalidInput(f"base_model {ref!r}: folder {folder} does not exist", field=field)
    if not os.path.isdir(folder) or not os.path.isfile(os.path.join(folder, "config.json")):
        raise InvalidInput(f"base_model {ref!r} is not a Hugging Face model folder (no "
                           "config.json); give a folder written by save_pretrained (config, "
                           "weights and tokenizer) or registry:NAME[@VERSION]", field=field)
    if not any(f.endswith(WEIGHT_FILES) for f in os.listdir(folder)):
        raise InvalidInput(f"base_model {ref!r} has a config.json but no weights "
                           "(*.safetensors or *.bin)", field=field)
    try:
        config = AutoConfig.from_pretrained(folder, local_files_only=True)
    except Exception as exc:
        raise InvalidInput(f"base_model {ref!r}: config.json cannot be read: {exc}",
                           field=field) from exc
    try:
        AutoTokenizer.from_pretrained(folder, local_files_only=True)
    except Exception as exc:
        raise InvalidInput(f"base_model {ref!r} has no tokenizer AutoTokenizer can load "
                           f"(save the tokenizer into the folder): {exc}", field=field) from exc
    try:
        with torch.device("meta"):
            model = AutoModelForCausalLM.from_config(config)
    except Exception as exc:
        raise InvalidInput(f"base_model {ref!r} is a {config.model_type!r} model, not a causal "
                           f"language model AutoModelForCausalLM can load: {exc}",
                           field=field) from exc
    linear, conv = _layer_names(model)
    return ModelFacts(model_type=config.model_type, max_positions=max_positions(config),
                      modules=sorted(linear | conv), conv1d=sorted(conv),
                      parameters=sum(p.numel() for p in model.parameters()))


def _layer_names(model: Any) -> tuple[set[str], set[str]]:
    import torch
    from transformers.pytorch_utils import Conv1D

    linear, conv = set(), set()
    for name, module in model.named_modules():
        last = name.rsplit(".", 1)[-1]
        if isinstance(module, Conv1D):
            conv.add(last)
        elif isinstance(module, torch.nn.Linear):
            linear.add(last)
    return linear, conv


def default_targets(model_type: str, modules: Sequence[str]) -> list[str]:
    """LoRA target modules when the spec names none: GPT-2's attention and projections, peft's
    choice for other known types, else every linear layer but the output head."""
    if model_type == "gpt2":
        return ["c_attn", "c_proj"]
    from peft.utils.constants import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING as known

    if model_type in known:
        return list(known[model_type])
    return [m for m in modules if m != "lm_head"]


# loading --------------------------------------------------------------------------------------
def load_tokenizer(folder: str) -> Any:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    return tok


def load_causal_lm(folder: str, dtype: Any = None) -> Any:
    from transformers import AutoModelForCausalLM

    kwargs = {"dtype": dtype} if dtype is not None else {}
    return AutoModelForCausalLM.from_pretrained(folder, local_files_only=True, **kwargs)


# measuring and writing -----------------------------------------------------------------------
def loss_sums(model: Any, batches: Sequence[dict[str, Any]], device: Any,
              autocast: Any = None) -> tuple[float, int]:
    """(sum of token losses, number of tokens) over batches: the learned tokens only."""
    import contextlib

    import torch

    total, count = 0.0, 0
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for batch in batches:
            batch = {k: v.to(device) for k, v in batch.items()}
            with autocast() if autocast else contextlib.nullcontext():
                logits = model(input_ids=batch["input_ids"],
                               attention_mask=batch["attention_mask"]).logits
            labels = batch["labels"][:, 1:]
            logits = logits[:, :-1].float()
            keep = labels != -100
            if not keep.any():
                continue
            losses = torch.nn.functional.cross_entropy(
                logits[keep], labels[keep], reduction="sum")
            total += float(losses)
            count += int(keep.sum())
    if was_training:
        model.train()
    return total, count


def perplexity(loss: float) -> float:
    return float(math.exp(min(loss, 700.0)))


def generate(model: Any, tokenizer: Any, prompts: Sequence[str], *, max_new_tokens: int = 24,
             temperature: float = 0.0, top_p: float = 1.0, device: Any = None) -> list[str]:
    """What the model writes after each prompt (greedy unless ``temperature`` > 0)."""
    import torch

    if not prompts:
        return []
    device = device or next(model.parameters()).device
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"  # generation continues from the last real token
    try:
        enc = tokenizer(list(prompts), return_tensors="pt", padding=True,
                        add_special_tokens=False).to(device)
    finally:
        tokenizer.padding_side = side
    sample = temperature > 0
    kwargs: dict[str, Any] = {"do_sample": sample, "max_new_tokens": max_new_tokens,
                              "pad_token_id": tokenizer.pad_token_id,
                              "eos_token_id": tokenizer.eos_token_id}
    if sample:
        kwargs.update(temperature=temperature, top_p=top_p)
    was_training = model.training
    model.eval()
    with torch.no_grad():
        out = model.generate(**enc, **kwargs)
    if was_training:
        model.train()
    new = out[:, enc["input_ids"].shape[1]:]
    return [tokenizer.decode(row, skip_special_tokens=True) for row in new]


# trained models back ---------------------------------------------------------------------------
def read_manifest(folder: str) -> dict[str, Any]:
    path = os.path.join(folder, MANIFEST)
    if not os.path.isfile(path):
        return {}
    with open(path) as fh:
        return json.load(fh)


def _uri_path(uri: str) -> str:
    return uri[len("file://"):] if uri.startswith("file://") else uri


def load_trained(artifact_uri: str, base_uri: str | None = None, *, merge: bool = True,
                 device: Any = None, dtype: Any = None) -> tuple[Any, Any, dict[str, Any]]:
    """(model, tokenizer, manifest) from a fine-tuning job's model folder: a LoRA adapter is
    put on its base (``base_uri``, else the base the adapter recorded), merged unless
    ``merge=False``; a full model loads as it is."""
    quiet_transformers()
    folder = local_dir(artifact_uri)
    if not os.path.isfile(os.path.join(folder, "config.json")) and not os.path.isfile(
            os.path.join(folder, "adapter_config.json")):
        raise InvalidInput(f"{artifact_uri} is neither a model folder nor a LoRA adapter "
                           "folder (no config.json or adapter_config.json)", field="artifact_uri")
    manifest = read_manifest(folder)
    tokenizer = load_tokenizer(folder)
    if os.path.isfile(os.path.join(folder, "adapter_config.json")):
        from peft import PeftModel

        base = base_uri or (manifest.get("base_model") or {}).get("artifact_uri") or \
            (manifest.get("base_model") or {}).get("path")
        if not base:
            raise InvalidInput(f"the adapter at {artifact_uri} does not say which base model it "
                               "was trained on: pass base_uri", field="base_uri")
        model = load_causal_lm(local_dir(base), dtype)
        model = PeftModel.from_pretrained(model, folder, is_trainable=False)
        if merge:
            model = model.merge_and_unload()
    else:
        model = load_causal_lm(folder, dtype)
    if device is not None:
        model.to(device)
    model.eval()
    return model, tokenizer, manifest


class Generator:
    """A ready text generator: ``gen(prompts, max_new_tokens=...) -> list[str]``."""

    def __init__(self, model: Any, tokenizer: Any, manifest: dict[str, Any]) -> None:
        self.model, self.tokenizer, self.manifest = model, tokenizer, manifest

    def __call__(self, prompts: str | Sequence[str], *, max_new_tokens: int = 32,
                 temperature: float = 0.0, top_p: float = 1.0) -> list[str]:
        if isinstance(prompts, str):
            prompts = [prompts]
        return generate(self.model, self.tokenizer, list(prompts),
                        max_new_tokens=max_new_tokens, temperature=temperature, top_p=top_p)

    def __repr__(self) -> str:
        base = (self.manifest.get("base_model") or {}).get("ref", "?")
        return f"<Generator {self.manifest.get('method', 'model')} on {base}>"


def load_generator(artifact_uri: str, base_uri: str | None = None, *, device: Any = None,
                   dtype: Any = None) -> Generator:
    """What serving needs: the fine-tuned model (adapter merged onto its base) as a function
    from prompts to generated texts."""
    model, tokenizer, manifest = load_trained(artifact_uri, base_uri, device=device,
                                              dtype=dtype)
    return Generator(model, tokenizer, manifest)


def merge_and_save(artifact_uri: str, target_uri: str, base_uri: str | None = None) -> str:
    """Write the adapter merged into its base as a full Hugging Face model folder (weights,
    config, tokenizer) at ``target_uri``; it loads with ``AutoModelForCausalLM`` alone."""
    from .artifacts import ArtifactDir

    model, tokenizer, manifest = load_trained(artifact_uri, base_uri, merge=True)
    parent, name = target_uri.rstrip("/").rsplit("/", 1)
    out = ArtifactDir(parent)
    with out.local_folder(name) as folder:
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        with open(os.path.join(folder, MANIFEST), "w") as fh:
            json.dump({**manifest, "method": "merged", "merged_from": artifact_uri}, fh,
                      indent=2)
    return out.url(name)
