"""The approval gates of a launch, and which of them a model's tier makes conditions.

- ``signature``: production's callers can keep calling: every input the candidate needs is
  one production takes, with the same type, and the outputs match.
- ``metrics``: no offline metric with a known direction (AUC up, loss down...) is worse than
  production's beyond the tolerance (relative).
- ``stability``: on the same replayed requests, the candidate ranks rows like production and
  moves its predictions little relative to their spread (bounds by tier), and none of its
  answers failed.
- ``latency``: the candidate's p99 on the replay is within the tier's factor of production's.
"""

from __future__ import annotations

from typing import Any

from ..monitoring import stats
from ..registry.schemas import ModelVersionInfo
from ..registry.service import metric_direction
from .schemas import GATES, GateResult

REQUIRED = {0: GATES, 1: GATES, 2: ("signature", "metrics"), 3: ("signature",)}
# (least Spearman correlation with production, most mean |change| / production's std)
STABILITY_BOUNDS = {0: (0.95, 0.25), 1: (0.90, 0.40), 2: (0.80, 0.60), 3: (0.50, 1.00)}
LATENCY_FACTOR = {0: 1.2, 1: 1.5, 2: 2.0, 3: 3.0}
LATENCY_SLACK_MS = 5.0  # below this, a p99 difference is this machine's noise
MIN_PREDICTIONS = 20  # fewer replayed predictions say nothing about a distribution


def required(tier: int) -> tuple[str, ...]:
    return REQUIRED.get(tier, REQUIRED[3])


def _fields(signature: dict[str, Any], key: str) -> dict[str, str]:
    return {str(f.get("name")): str(f.get("type")) for f in (signature or {}).get(key) or []}


def _nullable(signature: dict[str, Any]) -> set[str]:
    return {str(f.get("name")) for f in (signature or {}).get("inputs") or []
            if f.get("nullable")}


def signature_gate(candidate: ModelVersionInfo, production: ModelVersionInfo | None,
                   tier: int) -> GateResult:
    need = "signature" in required(tier)
    if production is None:
        return GateResult(name="signature", required=need, passed=True,
                          message="first launch: no production signature to keep")
    cand_in, prod_in = _fields(candidate.signature, "inputs"), _fields(production.signature,
                                                                       "inputs")
    missing = sorted(set(cand_in) - set(prod_in))
    retyped = sorted(n for n in set(cand_in) & set(prod_in) if cand_in[n] != prod_in[n])
    cand_out, prod_out = _fields(candidate.signature, "outputs"), _fields(
        production.signature, "outputs")
    problems = []
    if missing:
        problems.append(f"needs inputs production's callers do not send: {', '.join(missing)}")
    if retyped:
        problems.append("changes input types: " + ", ".join(
            f"{n} {prod_in[n]} -> {cand_in[n]}" for n in retyped))
    if len(cand_out) != len(prod_out):
        problems.append(f"has {len(cand_out)} outputs where production has {len(prod_out)}")
    strict = sorted(n for n in set(cand_in) & set(prod_in)
                    if n in _nullable(production.signature)
                    and n not in _nullable(candidate.signature))
    if strict:
        problems.append(f"refuses missing values production takes: {', '.join(strict)}")
    dropped = sorted(set(prod_in) - set(cand_in))
    detail = {"missing": missing, "retyped": retyped, "not_nullable": strict,
              "ignored": dropped}
    if problems:
        return GateResult(name="signature", required=need, passed=False,
                          message="; ".join(problems), detail=detail)
    note = f" (ignores {', '.join(dropped)})" if dropped else ""
    return GateResult(name="signature", required=need, passed=True,
                      message=f"compatible: {len(cand_in)} inputs{note}", detail=detail)


def _comparable(metrics: dict[str, Any]) -> dict[str, float]:
    out = {}
    for name, value in (metrics or {}).items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if metric_direction(name) != 0:
            out[name] = float(value)
    valid = {k: v for k, v in out.items() if k.startswith(("valid", "val_", "test", "eval"))}
    return valid or out


def metrics_gate(candidate: ModelVersionInfo, production: ModelVersionInfo | None,
                 tier: int, tolerance: float) -> GateResult:
    need = "metrics" in required(tier)
    if production is None:
        return GateResult(name="metrics", required=need, passed=True,
                          message="first launch: no production metrics to beat")
    cand, prod = _comparable(candidate.metrics), _comparable(production.metrics)
    common = sorted(set(cand) & set(prod))
    if not common:
        return GateResult(name="metrics", required=need, passed=None,
                          message="no offline metric in common with production "
                                  f"v{production.version} (register versions with metrics)")
    rows, worse = {}, []
    for name in common:
        direction = metric_direction(name)
        c, p = cand[name], prod[name]
        allowed = abs(p) * tolerance
        change = (c - p) * direction
        rows[name] = {"candidate": c, "production": p, "better": change > 0}
        if change < -allowed:
            worse.append(f"{name} {c:.4g} vs {p:.4g}")
    if worse:
        return GateResult(name="metrics", required=need, passed=False,
                          message=f"worse than production v{production.version} beyond "
                                  f"{tolerance:.0%}: " + "; ".join(worse), detail=rows)
    best = common[0]
    return GateResult(name="metrics", required=need, passed=True,
                      message=f"not worse on {len(common)} metric(s); {best} "
                              f"{cand[best]:.4g} vs {prod[best]:.4g}", detail=rows)


def stability_gate(candidate: list[float], production: list[float] | None, failed: int,
                   tier: int, synthetic: bool) -> GateResult:
    """``candidate`` and ``production`` are paired: the same replayed rows, in order. The
    candidate must rank rows like production (Spearman) and move them little relative to
    production's spread (mean |difference| / standard deviation); the PSI of the two
    distributions is reported too (tree models' lumpy scores make it a poor verdict)."""
    need = "stability" in required(tier)
    source = "synthetic inputs" if synthetic else "replayed traffic"
    if failed:
        return GateResult(name="stability", required=need, passed=False,
                          message=f"{failed} replayed request(s) failed on the candidate",
                          detail={"failed": failed})
    if production is None:
        return GateResult(name="stability", required=need, passed=True,
                          message="first launch: no production predictions to compare")
    if len(candidate) < MIN_PREDICTIONS:
        return GateResult(name="stability", required=need, passed=None,
                          message=f"only {len(candidate)} paired predictions to compare on "
                                  f"{source}")
    import numpy as np
    import pandas as pd

    c, p = np.asarray(candidate, dtype=float), np.asarray(production, dtype=float)
    spread = float(p.std()) or 1.0
    moved = float(np.mean(np.abs(c - p))) / spread
    rank = pd.Series(c).corr(pd.Series(p), method="spearman")
    rank = 1.0 if rank != rank else float(rank)  # constant predictions on both sides
    min_rank, max_moved = STABILITY_BOUNDS.get(tier, STABILITY_BOUNDS[3])
    detail = {"rank_correlation": rank, "min_rank_correlation": min_rank,
              "relative_change": moved, "max_relative_change": max_moved,
              "psi": stats.psi(p, c), "rows": len(c), "source": source}
    problems = []
    if rank < min_rank:
        problems.append(f"ranks rows differently (Spearman {rank:.3f} < {min_rank})")
    if moved > max_moved:
        problems.append(f"moves predictions by {moved:.2f} of production's spread "
                        f"(> {max_moved})")
    if problems:
        return GateResult(name="stability", required=need, passed=False,
                          message=f"on {len(c)} rows of {source}: " + "; ".join(problems),
                          detail=detail)
    return GateResult(name="stability", required=need, passed=True,
                      message=f"on {len(c)} rows of {source}: Spearman {rank:.3f} ≥ "
                              f"{min_rank}, change {moved:.2f} ≤ {max_moved} of production's "
                              "spread", detail=detail)


def latency_gate(candidate_p99: float | None, production_p99: float | None,
                 tier: int) -> GateResult:
    need = "latency" in required(tier)
    if candidate_p99 is None:
        return GateResult(name="latency", required=need, passed=None,
                          message="no replayed request answered")
    if production_p99 is None:
        return GateResult(name="latency", required=need, passed=True,
                          message=f"first launch: p99 {candidate_p99:.1f} ms")
    factor = LATENCY_FACTOR.get(tier, LATENCY_FACTOR[3])
    limit = production_p99 * factor + LATENCY_SLACK_MS
    detail = {"candidate_p99_ms": candidate_p99, "production_p99_ms": production_p99,
              "limit_ms": limit}
    passed = candidate_p99 <= limit
    verb = "within" if passed else "above"
    return GateResult(name="latency", required=need, passed=passed,
                      message=f"p99 {candidate_p99:.1f} ms {verb} {limit:.1f} ms "
                              f"({factor}x production's {production_p99:.1f} ms + "
                              f"{LATENCY_SLACK_MS:.0f} ms)", detail=detail)
