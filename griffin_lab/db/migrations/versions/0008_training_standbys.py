"""Warm standby training jobs waiting to be claimed.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from griffin_lab.db.base import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_standbys",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("runtime", sa.String(40), nullable=False),
        sa.Column("env_key", sa.String(64), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("ray_job_id", sa.String(100), nullable=False),
        sa.Column("job_id", sa.String(40), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("idle_at", UTCDateTime(), nullable=True),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_training_standbys_key_state", "training_standbys", ["env_key", "state"])


def downgrade() -> None:
    op.drop_index("ix_training_standbys_key_state", table_name="training_standbys")
    op.drop_table("training_standbys")
