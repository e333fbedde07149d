"""What a user writes: a training job spec (YAML or Python), validated before anything runs."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..registry.schemas import check_model_name

JOB_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DataSpec(_Strict):
    """Where the training rows come from: a file, or the feature store."""

    path: str | None = Field(None, description="A parquet or CSV file (local path or fsspec "
                             "URL) holding the feature columns and the label.")
    feature_service: str | None = Field(None, description="A feature service whose features "
                                        "are joined point-in-time onto `entities`.")
    features: list[str] | None = Field(None, description="Feature references (view:feature) "
                                       "instead of a feature service.")
    entities: str | None = Field(None, description="Parquet/CSV file with the join keys, "
                                 "event_timestamp and the label (with a feature source).")

    @model_validator(mode="after")
    def _one_source(self) -> DataSpec:
        from_store = self.feature_service is not None or self.features is not None
        if self.feature_service is not None and self.features is not None:
            raise ValueError("give either feature_service or features, not both")
        if (self.path is None) == (not from_store):
            raise ValueError("give either path, or feature_service/features with entities")
        if from_store and self.entities is None:
            raise ValueError("a feature-store source needs `entities`: a file with the join "
                             "keys, event_timestamp and the label")
        if self.path is not None and self.entities is not None:
            raise ValueError("`entities` goes with feature_service/features, not with path")
        return self


class SplitSpec(_Strict):
    kind: Literal["random", "time"] = "random"
    validation_fraction: float = Field(0.2, gt=0, lt=1)
    seed: int = 42
    time_column: str | None = Field(None, description="For kind=time (default "
                                    "event_timestamp): the latest rows are the validation set.")


class ScalingSpec(_Strict):
    num_workers: int = Field(1, ge=1, le=1024)
    cpus_per_worker: float = Field(1, gt=0, le=512)
    use_gpu: bool = False


class Domain(_Strict):
    """One search dimension: exactly one of the four forms."""

    uniform: tuple[float, float] | None = None
    loguniform: tuple[float, float] | None = None
    randint: tuple[int, int] | None = None
    choice: list[Any] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Domain:
        given = [k for k in ("uniform", "loguniform", "randint", "choice")
                 if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a search dimension is exactly one of uniform: [lo, hi], "
                             "loguniform: [lo, hi], randint: [lo, hi] or choice: [...]")
        for k in ("uniform", "loguniform", "randint"):
            bounds = getattr(self, k)
            if bounds is not None and not bounds[0] < bounds[1]:
                raise ValueError(f"{k} bounds must be [low, high] with low < high")
        if self.loguniform is not None and self.loguniform[0] <= 0:
            raise ValueError("loguniform bounds must be positive")
        if self.choice is not None and not self.choice:
            raise ValueError("choice needs at least one value")
        return self


class TuneSpec(_Strict):
    search_space: dict[str, Domain] = Field(min_length=1)
    num_trials: int = Field(4, ge=1, le=1000)
    metric: str | None = Field(None, description="Default: valid_auc (max) for a binary "
                               "label, the validation loss (min) otherwise.")
    mode: Literal["min", "max"] | None = None
    max_concurrent: int | None = Field(None, ge=1)


class LightGBMParams(_Strict):
    """Boosting parameters; any other LightGBM parameter goes in `extra`."""

    objective: str | None = Field(None, description="Default: binary for a 0/1 label, "
                                  "regression otherwise.")
    num_boost_round: int = Field(100, ge=1, le=100_000)
    learning_rate: float = Field(0.1, gt=0, le=10)
    num_leaves: int = Field(31, ge=2, le=131_072)
    max_depth: int = Field(-1, ge=-1)
    min_data_in_leaf: int = Field(20, ge=0)
    feature_fraction: float = Field(1.0, gt=0, le=1)
    bagging_fraction: float = Field(1.0, gt=0, le=1)
    bagging_freq: int = Field(0, ge=0)
    lambda_l2: float = Field(0.0, ge=0)
    metric: list[str] | None = Field(None, description="Default: binary_logloss and auc, or "
                                     "l2 and l1 for regression.")
    early_stopping_rounds: int | None = Field(None, ge=1)
    extra: dict[str, Any] = Field(default_factory=dict)


class Layer(_Strict):
    units: int = Field(ge=1, le=65_536)
    activation: Literal["relu", "tanh", "sigmoid", "gelu", "elu", "selu", "linear"] = "relu"
    dropout: float = Field(0.0, ge=0, lt=1)


class KerasParams(_Strict):
    """A Keras MLP over the feature columns; the output layer follows from the label."""

    layers: list[Layer] = Field(default_factory=lambda: [Layer(units=64), Layer(units=32)])
    optimizer: Literal["adam", "sgd", "rmsprop", "adagrad", "adamw"] = "adam"
    learning_rate: float = Field(1e-3, gt=0, le=10)
    loss: str | None = Field(None, description="Default: binary_crossentropy for a 0/1 "
                             "label, mse otherwise.")
    epochs: int = Field(5, ge=1, le=10_000)
    batch_size: int = Field(256, ge=1, le=1_000_000)


class _JobBase(_Strict):
    name: str = Field(description="Job name: lowercase letters, digits, '-', '_' or '.'.")
    description: str = ""
    owner: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    scaling: ScalingSpec = Field(default_factory=ScalingSpec)
    tune: TuneSpec | None = None
    register_as: str | None = Field(None, description="Register the trained model under "
                                    "this name (a new version each run).")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not JOB_NAME.match(value):
            raise ValueError(f"job name {value!r} must be lowercase letters, digits, '-', '_' "
                             "or '.', starting with a letter or digit (at most 100)")
        return value

    @field_validator("register_as")
    @classmethod
    def _model_name(cls, value: str | None) -> str | None:
        return None if value is None else check_model_name(value)


class TabularJob(_JobBase):
    data: DataSpec
    label: str
    feature_columns: list[str] | None = Field(None, description="Columns to train on. "
                                              "Default: every numeric column except the "
                                              "label, the time column and entity keys.")
    split: SplitSpec = Field(default_factory=SplitSpec)


class LightGBMJob(TabularJob):
    runtime: Literal["lightgbm"]
    params: LightGBMParams = Field(default_factory=LightGBMParams)


class TensorFlowJob(TabularJob):
    runtime: Literal["tensorflow"]
    params: KerasParams = Field(default_factory=KerasParams)




# LLM fine-tuning -----------------------------------------------------------------------------
class TextDataSpec(_Strict):
    """Training text: JSONL records, or a parquet/CSV table with the same fields as columns."""

    path: str = Field(description="A JSONL file (one JSON object a line: `prompt` and "
                      "`completion`, or `text`), or a parquet/CSV table with those columns.")
    text_field: str = Field("text", description="The field holding plain text.")
    prompt_field: str = Field("prompt", description="The field holding a prompt.")
    completion_field: str = Field("completion", description="The field holding the "
                                  "completion the model learns to write after the prompt.")


class TextSplitSpec(_Strict):
    validation_fraction: float = Field(0.1, gt=0, lt=1, description="Held-out share of the "
                                       "records: perplexity before and after is measured on it.")
    seed: int = 42


class FinetuneMethod(_Strict):
    """LoRA adapters (peft) on the base model, or full fine-tuning of every weight."""

    kind: Literal["lora", "full"] = "lora"
    r: int = Field(8, ge=1, le=1024, description="LoRA rank.")
    alpha: float = Field(16.0, gt=0, description="LoRA scaling (alpha / r).")
    dropout: float = Field(0.05, ge=0, lt=1, description="Dropout on the LoRA path.")
    target_modules: list[str] | None = Field(None, description="Module names (last part, e.g. "
                                             "c_attn, q_proj) that get adapters. Default: "
                                             "peft's choice for the model type.")


class LLMParams(_Strict):
    epochs: int = Field(1, ge=1, le=10_000)
    max_steps: int | None = Field(None, ge=1, description="Optimizer steps; when set it "
                                  "replaces epochs (the data is cycled).")
    learning_rate: float = Field(2e-4, gt=0, le=1)
    batch_size: int = Field(8, ge=1, le=65_536, description="Records per worker per step.")
    gradient_accumulation_steps: int = Field(1, ge=1, le=4096)
    max_seq_length: int = Field(256, ge=4, le=1_048_576, description="Tokens per record; "
                                "longer records are cut. At most the model's positions.")
    weight_decay: float = Field(0.0, ge=0, le=10)
    warmup_ratio: float = Field(0.0, ge=0, lt=1)
    lr_scheduler: Literal["linear", "cosine", "constant"] = "linear"
    seed: int = 42
    mixed_precision: Literal["auto", "no", "bf16", "fp16"] = Field(
        "auto", description="auto: bf16 (or fp16) on a GPU, full precision on CPUs.")
    completion_only_loss: bool = Field(True, description="With prompt/completion records, "
                                       "learn (and measure) only the completion tokens.")


class GenerationEval(_Strict):
    prompts: list[str] | None = Field(None, description="Fixed prompts whose generations are "
                                      "kept before and after fine-tuning. Default: the first "
                                      "validation prompts.")
    num_samples: int = Field(3, ge=0, le=64)
    max_new_tokens: int = Field(24, ge=1, le=4096)


class LLMJob(_JobBase):
    runtime: Literal["llm_finetune"]
    base_model: str = Field(description="A local Hugging Face model folder (config.json, "
                            "weights, tokenizer), or `registry:NAME[@VERSION|@ALIAS]`.")
    data: TextDataSpec
    split: TextSplitSpec = Field(default_factory=TextSplitSpec)
    method: FinetuneMethod = Field(default_factory=FinetuneMethod)
    params: LLMParams = Field(default_factory=LLMParams)
    eval: GenerationEval = Field(default_factory=GenerationEval)

    @field_validator("tune")
    @classmethod
    def _no_tuning(cls, value: TuneSpec | None) -> TuneSpec | None:
        if value is not None:
            raise ValueError("tuning sweeps are not available for llm_finetune; remove tune "
                             "and submit one job per setting")
        return value

    @field_validator("base_model")
    @classmethod
    def _base(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("base_model is empty: give a model folder or registry:NAME")
        return value


JobSpec = Annotated[LightGBMJob | TensorFlowJob | LLMJob, Field(discriminator="runtime")]
RUNTIMES = ("lightgbm", "tensorflow", "llm_finetune")
