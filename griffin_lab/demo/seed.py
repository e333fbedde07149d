"""``griffin demo``: write the demo dataset and seed every subsystem that exists.

Each subsystem adds a seeder to ``SEEDERS``: a function ``(platform, data_dir) -> summary``
that must be idempotent (running the demo twice changes nothing the second time).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import grocery

if TYPE_CHECKING:
    from ..platform import Platform

Seeder = Callable[["Platform", Path], dict[str, Any]]


def _features(platform: Platform, data_dir: Path) -> dict[str, Any]:
    from ..features.grocery import seed_features

    return seed_features(platform, data_dir)


def _training(platform: Platform, data_dir: Path) -> dict[str, Any]:
    """The reorder model's labelled entity rows, for training specs to join features onto."""
    from ..features.grocery import training_entities

    path = data_dir / "reorder_labels.parquet"
    manifest = data_dir / "manifest.json"
    if not path.exists() or path.stat().st_mtime < manifest.stat().st_mtime:
        frame = training_entities(grocery.load(platform.settings.home))
        tmp = path.with_suffix(".tmp")
        frame.to_parquet(tmp, index=False)
        tmp.replace(path)
    return {"labels": str(path)}


SEEDERS: dict[str, Seeder] = {"features": _features, "training": _training}


def seed_demo(
    platform: Platform,
    size: int | str | None = None,
    seed: int = 42,
    *,
    force: bool = False,
    actor: str = "griffin demo",
    progress: Callable[[str], None] | None = None,
    models: int = 0,
) -> dict[str, Any]:
    say = progress or (lambda _msg: None)
    if size is None:
        size = grocery.default_size(platform.settings.home)
    say(f"demo data: {size} (seed {seed})")
    manifest, written = grocery.write(platform.settings.home, size, seed, force=force)
    report: dict[str, Any] = {
        "data_dir": str(grocery.dataset_dir(platform.settings.home)),
        "written": written,
        "manifest": manifest,
        "seeded": {},
    }
    for name, seeder in SEEDERS.items():
        say(f"seeding {name}")
        report["seeded"][name] = seeder(platform, grocery.dataset_dir(platform.settings.home))
    if models:
        from .catalogue import seed_catalogue

        say(f"registering {models:,} demo catalogue models")
        report["seeded"]["catalogue"] = seed_catalogue(platform, models)
    if written or force:
        platform.system.record(
            actor, "demo.generated", subject=report["data_dir"],
            detail={"n_users": manifest["n_users"], "seed": seed, "rows": manifest["tables"]},
        )
    return report
