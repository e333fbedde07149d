"""The feature store through the SDK's HTTP transport and the REST API of a real JupyterLab,
compared with the in-process transport on the same store."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import httpx
import pandas as pd
import pytest

import griffin_lab
from griffin_lab.errors import GriffinError, ValidationFailed
from griffin_lab.sdk import Client

from .servers import Lab
from .test_features import store_csv


@pytest.fixture(scope="module")
def clients(lab_server: Lab) -> Iterator[tuple[Client, Client]]:
    remote = griffin_lab.connect(url=lab_server.url, token=lab_server.token)
    remote.demo("tiny", seed=3)  # seeds the server's feature store (idempotent)
    local = griffin_lab.connect(home=lab_server.home)
    yield remote, local
    remote.close()
    local.close()


def test_search_and_describe_agree(clients) -> None:
    remote, local = clients
    assert remote.features.search("reorder") == local.features.search("reorder")
    assert remote.features.describe("user_features").row_count == \
        local.features.describe("user_features").row_count


def test_online_agrees(clients) -> None:
    remote, local = clients
    entities = {"user_id": [1, 2, 7], "product_id": [31, 5, 9]}
    pd.testing.assert_frame_equal(remote.features.online("reorder_model", entities),
                                  local.features.online("reorder_model", entities))


def test_training_set_agrees(clients) -> None:
    remote, local = clients
    entities = pd.DataFrame({
        "user_id": [1, 2, 3], "label": [1, 0, 1],
        "event_timestamp": pd.to_datetime(["2026-04-01", "2026-05-01", "2020-01-01"], utc=True),
    })
    features = ["user_features:orders_count", "user_features:reorder_ratio"]
    a = remote.features.training_set(entities, features)
    b = local.features.training_set(entities, features)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    assert a["label"].tolist() == [1, 0, 1] and pd.isna(a["orders_count"].iloc[2])


def test_stats_and_sample_over_http(clients) -> None:
    remote, _ = clients
    stats = remote.features.stats("product_features")
    assert {f.name for f in stats.features} >= {"price", "reorder_rate"}
    assert len(remote.features.sample("product_features", 4)) == 4


def test_bad_requests_are_4xx_with_the_reason(clients) -> None:
    remote, _ = clients
    with pytest.raises(GriffinError) as err:
        remote.features.online(["user_features:order_count"], {"user_id": [1]})
    assert err.value.status_code == 422 and "did you mean orders_count" in err.value.message
    with pytest.raises(GriffinError) as err:
        remote.features.describe("nope")
    assert err.value.status_code == 404


def test_add_source_validation_failure_carries_the_report(clients, lab_server: Lab) -> None:
    remote, _ = clients
    path = store_csv(lab_server.home / "stores.csv", bad=True)
    spec = {"name": "store_visits_http", "path": str(path), "entities": ["store_id"],
            "owner": "stores@griffin.dev",
            "rules": [{"kind": "range", "column": "rating", "min": 0, "max": 5}]}
    with pytest.raises(ValidationFailed) as err:
        remote.features.add_source(spec)
    assert err.value.status_code == 422
    failure = err.value.details["report"]["failures"][0]
    assert failure["feature"] == "rating" and failure["examples"] == [11.0]
    preview = remote.features.add_source(spec, dry_run=True)
    assert preview.applied is False and preview.validation.passed is False


def test_rest_online_route_directly(lab_server: Lab, clients) -> None:
    response = httpx.post(
        f"{lab_server.url}/griffin/api/v1/features/online",
        headers={"Authorization": f"token {lab_server.token}"},
        content=json.dumps({"features": ["user_features:orders_count"],
                            "entities": {"user_id": [1, 2]}}),
    )
    assert response.status_code == 200
    assert response.json()["columns"]["user_id"] == [1, 2]
    bad = httpx.post(
        f"{lab_server.url}/griffin/api/v1/features/online",
        headers={"Authorization": f"token {lab_server.token}"},
        content=json.dumps({"features": ["user_features:orders_count"], "entities": {}}),
    )
    assert bad.status_code == 422 and "entities" in bad.json()["error"]["message"]


def _post(url: str, token: str | None, body: object) -> httpx.Response:
    headers = {"Authorization": f"token {token}"} if token else {}
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(url, headers=headers, content=content, timeout=30)


def test_feature_server_answers_like_the_jupyter_route(lab_server: Lab, clients) -> None:
    import psutil

    remote, local = clients
    info = remote.features.serve(workers=2)
    try:
        assert info.running and info.workers == 2 and info.url.startswith("http://127.0.0.1:")
        assert info.online_path == "/griffin/api/v1/features/online" and info.token
        # Two worker processes, each ready (it read the feature views) before the answer.
        children = {p.pid for p in psutil.Process(info.pid).children()}
        ready = {int(p.name) for p in (lab_server.home / "feature_server" / "ready").iterdir()}
        assert len(ready) == 2 and ready <= children
        # The in-process client sees the same server; asking again keeps it.
        assert local.features.server().pid == info.pid
        assert remote.features.serve(workers=2).pid == info.pid

        served = f"{info.url}{info.online_path}"
        jupyter = f"{lab_server.url}{info.online_path}"
        bodies: list[object] = [
            {"feature_service": "reorder_model",
             "entities": {"user_id": [1, 2, 7], "product_id": [31, 5, 9]}},
            {"features": ["user_features:orders_count", "product_features:price"],
             "entities": {"user_id": [3], "product_id": [4]}, "full_feature_names": True},
            {"features": ["user_features:order_count"], "entities": {"user_id": [1]}},
            {"features": ["user_features:orders_count"], "entities": {"product_id": [1]}},
            {"feature_service": "nope", "entities": {"user_id": [1]}},
            {"features": ["user_features:orders_count"], "entities": {}},
            b"{not json", b"",
        ]
        for body in bodies:
            ours = _post(served, info.token, body)
            theirs = _post(jupyter, lab_server.token, body)
            assert (ours.status_code, ours.json()) == (theirs.status_code, theirs.json()), body
        # The first answer is real data, the third a 422 naming the near match.
        first = _post(served, info.token, bodies[0]).json()["columns"]
        assert first["user_id"] == [1, 2, 7] and len(first) > 2
        error = _post(served, info.token, bodies[2])
        assert error.status_code == 422 and "did you mean orders_count" in error.text

        # Only the server's own token opens it.
        assert _post(served, None, bodies[0]).status_code == 401
        assert _post(served, "wrong", bodies[0]).status_code == 401
        assert _post(served, lab_server.token, bodies[0]).status_code == 401
        assert httpx.get(served, headers={"Authorization": f"token {info.token}"}).status_code \
            == 405
        assert httpx.get(f"{info.url}/griffin/api/v1/features").status_code == 404
        assert httpx.get(f"{info.url}/healthz").json() == {"status": "ok"}
    finally:
        stopped = remote.features.stop_server()
    assert not stopped.running and stopped.token is None
    assert not psutil.pid_exists(info.pid) or \
        psutil.Process(info.pid).status() == psutil.STATUS_ZOMBIE
    assert local.features.server().running is False
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{info.url}/healthz", timeout=5)


def test_feature_server_refuses_bad_requests(clients) -> None:
    remote, _ = clients
    with pytest.raises(GriffinError) as err:
        remote.features.serve(workers=0)
    assert err.value.status_code == 422 and err.value.field == "workers"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(GriffinError) as err:
            remote.features.serve(workers=1, port=taken.getsockname()[1])
    assert err.value.status_code == 422 and err.value.field == "port"
    assert "in use" in err.value.message
    assert remote.features.server().running is False


def test_feature_server_needs_a_feature_store(sqlite_platform) -> None:
    from griffin_lab.features.schemas import FeatureServerRequest

    with pytest.raises(GriffinError) as err:
        sqlite_platform.features.serve(FeatureServerRequest(workers=1))
    assert "feature store is empty" in err.value.message
    assert not (sqlite_platform.settings.home / "feature_server" / "state.json").exists()
