"""Training jobs, metric points, tuning trials; the registry's models and versions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from griffin_lab.db.base import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_jobs",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("runtime", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("parent_id", sa.String(40), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("ray_address", sa.String(400), nullable=False),
        sa.Column("ray_job_id", sa.String(100), nullable=True),
        sa.Column("artifact_uri", sa.String(1000), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("feature_refs", sa.JSON(), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("message", sa.String(500), nullable=False),
        sa.Column("workers", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("log_tail", sa.Text(), nullable=True),
        sa.Column("model_name", sa.String(100), nullable=True),
        sa.Column("model_version", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_jobs")),
    )
    op.create_index(op.f("ix_training_jobs_name"), "training_jobs", ["name"])
    op.create_index(op.f("ix_training_jobs_created_at"), "training_jobs", ["created_at"])
    op.create_index("ix_training_jobs_status_created", "training_jobs", ["status", "created_at"])
    op.create_table(
        "training_metrics",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.String(40), nullable=False),
        sa.Column("trial", sa.String(100), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["training_jobs.id"], ondelete="CASCADE",
                                name=op.f("fk_training_metrics_job_id_training_jobs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_metrics")),
    )
    op.create_index("ix_training_metrics_job_id_id", "training_metrics", ["job_id", "id"])
    op.create_table(
        "training_trials",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.String(40), nullable=False),
        sa.Column("trial", sa.String(100), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("best", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["training_jobs.id"], ondelete="CASCADE",
                                name=op.f("fk_training_trials_job_id_training_jobs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_trials")),
    )
    op.create_index("ix_training_trials_job_id", "training_trials", ["job_id"])
    op.create_table(
        "registry_models",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_models")),
        sa.UniqueConstraint("name", name=op.f("uq_registry_models_name")),
    )
    op.create_index(op.f("ix_registry_models_updated_at"), "registry_models", ["updated_at"])
    op.create_table(
        "registry_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("framework", sa.String(40), nullable=False),
        sa.Column("artifact_uri", sa.String(1000), nullable=False),
        sa.Column("signature", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("lineage", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["model_id"], ["registry_models.id"], ondelete="CASCADE",
                                name=op.f("fk_registry_versions_model_id_registry_models")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_versions")),
        sa.UniqueConstraint("model_id", "version", name=op.f("uq_registry_versions_model_id")),
    )
    op.create_index(op.f("ix_registry_versions_model_id"), "registry_versions", ["model_id"])
    op.create_index(op.f("ix_registry_versions_framework"), "registry_versions", ["framework"])


def downgrade() -> None:
    op.drop_table("registry_versions")
    op.drop_table("registry_models")
    op.drop_table("training_trials")
    op.drop_table("training_metrics")
    op.drop_table("training_jobs")
