"""The figures monitoring reports, from small inputs: latency percentiles from log-spaced
histograms, population stability (PSI), log loss, normalized entropy and calibration."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

LATENCY_RATIO = 1.05  # latency buckets are 5% wide: percentiles within about 2.5%
EPS = 1e-6
Z95 = 1.959964  # the normal quantile of a two-sided 95% interval
SHARE_FLOOR = 1e-4  # an empty bin counts as this share in PSI


def latency_bucket(ms: float) -> int:
    return int(math.floor(math.log(max(ms, 0.001)) / math.log(LATENCY_RATIO)))


def merge_histograms(hists: Iterable[Mapping[str, int]]) -> dict[int, int]:
    out: dict[int, int] = {}
    for hist in hists:
        for key, count in hist.items():
            out[int(key)] = out.get(int(key), 0) + int(count)
    return out


def percentile(hist: Mapping[int, int], q: float) -> float | None:
    """The ``q`` quantile (0-1) of a latency histogram, at its bucket's geometric middle."""
    total = sum(hist.values())
    if total == 0:
        return None
    rank, seen = q * total, 0
    for key in sorted(hist):
        seen += hist[key]
        if seen >= rank:
            return LATENCY_RATIO ** (key + 0.5)
    return LATENCY_RATIO ** (max(hist) + 0.5)


def edges_from(baseline: Sequence[float], bins: int = 10) -> np.ndarray:
    """Bin edges at the baseline's deciles (distinct, open at both ends). An edge at the
    baseline's minimum is dropped: models often give many rows the same lowest score, and
    an empty ``(-inf, min)`` bin would make any value below it look like a huge shift."""
    values = np.asarray(baseline, dtype=float)
    values = values[np.isfinite(values)]
    inner = np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1]))
    inner = inner[inner > values.min()]
    return np.concatenate(([-np.inf], inner, [np.inf]))


def shares(values: Sequence[float], edges: np.ndarray,
           weights: Sequence[float] | None = None) -> np.ndarray:
    counts, _ = np.histogram(np.asarray(values, dtype=float), bins=edges, weights=weights)
    total = counts.sum()
    return counts / (total if total > 0 else 1)


def psi(baseline: Sequence[float], current: Sequence[float], bins: int = 10,
        weights: Sequence[float] | None = None) -> float | None:
    """Population stability index of ``current`` against ``baseline`` (deciles of the
    baseline): < 0.1 stable, 0.1-0.25 a moderate shift, > 0.25 a large one. ``weights``
    (one per current value) say how many predictions each sampled value stands for."""
    if len(baseline) < bins or len(current) == 0:
        return None
    edges = edges_from(baseline, bins)
    expected = np.clip(shares(baseline, edges), SHARE_FLOOR, None)
    actual = np.clip(shares(current, edges, weights), SHARE_FLOOR, None)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def log_loss(labels: np.ndarray, predictions: np.ndarray) -> float:
    p = np.clip(predictions, EPS, 1 - EPS)
    return float(-np.mean(labels * np.log(p) + (1 - labels) * np.log(1 - p)))


def entropy(rate: float) -> float:
    """Log loss of always predicting ``rate``: what normalized entropy divides by."""
    r = min(max(rate, EPS), 1 - EPS)
    return -(r * math.log(r) + (1 - r) * math.log(1 - r))


def quality(labels: Sequence[float], predictions: Sequence[float]) -> dict[str, float | None]:
    """Log loss, normalized entropy (log loss / entropy of the observed rate: below 1 is
    better than knowing only the base rate) and calibration (mean prediction / observed
    rate: 1 is calibrated) of binary outcomes."""
    y = np.asarray(labels, dtype=float)
    p = np.asarray(predictions, dtype=float)
    if len(y) == 0:
        return {"log_loss": None, "normalized_entropy": None, "calibration": None,
                "observed_rate": None, "mean_prediction": None, "calibration_low": None,
                "calibration_high": None, "normalized_entropy_low": None}
    rate, mean = float(y.mean()), float(p.mean())
    loss = log_loss(y, p)
    base = entropy(rate)
    # what sampling alone could make of these figures (95%): the calibration over the Wilson
    # interval of the observed rate; normalized entropy less 1.96 standard errors of the
    # mean per-row loss
    low_rate, high_rate = wilson(float(y.sum()), len(y))
    clipped = np.clip(p, EPS, 1 - EPS)
    rows = -(y * np.log(clipped) + (1 - y) * np.log(1 - clipped))
    se = float(rows.std(ddof=1) / np.sqrt(len(y))) if len(y) > 1 else float("inf")
    ne = loss / base if base > EPS * 10 else None
    return {"log_loss": loss, "normalized_entropy": ne,
            "calibration": mean / rate if rate > 0 else None,
            "observed_rate": rate, "mean_prediction": mean,
            "calibration_low": mean / high_rate if high_rate > 0 else None,
            "calibration_high": mean / low_rate if low_rate > 0 else None,
            "normalized_entropy_low": None if ne is None else max(0.0, (loss - Z95 * se) / base)}


def wilson(positives: float, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a binomial rate."""
    if n <= 0:
        return 0.0, 1.0
    rate = positives / n
    centre = (rate + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, float(centre - half)), min(1.0, float(centre + half))


def histogram(values: Sequence[float], bins: int = 20,
              span: tuple[float, float] | None = None) -> tuple[list[float], list[int]]:
    """Edges and counts for a chart of a prediction distribution."""
    array = np.asarray(values, dtype=float)
    array = array[np.isfinite(array)]
    if len(array) == 0:
        return [], []
    lo, hi = span or (float(array.min()), float(array.max()))
    if not hi > lo:
        lo, hi = lo - 0.5, hi + 0.5
    counts, edges = np.histogram(array, bins=bins, range=(lo, hi))
    return [round(float(e), 6) for e in edges], [int(c) for c in counts]
