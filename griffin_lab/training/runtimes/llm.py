"""LLM fine-tuning on Ray Train's Torch trainer: LoRA adapters (peft) or full fine-tuning of a
local Hugging Face causal LM, measured before and after on held-out records.

Each worker loads the base model and the records, applies the same seeded split, and trains
on its own slice of the training records; with two or more workers the model is wrapped in
DistributedDataParallel (gloo on CPUs, NCCL on GPUs) and every worker runs the same number of
steps (a worker whose slice is one record shorter takes a zero-weighted step). Validation
records are shared out too; loss sums are added up across workers. Rank 0 streams per-step
loss to the metrics table, keeps a few greedy generations for fixed prompts before and after,
and writes the adapter (or the full model), the tokenizer, ``eval.json`` and
``griffin_llm.json`` (which base model it belongs to).

``load_generator`` and ``merge_and_save`` (from ``llm_model``) bring a trained model back.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ...errors import InvalidInput
from ..llm_model import (
    ADAPTER_FRAMEWORK,
    BASE_FRAMEWORK,
    MANIFEST,
    base_uri,
    checkable_dir,
    default_targets,
    inspect_base,
    load_causal_lm,
    load_generator,
    load_tokenizer,
    local_dir,
    loss_sums,
    merge_and_save,
    perplexity,
    quiet_transformers,
    resolve_base,
)
from .common import make_trainer, output_dir, threads

if TYPE_CHECKING:
    from ..service import TrainingService
    from ..spec import LLMJob

__all__ = ["FRAMEWORK", "check", "default_metric", "fit", "load_generator", "merge_and_save",
           "params", "prepare", "trainer"]

FRAMEWORK = ADAPTER_FRAMEWORK  # a LoRA job registers an adapter; a full fine-tune a model
EVAL_BATCH = 32


@dataclass
class TextData:
    """What the pre-submit checks found: the records, the base model and its facts."""

    uri: str
    fingerprint: str
    rows: int
    form: str
    fields: dict[str, str]
    base_model: dict[str, Any]
    model_type: str
    max_positions: int | None
    base_parameters: int
    target_modules: list[str]
    fan_in_fan_out: bool
    modules: list[str] = field(default_factory=list)
    task: str = "text-generation"
    feature_refs: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def default_metric(task: str) -> tuple[str, str]:
    return ("valid_loss", "min")


def params(spec: LLMJob) -> dict[str, Any]:
    return {**spec.params.model_dump(), "method": spec.method.model_dump(),
            "eval": spec.eval.model_dump()}


# before submission -------------------------------------------------------------------------
def prepare(spec: LLMJob, job_dir: str, service: TrainingService) -> TextData:
    """Resolve and check the records and the base model (nothing is written)."""
    from ...registry.service import RegistryService
    from ..data import expand
    from ..text_data import read_records

    fields = {"text": spec.data.text_field, "prompt": spec.data.prompt_field,
              "completion": spec.data.completion_field}
    records = read_records(spec.data.path, fields)
    registry = RegistryService(service.db, service.settings.resolved_artifact_root)
    base = resolve_base(spec.base_model, registry)
    facts = inspect_base(spec.base_model, checkable_dir(base_uri(base)))
    method = spec.method
    if method.kind == "lora":
        targets = list(method.target_modules) if method.target_modules else \
            default_targets(facts.model_type, facts.modules)
    else:
        targets = []
    conv = set(facts.conv1d)
    return TextData(uri=expand(spec.data.path), fingerprint=records.fingerprint,
                    rows=len(records.records), form=records.form, fields=fields,
                    base_model=base, model_type=facts.model_type,
                    max_positions=facts.max_positions, base_parameters=facts.parameters,
                    target_modules=targets, modules=facts.modules,
                    fan_in_fan_out=bool(targets) and all(t in conv for t in targets))


def check(spec: LLMJob, data: TextData) -> None:
    p, m = spec.params, spec.method
    if data.max_positions is not None and p.max_seq_length > data.max_positions:
        raise InvalidInput(f"params.max_seq_length {p.max_seq_length} is more than the base "
                           f"model allows ({data.max_positions} positions); set it to "
                           f"{data.max_positions} or less", field="params.max_seq_length")
    if m.kind == "lora" and m.target_modules:
        missing = [t for t in m.target_modules if t not in data.modules]
        if missing:
            raise InvalidInput(f"method.target_modules: {', '.join(map(repr, missing))} "
                               f"{'is' if len(missing) == 1 else 'are'} not a layer of this "
                               f"{data.model_type} model; its linear layers are: "
                               f"{', '.join(data.modules)}", field="method.target_modules")
    if p.mixed_precision in ("bf16", "fp16") and not spec.scaling.use_gpu:
        raise InvalidInput(f"params.mixed_precision {p.mixed_precision} needs a GPU: set "
                           "scaling.use_gpu: true, or mixed_precision: auto / no",
                           field="params.mixed_precision")
    n_valid = min(data.rows - 1, max(1, round(data.rows * spec.split.validation_fraction)))
    n_train = data.rows - n_valid
    if n_train < spec.scaling.num_workers:
        raise InvalidInput(f"{n_train} training records cannot be shared by "
                           f"{spec.scaling.num_workers} workers; add records or lower "
                           "scaling.num_workers", field="scaling.num_workers")


# on the workers -----------------------------------------------------------------------------
def _device(cfg: dict[str, Any]) -> Any:
    import torch

    if cfg["scaling"]["use_gpu"]:
        import ray.train.torch

        return ray.train.torch.get_device()
    return torch.device("cpu")


def _precision(cfg: dict[str, Any], device: Any) -> str:
    wanted = cfg["params"]["mixed_precision"]
    if device.type != "cuda":
        return "no"
    if wanted == "auto":
        import torch

        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    return wanted


def _autocast(precision: str, device: Any) -> Any:
    import torch

    if precision == "no":
        return None
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    return lambda: torch.autocast(device_type=device.type, dtype=dtype)


def _all_sum(values: list[float], world: int, device: Any) -> list[float]:
    if world == 1:
        return values
    import torch
    import torch.distributed as dist

    t = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return [float(v) for v in t.tolist()]


def _batches(examples: list[Any], size: int, pad_id: int) -> list[dict[str, Any]]:
    from ..text_data import collate

    return [collate(examples[i:i + size], pad_id) for i in range(0, len(examples), size)]


def _measure(model: Any, examples: list[Any], pad_id: int, world: int, device: Any,
             autocast: Any) -> dict[str, float]:
    total, count = loss_sums(model, _batches(examples, EVAL_BATCH, pad_id), device, autocast)
    total, count = _all_sum([total, float(count)], world, device)
    loss = total / count if count else float("nan")
    return {"loss": loss, "perplexity": perplexity(loss), "tokens": int(count)}


def _eval_prompts(cfg: dict[str, Any], records: list[dict[str, str]],
                  valid_idx: Any) -> list[str]:
    ev = cfg["params"]["eval"]
    if ev["prompts"]:
        return list(ev["prompts"])[: max(ev["num_samples"], len(ev["prompts"]))]
    out = []
    for i in valid_idx[: ev["num_samples"]]:
        r = records[int(i)]
        out.append(r["prompt"] if "prompt" in r else " ".join(r["text"].split()[:4]))
    return out


def fit(cfg: dict[str, Any], rank: int, world: int) -> dict[str, Any]:
    """Fine-tune at this rank; rank 0 writes the results. Returns the final metrics."""
    quiet_transformers()
    import numpy as np
    import torch

    from ..data import split_indices
    from ..llm_model import generate
    from ..metrics import MetricsSink, register_worker
    from ..text_data import read_records, tokenize

    register_worker(cfg["job_id"], rank, world)
    started = time.monotonic()
    p, data, method = cfg["params"], cfg["data"], cfg["params"]["method"]
    torch.set_num_threads(threads(cfg))
    torch.manual_seed(p["seed"])
    device = _device(cfg)
    precision = _precision(cfg, device)
    autocast = _autocast(precision, device)
    folder = local_dir(base_uri(data["base_model"]))
    tokenizer = load_tokenizer(folder)
    model = load_causal_lm(folder).to(device)
    records = read_records(data["uri"], data["fields"]).records
    split = cfg["split"]
    train_idx, valid_idx = split_indices(len(records), "random", split["validation_fraction"],
                                         split["seed"])
    examples = tokenize(records, tokenizer, p["max_seq_length"], p["completion_only_loss"])
    pad = tokenizer.pad_token_id
    mine = np.array_split(train_idx, world)[rank]
    my_valid = [examples[int(i)] for i in np.array_split(valid_idx, world)[rank]]
    prompts = _eval_prompts(cfg, records, valid_idx)
    ev = p["eval"]
    loaded = time.monotonic()

    before = _measure(model, my_valid, pad, world, device, autocast)
    gens_before = generate(model, tokenizer, prompts, max_new_tokens=ev["max_new_tokens"],
                           device=device) if rank == 0 else []
    if method["kind"] == "lora":
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(model, LoraConfig(
            r=method["r"], lora_alpha=method["alpha"], lora_dropout=method["dropout"],
            target_modules=data["target_modules"], fan_in_fan_out=data["fan_in_fan_out"],
            bias="none", task_type="CAUSAL_LM"))
    measured_before = time.monotonic()
    trainable = sum(t.numel() for t in model.parameters() if t.requires_grad)
    total_params = sum(t.numel() for t in model.parameters())
    inner = model
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel

        model = DistributedDataParallel(model, device_ids=[device.index]
                                        if device.type == "cuda" else None)

    # every worker runs the same number of micro-batches: the largest slice decides
    batch, accum = p["batch_size"], p["gradient_accumulation_steps"]
    per_epoch = math.ceil(math.ceil(len(train_idx) / world) / batch)
    steps_per_epoch = math.ceil(per_epoch / accum)
    total_steps = p["max_steps"] or steps_per_epoch * p["epochs"]
    optimizer = torch.optim.AdamW([t for t in model.parameters() if t.requires_grad],
                                  lr=p["learning_rate"], weight_decay=p["weight_decay"])
    from transformers import get_scheduler

    scheduler = get_scheduler(p["lr_scheduler"], optimizer,
                              num_warmup_steps=int(p["warmup_ratio"] * total_steps),
                              num_training_steps=total_steps)
    scaler = torch.amp.GradScaler("cuda") if precision == "fp16" else None
    sink = MetricsSink(cfg["job_id"], total_steps=total_steps) if rank == 0 else None
    history: dict[str, list[float]] = {"valid_loss": [before["loss"]],
                                       "valid_perplexity": [before["perplexity"]]}
    if sink is not None:
        sink.add(0, {"valid_loss": before["loss"], "valid_perplexity": before["perplexity"]})
    step, epoch, seen, tokens, loop_s, eval_s = 0, 0, 0, 0, 0.0, 0.0
    model.train()
    while step < total_steps:
        order = np.random.default_rng(p["seed"] + epoch).permutation(mine)
        chunks = [order[i * batch:(i + 1) * batch] for i in range(per_epoch)]
        epoch += 1
        tick = time.monotonic()
        for first in range(0, per_epoch, accum):
            if step >= total_steps:
                break
            group = chunks[first:first + accum]
            running = 0.0
            for j, chunk in enumerate(group):
                real = len(chunk) > 0
                # a slice one record shorter: a step on any record, weighted zero
                take = chunk if real else order[:1]
                b = {k: v.to(device) for k, v in _batches(
                    [examples[int(i)] for i in take], batch, pad)[0].items()}
                sync = j == len(group) - 1 or world == 1
                ctx = contextlib.nullcontext() if sync else model.no_sync()
                with ctx, (autocast() if autocast else contextlib.nullcontext()):
                    loss = model(**b).loss
                    scaled = loss * (1.0 if real else 0.0) / len(group)
                (scaler.scale(scaled) if scaler else scaled).backward()
                if real:
                    seen += len(chunk)
                    tokens += int(b["attention_mask"].sum())
                    running += float(loss.detach()) / len(group)
            if scaler:
                scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_([t for t in model.parameters() if t.requires_grad],
                                           1.0)
            if scaler:
                scaler.step(optimizer)
                scaler.update()
            else:
                optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            history.setdefault("train_loss", []).append(running)
            if sink is not None:
                sink.add(step, {"train_loss": running,
                                "learning_rate": scheduler.get_last_lr()[0]})
        loop_s += time.monotonic() - tick
        if p["max_steps"] is None or step >= total_steps:  # each epoch, or at the end
            tick = time.monotonic()
            measured = _measure(inner, my_valid, pad, world, device, autocast)
            eval_s += time.monotonic() - tick
            history["valid_loss"].append(measured["loss"])
            history["valid_perplexity"].append(measured["perplexity"])
            if sink is not None:
                sink.add(step, {"valid_loss": measured["loss"],
                                "valid_perplexity": measured["perplexity"]})
                sink.flush()
    after = {"loss": history["valid_loss"][-1], "perplexity": history["valid_perplexity"][-1]}
    seen_all, tokens_all = _all_sum([float(seen), float(tokens)], world, device)
    fitted = time.monotonic()
    final = {
        "loss_before": before["loss"], "loss_after": after["loss"],
        "perplexity_before": before["perplexity"], "perplexity_after": after["perplexity"],
        "valid_loss": after["loss"], "valid_perplexity": after["perplexity"],
        "train_loss": history["train_loss"][-1], "steps": step, "epochs": epoch,
        "train_rows": len(train_idx), "valid_rows": len(valid_idx),
        "valid_tokens": before["tokens"], "examples_seen": int(seen_all),
        "train_tokens": int(tokens_all), "tokens_per_s": tokens_all / loop_s if loop_s else 0.0,
        "train_loop_seconds": loop_s, "eval_seconds": eval_s,
        "before_seconds": measured_before - loaded, "trainable_parameters": trainable,
        "total_parameters": total_params, "workers": world,
        "load_seconds": loaded - started, "fit_seconds": fitted - loaded,
    }
    if rank != 0:
        return final
    gens_after = generate(inner, tokenizer, prompts, max_new_tokens=ev["max_new_tokens"],
                          device=device)
    generations = [{"prompt": q, "before": b, "after": a}
                   for q, b, a in zip(prompts, gens_before, gens_after, strict=True)]
    _save(cfg, inner, tokenizer, method["kind"])
    final["train_seconds"] = time.monotonic() - started
    _write_results(cfg, final, history, before, after, generations, precision)
    sink.flush(message=f"finished: {step} steps, perplexity {before['perplexity']:.3g} -> "
               f"{after['perplexity']:.3g}")
    return final


def _save(cfg: dict[str, Any], model: Any, tokenizer: Any, kind: str) -> None:
    data = cfg["data"]
    base = data["base_model"]
    out = output_dir(cfg)
    with out.local_folder("model") as folder:
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        adapter_config = os.path.join(folder, "adapter_config.json")
        if os.path.isfile(adapter_config):
            # the base is recorded by reference (registry version or path) in griffin_llm.json;
            # the adapter's own field keeps the reference a user wrote, not a machine's path
            with open(adapter_config) as fh:
                doc = json.load(fh)
            doc["base_model_name_or_path"] = base["ref"]
            with open(adapter_config, "w") as fh:
                json.dump(doc, fh, indent=2)
        manifest = {"method": kind, "base_model": base, "job_id": cfg["job_id"],
                    "framework": ADAPTER_FRAMEWORK if kind == "lora" else BASE_FRAMEWORK,
                    "max_seq_length": cfg["params"]["max_seq_length"], "form": data["form"]}
        with open(os.path.join(folder, MANIFEST), "w") as fh:
            json.dump(manifest, fh, indent=2)


def _write_results(cfg: dict[str, Any], final: dict[str, Any], history: dict[str, list[float]],
                   before: dict[str, Any], after: dict[str, Any], generations: list[Any],
                   precision: str) -> None:
    data, p = cfg["data"], cfg["params"]
    out = output_dir(cfg)
    kind = p["method"]["kind"]
    evaluation = {"before": before, "after": after, "generations": generations,
                  "valid_rows": final["valid_rows"], "precision": precision}
    out.write_json("eval.json", evaluation)
    out.write_json("signature.json", {
        "inputs": [{"name": "prompt", "type": "string"}],
        "outputs": [{"name": "completion", "type": "string"}],
        "task": "text-generation", "base_model": data["base_model"]["ref"]})
    base = {k: v for k, v in data["base_model"].items() if k != "ref"}
    out.write_json("metrics.json", {
        "final": final, "history": history,
        "framework": ADAPTER_FRAMEWORK if kind == "lora" else BASE_FRAMEWORK,
        "registry_params": {k: v for k, v in p.items() if k != "eval"},
        "lineage": {"base_model": base, "evaluation": {
            "loss_before": before["loss"], "loss_after": after["loss"],
            "perplexity_before": before["perplexity"], "perplexity_after": after["perplexity"],
            "valid_rows": final["valid_rows"]}},
    })


def trainer(cfg: dict[str, Any]) -> Any:
    from ray.train.torch import TorchTrainer

    return make_trainer(TorchTrainer, cfg)
