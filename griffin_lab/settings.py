"""Settings: environment variables with the ``GRIFFIN_`` prefix, an optional ``griffin.toml``.

Precedence, strongest first: arguments, environment, ``griffin.toml`` (``$GRIFFIN_CONFIG`` or
``./griffin.toml``), embedded defaults under ``GRIFFIN_HOME`` (``~/.griffin``).
Secrets (database password, API token) are ``SecretStr`` and never rendered in logs or API
responses: use :meth:`Settings.public` to show settings to a person.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from .errors import ConfigurationError

DEFAULT_HOME = Path("~/.griffin")


def _config_file() -> Path | None:
    explicit = os.environ.get("GRIFFIN_CONFIG")
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigurationError(
                f"GRIFFIN_CONFIG points at {path}, which is not a file", field="GRIFFIN_CONFIG"
            )
        return path
    local = Path("griffin.toml")
    return local if local.is_file() else None


def redact_url(url: str) -> str:
    """Return ``url`` with any password replaced by ``***`` (user names are kept)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


class Settings(BaseSettings):
    """Where Griffin keeps its state and which engines it talks to."""

    model_config = SettingsConfigDict(
        env_prefix="GRIFFIN_", extra="forbid", validate_default=True, frozen=True
    )

    home: Path = Field(
        DEFAULT_HOME,
        description="Folder for embedded state (database, artifacts, Feast repo, Ray head).",
    )
    database_url: SecretStr | None = Field(
        None, description="SQLAlchemy URL of the metadata database; default: SQLite in home."
    )
    artifact_root: str | None = Field(
        None, description="fsspec URL where artifacts live (a local folder or s3://bucket/prefix)."
    )
    ray_address: str | None = Field(
        None, description="Ray Jobs API address of an existing cluster; default: a local head."
    )
    feast_repo_path: Path | None = Field(None, description="Feast repository folder.")
    online_store_url: str | None = Field(
        None,
        description="Feast online store: redis://host:port[/db]; default: SQLite in the repo.",
    )
    training_standby: bool = Field(
        True, description="Keep a warm standby Ray job per runtime for single-worker jobs."
    )
    url: str | None = Field(
        None, description="URL of a Jupyter server for the SDK's HTTP transport."
    )
    token: SecretStr | None = Field(None, description="Token for the SDK's HTTP transport.")

    @field_validator("home", "feast_repo_path", mode="after")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return None if value is None else value.expanduser().absolute()

    @field_validator("database_url", mode="after")
    @classmethod
    def _check_database_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        scheme = value.get_secret_value().split(":", 1)[0]
        if not scheme.startswith(("sqlite", "postgresql")):
            raise ValueError(
                "database_url must be a sqlite:/// or postgresql:// SQLAlchemy URL, "
                f"not a {scheme!r} URL"
            )
        return value

    @field_validator("online_store_url", mode="after")
    @classmethod
    def _check_online_store(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://")):
            raise ValueError(f"must be a redis:// URL (or unset for SQLite), got {value!r}")
        return value

    @field_validator("url", "ray_address", mode="after")
    @classmethod
    def _check_http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"must start with http:// or https://, got {value!r}")
        return value.rstrip("/") if value else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config = _config_file()
        if config is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config))
        return tuple(sources)

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Build settings, turning validation failures into a :class:`ConfigurationError`."""
        try:
            return cls(**{k: v for k, v in overrides.items() if v is not None})
        except ValidationError as exc:
            first = exc.errors()[0]
            name = ".".join(str(p) for p in first["loc"]) or "settings"
            raise ConfigurationError(
                f"Invalid Griffin setting {name!r} (GRIFFIN_{name.upper()}): {first['msg']}",
                field=name,
            ) from exc

    # Resolved values: the embedded defaults live under ``home``.
    @property
    def resolved_database_url(self) -> str:
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{self.home / 'griffin.db'}"

    @property
    def resolved_artifact_root(self) -> str:
        return self.artifact_root or (self.home / "artifacts").as_uri()

    @property
    def resolved_feast_repo_path(self) -> Path:
        return self.feast_repo_path or self.home / "feature_repo"

    @property
    def embedded_ray(self) -> bool:
        return self.ray_address is None

    def as_env(self) -> dict[str, str]:
        """These settings, resolved, as the ``GRIFFIN_*`` variables of a process the platform
        starts (secrets included: the environment of a child process only)."""
        env = {"GRIFFIN_HOME": str(self.home),
               "GRIFFIN_DATABASE_URL": self.resolved_database_url,
               "GRIFFIN_ARTIFACT_ROOT": self.resolved_artifact_root,
               "GRIFFIN_FEAST_REPO_PATH": str(self.resolved_feast_repo_path)}
        if self.online_store_url:
            env["GRIFFIN_ONLINE_STORE_URL"] = self.online_store_url
        return env

    def public(self) -> dict[str, Any]:
        """Settings as shown to people: resolved values, secrets redacted."""
        return {
            "home": str(self.home),
            "database_url": redact_url(self.resolved_database_url),
            "artifact_root": redact_url(self.resolved_artifact_root),
            "ray_address": self.ray_address or "embedded (local head under home)",
            "feast_repo_path": str(self.resolved_feast_repo_path),
            "online_store": redact_url(self.online_store_url)
            if self.online_store_url
            else "sqlite (in the Feast repository)",
        }
