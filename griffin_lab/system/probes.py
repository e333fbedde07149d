"""Cheap health probes of the engines. None of them imports a heavy engine."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import httpx

from ..db import Database
from ..settings import Settings
from .schemas import EngineStatus

PROBE_TIMEOUT_S = 2.0


def _installed(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _timed(probe: Callable[[], EngineStatus]) -> EngineStatus:
    start = time.perf_counter()
    status = probe()
    if status.latency_ms is None:
        status.latency_ms = round((time.perf_counter() - start) * 1000, 2)
    return status


def probe_database(db: Database) -> EngineStatus:
    try:
        info = db.ping()
        revision = db.current_revision()
    except Exception as exc:  # any driver error means: not usable
        return EngineStatus(
            name="database", label="Metadata database", state="unreachable", ok=False,
            detail=f"{db.dialect}: {type(exc).__name__}: {exc}"[:500],
        )
    head = db.head_revision()
    mode = f" ({info['journal_mode'].upper()})" if info["journal_mode"] else ""
    if revision != head:
        return EngineStatus(
            name="database", label="Metadata database", state="error", ok=False,
            version=info["version"], latency_ms=round(info["latency_ms"], 2),
            detail=f"{db.dialect}{mode}: schema at {revision}, expected {head}; restart to migrate",
        )
    return EngineStatus(
        name="database", label="Metadata database", state="ready", ok=True,
        version=info["version"], latency_ms=round(info["latency_ms"], 2),
        detail=f"{db.dialect}{mode}, schema {revision}",
    )


def probe_artifacts(settings: Settings) -> EngineStatus:
    import fsspec

    from ..settings import redact_url

    root = settings.resolved_artifact_root
    shown = redact_url(root)
    try:
        fs, path = fsspec.core.url_to_fs(root)
        if root.startswith("file:") or "://" not in root:
            fs.makedirs(path, exist_ok=True)
        exists = fs.exists(path)
    except Exception as exc:
        return EngineStatus(
            name="artifacts", label="Artifact store", state="unreachable", ok=False,
            detail=f"{shown}: {type(exc).__name__}: {exc}"[:500],
        )
    if not exists:
        return EngineStatus(
            name="artifacts", label="Artifact store", state="unreachable", ok=False,
            detail=f"{shown} does not exist",
        )
    return EngineStatus(
        name="artifacts", label="Artifact store", state="ready", ok=True,
        version=_installed("fsspec"), detail=shown,
    )


def ray_head_file(settings: Settings) -> Path:
    """Where the embedded Ray head records its address once started."""
    return settings.home / "ray" / "head.json"


def _probe_ray_dashboard(address: str, version: str | None, how: str) -> EngineStatus:
    try:
        response = httpx.get(f"{address}/api/version", timeout=PROBE_TIMEOUT_S)
    except httpx.HTTPError as exc:
        return EngineStatus(
            name="ray", label="Ray", state="unreachable", ok=False, version=version,
            detail=f"{how} at {address} did not answer: {type(exc).__name__}",
        )
    if response.status_code in (401, 403):
        return EngineStatus(
            name="ray", label="Ray", state="ready", ok=True, version=version,
            detail=f"{how} at {address} (token authentication)",
        )
    if response.status_code != 200:
        return EngineStatus(
            name="ray", label="Ray", state="error", ok=False, version=version,
            detail=f"{how} at {address} answered HTTP {response.status_code}",
        )
    try:
        remote = response.json().get("ray_version")
    except (ValueError, AttributeError):
        remote = None
    return EngineStatus(
        name="ray", label="Ray", state="ready", ok=True, version=remote or version,
        detail=f"{how} at {address}",
    )


def probe_ray(settings: Settings) -> EngineStatus:
    version = _installed("ray")
    if settings.ray_address:
        return _probe_ray_dashboard(settings.ray_address, version, "cluster")
    if version is None:
        return EngineStatus(
            name="ray", label="Ray", state="not_installed", ok=False,
            detail="Install griffin-lab[train] to train on Ray",
        )
    head = ray_head_file(settings)
    if not head.is_file():
        return EngineStatus(
            name="ray", label="Ray", state="not_started", ok=False, version=version,
            detail="The embedded Ray head starts with the first training job",
        )
    try:
        address = json.loads(head.read_text())["dashboard_url"]
    except (ValueError, KeyError) as exc:
        return EngineStatus(
            name="ray", label="Ray", state="error", ok=False, version=version,
            detail=f"{head} is unreadable ({exc}); delete it to start a new head",
        )
    return _probe_ray_dashboard(address, version, "embedded head")


def probe_feast(settings: Settings) -> EngineStatus:
    version = _installed("feast")
    if version is None:
        return EngineStatus(
            name="feast", label="Feast feature store", state="not_installed", ok=False,
            detail="Install griffin-lab[features] for the feature store",
        )
    repo = settings.resolved_feast_repo_path
    if not (repo / "feature_store.yaml").is_file():
        return EngineStatus(
            name="feast", label="Feast feature store", state="not_started", ok=False,
            version=version, detail=f"No Feast repository at {repo} yet",
        )
    return EngineStatus(
        name="feast", label="Feast feature store", state="ready", ok=True, version=version,
        detail=f"repository {repo}",
    )


def probe_bentoml(settings: Settings) -> EngineStatus:
    version = _installed("bentoml")
    if version is None:
        return EngineStatus(
            name="bentoml", label="BentoML serving", state="not_installed", ok=False,
            detail="Install griffin-lab[serve] to serve models",
        )
    return EngineStatus(
        name="bentoml", label="BentoML serving", state="ready", ok=True, version=version,
        detail="installed; services start when a model is deployed",
    )


def all_probes(settings: Settings, db: Database) -> list[Callable[[], EngineStatus]]:
    return [
        lambda: probe_database(db),
        lambda: probe_artifacts(settings),
        lambda: probe_ray(settings),
        lambda: probe_feast(settings),
        lambda: probe_bentoml(settings),
    ]


def run_probes(settings: Settings, db: Database) -> list[EngineStatus]:
    """Run every probe concurrently; the slowest one bounds the total time."""
    from concurrent.futures import ThreadPoolExecutor

    probes = all_probes(settings, db)
    with ThreadPoolExecutor(max_workers=len(probes), thread_name_prefix="griffin-probe") as pool:
        return list(pool.map(_timed, probes))
