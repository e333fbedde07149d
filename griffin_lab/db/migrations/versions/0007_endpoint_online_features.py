"""Endpoints that read their models' features from the online store (feature loading).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # null: the endpoint takes feature values in each request (every endpoint before this)
    with op.batch_alter_table("serving_endpoints") as batch:
        batch.add_column(sa.Column("online_features", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("serving_endpoints") as batch:
        batch.drop_column("online_features")
