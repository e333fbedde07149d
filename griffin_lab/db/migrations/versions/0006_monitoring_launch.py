"""Monitoring (request buckets, named predictions, outcomes, replay samples, log offsets)
and launches (runs and their steps).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from griffin_lab.db.base import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitoring_buckets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("endpoint", sa.String(100), nullable=False),
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("shadow", sa.Boolean(), nullable=False),
        sa.Column("start", UTCDateTime(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("latency_sum_ms", sa.Float(), nullable=False),
        sa.Column("latency_max_ms", sa.Float(), nullable=False),
        sa.Column("latency_hist", sa.JSON(), nullable=False),
        sa.Column("prediction_sum", sa.Float(), nullable=False),
        sa.Column("prediction_count", sa.Integer(), nullable=False),
        sa.Column("prediction_sample", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_buckets")),
        sa.UniqueConstraint("endpoint", "version", "shadow", "start",
                            name=op.f("uq_monitoring_buckets_endpoint")),
    )
    op.create_index("ix_monitoring_buckets_endpoint_start", "monitoring_buckets",
                    ["endpoint", "start"])
    op.create_index("ix_monitoring_buckets_model_start", "monitoring_buckets",
                    ["model", "start"])
    op.create_table(
        "monitoring_predictions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("endpoint", sa.String(100), nullable=False),
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("shadow", sa.Boolean(), nullable=False),
        sa.Column("entity", sa.String(200), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_predictions")),
    )
    op.create_index("ix_monitoring_predictions_model_entity", "monitoring_predictions",
                    ["model", "entity"])
    op.create_table(
        "monitoring_outcomes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("entity", sa.String(200), nullable=False),
        sa.Column("label", sa.Float(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("logged_at", UTCDateTime(), nullable=False),
        sa.Column("logged_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_outcomes")),
    )
    op.create_index("ix_monitoring_outcomes_model_entity", "monitoring_outcomes",
                    ["model", "entity"])
    op.create_table(
        "monitoring_samples",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("endpoint", sa.String(100), nullable=False),
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_samples")),
    )
    op.create_index("ix_monitoring_samples_endpoint_id", "monitoring_samples",
                    ["endpoint", "id"])
    op.create_table(
        "monitoring_log_offsets",
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("endpoint", sa.String(100), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("path", name=op.f("pk_monitoring_log_offsets")),
    )
    op.create_table(
        "launch_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("endpoint", sa.String(100), nullable=False),
        sa.Column("production_version", sa.Integer(), nullable=True),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("gates", sa.JSON(), nullable=False),
        sa.Column("runner", sa.String(200), nullable=False),
        sa.Column("decision", sa.String(20), nullable=True),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_launch_runs")),
    )
    op.create_index("ix_launch_runs_model_created", "launch_runs", ["model", "created_at"])
    op.create_index("ix_launch_runs_endpoint_status", "launch_runs", ["endpoint", "status"])
    op.create_table(
        "launch_steps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("launch_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["launch_id"], ["launch_runs.id"], ondelete="CASCADE",
                                name=op.f("fk_launch_steps_launch_id_launch_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_launch_steps")),
    )
    op.create_index(op.f("ix_launch_steps_launch_id"), "launch_steps", ["launch_id"])


def downgrade() -> None:
    op.drop_table("launch_steps")
    op.drop_table("launch_runs")
    for table in ("monitoring_log_offsets", "monitoring_samples", "monitoring_outcomes",
                  "monitoring_predictions", "monitoring_buckets"):
        op.drop_table(table)
