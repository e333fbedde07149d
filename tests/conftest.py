from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from griffin_lab.platform import Platform
from griffin_lab.settings import Settings

from .servers import Lab, Postgres, start_lab, start_postgres, start_ray_head, stop_ray_head

pytest_plugins = ("pytest_jupyter.jupyter_server",)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """One real PostgreSQL server for the whole session, stopped at the end."""
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()


_db_counter = iter(range(1, 10_000))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'griffin.db'}"
    server: Postgres = request.getfixturevalue("postgres")
    import sqlalchemy as sa

    name = f"griffin_t{next(_db_counter)}"
    admin = sa.create_engine(server.url.replace("postgresql://", "postgresql+psycopg://"),
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return server.url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings.load(home=tmp_path / "home", database_url=database_url)


@pytest.fixture
def platform(settings: Settings) -> Iterator[Platform]:
    with Platform.from_settings(settings) as p:
        yield p


@pytest.fixture
def sqlite_platform(tmp_path: Path) -> Iterator[Platform]:
    with Platform.from_settings(Settings.load(home=tmp_path / "home")) as p:
        yield p


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A real JupyterLab process with the Griffin server extension installed."""
    root = tmp_path_factory.mktemp("lab-root")
    lab = start_lab(tmp_path_factory.mktemp("lab-home"), root)
    try:
        yield lab
    finally:
        lab.stop()
        stop_ray_head(lab.home)  # the embedded head its platform may have started


@pytest.fixture
def jp_server_config(tmp_path: Path) -> dict:
    return {
        "ServerApp": {"jpserver_extensions": {"griffin_lab": True}},
        "GriffinExtension": {"home": str(tmp_path / "server-home")},
    }


@pytest.fixture(scope="session")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Ray head started apart from any Griffin home, as a team's cluster would be: its
    Jobs API URL is what GRIFFIN_RAY_ADDRESS names. Stopped (by PID) at the end."""
    home = tmp_path_factory.mktemp("ray-cluster")
    head = start_ray_head(home)
    try:
        yield head.dashboard_url
    finally:
        stop_ray_head(home)
