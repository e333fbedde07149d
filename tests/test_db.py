"""The metadata database on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import pytest
import sqlalchemy as sa

from griffin_lab.db import Database
from griffin_lab.errors import ConfigurationError, EngineUnavailable
from griffin_lab.platform import Platform
from griffin_lab.settings import Settings
from griffin_lab.system.tables import AuditEvent


def test_migrations_applied_on_start(platform: Platform) -> None:
    db = platform.db
    assert db.current_revision() == db.head_revision() is not None
    tables = set(sa.inspect(db.engine).get_table_names())
    assert {"alembic_version", "audit_events"} <= tables


def test_migrate_twice_is_a_no_op(platform: Platform) -> None:
    platform.system.record("tester", "kept")
    assert platform.db.migrate() == platform.db.head_revision()
    assert [e.action for e in platform.system.events().events] == ["kept"]


def test_session_rolls_back_on_error(platform: Platform) -> None:
    with pytest.raises(RuntimeError), platform.db.session(write=True) as session:
        session.add(AuditEvent(actor="a", action="never", subject="", detail={}))
        session.flush()
        raise RuntimeError("boom")
    assert platform.system.events().events == []


def test_events_round_trip_and_page(platform: Platform) -> None:
    for i in range(5):
        platform.system.record("alice", "thing.done" if i % 2 else "other", f"s{i}", {"i": i})
    page = platform.system.events()
    assert [e.subject for e in page.events] == ["s4", "s3", "s2", "s1", "s0"]
    assert page.events[0].at.tzinfo is not None
    assert page.events[1].detail == {"i": 3}
    from griffin_lab.system.schemas import AuditEventsQuery

    first = platform.system.events(AuditEventsQuery(limit=2))
    assert [e.subject for e in first.events] == ["s4", "s3"]
    second = platform.system.events(AuditEventsQuery(limit=2, before_id=first.next_before_id))
    assert [e.subject for e in second.events] == ["s2", "s1"]
    only = platform.system.events(AuditEventsQuery(action="thing.done"))
    assert {e.subject for e in only.events} == {"s1", "s3"}


def test_sqlite_runs_in_wal_mode(sqlite_platform: Platform) -> None:
    assert sqlite_platform.db.ping()["journal_mode"] == "wal"


@pytest.mark.postgres
def test_postgres_password_is_never_shown(postgres, tmp_path: Path) -> None:
    settings = Settings.load(home=tmp_path, database_url=postgres.url)
    with Platform.from_settings(settings) as p:
        shown = p.system.public_settings().model_dump_json() + p.system.status().model_dump_json()
    assert postgres.password not in shown
    assert "griffin:***@127.0.0.1" in shown
    assert postgres.password not in repr(settings) and postgres.password not in str(settings)


def test_unknown_database_scheme_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="database_url"):
        Settings.load(home=tmp_path, database_url="mysql://x@localhost/db")


def test_unreachable_postgres_is_a_clear_error(tmp_path: Path) -> None:
    from tests.servers import free_port

    url = f"postgresql://nobody:pw@127.0.0.1:{free_port()}/none"
    with pytest.raises(EngineUnavailable, match="Cannot reach the metadata database"):
        Platform.from_settings(Settings.load(home=tmp_path, database_url=url))


def _writer(url: str, home: str, worker: int, count: int, barrier) -> None:  # noqa: ANN001
    from griffin_lab.platform import Platform
    from griffin_lab.settings import Settings

    settings = Settings.load(home=home, database_url=url)
    platform = Platform.from_settings(settings)
    barrier.wait(30)
    for i in range(count):
        platform.system.record(f"worker-{worker}", "concurrent.write", f"{worker}-{i}")
        # Read-modify-write inside one transaction: the pattern that raises "database is
        # locked" when a deferred SQLite transaction upgrades to a write under contention.
        with platform.db.session(write=True) as session:
            n = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
            session.add(AuditEvent(actor=f"worker-{worker}", action="concurrent.count",
                                   subject=str(n), detail={}))
    platform.close()


def _run_writers(url: str, home: Path, count: int, workers: int = 3) -> list[int | None]:
    """Start ``workers`` processes that write at the same moment; return their exit codes."""
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(workers)
    procs = [
        ctx.Process(target=_writer, args=(url, str(home), w, count, barrier))
        for w in range(workers)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    return [p.exitcode for p in procs]


def test_two_processes_share_the_database(database_url: str, tmp_path: Path) -> None:
    """The Jupyter server and a kernel write the same embedded database at once."""
    Database(database_url).migrate()
    count = 60
    assert _run_writers(database_url, tmp_path, count) == [0, 0, 0]
    db = Database(database_url)
    with db.session() as session:
        rows = session.execute(
            sa.select(AuditEvent.action, sa.func.count()).group_by(AuditEvent.action)
        ).all()
    db.dispose()
    assert dict(rows) == {"concurrent.write": 3 * count, "concurrent.count": 3 * count}


def test_concurrent_first_start_migrates_once(tmp_path: Path) -> None:
    """Several processes starting on a fresh database all come up on the newest schema."""
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert _run_writers(url, tmp_path, 1) == [0, 0, 0]
    db = Database(url)
    assert db.current_revision() == db.head_revision()
    db.dispose()


def test_migrations_match_the_table_definitions(platform: Platform) -> None:
    """The ORM tables and the migrated schema never drift apart."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from griffin_lab.db.tables import load_metadata

    with platform.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), load_metadata())
    assert diff == []
