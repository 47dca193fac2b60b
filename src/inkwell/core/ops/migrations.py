"""Alembic, driven from code: find the scripts, upgrade safely, compare revisions."""

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool


class MigrationRefused(Exception):
    """A migration found data it must not decide about on its own; its message says
    what to change before running it again. Nothing of that upgrade was applied."""


# Any fixed number: every replica running `inkwell migrate` at once queues on it.
MIGRATION_LOCK_ID = 0x1A7C_3E11


def migrations_dir() -> Path:
    """`migrations/` in the working directory (the image) or beside the source tree."""
    here = Path(__file__).resolve().parents[3] / "migrations"
    for candidate in (Path.cwd() / "migrations", here):
        if (candidate / "env.py").is_file():
            return candidate
    raise FileNotFoundError("no migrations/ directory found: run from the project root")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    return config


def head_revision() -> str | None:
    """The newest migration this build ships, or None when the scripts are absent."""
    try:
        return ScriptDirectory.from_config(alembic_config()).get_current_head()
    except FileNotFoundError:
        return None


def known_revisions() -> frozenset[str]:
    """Every revision this build ships (empty when the scripts are absent)."""
    try:
        script = ScriptDirectory.from_config(alembic_config())
    except FileNotFoundError:
        return frozenset()
    return frozenset(revision.revision for revision in script.walk_revisions())


async def database_revision(engine: AsyncEngine, within: float) -> str | None:
    """The database's revision (None when unmigrated); raises when unreachable."""

    async def query() -> str | None:
        async with engine.connect() as conn:
            # Asked first rather than read from a failed SELECT: a connection that died
            # under it fails that SELECT too, and is not an unmigrated database.
            if not await conn.run_sync(lambda sync: inspect(sync).has_table("alembic_version")):
                return None
            version: str | None = await conn.scalar(text("SELECT version_num FROM alembic_version"))
            return version

    return await asyncio.wait_for(query(), within)


async def upgrade(database_url: str) -> None:
    """`alembic upgrade head`, safe when several replicas run it at the same time.

    On PostgreSQL the migration transaction first takes an advisory lock, so the
    others wait and then find nothing left to do. SQLite's file lock does the same.
    """
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                await conn.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK_ID)))
            await conn.run_sync(_upgrade_on)
    finally:
        await engine.dispose()


def _upgrade_on(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
