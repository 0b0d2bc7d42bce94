"""Engine set-up and programmatic Alembic migrations (the scripts ship inside the package; no alembic.ini)."""
from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from workbench.config import database_url
from workbench.store.errors import StoreError

SCRIPT_LOCATION = "workbench.store:migrations"
SQLITE_BUSY_TIMEOUT_S = 30.0
PG_CONNECT_TIMEOUT_S = 5
_PG_MIGRATION_LOCK_KEY = 0x4A554447  # arbitrary advisory-lock id ("JUDG")


def make_engine(url: str | URL | None = None) -> Engine:
    """Create an engine for ``url`` (default ``config.database_url()``).

    SQLite: parent directory is created, WAL journal, foreign keys on, busy timeout
    ``SQLITE_BUSY_TIMEOUT_S`` unless the URL sets ``?timeout=``. PostgreSQL: ``connect_timeout``
    ``PG_CONNECT_TIMEOUT_S`` unless the URL sets one. SQL parameters never appear in error messages.
    """
    check_url(url)
    sa_url = make_url(url or database_url())
    options: dict[str, Any] = {
        "hide_parameters": True,
        "json_serializer": partial(json.dumps, ensure_ascii=False),
    }
    backend = sa_url.get_backend_name()
    if backend == "sqlite":
        _ensure_sqlite_parent(sa_url)
        connect_args = {} if "timeout" in sa_url.query else {"timeout": SQLITE_BUSY_TIMEOUT_S}
        engine = create_engine(sa_url, connect_args=connect_args, **options)
        event.listen(engine, "connect", _sqlite_on_connect)
        return engine
    if backend == "postgresql" and "connect_timeout" not in sa_url.query:
        options["connect_args"] = {"connect_timeout": PG_CONNECT_TIMEOUT_S}
    return create_engine(sa_url, pool_pre_ping=True, **options)


def check_url(url: str | None = None) -> None:
    """Raise ``StoreError('config')`` when ``url`` cannot be parsed or its driver is not installed; connects to
    nothing, so it is cheap enough for start-up checks."""
    try:
        make_url(url or database_url()).get_dialect().import_dbapi()
    except (NoSuchModuleError, ImportError) as exc:
        raise StoreError("config", str(exc)) from None
    except ArgumentError:  # the URL may hold a password: not echoed
        raise StoreError("config", "URL could not be parsed") from None


def _ensure_sqlite_parent(url: URL) -> None:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def alembic_config(url: str | None = None) -> Config:
    """Alembic ``Config`` pointing at the packaged migration scripts (``url`` is used by CLI-style runs)."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """Newest revision shipped with the package."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def lock_for_migration(connection: Connection) -> None:
    """Serialise concurrent migrators: SQLite write lock / PostgreSQL transaction advisory lock."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK_KEY})


def upgrade(engine: Engine) -> None:
    """Run ``alembic upgrade head`` under a lock; a no-op (read only) when already at head. A database at a
    revision this package does not ship (made by a newer workbench) raises ``StoreError('newer_schema')``."""
    head = head_revision()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        if current == head:
            return
        known = {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
        if current is not None and current not in known:
            raise StoreError("newer_schema", f"database revision {current}, this version knows up to {head}")
        lock_for_migration(connection)
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.commit()
