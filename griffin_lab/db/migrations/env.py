"""Alembic environment: always run with a connection handed in by ``Database.migrate``."""

from __future__ import annotations

from alembic import context

from griffin_lab.db.tables import load_metadata

config = context.config
target_metadata = load_metadata()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("Griffin migrations run through griffin_lab.db.Database.migrate()")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("Offline (SQL script) migrations are not supported")
run_migrations_online()
