"""Runtimes: how one kind of model trains on Ray. Each module offers the same functions:

- ``FRAMEWORK``: the registry's framework name;
- ``check(spec, data)``: runtime-specific checks before submission (raise ``InvalidInput``);
- ``default_metric(task)``: ``(metric, mode)`` that tuning optimises by default;
- ``params(spec)``: the runtime parameters as a plain dict (what tuning overrides);
- ``fit(cfg, rank, world)``: train at one rank (every Ray Train worker runs it through
  ``common.train_loop_per_worker``; a Ray Tune trial runs it alone at rank 0 of 1); returns
  the final metrics;
- ``trainer(cfg)``: the Ray Train trainer of the runtime (``common.make_trainer``).
"""

from __future__ import annotations

import importlib
from types import ModuleType

RUNTIME_MODULES = {
    "lightgbm": "griffin_lab.training.runtimes.lightgbm",
    "tensorflow": "griffin_lab.training.runtimes.tensorflow",
    "llm_finetune": "griffin_lab.training.runtimes.llm",
}


def runtime(name: str) -> ModuleType:
    return importlib.import_module(RUNTIME_MODULES[name])
