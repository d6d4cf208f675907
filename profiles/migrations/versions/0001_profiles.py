"""profile store: customers, identities, consents, interests, interactions, mood history

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _customer_fk() -> sa.Column:
    return sa.Column("customer_id", sa.String(36),
                     sa.ForeignKey("profile_customers.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "profile_customers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "profile_identities",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _customer_fk(),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("lookup", sa.String(64), nullable=False),
        sa.Column("value_enc", sa.Text, nullable=False),
        sa.Column("verified", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("channel", "lookup", name="uq_profile_identity"),
    )
    op.create_index("ix_profile_identities_customer_id", "profile_identities", ["customer_id"])
    op.create_table(
        "profile_consents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _customer_fk(),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("granted", sa.Boolean, nullable=False),
        sa.Column("text_shown", sa.Text, nullable=False),
        sa.Column("text_version", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_profile_consents_customer_id", "profile_consents", ["customer_id"])
    op.create_table(
        "profile_interests",
        sa.Column("customer_id", sa.String(36),
                  sa.ForeignKey("profile_customers.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("topic", sa.String(64), primary_key=True),
        sa.Column("weight", sa.Float, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "profile_interactions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _customer_fk(),
        sa.Column("conversation", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("intent", sa.String(64)),
        sa.Column("sentiment", sa.Float),
        sa.Column("action", sa.String(64)),
        sa.Column("item", sa.String(64)),
        sa.Column("feedback", sa.String(16)),
        sa.Column("resolved", sa.Boolean),
        sa.Column("text_enc", sa.Text),
    )
    op.create_index("ix_profile_interactions_customer_id", "profile_interactions", ["customer_id"])
    op.create_index("ix_profile_interactions_conversation", "profile_interactions", ["conversation"])
    op.create_index("ix_profile_interactions_at", "profile_interactions", ["at"])
    op.create_table(
        "profile_mood_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _customer_fk(),
        sa.Column("conversation", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mood", sa.Float, nullable=False),
        sa.Column("sentiment", sa.Float, nullable=False),
    )
    op.create_index("ix_profile_mood_history_customer_id", "profile_mood_history", ["customer_id"])
    op.create_index("ix_profile_mood_at", "profile_mood_history", ["at"])


def downgrade() -> None:
    for table in ("profile_mood_history", "profile_interactions", "profile_interests",
                  "profile_consents", "profile_identities", "profile_customers"):
        op.drop_table(table)
