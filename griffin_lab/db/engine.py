"""Engine, sessions and migrations for the metadata database.

SQLite (embedded default) runs in WAL mode with a busy timeout, and write sessions start with
``BEGIN IMMEDIATE`` so that two processes (the Jupyter server and a kernel) writing the same
file wait for each other instead of failing with "database is locked".
PostgreSQL is used as is.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from ..errors import ConfigurationError, EngineUnavailable

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def _sqlite_engine(url: str) -> Engine:
    path = make_url(url).database
    if path and path != ":memory:":
        Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take over transaction control from pysqlite so BEGIN is emitted by us (below).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get("griffin_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


class Database:
    """One metadata database: an engine, read and write sessions, and its migrations."""

    def __init__(self, url: str) -> None:
        try:
            parsed = make_url(url)
        except Exception as exc:  # sqlalchemy raises ArgumentError with a terse message
            raise ConfigurationError(f"database_url is not a valid SQLAlchemy URL: {exc}") from exc
        self.url = url
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            self.engine = _sqlite_engine(url)
        elif self.dialect == "postgresql":
            if parsed.drivername == "postgresql":
                parsed = parsed.set(drivername="postgresql+psycopg")
            self.engine = create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=10)
        else:
            raise ConfigurationError(
                f"Unsupported database {self.dialect!r}: use sqlite:/// or postgresql://",
                field="database_url",
            )
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(griffin_write=True), expire_on_commit=False
        )

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        factory = self._write if write else self._read
        with factory() as session, session.begin():
            yield session

    # Migrations -------------------------------------------------------------------------
    def _alembic_config(self, connection: Any):  # noqa: ANN202
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.attributes["connection"] = connection
        return config

    def head_revision(self) -> str | None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def migrate(self) -> str | None:
        """Bring the schema to the newest revision; safe to call from several processes."""
        try:
            head = self.head_revision()
            if self.current_revision() == head:
                return head
            if self.dialect == "sqlite":
                self._migrate_sqlite()
            else:
                self._migrate_postgres()
        except ConfigurationError:
            raise
        except Exception as exc:
            if "OperationalError" in type(exc).__name__ or "connect" in str(exc).lower():
                reason = str(exc).split("\n", 1)[0]
                password = make_url(self.url).password
                if password:
                    reason = reason.replace(str(password), "***")
                raise EngineUnavailable(
                    f"Cannot reach the metadata database ({self.dialect}): {reason}"
                ) from exc
            raise
        return self.current_revision()

    def _upgrade(self, connection: Any) -> None:
        from alembic import command

        command.upgrade(self._alembic_config(connection), "head")

    def _migrate_sqlite(self) -> None:
        from filelock import FileLock

        path = make_url(self.url).database
        lock_path = f"{path}.migrate.lock" if path and path != ":memory:" else None
        if lock_path is None:
            with self.engine.begin() as conn:
                self._upgrade(conn)
            return
        with FileLock(lock_path, timeout=120), self.engine.begin() as conn:
            self._upgrade(conn)

    def _migrate_postgres(self) -> None:
        with self.engine.begin() as conn:
            # One migrator at a time across processes; released at transaction end.
            conn.execute(text("SELECT pg_advisory_xact_lock(7301966)"))
            self._upgrade(conn)

    # Health -------------------------------------------------------------------------------
    def ping(self) -> dict[str, Any]:
        """Round-trip the database; returns version, latency and journal mode."""
        start = time.perf_counter()
        with self.engine.connect() as conn:
            if self.dialect == "sqlite":
                version = conn.execute(text("select sqlite_version()")).scalar_one()
                mode = conn.execute(text("PRAGMA journal_mode")).scalar_one()
            else:
                version = conn.execute(text("show server_version")).scalar_one()
                mode = None
        latency_ms = (time.perf_counter() - start) * 1000
        return {"version": str(version), "journal_mode": mode, "latency_ms": latency_ms}

    def dispose(self) -> None:
        self.engine.dispose()
