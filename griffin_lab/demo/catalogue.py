"""A deterministic catalogue of registered models, to see the registry at scale.

``seed_catalogue(platform, n)`` bulk-writes ``n`` models with ``versions`` versions each
(teams, owners, tiers, tags, metrics, aliases, a few unhealthy ones) in a handful of
statements. Their versions carry metadata only (``source = "demo"``, artifact URIs under
``demo://``): they exist to be searched, compared and triaged, not served. Models already
present are left alone, so seeding twice adds nothing.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select

from ..registry.service import search_text

if TYPE_CHECKING:
    from ..platform import Platform

TEAMS = {
    "search": ["ranking", "query-understanding", "autocomplete", "spelling"],
    "ads": ["ctr", "bid-optimizer", "relevance", "budget-pacing"],
    "fulfillment": ["eta", "batching", "shopper-assignment", "substitution"],
    "growth": ["churn", "winback", "referral", "ltv"],
    "catalog": ["product-matching", "attribute-extraction", "image-quality", "dedupe"],
    "pricing": ["demand-forecast", "markdown", "price-elasticity", "fees"],
    "trust": ["fraud-score", "chargeback", "account-takeover", "promo-abuse"],
    "personalization": ["reorder", "recommendations", "buy-it-again", "next-basket"],
}
OWNERS = ["ana", "bo", "chen", "dara", "eli", "fatima", "gus", "hana", "ivan", "jo", "kai",
          "lena", "mo", "nia", "omar", "pia"]
FRAMEWORKS = ["lightgbm"] * 6 + ["tensorflow"] * 3 + ["transformers-peft"]
TAGS = ["realtime", "batch", "gpu", "pii", "experiment", "holiday", "regional", "v2-features"]
TIER_WEIGHTS = [(0, 0.05), (1, 0.15), (2, 0.40), (3, 0.40)]
DEMO_TAG = "demo-catalogue"


def _tier(rng: random.Random) -> int:
    x, acc = rng.random(), 0.0
    for tier, weight in TIER_WEIGHTS:
        acc += weight
        if x < acc:
            return tier
    return 3


def seed_catalogue(platform: Platform, n_models: int = 10_000, versions: int = 5,
                   seed: int = 7) -> dict[str, Any]:
    """Write ``n_models`` demo models (``versions`` each); existing names are skipped."""
    from ..registry.tables import AliasRow, ModelRow, ModelTagRow, ModelVersionRow

    rng = random.Random(seed)
    now = datetime.now(UTC)
    teams = list(TEAMS)
    with platform.db.session(write=True) as session:
        existing = set(session.scalars(select(ModelRow.name).where(
            ModelRow.name.like("%-m%"))).all())
        plans = []
        for i in range(n_models):
            team = teams[i % len(teams)]
            use_case = TEAMS[team][(i // len(teams)) % len(TEAMS[team])]
            name = f"{team}-{use_case}-m{i:05d}"
            plan = _plan(rng, now, i, name, team, use_case, versions)
            if name not in existing:
                plans.append(plan)
        _insert(session, ModelRow, [p["model"] for p in plans])
        ids = dict(session.execute(select(ModelRow.name, ModelRow.id).where(
            ModelRow.name.like("%-m%"))).all())
        tags, rows = [], []
        for p in plans:
            model_id = ids[p["model"]["name"]]
            tags.extend(dict(model_id=model_id, tag=t) for t in p["model"]["tags"])
            rows.extend(dict(v, model_id=model_id) for v in p["versions"])
        _insert(session, ModelTagRow, tags)
        _insert(session, ModelVersionRow, rows)
        wanted = [(ids[p["model"]["name"]], version, alias)
                  for p in plans for alias, version in p["aliases"].items()]
        aliases = []
        if wanted:
            found = session.execute(select(ModelVersionRow.model_id, ModelVersionRow.version,
                                           ModelVersionRow.id, ModelVersionRow.created_at,
                                           ModelVersionRow.created_by).where(
                ModelVersionRow.model_id.in_({m for m, _, _ in wanted}))).all()
            by_key = {(m, v): (vid, at, by) for m, v, vid, at, by in found}
            for model_id, version, alias in wanted:
                vid, at, by = by_key[(model_id, version)]
                aliases.append(dict(model_id=model_id, alias=alias, version_id=vid,
                                    updated_at=at, updated_by=by))
        _insert(session, AliasRow, aliases)
    return {"models": len(plans), "versions": len(rows), "aliases": len(aliases),
            "skipped": n_models - len(plans)}


def _insert(session: Any, table: Any, values: list[dict[str, Any]]) -> None:
    for start in range(0, len(values), 5_000):
        session.execute(insert(table), values[start:start + 5_000])


def _plan(rng: random.Random, now: datetime, i: int, name: str, team: str, use_case: str,
          versions: int) -> dict[str, Any]:
    """One demo model's row, its versions' rows and its aliases (alias -> version)."""
    tier = _tier(rng)
    framework = rng.choice(FRAMEWORKS)
    created = now - timedelta(days=rng.randint(30, 720), minutes=i)
    updated = created + timedelta(days=rng.randint(0, 29), minutes=rng.randint(0, 999))
    model_tags = sorted({DEMO_TAG, *rng.sample(TAGS, rng.randint(0, 3))})
    health, severity, reason = "ok", 0, ""
    roll = rng.random()
    if roll < 0.03:
        health, severity, reason = "critical", 2, "calibration 1.31 outside 0.9-1.1"
    elif roll < 0.10:
        health, severity, reason = "warning", 1, "prediction drift PSI 0.18"
    owner = rng.choice(OWNERS)
    description = f"{use_case.replace('-', ' ').capitalize()} model for the {team} team " \
        f"({framework})."
    model = dict(
        name=name, owner=owner, team=team, use_case=use_case, tier=tier,
        description=description, tags=model_tags, links=[], card="", latest_version=versions,
        framework=framework,
        search_text=search_text(name, description, use_case, team, model_tags),
        health=health, health_severity=severity, health_reason=reason,
        health_updated_at=updated, created_at=created, updated_at=updated, created_by=owner,
        updated_by=owner)
    base = 0.62 + rng.random() * 0.2
    rows = []
    for v in range(1, versions + 1):
        auc = round(min(0.99, base + 0.01 * v + rng.gauss(0, 0.005)), 4)
        rows.append(dict(
            version=v, framework=framework, artifact_uri=f"demo://catalogue/{name}/v{v}",
            signature={"inputs": [{"name": f"f{k}", "type": "float32"} for k in range(4)],
                       "outputs": [{"name": "prediction", "type": "float32"}]},
            metrics={"valid_auc": auc, "valid_logloss": round(0.7 - auc / 2, 4)},
            params={"learning_rate": rng.choice([0.03, 0.05, 0.1]),
                    "num_leaves": rng.choice([31, 63, 127])},
            lineage={"demo": True}, description="", source="demo", status="ready",
            created_at=created + (updated - created) * v / versions, created_by=owner))
    aliases = {}
    if tier <= 2 and versions >= 2:
        aliases["production"] = versions - 1
    if tier <= 1:
        aliases["candidate"] = versions
    return {"model": model, "versions": rows, "aliases": aliases}
