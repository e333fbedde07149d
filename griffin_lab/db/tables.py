"""Every module that defines tables, imported together so Alembic sees the whole schema.

A new subsystem adds its ``tables`` module here and an Alembic revision under
``migrations/versions``.
"""

from __future__ import annotations

import importlib

from .base import Base

TABLE_MODULES = ("griffin_lab.system.tables", "griffin_lab.features.tables",
                 "griffin_lab.training.tables", "griffin_lab.registry.tables",
                 "griffin_lab.serving.tables", "griffin_lab.monitoring.tables",
                 "griffin_lab.launch.tables")


def load_metadata():  # noqa: ANN201 - returns sqlalchemy MetaData
    for module in TABLE_MODULES:
        importlib.import_module(module)
    return Base.metadata
