"""The registry as a catalogue: tiers, teams, tags, cards, health, aliases and their history.

Extends the tables of 0003 in place; existing models and versions keep their rows (their
tier becomes 3, their latest version is filled in from their versions).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from griffin_lab.db.base import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def model_columns() -> list[sa.Column]:
    """Fresh column objects each call (a column belongs to one table once used)."""
    return [
        sa.Column("team", sa.String(200), nullable=False, server_default=""),
        sa.Column("use_case", sa.String(200), nullable=False, server_default=""),
        sa.Column("tier", sa.Integer(), nullable=False, server_default="3"),
        sa.Column("tags", sa.JSON(), nullable=False, server_default="[]"),
        sa.Column("links", sa.JSON(), nullable=False, server_default="[]"),
        sa.Column("card", sa.Text(), nullable=False, server_default=""),
        sa.Column("search_text", sa.Text(), nullable=False, server_default=""),
        sa.Column("latest_version", sa.Integer(), nullable=True),
        sa.Column("framework", sa.String(40), nullable=False, server_default=""),
        sa.Column("health", sa.String(20), nullable=False, server_default="unknown"),
        sa.Column("health_severity", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("health_reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("health_updated_at", UTCDateTime(), nullable=True),
        sa.Column("updated_by", sa.String(200), nullable=False, server_default=""),
    ]


def upgrade() -> None:
    with op.batch_alter_table("registry_models") as batch:
        for column in model_columns():
            batch.add_column(column)
        batch.create_index(op.f("ix_registry_models_owner"), ["owner"])
        batch.create_index(op.f("ix_registry_models_team"), ["team"])
        batch.create_index(op.f("ix_registry_models_framework"), ["framework"])
        batch.create_index("ix_registry_models_tier_updated", ["tier", "updated_at"])
        batch.create_index("ix_registry_models_attention", ["health_severity", "tier"])
    op.execute("UPDATE registry_models SET updated_by = created_by, "
                "search_text = lower(name || ' ' || description), latest_version = "
                "(SELECT max(v.version) FROM registry_versions v "
                "WHERE v.model_id = registry_models.id), framework = coalesce("
                "(SELECT v.framework FROM registry_versions v WHERE v.model_id = "
                "registry_models.id ORDER BY v.version DESC LIMIT 1), '')")
    with op.batch_alter_table("registry_versions") as batch:
        batch.add_column(sa.Column("description", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("source", sa.String(20), nullable=False,
                                   server_default="training"))
    op.create_table(
        "registry_model_tags",
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(["model_id"], ["registry_models.id"], ondelete="CASCADE",
                                name=op.f("fk_registry_model_tags_model_id_registry_models")),
        sa.PrimaryKeyConstraint("model_id", "tag", name=op.f("pk_registry_model_tags")),
    )
    op.create_index(op.f("ix_registry_model_tags_tag"), "registry_model_tags", ["tag"])
    op.create_table(
        "registry_aliases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(60), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["model_id"], ["registry_models.id"], ondelete="CASCADE",
                                name=op.f("fk_registry_aliases_model_id_registry_models")),
        sa.ForeignKeyConstraint(["version_id"], ["registry_versions.id"], ondelete="RESTRICT",
                                name=op.f("fk_registry_aliases_version_id_registry_versions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_aliases")),
        sa.UniqueConstraint("model_id", "alias", name=op.f("uq_registry_aliases_model_id")),
    )
    op.create_index(op.f("ix_registry_aliases_alias"), "registry_aliases", ["alias"])
    op.create_table(
        "registry_alias_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(60), nullable=False),
        sa.Column("from_version", sa.Integer(), nullable=True),
        sa.Column("to_version", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"], ["registry_models.id"], ondelete="CASCADE",
            name=op.f("fk_registry_alias_events_model_id_registry_models")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_alias_events")),
    )
    op.create_index("ix_registry_alias_events_model_at", "registry_alias_events",
                    ["model_id", "at"])


def downgrade() -> None:
    op.drop_table("registry_alias_events")
    op.drop_table("registry_aliases")
    op.drop_table("registry_model_tags")
    with op.batch_alter_table("registry_versions") as batch:
        batch.drop_column("source")
        batch.drop_column("description")
    with op.batch_alter_table("registry_models") as batch:
        batch.drop_index("ix_registry_models_attention")
        batch.drop_index("ix_registry_models_tier_updated")
        batch.drop_index(op.f("ix_registry_models_framework"))
        batch.drop_index(op.f("ix_registry_models_team"))
        batch.drop_index(op.f("ix_registry_models_owner"))
        for column in reversed(model_columns()):
            batch.drop_column(column.name)
