"""LLM fine-tuning on a real Ray cluster: the tiny local GPT is LoRA-tuned on grocery
questions (one worker in local mode; two DDP workers over gloo with the base model taken from
the registry), measured before and after, registered with its base, loaded back as a
generator, merged into a full model; bad inputs are refused before anything is written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from griffin_lab.demo import tiny_llm
from griffin_lab.errors import InvalidInput
from griffin_lab.platform import Platform
from griffin_lab.registry.service import register_version
from griffin_lab.sdk import Client
from griffin_lab.sdk.transport import InProcessTransport
from griffin_lab.settings import Settings
from griffin_lab.training.llm_model import load_generator
from griffin_lab.training.tables import TrainingJobRow
from griffin_lab.training.text_data import read_records

pytestmark = pytest.mark.timeout(600)
PROMPTS = ["Question: which department sells Organic Bananas?\nAnswer:",
           "Question: which aisle has Classic Cold Brew?\nAnswer:"]


@pytest.fixture(scope="session")
def tiny_model() -> Path:
    """The demo's tiny GPT, built once (seeded) under the session's demo folder."""
    return tiny_llm.build()


@pytest.fixture(scope="module")
def qa(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_llm.write_finetune_jsonl(tmp_path_factory.mktemp("llm") / "qa.jsonl", n=240)


@pytest.fixture
def platform(tmp_path: Path, ray_cluster: str) -> Iterator[Platform]:
    with Platform.from_settings(Settings.load(home=tmp_path / "home",
                                              ray_address=ray_cluster)) as p:
        yield p


@pytest.fixture
def client(platform: Platform) -> Client:
    return Client(InProcessTransport(platform))


def llm_spec(base: Path | str, data: Path, **over: object) -> dict:
    spec = {"name": "grocery-lora", "runtime": "llm_finetune", "base_model": str(base),
            "data": {"path": str(data)}, "split": {"validation_fraction": 0.15},
            "params": {"epochs": 2, "batch_size": 16, "learning_rate": 3e-3,
                       "max_seq_length": 64},
            "eval": {"prompts": PROMPTS, "max_new_tokens": 6}}
    spec.update(over)
    return spec


def test_the_tiny_model_is_an_ordinary_hugging_face_folder(tiny_model: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    manifest = json.loads((tiny_model / tiny_llm.MANIFEST).read_text())
    assert manifest["seed"] == 42 and manifest["parameters"] < 1_000_000
    tok = AutoTokenizer.from_pretrained(tiny_model, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(tiny_model, local_files_only=True)
    assert model.config.model_type == "gpt2" and tok.eos_token == "<|eos|>"
    built = (tiny_model / "model.safetensors").stat().st_mtime_ns
    assert tiny_llm.build() == tiny_model  # reused, not rebuilt
    assert (tiny_model / "model.safetensors").stat().st_mtime_ns == built


def test_lora_job_improves_perplexity_registers_the_adapter_and_serves_it(
        client: Client, platform: Platform, tiny_model: Path, qa: Path, tmp_path: Path) -> None:
    job = client.train(llm_spec(tiny_model, qa, register_as="grocery-lora")).wait(400)
    d = job.detail
    m = d.metrics
    assert m["train_rows"] + m["valid_rows"] == 240 and m["valid_rows"] == 36
    assert m["examples_seen"] == 2 * m["train_rows"]
    # the questions are a format the base model never saw: fine-tuning must lower perplexity
    # on held-out questions a lot (it is in the thousands before, single digits after)
    assert m["perplexity_after"] < m["perplexity_before"] / 20
    assert m["loss_after"] < m["loss_before"]
    assert 0 < m["trainable_parameters"] < m["total_parameters"] / 10  # only the adapters
    # per-step loss and the held-out measure at step 0 (before) and after each epoch
    curves = job.metrics()
    assert list(curves["train_loss"].dropna().index) == list(range(1, m["steps"] + 1))
    valid = curves["valid_perplexity"].dropna()
    assert valid.iloc[0] == pytest.approx(m["perplexity_before"])
    assert valid.iloc[-1] == pytest.approx(m["perplexity_after"]) and len(valid) == 3
    ev = job.evaluation
    assert ev["before"]["perplexity"] == pytest.approx(m["perplexity_before"])
    gens = job.generations()
    assert list(gens["prompt"]) == PROMPTS
    assert all(isinstance(t, str) for t in [*gens["before"], *gens["after"]])
    # the job's widget shows the loss curve, perplexity before/after and the generations
    widget = job.widget()
    assert "train_loss" in widget.series and "valid_perplexity" in widget.series
    assert "Sample generations" in widget.summary.value
    assert "which department sells Organic Bananas?" in widget.summary.value
    assert f"{m['perplexity_after']:.4g}" in widget.summary.value
    # registered: an adapter of framework transformers-peft, with its base and evaluation
    version = job.model
    assert version.framework == "transformers-peft"
    assert version.lineage["base_model"] == {"path": str(tiny_model)}
    assert version.lineage["data_fingerprint"] == read_records(
        str(qa), {"text": "text", "prompt": "prompt", "completion": "completion"}).fingerprint
    assert version.lineage["evaluation"]["perplexity_after"] == m["perplexity_after"]
    assert version.params["method"]["r"] == 8
    model_dir = Path(version.artifact_uri.removeprefix("file://"))
    assert {"adapter_config.json", "adapter_model.safetensors", "tokenizer.json",
            "griffin_llm.json"} <= {p.name for p in model_dir.iterdir()}
    assert json.loads((model_dir / "adapter_config.json").read_text())[
        "base_model_name_or_path"] == str(tiny_model)
    assert (model_dir.parent / "eval.json").is_file()
    # serving hand-off: the adapter on its recorded base, as a generate function; greedy, so
    # it writes exactly what the job kept as the "after" generations
    generate = load_generator(version.artifact_uri)
    assert generate(PROMPTS, max_new_tokens=6) == list(gens["after"])
    # merge-and-save: a full model folder, registered as framework transformers
    merged = job.merge(register_as="grocery-merged")
    assert merged.model_name == "grocery-merged" and merged.model_version == 1
    from transformers import AutoModelForCausalLM

    merged_dir = Path(merged.artifact_uri.removeprefix("file://"))
    assert not (merged_dir / "adapter_config.json").exists()
    AutoModelForCausalLM.from_pretrained(merged_dir, local_files_only=True)
    assert load_generator(merged.artifact_uri)(PROMPTS, max_new_tokens=6) == list(gens["after"])
    full = platform.registry.resolve("grocery-merged")
    assert full.framework == "transformers"
    assert full.lineage["merged_from"]["model"] == "grocery-lora"


def test_two_ddp_workers_train_on_every_record_from_a_registered_base(
        client: Client, platform: Platform, tiny_model: Path, qa: Path) -> None:
    with platform.db.session(write=True) as session:
        register_version(session, name="tiny-gpt", framework="transformers",
                         artifact_uri=f"file://{tiny_model}", actor="test", signature={},
                         metrics={}, params={}, lineage={"source": "griffin_lab.demo.tiny_llm"})
    job = client.train(llm_spec("registry:tiny-gpt@1", qa, name="grocery-ddp",
                                register_as="grocery-ddp", scaling={"num_workers": 2},
                                params={"epochs": 1, "batch_size": 8, "learning_rate": 3e-3,
                                        "max_seq_length": 64})).wait(500)
    d = job.detail
    m = d.metrics
    assert len(d.workers) == 2 and {w["rank"] for w in d.workers} == {0, 1}
    assert m["workers"] == 2
    # the two workers' slices together are every training record, each once per epoch
    assert m["examples_seen"] == m["train_rows"] == 204
    assert m["perplexity_after"] < m["perplexity_before"] / 5
    assert job.model.lineage["base_model"] == {"model": "tiny-gpt", "version": 1,
                                               "artifact_uri": f"file://{tiny_model}"}
    assert d.data["base_model"]["ref"] == "registry:tiny-gpt@1"
    # the adapter finds its base through what it recorded (the registry's artifact)
    assert len(load_generator(job.model.artifact_uri)(PROMPTS[:1], max_new_tokens=3)) == 1


@pytest.fixture
def bad_inputs(tmp_path: Path, tiny_model: Path) -> dict[str, Path]:
    not_model = tmp_path / "not-a-model"
    not_model.mkdir()
    (not_model / "notes.txt").write_text("hello")
    missing = tmp_path / "missing.jsonl"
    missing.write_text('{"prompt": "a", "completion": "b"}\n{"prompt": "c"}\n')
    empty_line = tmp_path / "empty.jsonl"
    empty_line.write_text('{"text": "a b"}\n{"text": "c d"}\n\n{"text": "e"}\n')
    table = tmp_path / "table.parquet"
    pd.DataFrame({"question": ["a", "b", "c"]}).to_parquet(table)
    return {"not_model": not_model, "missing": missing, "empty_line": empty_line,
            "table": table}


@pytest.mark.parametrize(("case", "field", "words"), [
    ({"base_model": "{not_model}"}, "base_model", "not a Hugging Face model folder"),
    ({"base_model": "/nonexistent/model"}, "base_model", "does not exist"),
    ({"base_model": "registry:no-such-model"}, "base_model", "no-such-model"),
    ({"data": {"path": "{missing}"}}, "data.path", "line 2 has no 'completion'"),
    ({"data": {"path": "{empty_line}"}}, "data.path", "line 3 is empty"),
    ({"data": {"path": "{table}"}}, "data.path", "neither 'text' nor 'prompt'"),
    ({"params": {"max_seq_length": 4096}}, "params.max_seq_length", "allows (128 positions)"),
    ({"method": {"target_modules": ["q_proj", "c_attn"]}}, "method.target_modules",
     "'q_proj' is not a layer of this gpt2 model; its linear layers are: c_attn"),
    ({"params": {"mixed_precision": "bf16"}}, "params.mixed_precision", "needs a GPU"),
    ({"scaling": {"use_gpu": True}}, "scaling.use_gpu", "0 GPU"),
    ({"tune": {"search_space": {"learning_rate": {"choice": [0.1]}}}}, "tune",
     "not available for llm_finetune"),
])
def test_bad_llm_jobs_are_refused_before_anything_is_written(
        client: Client, platform: Platform, tiny_model: Path, qa: Path,
        bad_inputs: dict[str, Path], case: dict, field: str, words: str) -> None:
    spec = json.loads(json.dumps(llm_spec(tiny_model, qa)))
    for key, value in case.items():
        text = json.dumps(value)
        for name, path in bad_inputs.items():
            text = text.replace("{" + name + "}", str(path))
        value = json.loads(text)
        spec[key] = {**spec[key], **value} if isinstance(spec.get(key), dict) else value
    with pytest.raises(InvalidInput) as err:
        client.train(spec)
    assert err.value.field == field
    assert words in err.value.message
    with platform.db.session() as session:
        assert session.execute(select(TrainingJobRow)).first() is None
    jobs_dir = platform.settings.home / "artifacts" / "jobs"
    assert not jobs_dir.exists() or not any(jobs_dir.iterdir())


def test_records_from_a_table_and_plain_text(tmp_path: Path) -> None:
    fields = {"text": "text", "prompt": "prompt", "completion": "completion"}
    pd.DataFrame({"prompt": ["Q: a?", "Q: b?"], "completion": [" x", " y"]}).to_parquet(
        tmp_path / "pc.parquet")
    table = read_records(str(tmp_path / "pc.parquet"), fields)
    assert table.form == "prompt_completion" and len(table.records) == 2
    (tmp_path / "pc.jsonl").write_text('{"prompt": "Q: a?", "completion": " x"}\n'
                                       '{"prompt": "Q: b?", "completion": " y"}\n')
    # the same records give the same fingerprint, whatever the file format
    assert read_records(str(tmp_path / "pc.jsonl"), fields).fingerprint == table.fingerprint
    (tmp_path / "t.jsonl").write_text('{"body": "one"}\n{"body": "two"}\n')
    text = read_records(str(tmp_path / "t.jsonl"), {**fields, "text": "body"})
    assert text.form == "text" and text.records[1] == {"text": "two"}
    with pytest.raises(InvalidInput, match="line 2: 'body' is int"):
        (tmp_path / "n.jsonl").write_text('{"body": "one"}\n{"body": 2}\n')
        read_records(str(tmp_path / "n.jsonl"), {**fields, "text": "body"})


def test_a_remote_base_is_checked_without_downloading_its_weights(tiny_model: Path) -> None:
    import fsspec

    from griffin_lab.training.llm_model import checkable_dir, inspect_base, local_dir

    fs = fsspec.filesystem("memory")
    for f in tiny_model.iterdir():
        fs.pipe(f"/bases/tiny/{f.name}", f.read_bytes())
    folder = Path(checkable_dir("memory://bases/tiny"))
    assert (folder / "model.safetensors").stat().st_size == 0  # a stand-in, not the weights
    facts = inspect_base("memory://bases/tiny", str(folder))
    assert facts.model_type == "gpt2" and facts.max_positions == 128
    assert "c_attn" in facts.conv1d
    with pytest.raises(InvalidInput, match="does not exist"):
        inspect_base("memory://bases/none", checkable_dir("memory://bases/none"))
    # workers do fetch the whole folder (once)
    full = Path(local_dir("memory://bases/tiny"))
    assert (full / "model.safetensors").read_bytes() == \
        (tiny_model / "model.safetensors").read_bytes()


def test_full_fine_tuning_registers_a_whole_model(client: Client, tiny_model: Path,
                                                   qa: Path) -> None:
    job = client.train(llm_spec(tiny_model, qa, name="grocery-full", register_as="grocery-full",
                                method={"kind": "full"},
                                params={"max_steps": 12, "batch_size": 16,
                                        "learning_rate": 1e-3, "max_seq_length": 64})).wait(400)
    m = job.detail.metrics
    assert m["steps"] == 12 and m["trainable_parameters"] == m["total_parameters"]
    assert m["perplexity_after"] < m["perplexity_before"]
    version = job.model
    assert version.framework == "transformers"
    model_dir = Path(version.artifact_uri.removeprefix("file://"))
    assert (model_dir / "model.safetensors").is_file()
    assert not (model_dir / "adapter_config.json").exists()
    assert len(load_generator(version.artifact_uri)(PROMPTS[:1], max_new_tokens=3)) == 1
    with pytest.raises(InvalidInput, match="already a full model"):
        job.merge()
