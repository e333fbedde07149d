"""Runtimes: how one kind of model trains on Ray. Each module offers the same functions:

- ``FRAMEWORK``: the registry's framework name;
- ``check(spec, data)``: runtime-specific checks before submission (raise ``InvalidInput``);
- ``default_metric(task)``: ``(metric, mode)`` that tuning optimises by default;
- ``params(spec)``: the runtime parameters as a plain dict (what tuning overrides);
- ``trainer(cfg)``: a Ray Train trainer whose workers run the training loop;
- ``train_trial(cfg)``: one single-process training run (a Ray Tune trial); final metrics.
"""

from __future__ import annotations

import importlib
from types import ModuleType

RUNTIME_MODULES = {
    "lightgbm": "griffin_lab.training.runtimes.lightgbm",
    "tensorflow": "griffin_lab.training.runtimes.tensorflow",
}


def runtime(name: str) -> ModuleType:
    return importlib.import_module(RUNTIME_MODULES[name])
