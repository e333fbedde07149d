"""LLM fine-tuning: a Griffin ``llm_finetune`` job against a plain transformers + peft loop.

Side by side in one run, on the same tiny local GPT (``griffin_lab.demo.tiny_llm``), the same
question/answer records, LoRA settings, batch size, sequence length, epochs and threads:

1. plain: what a user would write, run as its own Python process (only torch, transformers
   and peft imported): tokenizer, ``get_peft_model``, AdamW with a linear schedule, a loop over
   shuffled batches (padding to the longest, loss on the completion only), held-out loss
   before and after, ``save_pretrained``;
2. Griffin: the same fine-tuning as a job (spec submitted -> adapter registered), one Ray
   Train worker in local mode on a warm embedded head;
3. plain again (the machine's drift).

Throughput is trained tokens (non-padding) per second of the training loop (evaluation
excluded, the same rule on both sides), and per second of the whole run (plain: load,
tokenize, measure, train, save, and separately the process's wall time with its imports;
Griffin: submit to "succeeded"). The job's phases come from its own records.

    python -m benchmarks.llm [--epochs 8] [--batch 16] [--workers 1] [--json]
    python -m benchmarks.llm --epochs 1 --records 300     # smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

THREADS = os.cpu_count() or 1
MAX_LEN = 64
LR = 3e-3


def plain_loop(base: Path, data: Path, epochs: int, batch: int, out: Path) -> dict[str, Any]:
    """A hand-written transformers + peft fine-tuning loop in this process."""
    import random

    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer, get_scheduler

    t0 = time.perf_counter()
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(base, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(base, local_files_only=True)
    rows = [json.loads(line) for line in data.read_text().splitlines()]
    rng = random.Random(0)
    rng.shuffle(rows)
    n_valid = round(len(rows) * 0.1)
    valid, train = rows[:n_valid], rows[n_valid:]

    def encode(r: dict[str, str]) -> tuple[list[int], list[int]]:
        p = tok(r["prompt"], add_special_tokens=False)["input_ids"]
        c = tok(r["completion"], add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
        return (p + c)[:MAX_LEN], ([-100] * len(p) + c)[:MAX_LEN]

    def batchify(items: list[tuple[list[int], list[int]]]) -> dict[str, torch.Tensor]:
        width = max(len(x) for x, _ in items)
        ids = torch.full((len(items), width), tok.pad_token_id)
        labels = torch.full((len(items), width), -100)
        mask = torch.zeros((len(items), width), dtype=torch.long)
        for i, (x, y) in enumerate(items):
            ids[i, :len(x)], labels[i, :len(y)], mask[i, :len(x)] = (
                torch.tensor(x), torch.tensor(y), 1)
        return {"input_ids": ids, "attention_mask": mask, "labels": labels}

    train_ex, valid_ex = [encode(r) for r in train], [encode(r) for r in valid]

    def valid_loss() -> float:
        model.eval()
        total = count = 0.0
        with torch.no_grad():
            for i in range(0, len(valid_ex), 32):
                b = batchify(valid_ex[i:i + 32])
                n = int((b["labels"][:, 1:] != -100).sum())
                total += float(model(**b).loss) * n
                count += n
        model.train()
        return total / count

    before = valid_loss()
    model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, lora_dropout=0.05,
                                             target_modules=["c_attn", "c_proj"],
                                             fan_in_fan_out=True, task_type="CAUSAL_LM"))
    steps = epochs * -(-len(train_ex) // batch)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=LR)
    sched = get_scheduler("linear", opt, num_warmup_steps=0, num_training_steps=steps)
    tokens, loop_s = 0, 0.0
    model.train()
    for epoch in range(epochs):
        order = list(range(len(train_ex)))
        random.Random(epoch).shuffle(order)
        tick = time.perf_counter()
        for i in range(0, len(order), batch):
            b = batchify([train_ex[j] for j in order[i:i + batch]])
            loss = model(**b).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad],
                                           1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            tokens += int(b["attention_mask"].sum())
        loop_s += time.perf_counter() - tick
    after = valid_loss()
    model.save_pretrained(out)
    tok.save_pretrained(out)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "loop_s": loop_s, "tokens": tokens, "steps": steps,
            "tokens_per_s": tokens / loop_s, "end_to_end_tokens_per_s": tokens / seconds,
            "loss_before": before, "loss_after": after}


def settle(client: Any, ray_job_id: str | None, timeout: float = 30) -> None:
    """Wait until Ray itself has ended the job (its driver exits a moment after Griffin
    records "succeeded"), then a little more, so the next measurement has the CPUs alone."""
    ray = client.transport.platform.training.ray
    deadline = time.monotonic() + timeout
    while ray_job_id and ray.status(ray_job_id) == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(3)


def griffin_job(client: Any, spec: dict[str, Any]) -> dict[str, Any]:
    t0 = time.time()
    job = client.train(spec)
    submitted = time.time()
    while job.refresh().status not in ("succeeded", "failed", "cancelled"):
        time.sleep(0.2)
    done = time.time()
    d = job.detail
    if d.status != "succeeded":
        raise RuntimeError(f"job {d.id} {d.status}: {d.error}")
    settle(client, d.ray_job_id)
    m = d.metrics
    created, started, finished = (d.created_at.timestamp(), d.started_at.timestamp(),
                                  d.finished_at.timestamp())
    worker_start = min(w["started_at"] for w in d.workers)
    loop = m["train_loop_seconds"]
    return {
        "seconds": done - t0, "job_id": d.id, "loop_s": loop, "tokens": m["train_tokens"],
        "steps": m["steps"], "tokens_per_s": m["tokens_per_s"],
        "end_to_end_tokens_per_s": m["train_tokens"] / (done - t0),
        "loss_before": m["loss_before"], "loss_after": m["loss_after"],
        "phases": {
            "submit (spec, records, base model checks)": submitted - t0,
            "queue (Ray starts the entrypoint)": started - created,
            "start-up (driver imports torch/transformers, Ray Train)": worker_start - started,
            "load (base model, tokenizer, records, tokenize)": m["load_seconds"],
            "measure before (held-out loss, generations)": m["before_seconds"],
            "training loop": loop,
            "held-out loss after each epoch": m["eval_seconds"],
            "rest of fit (LoRA wrap, optimizer, DDP)":
                m["fit_seconds"] - m["before_seconds"] - loop - m["eval_seconds"],
            "finish (generations after, save, registration)":
                finished - worker_start - m["load_seconds"] - m["fit_seconds"],
        },
        "metrics": m,
    }


def plain_process(base: Path, data: Path, epochs: int, batch: int, out: Path) -> dict[str, Any]:
    """``plain_loop`` in a new interpreter (this one holds Ray, SQLAlchemy, pandas...)."""
    import subprocess

    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "benchmarks.llm", "--plain", str(base),
                           str(data), str(epochs), str(batch), str(out)],
                          capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_seconds"] = time.perf_counter() - t0
    result["process_tokens_per_s"] = result["tokens"] / result["process_seconds"]
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    if argv and argv[0] == "--plain":
        base, data, epochs, batch, out = argv[1:6]
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        print(json.dumps(plain_loop(Path(base), Path(data), int(epochs), int(batch),
                                    Path(out))))
        return {}
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--records", type=int, default=None, help="default: all (~1,100)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from griffin_lab.demo import tiny_llm
    from griffin_lab.platform import Platform
    from griffin_lab.sdk import Client
    from griffin_lab.sdk.transport import InProcessTransport
    from griffin_lab.settings import Settings
    from griffin_lab.training.llm_model import quiet_transformers
    from griffin_lab.training.ray_jobs import ensure_local_head, stop_local_head

    quiet_transformers()
    scratch = Path(tempfile.mkdtemp(prefix="griffin-bench-llm-"))
    home = scratch / "home"
    t = time.perf_counter()
    base = tiny_llm.build(scratch / "tiny-gpt")
    build_s = time.perf_counter() - t
    data = tiny_llm.write_finetune_jsonl(scratch / "qa.jsonl", n=args.records)
    results: dict[str, Any] = {"records": len(data.read_text().splitlines()),
                               "epochs": args.epochs, "batch": args.batch, "threads": THREADS,
                               "max_seq_length": MAX_LEN, "tiny_model_build_s": build_s}
    t = time.perf_counter()
    ensure_local_head(home)
    results["head_start_s"] = time.perf_counter() - t
    platform = Platform.from_settings(Settings.load(home=home))
    client = Client(InProcessTransport(platform))
    spec = {"runtime": "llm_finetune", "base_model": str(base), "data": {"path": str(data)},
            "split": {"validation_fraction": 0.1},
            "method": {"kind": "lora", "r": 8, "alpha": 16, "dropout": 0.05,
                       "target_modules": ["c_attn", "c_proj"]},
            "params": {"epochs": args.epochs, "batch_size": args.batch, "learning_rate": LR,
                       "max_seq_length": MAX_LEN},
            "eval": {"num_samples": 3, "max_new_tokens": 6}, "register_as": "bench-llm",
            "scaling": {"num_workers": args.workers,
                        "cpus_per_worker": max(1, THREADS // args.workers)}}
    try:
        # warm-up: the head's first job pays one-off costs (runtime env agent, caches)
        griffin_job(client, {**spec, "name": "warmup", "params": {**spec["params"],
                                                                   "max_steps": 2}})
        plain = plain_process(base, data, args.epochs, args.batch, scratch / "plain-1")
        job = griffin_job(client, {**spec, "name": "llm-bench"})
        plain2 = plain_process(base, data, args.epochs, args.batch, scratch / "plain-2")
    finally:
        platform.close()
        stop_local_head(home)
    plain_tps = statistics.mean([plain["tokens_per_s"], plain2["tokens_per_s"]])
    plain_e2e = statistics.mean([plain["process_tokens_per_s"],
                                 plain2["process_tokens_per_s"]])
    results.update(plain=[plain, plain2], griffin=job,
                   loop_ratio=job["tokens_per_s"] / plain_tps,
                   end_to_end_ratio=job["end_to_end_tokens_per_s"] / plain_e2e)
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    else:
        report(results)
    return results


def report(r: dict[str, Any]) -> None:
    p1, p2 = r["plain"]
    g = r["griffin"]
    print(f"tiny GPT LoRA r=8, {r['records']} records, {r['epochs']} epochs, batch {r['batch']}, "
          f"{r['threads']} threads")
    print(f"training loop tokens/s: plain {p1['tokens_per_s']:,.0f} / {p2['tokens_per_s']:,.0f}, "
          f"Griffin {g['tokens_per_s']:,.0f} -> ratio {r['loop_ratio']:.2f}")
    print(f"end to end tokens/s: plain process {p1['process_tokens_per_s']:,.0f} / "
          f"{p2['process_tokens_per_s']:,.0f} ({p1['process_seconds']:.1f} / "
          f"{p2['process_seconds']:.1f} s, of which after imports {p1['seconds']:.1f} / "
          f"{p2['seconds']:.1f} s), "
          f"Griffin {g['end_to_end_tokens_per_s']:,.0f} ({g['seconds']:.1f} s) -> ratio "
          f"{r['end_to_end_ratio']:.2f}")
    print(f"held-out loss: plain {p1['loss_before']:.3f} -> {p1['loss_after']:.3f}, Griffin "
          f"{g['loss_before']:.3f} -> {g['loss_after']:.3f}")
    for name, s in g["phases"].items():
        print(f"    {name:<58} {s:6.2f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
