"""The composition root: the only place that wires settings to services.

``Platform.from_settings()`` is how anything (the server extension, the SDK's in-process
transport, the CLI) gets its services. Services import their heavy engines lazily.
"""

from __future__ import annotations

import getpass
from typing import Any

from .db import Database
from .features.service import FeatureStoreService
from .launch.service import LaunchService
from .monitoring.service import MonitoringService
from .registry.service import RegistryService
from .serving.service import ServingService
from .settings import Settings
from .system.service import SystemService
from .training.service import TrainingService


def default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user database entry (some containers)
        return "unknown"


class Platform:
    """Every Griffin service, wired to one set of settings."""

    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self.system = SystemService(settings, db)
        self.features = FeatureStoreService(settings, db)
        self.registry = RegistryService(db, settings.resolved_artifact_root)
        self.training = TrainingService(settings, db, self.features, self.system)
        self.serving = ServingService(settings, db, self.registry, self.features)
        self.monitoring = MonitoringService(settings, db, self.registry, self.serving)
        self.launches = LaunchService(db, self.registry, self.serving, self.monitoring)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: Any) -> Platform:
        """Build the platform; creates ``GRIFFIN_HOME`` and migrates the database."""
        if settings is None:
            settings = Settings.load(**overrides)
        elif overrides:
            settings = settings.model_copy(update=overrides)
        settings.home.mkdir(parents=True, exist_ok=True)
        db = Database(settings.resolved_database_url)
        try:
            db.migrate()
        except BaseException:
            db.dispose()
            raise
        return cls(settings, db)

    def close(self) -> None:
        self.db.dispose()

    def __enter__(self) -> Platform:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
