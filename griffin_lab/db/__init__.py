"""The metadata database: SQLAlchemy 2 engine and sessions, Alembic migrations."""

from .engine import Database

__all__ = ["Database"]
