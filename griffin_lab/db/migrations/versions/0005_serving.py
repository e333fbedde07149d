"""Serving: endpoints (desired state), their processes, and reconcile's events.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from griffin_lab.db.base import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "serving_endpoints",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("workers", sa.Integer(), nullable=False),
        sa.Column("primary_version", sa.Integer(), nullable=False),
        sa.Column("candidate_version", sa.Integer(), nullable=True),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("split", sa.Float(), nullable=False),
        sa.Column("previous_version", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_serving_endpoints")),
        sa.UniqueConstraint("name", name=op.f("uq_serving_endpoints_name")),
        sa.UniqueConstraint("port", name=op.f("uq_serving_endpoints_port")),
    )
    op.create_index(op.f("ix_serving_endpoints_model"), "serving_endpoints", ["model"])
    op.create_table(
        "serving_processes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("endpoint_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("bento", sa.String(200), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("workers", sa.Integer(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("marker", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("restarts", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=True),
        sa.Column("retire_at", UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["endpoint_id"], ["serving_endpoints.id"], ondelete="CASCADE",
            name=op.f("fk_serving_processes_endpoint_id_serving_endpoints")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_serving_processes")),
    )
    op.create_index("ix_serving_processes_endpoint_status", "serving_processes",
                    ["endpoint_id", "status"])
    op.create_table(
        "serving_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("endpoint_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["endpoint_id"], ["serving_endpoints.id"], ondelete="CASCADE",
            name=op.f("fk_serving_events_endpoint_id_serving_endpoints")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_serving_events")),
    )
    op.create_index("ix_serving_events_endpoint_at", "serving_events", ["endpoint_id", "at"])


def downgrade() -> None:
    op.drop_table("serving_events")
    op.drop_table("serving_processes")
    op.drop_table("serving_endpoints")
