"""Alembic environment: the migrations run on a connection :mod:`geo.store.db` opens and commits.

Run them with ``lnmap db upgrade`` (the app and the CLI also run them on first use).
"""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
