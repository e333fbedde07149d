"""A tiny GPT-style language model and tokenizer, built locally from the grocery catalogue.

Nothing is downloaded: a byte-level BPE tokenizer is trained with ``tokenizers`` on sentences
about the demo catalogue (brands, products, aisles, departments), then a 2-layer GPT-2 is
trained briefly on the same text and saved as an ordinary Hugging Face folder
(``AutoTokenizer`` / ``AutoModelForCausalLM`` load it), exactly like a real checkpoint a user
would point a fine-tuning job at.

The build is seeded and cached under the demo data folder (``$GRIFFIN_HOME/demo/tiny-gpt``):
tests and notebooks reuse it. It takes about 10 to 20 s on 2 CPU cores.

``finetune_examples`` gives the question/answer pairs the fine-tuning demo teaches it
(a format the base model has never seen, about facts it has).
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

from .grocery import BRANDS, DEPARTMENTS

BUILD_VERSION = 1
MANIFEST = "griffin_tiny_llm.json"
SPECIAL = {"bos": "<|bos|>", "eos": "<|eos|>", "pad": "<|pad|>", "unk": "<|unk|>"}


def _catalogue() -> list[tuple[str, str, str]]:
    """(product, aisle, department) for every item of the demo catalogue."""
    return [(item, aisle, dept) for dept, aisles in DEPARTMENTS.items()
            for aisle, items in aisles.items() for item in items]


def corpus(seed: int = 42, repeats: int = 6) -> list[str]:
    """Plain sentences about the catalogue: what the base model is pre-trained on."""
    rng = random.Random(seed)
    templates = [
        "{brand} {item} is in the {aisle} aisle.",
        "The {aisle} aisle is part of the {dept} department.",
        "{item} belongs to the {dept} department.",
        "A shopper added {brand} {item} to the cart.",
        "{brand} {item} can be found in {dept}.",
        "Customers who buy {item} often shop the {aisle} aisle.",
    ]
    lines = []
    for _ in range(repeats):
        for item, aisle, dept in _catalogue():
            brand = rng.choice(BRANDS)
            lines.append(rng.choice(templates).format(brand=brand, item=item, aisle=aisle,
                                                      dept=dept))
    rng.shuffle(lines)
    return lines


def finetune_examples(n: int | None = None, seed: int = 7) -> list[dict[str, str]]:
    """Question/answer pairs (``prompt``/``completion``) about the catalogue, shuffled."""
    rows = []
    for brand in BRANDS:
        for item, aisle, dept in _catalogue():
            rows.append({"prompt": f"Question: which department sells {brand} {item}?\nAnswer:",
                         "completion": f" {dept}"})
            rows.append({"prompt": f"Question: which aisle has {brand} {item}?\nAnswer:",
                         "completion": f" {aisle}"})
    random.Random(seed).shuffle(rows)
    return rows if n is None else rows[:n]


def write_finetune_jsonl(path: str | Path, n: int | None = None, seed: int = 7) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in finetune_examples(n, seed)))
    return path


def default_dir(home: Path | None = None) -> Path:
    if home is None:
        from ..settings import Settings

        home = Settings.load().home
    return Path(home) / "demo" / "tiny-gpt"


def build(target: str | Path | None = None, *, seed: int = 42, steps: int = 300,
          force: bool = False) -> Path:
    """Build (or reuse) the tiny model folder; its path."""
    from filelock import FileLock

    target = Path(target) if target is not None else default_dir()
    wanted = {"build_version": BUILD_VERSION, "seed": seed, "steps": steps}
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock", timeout=600):
        manifest = target / MANIFEST
        if manifest.is_file() and not force:
            try:
                if {k: v for k, v in json.loads(manifest.read_text()).items()
                        if k in wanted} == wanted:
                    return target
            except ValueError:
                pass
        staging = target.with_name(target.name + ".staging")
        if staging.exists():
            import shutil

            shutil.rmtree(staging)
        info = _build(staging, seed=seed, steps=steps)
        (staging / MANIFEST).write_text(json.dumps({**wanted, **info}, indent=2))
        if target.exists():
            import shutil

            shutil.rmtree(target)
        staging.replace(target)
    return target


def _tokenizer(lines: list[str], vocab_size: int) -> Any:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=1,
                                  special_tokens=list(SPECIAL.values()),
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator(lines, trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token=SPECIAL["bos"], eos_token=SPECIAL["eos"],
        pad_token=SPECIAL["pad"], unk_token=SPECIAL["unk"], model_max_length=128)


def _build(target: Path, *, seed: int, steps: int) -> dict[str, Any]:
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    started = time.monotonic()
    torch.manual_seed(seed)
    random.seed(seed)
    lines = corpus(seed)
    # the question format of the fine-tuning demo uses these words too: the tokenizer knows
    # them, the model has not seen them in that order
    tokenizer = _tokenizer([*lines, "Question: which department sells which aisle has? "
                            "Answer:"], vocab_size=1024)
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=128, n_embd=128, n_layer=2,
                        n_head=4, n_inner=256, bos_token_id=tokenizer.bos_token_id,
                        eos_token_id=tokenizer.eos_token_id,
                        pad_token_id=tokenizer.pad_token_id)
    model = GPT2LMHeadModel(config)
    ids = [tokenizer(line)["input_ids"] + [tokenizer.eos_token_id] for line in lines]
    stream = [t for seq in ids for t in seq]
    block, batch = 64, 16
    chunks = torch.tensor(stream[: len(stream) // block * block]).view(-1, block)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-3, total_steps=steps,
                                                    pct_start=0.1)
    gen = torch.Generator().manual_seed(seed)
    model.train()
    loss = torch.tensor(0.0)
    for _ in range(steps):
        take = torch.randint(0, len(chunks), (batch,), generator=gen)
        x = chunks[take]
        loss = model(input_ids=x, labels=x).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
    model.eval()
    target.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(target)
    tokenizer.save_pretrained(target)
    return {"parameters": sum(p.numel() for p in model.parameters()),
            "final_loss": round(float(loss.detach()), 4), "corpus_lines": len(lines),
            "vocab_size": len(tokenizer), "build_seconds": round(time.monotonic() - started, 1)}
