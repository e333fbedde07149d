"""Job specs are checked before anything runs: the field, and for YAML the line, is named."""

from __future__ import annotations

import pytest

from griffin_lab.errors import InvalidInput
from griffin_lab.training.service import validate_spec
from griffin_lab.training.spec import LightGBMJob, TensorFlowJob

GOOD = """\
name: reorder
runtime: lightgbm
data:
  path: data.parquet
label: label
params:
  num_leaves: 15
scaling:
  num_workers: 2
tune:
  search_space:
    learning_rate: {loguniform: [0.01, 0.3]}
    num_leaves: {choice: [7, 15, 31]}
  num_trials: 3
register_as: reorder
"""


def test_a_good_yaml_spec_parses_into_its_runtime() -> None:
    spec = validate_spec(GOOD)
    assert isinstance(spec, LightGBMJob)
    assert spec.params.num_leaves == 15 and spec.scaling.num_workers == 2
    assert spec.tune is not None and spec.tune.search_space["num_leaves"].choice == [7, 15, 31]
    tf = validate_spec({"name": "mlp", "runtime": "tensorflow", "data": {"path": "x.csv"},
                        "label": "y", "params": {"layers": [{"units": 8}], "epochs": 1}})
    assert isinstance(tf, TensorFlowJob) and tf.params.layers[0].units == 8


@pytest.mark.parametrize(("edit", "field", "line", "words"), [
    (("  num_leaves: 15", "  num_leaves: 1"), "params.num_leaves", 7, "greater than or equal"),
    (("  num_leaves: 15", "  num_leafs: 15"), "params.num_leafs", 7, "Extra inputs"),
    (("runtime: lightgbm", "runtime: xgboost"), "runtime", 2, "xgboost"),
    (("  num_workers: 2", "  num_workers: 0"), "scaling.num_workers", 9, "greater than"),
    (("{choice: [7, 15, 31]}", "{choice: []}"), "tune.search_space.num_leaves", 13,
     "at least one"),
    (("{loguniform: [0.01, 0.3]}", "{loguniform: [0.3, 0.01]}"),
     "tune.search_space.learning_rate", 12, "low < high"),
    (("register_as: reorder", "register_as: Bad Name"), "register_as", 15, "lowercase"),
    (("name: reorder", "name: ''"), "name", 1, "lowercase"),
])
def test_a_bad_yaml_spec_names_the_field_and_line(edit: tuple[str, str], field: str, line: int,
                                                  words: str) -> None:
    text = GOOD.replace(*edit)
    assert text != GOOD
    with pytest.raises(InvalidInput) as err:
        validate_spec(text)
    assert err.value.field == field
    assert f"(line {line})" in err.value.message
    assert words in err.value.message


def test_data_needs_exactly_one_source() -> None:
    base = {"name": "j", "runtime": "lightgbm", "label": "y"}
    for data, words in [
        ({}, "either path"),
        ({"path": "a.parquet", "feature_service": "s", "entities": "e.parquet"}, "either path"),
        ({"feature_service": "reorder_model"}, "needs `entities`"),
        ({"feature_service": "s", "features": ["v:f"], "entities": "e"}, "not both"),
    ]:
        with pytest.raises(InvalidInput, match=words) as err:
            validate_spec({**base, "data": data})
        assert err.value.field == "data"


def test_a_spec_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(InvalidInput, match="mapping"):
        validate_spec("- a\n- b\n")
    with pytest.raises(InvalidInput, match="does not exist"):
        validate_spec("missing.yaml")


LLM = """\
name: grocery-lora
runtime: llm_finetune
base_model: registry:tiny-gpt@1
data:
  path: qa.jsonl
method:
  kind: lora
  r: 8
  target_modules: [c_attn]
params:
  epochs: 2
  batch_size: 16
  max_seq_length: 64
scaling:
  num_workers: 2
register_as: grocery-lora
"""


def test_an_llm_spec_parses_with_its_defaults() -> None:
    from griffin_lab.training.spec import LLMJob

    spec = validate_spec(LLM)
    assert isinstance(spec, LLMJob)
    assert spec.method.kind == "lora" and spec.method.alpha == 16
    assert spec.params.mixed_precision == "auto" and spec.params.completion_only_loss
    assert spec.split.validation_fraction == 0.1 and spec.eval.num_samples == 3
    assert spec.data.prompt_field == "prompt"


@pytest.mark.parametrize(("edit", "field", "line", "words"), [
    (("  kind: lora", "  kind: qlora"), "method.kind", 7, "'lora' or 'full'"),
    (("  r: 8", "  r: 0"), "method.r", 8, "greater than or equal"),
    (("  batch_size: 16", "  batch_size: 0"), "params.batch_size", 12, "greater than"),
    (("  epochs: 2", "  epoch: 2"), "params.epoch", 11, "Extra inputs"),
    (("base_model: registry:tiny-gpt@1", "base_model: ' '"), "base_model", 3, "empty"),
    (("scaling:", "tune: {search_space: {r: {choice: [4, 8]}}}\nscaling:"), "tune", 14,
     "not available for llm_finetune"),
])
def test_a_bad_llm_spec_names_the_field_and_line(edit: tuple[str, str], field: str, line: int,
                                                 words: str) -> None:
    text = LLM.replace(*edit)
    assert text != LLM
    with pytest.raises(InvalidInput) as err:
        validate_spec(text)
    assert err.value.field == field
    assert f"(line {line})" in err.value.message
    assert words in err.value.message


def test_a_lightgbm_signature_takes_the_features_trained_with_missing_values() -> None:
    import numpy as np

    from griffin_lab.training.data import Split
    from griffin_lab.training.runtimes.common import signature
    from griffin_lab.training.runtimes.lightgbm import _with_missing

    x_train = np.array([[1.0, np.nan, 3.0], [1.0, 2.0, 3.0]], dtype=np.float32)
    x_valid = np.array([[1.0, 2.0, np.nan]], dtype=np.float32)
    split = Split(x_train=x_train, y_train=None, x_valid=x_valid, y_valid=None,
                  valid_index=None, train_rows_total=2)
    names = ["a", "b", "c"]
    cfg = {"data": {"feature_columns": names, "task": "binary", "label": "y"}}
    inputs = signature(cfg, "prediction", _with_missing(names, split))["inputs"]
    assert inputs == [{"name": "a", "type": "float32"},
                      {"name": "b", "type": "float32", "nullable": True},
                      {"name": "c", "type": "float32", "nullable": True}]
