"""Online retrieval with the online store on a real Redis server (switched by settings)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from griffin_lab.errors import InvalidInput
from griffin_lab.features.schemas import MaterializeRequest
from griffin_lab.features.spec import FeatureColumn, FeatureServiceSpec, InRange
from griffin_lab.platform import Platform
from griffin_lab.settings import Settings

from .servers import Redis, start_redis
from .test_features import store_csv, store_spec


@pytest.fixture(scope="module")
def redis() -> Iterator[Redis]:
    server = start_redis()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def redis_store(redis: Redis, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    home = tmp_path_factory.mktemp("redis-home")
    platform = Platform.from_settings(Settings.load(home=home, online_store_url=redis.url))
    source = store_csv(home / "stores.csv", bad=False)
    platform.features.add_source(store_spec(source), actor="t")
    ratings = store_spec(source, "store_ratings").model_copy(update={
        "features": [FeatureColumn(name="rating")], "rules": [
            InRange(column="rating", min=0, max=5)]})
    platform.features.add_source(ratings, actor="t")
    platform.features.define_service(
        FeatureServiceSpec(name="store_model", features=["store_visits:visits",
                                                         "store_ratings"]),
        actor="t")
    platform.features.materialize(MaterializeRequest(), actor="t")
    yield platform
    platform.close()


def test_config_points_feast_at_redis(redis_store: Platform, redis: Redis) -> None:
    config = (redis_store.features.repo.path / "feature_store.yaml").read_text()
    assert "type: redis" in config and f"127.0.0.1:{redis.port}" in config
    assert redis_store.system.public_settings().online_store == redis.url


def test_values_live_in_redis(redis_store: Platform, redis: Redis) -> None:
    import redis as redis_client

    keys = redis_client.Redis(host="127.0.0.1", port=redis.port).dbsize()
    assert keys >= 3  # one hash per store entity


def test_online_reads_from_redis(redis_store: Platform) -> None:
    got = redis_store.features.online(["store_visits:visits", "store_visits:region"],
                                      {"store_id": [1, 2, 404]})
    assert got["visits"] == [130, 80, None]
    assert got["region"] == ["north", "south", None]


def test_feature_service_from_redis(redis_store: Platform) -> None:
    got = redis_store.features.online(None, {"store_id": [3]}, feature_service="store_model")
    assert got["rating"] == [4.1] and got["visits"] == [95]


def test_bad_requests_against_redis(redis_store: Platform) -> None:
    with pytest.raises(InvalidInput, match="Missing entity key"):
        redis_store.features.online(["store_visits:visits"], {"shop": [1]})
    with pytest.raises(InvalidInput, match="full_feature_names=True"):
        redis_store.features.online(["store_visits:rating", "store_ratings:rating"],
                                    {"store_id": [1]})
    both = redis_store.features.online(["store_visits:rating", "store_ratings:rating"],
                                       {"store_id": [1]}, full_feature_names=True)
    assert both["store_visits__rating"] == both["store_ratings__rating"] == [4.6]


def test_an_unreachable_redis_is_reported(tmp_path: Path) -> None:
    from tests.servers import free_port

    url = f"redis://127.0.0.1:{free_port()}/0"
    platform = Platform.from_settings(Settings.load(home=tmp_path, online_store_url=url))
    platform.features.add_source(store_spec(store_csv(tmp_path / "s.csv", bad=False)),
                                 actor="t")
    with pytest.raises(Exception) as err:
        platform.features.materialize(MaterializeRequest(), actor="t")
    assert "Connection" in type(err.value).__name__ or "connect" in str(err.value).lower()
    platform.close()
