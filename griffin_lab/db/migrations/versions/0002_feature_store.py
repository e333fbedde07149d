"""Feature store: statistics cache, validation reports, materializations, feature usage.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from griffin_lab.db.base import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feature_stats",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("feature_view", sa.String(200), nullable=False),
        sa.Column("data_fingerprint", sa.String(200), nullable=False),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.Column("stats", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feature_stats")),
        sa.UniqueConstraint("feature_view", name=op.f("uq_feature_stats_feature_view")),
    )
    op.create_table(
        "feature_validation_reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("feature_view", sa.String(200), nullable=False),
        sa.Column("stage", sa.String(40), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("rows_checked", sa.Integer(), nullable=False),
        sa.Column("rules_checked", sa.Integer(), nullable=False),
        sa.Column("failures", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feature_validation_reports")),
    )
    op.create_index(op.f("ix_feature_validation_reports_at"), "feature_validation_reports",
                    ["at"])
    op.create_index(op.f("ix_feature_validation_reports_feature_view"),
                    "feature_validation_reports", ["feature_view"])
    op.create_table(
        "feature_materializations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("feature_view", sa.String(200), nullable=False),
        sa.Column("start", UTCDateTime(), nullable=True),
        sa.Column("end", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("detail", sa.String(2000), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feature_materializations")),
    )
    op.create_index(op.f("ix_feature_materializations_feature_view"),
                    "feature_materializations", ["feature_view"])
    op.create_table(
        "feature_usage",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("feature_view", sa.String(200), nullable=False),
        sa.Column("feature_ref", sa.String(400), nullable=False),
        sa.Column("used_by_kind", sa.String(40), nullable=False),
        sa.Column("used_by_id", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feature_usage")),
        sa.UniqueConstraint("feature_ref", "used_by_kind", "used_by_id",
                            name=op.f("uq_feature_usage_feature_ref")),
    )
    op.create_index(op.f("ix_feature_usage_feature_view"), "feature_usage", ["feature_view"])


def downgrade() -> None:
    op.drop_table("feature_usage")
    op.drop_table("feature_materializations")
    op.drop_table("feature_validation_reports")
    op.drop_table("feature_stats")
