"""The registry as a catalogue: models with tiers and cards, aliases that move atomically
with their history, search and triage, comparison — on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from griffin_lab.errors import Conflict, InvalidInput, NotFound
from griffin_lab.platform import Platform
from griffin_lab.registry.schemas import HealthUpdate, ModelCreate, ModelsQuery, ModelUpdate
from griffin_lab.registry.service import RegistryService, register_version
from griffin_lab.registry.tables import AliasEventRow, AliasRow


def _version(platform: Platform, name: str, *, metrics: dict | None = None,
             params: dict | None = None, inputs: tuple[str, ...] = ("a", "b"),
             lineage: dict | None = None) -> int:
    with platform.db.session(write=True) as session:
        return register_version(
            session, name=name, framework="lightgbm", artifact_uri="file:///nowhere",
            actor="tester", signature={"inputs": [{"name": n, "type": "float32"}
                                                  for n in inputs]},
            metrics=metrics or {}, params=params or {}, lineage=lineage or {})


def test_create_update_and_bad_input(platform: Platform) -> None:
    reg = platform.registry
    made = reg.create(ModelCreate(name="churn", tier=0, team="growth", use_case="retention",
                                  tags=["realtime", "pii", "pii"], card="# Churn\nWhy.",
                                  links=[{"title": "runbook", "url": "https://x.test/rb"}]),
                      "ana")
    assert (made.tier, made.owner, made.tags, made.created_by) == (0, "ana", ["pii", "realtime"],
                                                                   "ana")
    assert made.card.startswith("# Churn") and made.links[0].title == "runbook"
    with pytest.raises(Conflict):
        reg.create(ModelCreate(name="churn"), "bo")
    for bad in ("Churn", "1churn", "churn model", "a/b", "x" * 101):
        with pytest.raises(ValueError, match="model name"):
            ModelCreate(name=bad)
    with pytest.raises(InvalidInput, match="model name"):
        reg.get("Bad Name")
    with pytest.raises(NotFound):
        reg.get("nothing")
    with pytest.raises(ValueError):
        ModelUpdate(tier=7)

    updated = reg.update("churn", ModelUpdate(tags=["batch"], tier=1), "bo")
    assert (updated.tags, updated.tier, updated.updated_by) == (["batch"], 1, "bo")
    assert reg.search(ModelsQuery(tag="pii")).total == 0  # the tag index follows the list
    assert reg.search(ModelsQuery(tag="batch")).total == 1
    reg.update("churn", ModelUpdate(description="Predicts lapsed shoppers"), "bo")
    assert [m.name for m in reg.search(ModelsQuery(q="LAPSED")).items] == ["churn"]
    assert reg.search(ModelsQuery(q="growth Lapsed retention")).total == 1  # every word
    assert reg.search(ModelsQuery(q="growth fraud")).total == 0
    with pytest.raises(InvalidInput, match="Nothing to update"):
        reg.update("churn", ModelUpdate(), "bo")


def test_aliases_move_atomically_and_keep_their_history(platform: Platform) -> None:
    reg = platform.registry
    for auc in (0.7, 0.72, 0.75):
        _version(platform, "ranker", metrics={"valid_auc": auc})
    _version(platform, "other")
    reg.set_alias("ranker", "production", 1, "ana", "first launch")
    reg.set_alias("ranker", "production", 3, "bo", "better auc")
    assert reg.resolve("ranker@production").version == 3
    assert reg.resolve("ranker").version == 3 and reg.resolve("ranker@2").version == 2

    # an alias never points at a version that does not exist, nor at another model's version
    with pytest.raises(NotFound, match="no version 2"):
        reg.set_alias("other", "production", 2, "eve")  # v2 exists only for "ranker"
    with pytest.raises(NotFound):
        reg.set_alias("ranker", "production", 4, "eve")
    with pytest.raises(InvalidInput, match="alias"):
        reg.set_alias("ranker", "Prod!", 1, "eve")
    with pytest.raises(InvalidInput, match="reserved"):
        reg.set_alias("ranker", "latest", 1, "eve")
    detail = reg.get("ranker")
    assert detail.aliases == {"production": 3}
    assert [v.aliases for v in detail.versions] == [["production"], [], []]
    history = [(e.alias, e.from_version, e.to_version, e.actor, e.reason)
               for e in detail.alias_history]
    assert history == [("production", 1, 3, "bo", "better auc"),
                       ("production", None, 1, "ana", "first launch")]

    removed = reg.delete_alias("ranker", "production", "eve", "rollback drill")
    assert (removed.from_version, removed.to_version) == (3, None)
    with pytest.raises(NotFound):
        reg.resolve("ranker@production")
    with pytest.raises(NotFound):
        reg.delete_alias("ranker", "production", "eve")
    assert reg.get("ranker").alias_history[0].reason == "rollback drill"


def test_concurrent_alias_moves_and_registrations(platform: Platform) -> None:
    reg = platform.registry
    for _ in range(4):
        _version(platform, "busy")
    errors: list[BaseException] = []

    def mover(version: int) -> None:
        try:
            for _ in range(5):
                reg.set_alias("busy", "production", version, f"w{version}")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    def registrar() -> None:
        try:
            for _ in range(5):
                _version(platform, "busy")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=mover, args=(v,)) for v in (1, 2, 3)]
    threads += [threading.Thread(target=registrar) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    detail = reg.get("busy", history=100)
    assert [v.version for v in detail.versions] == list(range(19, 0, -1))
    assert detail.latest_version == 19
    events = list(reversed(detail.alias_history))
    assert len(events) == 15
    # the history is one chain: every move starts where the previous one ended
    assert events[0].from_version is None
    for before, after in zip(events, events[1:], strict=False):
        assert after.from_version == before.to_version
    assert detail.aliases["production"] == events[-1].to_version
    with platform.db.session() as session:
        assert session.scalar(select(AliasRow.id).where(AliasRow.alias == "production"))
        assert len(session.scalars(select(AliasEventRow.id)).all()) == 15


def _catalogue(platform: Platform, n: int = 240) -> list:
    from griffin_lab.demo.catalogue import seed_catalogue

    assert seed_catalogue(platform, n, versions=3)["models"] == n
    assert seed_catalogue(platform, n, versions=3)["models"] == 0  # seeding twice adds nothing
    everything = platform.registry.search(ModelsQuery(limit=500))
    assert everything.total == n
    return everything.items


def test_search_filters_sort_and_pages(platform: Platform) -> None:
    reg = platform.registry
    models = _catalogue(platform)

    def expect(query: ModelsQuery, keep) -> None:  # noqa: ANN001
        got = reg.search(query.model_copy(update={"limit": 500}))
        wanted = sorted(m.name for m in models if keep(m))
        assert got.total == len(wanted), query
        assert sorted(m.name for m in got.items) == wanted, query

    expect(ModelsQuery(tier="0,1"), lambda m: m.tier in (0, 1))
    expect(ModelsQuery(tier="0", team="ads"), lambda m: m.tier == 0 and m.team == "ads")
    expect(ModelsQuery(q="CHURN"), lambda m: "churn" in m.name)
    expect(ModelsQuery(owner="ana"), lambda m: m.owner == "ana")
    expect(ModelsQuery(tag="gpu"), lambda m: "gpu" in m.tags)
    expect(ModelsQuery(alias="candidate"), lambda m: "candidate" in m.aliases)
    expect(ModelsQuery(health="critical"), lambda m: m.health == "critical")
    expect(ModelsQuery(q="Holiday"), lambda m: "holiday" in m.tags)  # tags are searched too
    expect(ModelsQuery(q="100%"), lambda m: False)  # LIKE wildcards are escaped
    expect(ModelsQuery(q="m_0"), lambda m: "m_0" in m.name)
    expect(ModelsQuery(q=" ads  ctr "), lambda m: m.team == "ads" and m.use_case == "ctr")
    expect(ModelsQuery(framework="tensorflow"), lambda m: m.framework == "tensorflow")
    assert {m.framework for m in models} == {"lightgbm", "tensorflow", "transformers-peft"}
    assert all(reg.get(m.name).versions[0].framework == m.framework for m in models[:5])

    # pages: in order, no duplicate, nothing skipped
    seen: list[str] = []
    for offset in range(0, 240, 50):
        page = reg.search(ModelsQuery(sort="name", limit=50, offset=offset))
        assert page.total == 240
        seen += [m.name for m in page.items]
    assert seen == sorted(m.name for m in models)
    by_tier = reg.search(ModelsQuery(sort="tier", limit=500)).items
    assert [m.tier for m in by_tier] == sorted(m.tier for m in models)
    newest = reg.search(ModelsQuery(limit=3)).items
    assert newest[0].updated_at >= newest[1].updated_at >= newest[2].updated_at


def test_needs_attention_orders_by_tier_then_severity(platform: Platform) -> None:
    reg = platform.registry
    for name, tier in (("a-model", 2), ("b-model", 0), ("c-model", 0), ("d-model", 1)):
        reg.create(ModelCreate(name=name, tier=tier), "t")
    reg.set_health("a-model", HealthUpdate(health="critical", reason="PSI 0.4"), "monitor")
    reg.set_health("b-model", HealthUpdate(health="warning", reason="latency"), "monitor")
    reg.set_health("c-model", HealthUpdate(health="critical", reason="calibration"), "monitor")
    reg.set_health("d-model", HealthUpdate(health="ok"), "monitor")
    page = reg.attention()
    assert [m.name for m in page.items] == ["c-model", "b-model", "a-model"]
    assert page.items[0].health_reason == "calibration" and page.total == 3
    reg.set_health("c-model", HealthUpdate(health="ok"), "monitor")
    assert [m.name for m in reg.attention().items] == ["b-model", "a-model"]


def test_compare_versions(platform: Platform) -> None:
    from griffin_lab.training.tables import TrainingJobRow, TrainingMetricRow

    with platform.db.session(write=True) as session:
        for job in ("job-a", "job-b"):
            session.add(TrainingJobRow(
                id=job, name="cmp", runtime="lightgbm", status="succeeded", owner="t",
                spec={}, ray_address="", artifact_uri="file:///x", data={}, feature_refs=[],
                progress=1.0, message="", workers=[], metrics={}))
        session.flush()
        session.add_all(TrainingMetricRow(job_id=job, trial="", step=s, name="valid_auc",
                                          value=v + s / 100)
                        for job, v in (("job-a", 0.6), ("job-b", 0.7)) for s in range(3))
    _version(platform, "cmp", metrics={"valid_auc": 0.62, "valid_logloss": 0.5},
             params={"lr": 0.1, "leaves": 31, "nested": {"depth": 3}}, inputs=("a", "b", "c"),
             lineage={"training_job": "job-a"})
    _version(platform, "cmp", metrics={"valid_auc": 0.72, "valid_logloss": 0.6},
             params={"lr": 0.05, "leaves": 31, "nested": {"depth": 5}}, inputs=("a", "b", "d"),
             lineage={"training_job": "job-b"})
    result = platform.registry.compare("cmp")
    metrics = {r.name: r for r in result.metrics}
    assert metrics["valid_auc"].best == 2 and metrics["valid_logloss"].best == 1
    assert metrics["valid_auc"].values == {1: 0.62, 2: 0.72}
    differing = {r.name for r in result.params if r.differs}
    assert differing == {"lr", "nested.depth"}
    assert result.common_features == ["a", "b"]
    assert result.features == {1: ["a", "b", "c"], 2: ["a", "b", "d"]}
    curves = {(c.version, c.name): c for c in result.curves}
    assert curves[(1, "valid_auc")].steps == [0, 1, 2]
    assert curves[(2, "valid_auc")].values == pytest.approx([0.7, 0.71, 0.72])
    with pytest.raises(NotFound, match="no version"):
        platform.registry.compare("cmp", [1, 7])
    with pytest.raises(InvalidInput, match="two different"):
        platform.registry.compare("cmp", [1, 1])


def test_feature_lineage_both_ways(platform: Platform) -> None:
    from griffin_lab.features.tables import FeatureUsageRow

    _version(platform, "reorder", lineage={"feature_refs": ["user_features:orders"]})
    with platform.db.session(write=True) as session:
        session.add(FeatureUsageRow(feature_view="user_features",
                                    feature_ref="user_features:orders",
                                    used_by_kind="model_version", used_by_id="reorder:1"))
    _version(platform, "unrelated")
    for feature in ("user_features:orders", "user_features"):
        assert [m.name for m in platform.registry.search(ModelsQuery(feature=feature)).items] \
            == ["reorder"]
    assert platform.registry.search(ModelsQuery(feature="user_features:other")).total == 0
    assert platform.registry.version("reorder", 1).lineage["feature_refs"] == \
        ["user_features:orders"]


def test_upgrade_from_the_minimal_registry_keeps_every_row(database_url: str) -> None:
    """Migration 0004 extends the tables of 0003 in place: models and versions registered
    before it keep their rows, get tier 3 and their latest version."""
    from alembic import command
    from sqlalchemy import text

    from griffin_lab.db import Database

    db = Database(database_url)
    with db.engine.begin() as conn:
        command.upgrade(db._alembic_config(conn), "0003")
        conn.execute(text(
            "INSERT INTO registry_models (name, description, owner, created_at, updated_at, "
            "created_by) VALUES ('old', 'kept', 'ana', :t, :t, 'ana')"), {"t": "2026-01-01"})
        model_id = conn.execute(text("SELECT id FROM registry_models")).scalar()
        for version in (1, 2):
            conn.execute(text(
                "INSERT INTO registry_versions (model_id, version, framework, artifact_uri, "
                "signature, metrics, params, lineage, status, created_at, created_by) VALUES "
                "(:m, :v, 'lightgbm', 'file:///m', '{}', '{\"auc\": 0.8}', '{}', '{}', "
                "'ready', :t, 'ana')"), {"m": model_id, "v": version, "t": "2026-01-01"})
    assert db.migrate() == db.head_revision()
    reg = RegistryService(db, "file:///unused")
    old = reg.get("old")
    assert (old.description, old.owner, old.tier, old.latest_version, old.framework) == (
        "kept", "ana", 3, 2, "lightgbm")
    assert [m.name for m in reg.search(ModelsQuery(q="KEPT")).items] == ["old"]
    assert [v.metrics for v in old.versions] == [{"auc": 0.8}, {"auc": 0.8}]
    assert old.versions[0].source == "training" and old.tags == []
    reg.set_alias("old", "production", 2, "bo")
    with db.session(write=True) as session:
        assert register_version(session, name="old", framework="lightgbm",
                                artifact_uri="file:///m", actor="bo", signature={},
                                metrics={}, params={}, lineage={}) == 3
    assert reg.get("old").latest_version == 3
    db.engine.dispose()
