"""One SDK interface, two transports: the same tests run in-process and over HTTP against a
real JupyterLab server running the Griffin server extension."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import griffin_lab
from griffin_lab.errors import GriffinError, InvalidInput
from griffin_lab.sdk import Client, HttpTransport, InProcessTransport
from griffin_lab.system.schemas import StatusResponse


@pytest.fixture(params=["in-process", "http"])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Client]:
    if request.param == "in-process":
        c = griffin_lab.connect(home=tmp_path / "home")
    else:
        lab = request.getfixturevalue("lab_server")
        c = griffin_lab.connect(url=lab.url, token=lab.token)
    with c:
        yield c


def test_status(client: Client) -> None:
    status = client.status()
    assert isinstance(status, StatusResponse)
    engines = {e.name: e for e in status.engines}
    assert engines["database"].state == "ready"
    assert engines["artifacts"].ok
    assert status.version == griffin_lab.__version__


def test_settings_are_resolved_and_redacted(client: Client) -> None:
    settings = client.settings()
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("griffin.db")
    assert settings.home in settings.database_url


def test_demo_is_idempotent_and_audited(client: Client) -> None:
    first = client.demo("tiny", seed=3)
    second = client.demo("tiny", seed=3)
    assert first.manifest.n_users == 200
    assert first.manifest.fingerprint == second.manifest.fingerprint
    assert second.written is False
    events = client.events(action="demo.generated").events
    assert events and events[0].detail["seed"] == 3
    assert events[0].actor  # the OS user in-process, the Jupyter user over HTTP


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"size": "gigantic"}, "size"), ({"seed": -1}, "seed")],
)
def test_bad_demo_arguments_are_rejected_with_the_field(client: Client, kwargs, field) -> None:
    with pytest.raises(GriffinError) as err:
        client.demo(**kwargs)
    assert err.value.status_code == 422
    assert err.value.field == field and field in err.value.message


def test_bad_event_query_is_rejected_before_sending(client: Client) -> None:
    with pytest.raises(InvalidInput, match="limit"):
        client.events(limit=0)


def test_openapi(client: Client) -> None:
    assert "/griffin/api/v1/status" in client.openapi()["paths"]


def test_http_transport_with_a_wrong_token_says_so(lab_server) -> None:
    with Client(HttpTransport(lab_server.url, token="wrong")) as c, \
            pytest.raises(GriffinError) as err:
        c.status()
    assert err.value.status_code in (401, 403)
    assert "GRIFFIN_TOKEN" in err.value.message


def test_http_transport_to_nothing_says_where(tmp_path: Path) -> None:
    from tests.servers import free_port

    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(GriffinError, match="Cannot reach the Griffin server"):
        griffin_lab.connect(url=url, token="t").status()


def test_connect_picks_the_transport_from_the_environment(monkeypatch, lab_server, tmp_path):
    monkeypatch.setenv("GRIFFIN_URL", lab_server.url)
    monkeypatch.setenv("GRIFFIN_TOKEN", lab_server.token)
    with griffin_lab.connect() as c:
        assert isinstance(c.transport, HttpTransport)
        assert c.status().home == str(lab_server.home)
    monkeypatch.delenv("GRIFFIN_URL")
    with griffin_lab.connect(home=tmp_path) as c:
        assert isinstance(c.transport, InProcessTransport)
        assert c.status().home == str(tmp_path)
