"""Feature loading by config: an endpoint deployed with ``online_features`` takes entity keys
only and reads the model's inputs from the feature store's online store (real Feast, SQLite
online store, the tiny demo) inside its BentoML process. Its answers equal those for the same
features sent in full; bad keys get a 422 naming them; a launch on such an endpoint replays
entity-only traffic at a staging endpoint that reads the same features."""

from __future__ import annotations

from pathlib import Path

import httpx
import pandas as pd
import pytest

from griffin_lab.errors import InvalidInput
from griffin_lab.sdk import Client
from tests.feature_models import KEYS, FeatureModels, register_feature_models
from tests.servers import serving_fixtures

lab, client = serving_fixtures("fl")


@pytest.fixture(scope="module")
def trained(client: Client, tmp_path_factory: pytest.TempPathFactory) -> FeatureModels:
    """Two LightGBM versions trained on the reorder feature service's point-in-time rows,
    their lineage naming the features (as a training job records them)."""
    return register_feature_models(client, tmp_path_factory.mktemp("fl-models"), "reorder-fl",
                                   rounds=(20, 24), tier=1)


@pytest.fixture(scope="module")
def endpoint(client: Client, trained: FeatureModels):
    return client.deploy(f"reorder-fl@{trained.versions[0]}", name="reorder-fl",
                         online_features=True)


def test_entity_keys_only_predict_what_the_full_features_predict(client: Client, trained,
                                                                 endpoint) -> None:
    detail = endpoint.detail
    assert sorted(detail.entity_keys) == sorted(KEYS)
    assert sorted(detail.online_features) == sorted(trained.refs)
    entities = trained.entities
    online = client.features.online(trained.refs, entities)
    full = endpoint.predict(online[trained.names])
    by_keys = endpoint.predict(entities=entities)
    assert len(by_keys) == len(entities)
    assert by_keys == pytest.approx(full, rel=1e-12)
    assert len(set(round(p, 6) for p in by_keys)) > 3  # the rows really differ

    # a value sent beside the keys is the input, not the store's
    name = trained.names[0]
    row = entities.iloc[[0]].to_dict(orient="records")[0]
    changed = online[trained.names].iloc[[0]].copy()
    changed[name] = changed[name] * 10 + 100
    given = endpoint.predict(entities=[{**row, name: float(changed[name].iloc[0])}])
    assert given == pytest.approx(endpoint.predict(changed), rel=1e-12)


def test_bad_entity_rows_get_a_422_naming_them(endpoint) -> None:
    url = f"{endpoint.url}/predict"
    cases = [
        ({"entities": [{"user_id": 1}]}, "product_id"),
        ({"entities": [{"user_id": 987654321, "product_id": 987654321}]}, "no features"),
        ({"entities": [{"user_id": 1, "product_id": 1, "colour": 3}]}, "colour"),
        ({"entities": []}, "non-empty"),
        ({"entities": "x"}, "non-empty"),
        ({"entities": [{"user_id": 1, "product_id": 1}], "extra": 1}, "extra"),
    ]
    for body, named in cases:
        r = httpx.post(url, json=body, timeout=30)
        assert r.status_code == 422, (body, r.status_code, r.text)
        assert named in r.json()["error"]["message"], (body, r.text)


def test_deploy_refuses_feature_loading_it_cannot_do(client: Client, trained,
                                                     tmp_path: Path) -> None:
    import lightgbm as lgb
    import numpy as np

    x = pd.DataFrame(np.random.default_rng(0).normal(size=(60, 2)), columns=["a", "b"])
    path = tmp_path / "plain.txt"
    lgb.train({"objective": "binary", "verbose": -1}, lgb.Dataset(x, (x.a > 0).astype(int)),
              num_boost_round=3).save_model(str(path))
    plain = client.models.register("plain-fl", path).version
    with pytest.raises(InvalidInput, match="records no feature references"):
        client.deploy(f"plain-fl@{plain}", online_features=True)
    with pytest.raises(InvalidInput, match="none of these features is an input"):
        client.deploy(f"plain-fl@{plain}", online_features=trained.refs)
    with pytest.raises(InvalidInput, match="no feature 'nope'"):
        client.deploy(f"reorder-fl@{trained.versions[0]}", name="bad-fl",
                      online_features=[f"{trained.refs[0].split(':')[0]}:nope"])
    assert [e.name for e in client.endpoints()] == ["reorder-fl"]


def test_a_launch_replays_entity_traffic_at_a_staging_endpoint_that_reads_features(
        client: Client, trained, endpoint) -> None:
    entities = trained.entities
    with httpx.Client(timeout=30) as http:
        for i in range(40):  # recorded traffic: entity keys only
            r = http.post(f"{endpoint.url}/predict",
                          json={"entities": [entities.iloc[i].to_dict()]})
            assert r.status_code == 200, r.text
    launch = client.launch("reorder-fl", trained.versions[1], shadow_s=0, watch_s=1,
                           require_approval=False).wait(timeout=240)
    gates = {g.name: g for g in launch.detail.gates}
    assert launch.status == "succeeded", (launch.detail.message, gates)
    estimation = launch.detail.steps[0].outcome
    assert estimation["synthetic"] is False, estimation  # the recorded entity-only bodies
    assert estimation["candidate"]["rejected"] == 0, estimation
    assert estimation["candidate"]["requests"] == estimation["replayed"] >= 5, estimation
    assert gates["stability"].passed and gates["stability"].detail["rows"] >= 5
    assert endpoint.refresh().detail.primary_version == trained.versions[1]
    assert endpoint.detail.entity_keys  # the endpoint still reads features
    assert len(endpoint.predict(entities=entities.head(3))) == 3
