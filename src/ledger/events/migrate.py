"""Creating and upgrading the schema: Alembic revisions shipped inside the package.

A desk command only checks that the database is at ``HEAD`` (one cheap query); Alembic
itself is imported only when there is something to create or upgrade.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from ledger.db import WRITE, location, unavailable
from ledger.errors import NoBooks, StoreUnavailable

HEAD = "0001"


def current_revision(engine: Engine) -> str | None:
    """The schema revision stored in the database, or None for an empty database."""
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError as exc:
        raise unavailable(engine, exc) from None


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the schema to the newest revision; running it again changes nothing."""
    from alembic import command
    from alembic.config import Config

    before = current_revision(engine)
    if before == HEAD:
        return before, HEAD
    config = Config()
    config.set_main_option("script_location", "ledger:migrations")
    try:
        with engine.connect().execution_options(**WRITE) as conn, conn.begin():
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    except DBAPIError as exc:
        raise unavailable(engine, exc) from None
    return before, current_revision(engine) or HEAD


def ensure_schema(engine: Engine, *, create: bool = True) -> None:
    """Create the schema on first use (only when ``create``); refuse a newer ledger's.

    Without ``create``, a database with no ledger schema is refused, so that a read-only
    command pointed at the wrong PostgreSQL database never creates ledger's tables in it.
    """
    revision = current_revision(engine)
    if revision == HEAD:
        return
    if revision is None:
        if not create:
            raise NoBooks(location(engine))
        upgrade(engine)
        return
    if revision > HEAD:
        raise StoreUnavailable(
            f"database schema is at revision {revision}, newer than this ledger ({HEAD}); "
            "upgrade ledger"
        )
    raise StoreUnavailable(
        f"database schema is at revision {revision}, this ledger needs {HEAD}; "
        "run `ledger init` to upgrade it"
    )
