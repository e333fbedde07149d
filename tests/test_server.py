"""The REST API through a real Jupyter server (pytest-jupyter), base_url ``/a%40b/``."""

from __future__ import annotations

import json
import re

import pytest
from tornado.httpclient import HTTPClientError

from griffin_lab.api.core import API_PREFIX, all_operations
from griffin_lab.server.handlers import GriffinHandler


async def test_status(jp_fetch) -> None:
    response = await jp_fetch("griffin", "api", "v1", "status")
    assert response.code == 200
    body = json.loads(response.body)
    engines = {e["name"]: e for e in body["engines"]}
    assert set(engines) == {"database", "artifacts", "ray", "feast", "bentoml"}
    assert engines["database"]["state"] == "ready" and engines["database"]["ok"] is True
    assert body["version"]


async def test_openapi_lists_every_operation(jp_fetch) -> None:
    spec = json.loads((await jp_fetch("griffin", "api", "v1", "openapi.json")).body)
    assert spec["openapi"].startswith("3.1")
    served = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    assert served == {(op.url_path, op.method) for op in all_operations().values()}
    assert "StatusResponse" in spec["components"]["schemas"]


def _griffin_routes(serverapp) -> list[tuple[str, type]]:
    routes = []
    for rule in serverapp.web_app.default_router.rules:
        for sub in getattr(rule.target, "rules", []) or []:
            handler = sub.target
            if isinstance(handler, type) and issubclass(handler, GriffinHandler):
                routes.append((sub.matcher.regex.pattern, handler))
    return routes


def _sample_path(pattern: str) -> str:
    path = re.sub(r"\(\?P<[^>]+>[^)]+\)", "x", pattern).rstrip("$")
    return path.replace("\\", "")


async def test_every_griffin_route_rejects_unauthenticated_requests(
    jp_serverapp, http_server_client, jp_base_url
) -> None:
    """Every registered Griffin route, every method: no token, no answer."""
    routes = _griffin_routes(jp_serverapp)
    assert len(routes) >= len({op.route_pattern for op in all_operations().values()})
    checked = 0
    for pattern, _handler in routes:
        path = _sample_path(pattern)
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            body = b"{}" if method in ("POST", "PUT", "PATCH") else None
            with pytest.raises(HTTPClientError) as err:
                await http_server_client.fetch(path, method=method, body=body,
                                               follow_redirects=False)
            assert err.value.code in (401, 403), (method, path, err.value.code)
            checked += 1
    assert checked >= 5 * len(routes)


async def test_routes_live_under_base_url(jp_serverapp, jp_base_url) -> None:
    patterns = [p for p, _ in _griffin_routes(jp_serverapp)]
    assert patterns and all(jp_base_url.rstrip("/") + API_PREFIX in p for p in patterns)


async def test_unknown_query_parameter_is_a_422_naming_it(jp_fetch) -> None:
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch("griffin", "api", "v1", "events", params={"limt": "3"})
    assert err.value.code == 422
    error = json.loads(err.value.response.body)["error"]
    assert error["type"] == "invalid_input" and "limt" in error["message"]


async def test_bad_query_value_is_a_422_naming_the_field(jp_fetch) -> None:
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch("griffin", "api", "v1", "events", params={"limit": "0"})
    assert err.value.code == 422
    assert json.loads(err.value.response.body)["error"]["field"] == "limit"


async def test_method_not_declared_is_405_not_500(jp_fetch) -> None:
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch("griffin", "api", "v1", "status", method="DELETE")
    assert err.value.code == 405
    assert "error" in json.loads(err.value.response.body)


async def test_events_record_the_jupyter_user(jp_fetch, jp_serverapp) -> None:
    platform = jp_serverapp.web_app.settings["griffin"].get()
    platform.system.record("someone", "test.event", "subject-1", {"k": 1})
    body = json.loads((await jp_fetch("griffin", "api", "v1", "events",
                                      params={"limit": "5"})).body)
    assert body["events"][0]["action"] == "test.event"
    assert body["events"][0]["detail"] == {"k": 1}


class TestBrokenDatabase:
    """A database URL that cannot work: the server still starts and answers with a reason."""

    @pytest.fixture
    def jp_server_config(self, tmp_path):
        return {
            "ServerApp": {"jpserver_extensions": {"griffin_lab": True}},
            "GriffinExtension": {"home": str(tmp_path / "h"),
                                 "database_url": "postgresql://u:secret-pw@127.0.0.1:1/none"},
        }

    async def test_503_with_reason_not_500(self, jp_fetch) -> None:
        with pytest.raises(HTTPClientError) as err:
            await jp_fetch("griffin", "api", "v1", "status")
        assert err.value.code == 503
        error = json.loads(err.value.response.body)["error"]
        assert "metadata database" in error["message"]
        assert "secret-pw" not in err.value.response.body.decode()
        # Jupyter itself keeps working.
        assert (await jp_fetch("api", "status")).code == 200


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        (b"{not json", 422, "not valid JSON"),
        (b"", 422, "needs a JSON request body"),
        (b'{"size": "tiny", "colour": "red"}', 422, "colour"),
        (b'{"size": "tiny", "seed": "abc"}', 422, "seed"),
        (b'{"size": "planet"}', 422, "Unknown demo size"),
        (b"[1, 2]", 422, "body"),
    ],
)
async def test_bad_bodies_are_4xx_naming_the_problem(jp_fetch, body, status, needle) -> None:
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch("griffin", "api", "v1", "demo", method="POST", body=body,
                       allow_nonstandard_methods=True)
    assert err.value.code == status
    assert needle in json.loads(err.value.response.body)["error"]["message"]


async def test_demo_over_rest(jp_fetch) -> None:
    body = json.dumps({"size": "tiny", "seed": 5}).encode()
    first = json.loads((await jp_fetch("griffin", "api", "v1", "demo", method="POST",
                                       body=body)).body)
    assert first["written"] is True and first["manifest"]["tables"]["users"] == 200
    again = json.loads((await jp_fetch("griffin", "api", "v1", "demo", method="POST",
                                       body=body)).body)
    assert again["written"] is False


async def test_jupyterlab_cache_buster_is_ignored(jp_fetch) -> None:
    """ServerConnection.makeRequest appends ``?<timestamp>`` to GETs by default."""
    response = await jp_fetch("griffin", "api", "v1", "status", params={"1795449812824": ""})
    assert response.code == 200
    page = await jp_fetch("griffin", "api", "v1", "events",
                          params={"1795449812824": "", "limit": "2"})
    assert page.code == 200
