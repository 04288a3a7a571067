"""Creating and upgrading the schema: Alembic revisions shipped inside the package.

A desk command only checks that the database is at ``HEAD`` (one cheap query through
the driver); SQLAlchemy and Alembic are imported only when there is something to create
or upgrade.
"""

from __future__ import annotations

from ledger.db import WRITE, Database, location, unavailable
from ledger.errors import NoBooks, StoreUnavailable
from ledger.i18n import _

HEAD = "0015"

_HAS_VERSION_TABLE = {
    "sqlite": "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
    "postgresql": "SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = ? "
    "AND schemaname = ANY(current_schemas(false))",
}


def current_revision(db: Database) -> str | None:
    """The schema revision stored in the database, or None for an empty database."""
    if not db.scalar(_HAS_VERSION_TABLE[db.dialect], ("alembic_version",)):
        return None
    found = db.scalar("SELECT version_num FROM alembic_version")
    return str(found) if found is not None else None


def upgrade(db: Database) -> tuple[str | None, str]:
    """Bring the schema to the newest revision; running it again changes nothing."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy.exc import DBAPIError

    before = current_revision(db)
    if before == HEAD:
        return before, HEAD
    config = Config()
    config.set_main_option("script_location", "ledger:migrations")
    engine = db.engine
    try:
        with engine.connect().execution_options(**WRITE) as conn, conn.begin():
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    except DBAPIError as exc:
        raise unavailable(db.target, exc) from None
    return before, current_revision(db) or HEAD


def ensure_schema(db: Database, *, create: bool = True) -> None:
    """Create the schema on first use (only when ``create``); refuse a newer ledger's.

    Without ``create``, a database with no ledger schema is refused, so that a read-only
    command pointed at the wrong PostgreSQL database never creates ledger's tables in it.
    """
    revision = current_revision(db)
    if revision == HEAD:
        return
    if revision is None:
        if not create:
            raise NoBooks(location(db))
        upgrade(db)
        return
    if revision > HEAD:
        raise StoreUnavailable(
            _(
                "database schema is at revision {revision}, newer than this ledger ({head}); "
                "upgrade ledger"
            ).format(revision=revision, head=HEAD)
        )
    raise StoreUnavailable(
        _(
            "database schema is at revision {revision}, this ledger needs {head}; run `ledger "
            "init` to upgrade it"
        ).format(revision=revision, head=HEAD)
    )
