"""The feature store on the real Feast engine, seeded with the tiny demo dataset."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from griffin_lab.demo.seed import seed_demo
from griffin_lab.errors import Conflict, InvalidInput, NotFound, ValidationFailed
from griffin_lab.features.grocery import training_entities
from griffin_lab.features.schemas import MaterializeRequest, SearchQuery
from griffin_lab.features.spec import SourceSpec
from griffin_lab.platform import Platform
from griffin_lab.settings import Settings


@pytest.fixture(scope="module")
def grocery(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    home = tmp_path_factory.mktemp("features-home")
    platform = Platform.from_settings(Settings.load(home=home))
    report = seed_demo(platform, "tiny", 42)
    assert report["seeded"]["features"]["views_added"] == [
        "user_features", "product_features", "user_product_features"]
    yield platform
    platform.close()


def snapshot(platform: Platform) -> dict[str, str]:
    """Every file of the Feast repo (definitions, registry, online store, data) by hash."""
    root = platform.features.repo.path
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.name.endswith(".lock")}


def test_demo_seeds_views_and_service_idempotently(grocery: Platform) -> None:
    before = snapshot(grocery)
    again = seed_demo(grocery, "tiny", 42)["seeded"]["features"]
    assert again["views_added"] == []
    assert set(again["materialized"].values()) == {"skipped"}
    after = snapshot(grocery)
    assert {k: v for k, v in after.items() if "registry" not in k} == \
        {k: v for k, v in before.items() if "registry" not in k}
    assert [s.name for s in grocery.features.services()] == ["reorder_model"]


def test_repo_stays_a_valid_feast_repo(grocery: Platform) -> None:
    repo = grocery.features.repo.path
    feast = str(Path(sys.executable).with_name("feast"))
    result = subprocess.run([feast, "--chdir", str(repo), "plan"], capture_output=True,
                            text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Created" not in result.stdout and "Deleted" not in result.stdout, result.stdout


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (SearchQuery(q="reorder"), {"user_features", "product_features"}),
        (SearchQuery(tag="entity=product"), {"product_features"}),
        (SearchQuery(entity="user_id"), {"user_features", "user_product_features"}),
        (SearchQuery(owner="grocery-ml"), {"user_features", "product_features",
                                           "user_product_features"}),
        (SearchQuery(q="no such thing"), set()),
    ],
)
def test_search(grocery: Platform, query: SearchQuery, expected: set[str]) -> None:
    assert {v.name for v in grocery.features.search(query).views} == expected


def test_search_reports_matching_features(grocery: Platform) -> None:
    views = {v.name: v for v in grocery.features.search(SearchQuery(q="cart")).views}
    assert views["user_product_features"].matched_features == ["avg_cart_position"]


def test_describe(grocery: Platform) -> None:
    d = grocery.features.describe("user_product_features")
    assert d.entities == ["product", "user"] or set(d.entities) == {"user", "product"}
    assert {e.join_key for e in d.entity_details} == {"user_id", "product_id"}
    assert d.ttl_seconds == 365 * 86400 and d.owner == "grocery-ml@griffin.dev"
    assert d.row_count == 21973 and d.last_materialized_at is not None
    assert d.materializations[0].status == "succeeded"
    assert {f.name for f in d.features} == {"times_bought", "last_order_number",
                                            "avg_cart_position"}
    assert d.rules == [{"kind": "range", "column": "times_bought", "min": 1.0, "max": None}]


def test_stats_are_right_and_cached_until_the_data_changes(grocery: Platform,
                                                           tmp_path: Path) -> None:
    service = grocery.features
    first = service.stats("user_features")
    data = pd.read_parquet(service.repo.data_dir / "user_features.parquet")
    orders = next(f for f in first.features if f.name == "orders_count")
    assert orders.count == len(data) and orders.max == data["orders_count"].max()
    assert orders.mean == pytest.approx(data["orders_count"].mean())
    assert sum(orders.histogram.counts) == len(data)
    ratio = next(f for f in first.features if f.name == "reorder_ratio")
    assert ratio.null_fraction == pytest.approx(data["reorder_ratio"].isna().mean())
    assert service.stats("user_features").cached is True
    path = service.repo.data_dir / "user_features.parquet"
    data.to_parquet(path, index=False)  # same rows, new file: the cache must notice
    assert service.stats("user_features").cached is False


def test_sample(grocery: Platform) -> None:
    rows = grocery.features.sample("product_features", 3)
    assert rows.columns[0] == "product_id" and len(rows.rows) == 3


def test_online_matches_the_latest_rows(grocery: Platform) -> None:
    service = grocery.features
    data = pd.read_parquet(service.repo.data_dir / "user_features.parquet")
    latest = data.sort_values("event_timestamp").groupby("user_id").tail(1).set_index("user_id")
    got = service.online(["user_features:orders_count", "user_features:avg_basket_size"],
                         {"user_id": [3, 1, 99999]})
    assert got["user_id"] == [3, 1, 99999]
    assert got["orders_count"][:2] == [latest.loc[3, "orders_count"],
                                       latest.loc[1, "orders_count"]]
    assert got["orders_count"][2] is None
    both = service.online(None, {"user_id": [1], "product_id": [31]},
                          feature_service="reorder_model")
    assert len(both) == 2 + 14


@pytest.mark.parametrize(
    ("kwargs", "error", "needle"),
    [
        ({"features": ["user_features:order_count"], "entities": {"user_id": [1]}},
         InvalidInput, "did you mean orders_count"),
        ({"features": ["user_feature:orders_count"], "entities": {"user_id": [1]}},
         NotFound, "No feature view named 'user_feature'"),
        ({"features": ["orders_count"], "entities": {"user_id": [1]}},
         InvalidInput, "view:feature"),
        ({"features": ["user_features:orders_count"], "entities": {"customer_id": [1]}},
         InvalidInput, "Missing entity key(s) user_id"),
        ({"features": ["user_features:orders_count"],
          "entities": {"user_id": [1], "store_id": [2]}}, InvalidInput, "Unknown entity key"),
        ({"features": None, "feature_service": "nope", "entities": {"user_id": [1]}},
         NotFound, "No feature service named 'nope'"),
    ],
)
def test_bad_online_requests_are_named(grocery: Platform, kwargs, error, needle) -> None:
    before = snapshot(grocery)
    with pytest.raises(error, match=needle.replace("(", r"\(").replace(")", r"\)")):
        grocery.features.online(**kwargs)
    assert snapshot(grocery) == before


def test_training_set_is_point_in_time_correct(grocery: Platform) -> None:
    from griffin_lab.demo.grocery import load

    service = grocery.features
    entities = training_entities(load(grocery.settings.home)).head(400)
    frame, empty = service.training_frame(entities, feature_service="reorder_model")
    assert len(frame) == len(entities) and empty == 0
    assert frame[["user_id", "product_id", "label"]].equals(
        entities[["user_id", "product_id", "label"]])
    # Expected: the last feature row at or before each entity timestamp (merge_asof).
    data = pd.read_parquet(service.repo.data_dir / "user_product_features.parquet")
    expected = pd.merge_asof(
        entities.sort_values("event_timestamp"), data.sort_values("event_timestamp"),
        on="event_timestamp", by=["user_id", "product_id"], direction="backward",
    ).set_index(["user_id", "product_id"])["times_bought"]
    got = frame.set_index(["user_id", "product_id"])["times_bought"]
    assert (got == expected.loc[got.index]).all()
    # Never the future: the feature row stamped at the order itself is excluded.
    assert (frame["last_order_number"] < 30).all()


def test_training_set_keeps_rows_without_features(grocery: Platform) -> None:
    entities = pd.DataFrame({
        "user_id": [1, 1, 1], "product_id": [31, 31, 31],
        "event_timestamp": pd.to_datetime(["2020-01-01", "2026-06-01", "2020-01-02"], utc=True),
    })
    frame, empty = grocery.features.training_frame(
        entities, ["user_features:orders_count", "product_features:price"])
    assert len(frame) == 3 and empty == 2
    assert frame["orders_count"].isna().tolist() == [True, False, True]
    assert frame["event_timestamp"].tolist() == entities["event_timestamp"].tolist()


def test_training_set_rows_sharing_keys_and_time_each_get_the_answer(grocery: Platform
                                                                      ) -> None:
    stamps = pd.to_datetime(["2026-06-01", "2026-06-01", "2020-01-01", "2026-06-01",
                             "2026-06-01"], utc=True)
    entities = pd.DataFrame({"user_id": [2, 2, 2, 1, 2], "label": [1, 0, 1, 0, 0],
                             "event_timestamp": stamps}, index=[40, 10, 30, 20, 0])
    refs = ["user_features:orders_count"]
    frame, empty = grocery.features.training_frame(entities, refs)
    # In order, every row, a fresh 0..n-1 index; repeats get the same value as the first.
    assert frame["label"].tolist() == [1, 0, 1, 0, 0] and list(frame.index) == list(range(5))
    alone = {uid: grocery.features.training_frame(
        pd.DataFrame({"user_id": [uid], "event_timestamp": stamps[:1]}), refs)[0]
        ["orders_count"].iloc[0] for uid in (1, 2)}
    got = frame["orders_count"].tolist()
    assert got[0] == got[1] == got[4] == alone[2] and got[3] == alone[1]
    assert pd.isna(got[2]) and empty == 1
    with pytest.raises(InvalidInput, match="orders_count") as err:
        grocery.features.training_frame(entities.assign(orders_count=1), refs)
    assert err.value.field == "entity_rows"


def test_training_set_requires_timestamps(grocery: Platform) -> None:
    with pytest.raises(InvalidInput, match="event_timestamp"):
        grocery.features.training_frame(pd.DataFrame({"user_id": [1]}),
                                        ["user_features:orders_count"])


# The guided source workflow ---------------------------------------------------------------
def store_csv(path: Path, bad: bool) -> Path:
    rows = [
        "store_id,event_timestamp,visits,rating,region",
        "1,2026-03-01T10:00:00Z,120,4.5,north",
        "2,2026-03-01T10:00:00Z,80,3.9,south",
        "1,2026-03-02T10:00:00Z,130,4.6,north",
        f"3,2026-03-02T10:00:00Z,95,{11 if bad else 4.1},east",
    ]
    path.write_text("\n".join(rows) + "\n")
    return path


def store_spec(path: Path, name: str = "store_visits") -> SourceSpec:
    return SourceSpec(
        name=name, path=str(path), entities=["store_id"], owner="stores@griffin.dev",
        description="Daily store visits", tags={"domain": "stores"}, ttl="30d",
        rules=[{"kind": "range", "column": "rating", "min": 0, "max": 5},
               {"kind": "allowed_values", "column": "region",
                "values": ["north", "south", "east", "west"]},
               {"kind": "unique", "columns": ["store_id", "event_timestamp"]}],
    )


def test_add_source_catches_bad_data_then_applies_fixed_data(grocery: Platform,
                                                             tmp_path: Path) -> None:
    service = grocery.features
    before = snapshot(grocery)
    bad = store_csv(tmp_path / "stores.csv", bad=True)
    with pytest.raises(ValidationFailed) as err:
        service.add_source(store_spec(bad), actor="tester")
    report = err.value.details["report"]
    assert report["passed"] is False
    (failure,) = report["failures"]
    assert failure["feature"] == "rating" and failure["failing_rows"] == 1
    assert failure["examples"] == [11.0] and failure["rule"].startswith("range")
    assert snapshot(grocery) == before, "a rejected source must change nothing"
    assert service.reports("store_visits").reports[0].passed is False

    good = store_csv(tmp_path / "stores.csv", bad=False)
    preview = service.add_source(store_spec(good), actor="tester", dry_run=True)
    assert preview.applied is False and preview.validation.passed
    assert {(c.object_type, c.name, c.change) for c in preview.plan} >= {
        ("feature view", "store_visits", "create"), ("entity", "store", "create")}
    new = {"store_visits", "store_visits_source", "store"}
    assert {c.change for c in preview.plan if c.name not in new} == {"unchanged"}, preview.plan
    assert "FeatureView(" in preview.definition and "FileSource(" in preview.definition
    assert snapshot(grocery) == before, "a dry run writes nothing"

    result = service.add_source(store_spec(good), actor="tester")
    assert result.applied and (service.repo.path / "store_visits.py").is_file()
    assert {f.name: f.dtype for f in result.schema_} == {
        "visits": "int64", "rating": "float64", "region": "string"}
    service.materialize(MaterializeRequest(feature_views=["store_visits"]), actor="tester")
    got = service.online(["store_visits:visits", "store_visits:region"],
                         {"store_id": [1, 3]})
    assert got["visits"] == [130, 95] and got["region"] == ["north", "east"]
    with pytest.raises(Conflict, match="already exists"):
        service.add_source(store_spec(good), actor="tester")


@pytest.mark.parametrize(
    ("mutate", "error", "needle"),
    [
        (lambda spec, p: spec.model_copy(update={"path": str(p.with_name("x.parquet"))}),
         InvalidInput, "does not exist"),
        (lambda spec, p: spec.model_copy(update={"entities": ["shop_id"]}), InvalidInput,
         "shop_id"),
        (lambda spec, p: spec.model_copy(update={"name": "user_features"}), Conflict,
         "already exists"),
        (lambda spec, p: spec.model_copy(update={"name": "json"}), InvalidInput, "reserved"),
        (lambda spec, p: spec.model_copy(update={"timestamp": "region"}), InvalidInput,
         "Timestamp column 'region'"),
        (lambda spec, p: spec.model_copy(update={"features": [{"name": "visits"}]}),
         InvalidInput, "names column 'rating', which is not in the view"),
    ],
)
def test_bad_sources_are_rejected_and_change_nothing(grocery: Platform, tmp_path: Path,
                                                     mutate, error, needle) -> None:
    path = store_csv(tmp_path / "stores.csv", bad=False)
    before = snapshot(grocery)
    with pytest.raises(error, match=needle):
        grocery.features.add_source(mutate(store_spec(path, "stores_b"), path), actor="t")
    assert snapshot(grocery) == before


def test_malformed_source_file(grocery: Platform, tmp_path: Path) -> None:
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 this is not parquet")
    before = snapshot(grocery)
    with pytest.raises(InvalidInput, match="Cannot read broken.parquet"):
        grocery.features.add_source(store_spec(broken, "broken_view"), actor="t")
    assert snapshot(grocery) == before


def test_materialization_rejects_a_bad_batch(grocery: Platform) -> None:
    service = grocery.features
    path = service.repo.data_dir / "user_features.parquet"
    original = pd.read_parquet(path)
    online_before = service.online(["user_features:reorder_ratio"], {"user_id": [5]})
    batch = original[original["user_id"] == 5].tail(1).copy()
    batch["event_timestamp"] = pd.Timestamp.now(tz="UTC").floor("s")
    batch["reorder_ratio"] = 7.5  # breaks range(0, 1)
    pd.concat([original, batch]).to_parquet(path, index=False)
    try:
        result = service.materialize(MaterializeRequest(feature_views=["user_features"]),
                                     actor="t")
        (view,) = result.views
        assert view.status == "rejected" and view.rows == 1
        assert view.validation.failures[0].feature == "reorder_ratio"
        assert service.online(["user_features:reorder_ratio"], {"user_id": [5]}) == \
            online_before
        assert service.describe("user_features").materializations[0].status == "rejected"
    finally:
        original.to_parquet(path, index=False)


def test_usage_links_show_on_the_view(grocery: Platform) -> None:
    service = grocery.features
    refs = ["user_features:orders_count", "user_features:reorder_ratio"]
    service.record_usage(refs, "training_job", "job-1")
    service.record_usage(refs, "training_job", "job-1")  # idempotent
    service.record_usage(["user_features:orders_count"], "model_version", "reorder@3")
    used = {(u.feature_ref, u.used_by_kind, u.used_by_id)
            for u in service.describe("user_features").used_by}
    assert used == {("user_features:orders_count", "training_job", "job-1"),
                    ("user_features:reorder_ratio", "training_job", "job-1"),
                    ("user_features:orders_count", "model_version", "reorder@3")}
    assert service.describe("product_features").used_by == []
