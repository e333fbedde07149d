"""Small, deterministic training data for the training tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def write_binary(path: Path, n: int = 3000, seed: int = 0, n_features: int = 6) -> Path:
    """A 0/1 label that depends on several features (plus noise), an event time column."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, n_features)).astype("float32")
    logit = 1.5 * x[:, 0] - x[:, 1] + 0.8 * x[:, 2] * x[:, 3] + rng.normal(scale=0.7, size=n)
    frame = pd.DataFrame(x, columns=[f"f{i}" for i in range(n_features)])
    frame["label"] = (logit > 0).astype("int64")
    frame["event_timestamp"] = pd.Timestamp("2026-01-01", tz="UTC") + pd.to_timedelta(
        np.arange(n), unit="min")
    frame["city"] = rng.choice(["a", "b"], size=n)
    frame.to_parquet(path, index=False)
    return path


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve from ranks (ties averaged)."""
    ranks = pd.Series(scores).rank(method="average").to_numpy()
    pos = labels == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
