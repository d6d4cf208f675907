"""Alembic environment for the profile store (run through ``profiles.migrate``)."""

from __future__ import annotations

from alembic import context

from profiles.models import ProfileBase

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=ProfileBase.metadata,
                  version_table="profile_alembic_version",
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
