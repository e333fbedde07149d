"""LightGBM models trained on the demo's reorder feature service and registered with the
feature references in their lineage (what a training job records), for the serving tests
that read features from the online store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

SERVICE = "reorder_model"
KEYS = ["user_id", "product_id"]


@dataclass
class FeatureModels:
    refs: list[str]  # view:feature, as the feature service lists them
    names: list[str]  # the model's inputs
    versions: list[int]
    entities: pd.DataFrame  # distinct entity keys of the labelled rows


def register_feature_models(client: Any, folder: Path, name: str,
                            rounds: tuple[int, ...] = (20,), **fields: Any) -> FeatureModels:
    """Seed the tiny demo (idempotent), train one version per entry of ``rounds`` on the
    service's point-in-time rows and register them as ``name``."""
    import lightgbm as lgb

    report = client.demo("tiny", seed=3)
    labels = pd.read_parquet(Path(report.data_dir) / "reorder_labels.parquet")
    refs = next(s.features for s in client.features.services() if s.name == SERVICE)
    frame = client.features.training_set(labels, SERVICE)
    names = [r.split(":", 1)[1] for r in refs]
    versions = []
    for i, n in enumerate(rounds):
        booster = lgb.train({"objective": "binary", "verbose": -1, "num_leaves": 7,
                             "min_data_in_leaf": 5, "deterministic": True, "seed": 1},
                            lgb.Dataset(frame[names], frame["label"]), num_boost_round=n)
        path = folder / f"{name}-{i}.txt"
        booster.save_model(str(path))
        versions.append(client.models.register(
            name, path, metrics={"valid_auc": 0.70 + 0.01 * i},
            lineage={"feature_refs": refs}, **fields).version)
    entities = labels[KEYS].drop_duplicates().head(40).reset_index(drop=True)
    return FeatureModels(refs, names, versions, entities)
