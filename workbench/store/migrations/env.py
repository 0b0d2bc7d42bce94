"""Alembic environment: uses the connection in ``config.attributes`` (see ``workbench.store.db.upgrade``)
or opens one from ``sqlalchemy.url`` / ``config.database_url()``."""
from __future__ import annotations

from alembic import context

from workbench.config import database_url
from workbench.store.db import lock_for_migration, make_engine
from workbench.store.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url") or database_url()


def _configure_and_run(**kwargs: object) -> None:
    context.configure(target_metadata=Base.metadata, compare_type=True, **kwargs)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _configure_and_run(url=url, literal_binds=True)
elif (connection := config.attributes.get("connection")) is not None:
    _configure_and_run(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
else:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            lock_for_migration(conn)
            _configure_and_run(connection=conn, render_as_batch=conn.dialect.name == "sqlite")
            conn.commit()
    finally:
        engine.dispose()
