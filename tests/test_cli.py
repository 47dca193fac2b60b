"""The `inkwell` command line: check, migrate (also concurrently), seed."""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from inkwell.cli import app
from inkwell.core.config import get_settings
from tests.support import POSTGRES_URL, run_in_thread

runner = CliRunner()
INKWELL = str(Path(sys.executable).parent / "inkwell")


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    full_env = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024", **env}
    result = runner.invoke(app, list(args), env=full_env)
    return result.exit_code, result.output


async def _scalar(url: str, sql: str) -> object:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            return await conn.scalar(text(sql))
    finally:
        await engine.dispose()


def test_migrate_then_check(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"}
    code, output = _invoke(env, "check")
    assert code == 1
    assert "not migrated" in output
    assert _invoke(env, "migrate")[0] == 0
    assert _invoke(env, "migrate")[0] == 0  # nothing left to do
    code, output = _invoke(env, "check")
    assert code == 0, output
    assert "migrated to head" in output


def test_check_masks_secrets(postgres_url: str) -> None:
    url = make_url(postgres_url).set(password="db-pass-123").render_as_string(False)
    env = {"DATABASE_URL": url, "JWT_SECRET": "jwt-secret-abcdefghijklmnopqrstuvwxyz"}
    code, output = _invoke(env, "check")
    assert code == 0, output
    assert "db-pass-123" not in output
    assert "jwt-secret-abc" not in output
    assert "DATABASE_URL" in output


def test_check_reports_an_unreachable_database() -> None:
    env = {"DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:9/x", "DB_CONNECT_TIMEOUT": "2"}
    code, output = _invoke(env, "check")
    assert code == 1
    assert "unreachable" in output


@pytest.mark.parametrize(
    ("name", "value"),
    [("DB_POOL_SIZE", "abc"), ("DATABASE_URL", "mysql://x"), ("LOG_FORMAT", "xml")],
)
def test_invalid_setting_is_named_without_traceback(name: str, value: str) -> None:
    result = subprocess.run(  # noqa: S603 - our own console script
        [INKWELL, "check"],
        env={**os.environ, name: value},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert name in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_seed_creates_consistent_demo_data(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'seed.db'}"
    env = {"DATABASE_URL": url}
    assert _invoke(env, "migrate")[0] == 0
    code, output = _invoke(env, "seed", "--users", "20", "--posts", "300", "--tags", "7")
    assert code == 0, output
    assert "inkwell-demo" in output

    def count(sql: str) -> object:
        return run_in_thread(lambda: _scalar(url, sql))

    assert count("SELECT count(*) FROM users") == 20
    assert count("SELECT count(*) FROM posts") == 300
    assert count("SELECT count(*) FROM post_tags") == 900
    assert count("SELECT count(DISTINCT created_at) FROM posts") == 300
    assert count(
        "SELECT (SELECT sum(credits) FROM users) = (SELECT sum(amount) FROM transfers)"
    ) in (1, True)
    assert count("SELECT count(*) FROM transfers WHERE kind = 'grant' AND amount = 100") == 20
    assert count("SELECT min(credits) = 100 AND max(credits) = 100 FROM users") in (1, True)
    # A second run adds more without clashing.
    assert _invoke(env, "seed", "--users", "5", "--posts", "10")[0] == 0
    assert count("SELECT count(*) FROM users") == 25


async def _on_server(statement: str) -> None:
    """Run one statement on the server's maintenance database (`postgres`)."""
    server = make_url(POSTGRES_URL).set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(server.render_as_string(hide_password=False))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def test_concurrent_migrations_on_postgres(postgres_url: str) -> None:
    name = f"inkwell_cli_{uuid.uuid4().hex[:8]}"
    run_in_thread(lambda: _on_server(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(postgres_url).set(database=name).render_as_string(False)
        env = {**os.environ, "DATABASE_URL": url}
        processes = [
            subprocess.Popen(  # noqa: S603 - our own console script
                [INKWELL, "migrate"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            for _ in range(3)
        ]
        results = [p.communicate(timeout=120) for p in processes]
        assert [p.returncode for p in processes] == [0, 0, 0], results
        assert run_in_thread(lambda: _scalar(url, "SELECT version_num FROM alembic_version"))
    finally:
        run_in_thread(lambda: _on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_purge_removes_only_expired_rows(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'purge.db'}"
    env = {"DATABASE_URL": url}
    assert _invoke(env, "migrate")[0] == 0
    assert _invoke(env, "seed", "--users", "2", "--posts", "0", "--tags", "0")[0] == 0

    async def fill() -> None:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.begin() as conn:
                old, new = "2000-01-01 00:00:00", "2999-01-01 00:00:00"
                for key, expires in (("old", old), ("new", new)):
                    await conn.execute(
                        text(
                            "INSERT INTO idempotency_keys (user_id, key, fingerprint, "
                            "status_code, body, expires_at) VALUES (1, :k, 'f', 201, '{}', :e)"
                        ),
                        {"k": key, "e": expires},
                    )
                for until in (old, new):
                    await conn.execute(
                        text("INSERT INTO throttle_hits (key, counts_until) VALUES ('a', :u)"),
                        {"u": until},
                    )
        finally:
            await engine.dispose()

    run_in_thread(fill)
    code, output = _invoke(env, "purge")
    assert code == 0, output
    assert "purged 1 idempotency keys, 1 throttle hits" in " ".join(output.split())
    keys = run_in_thread(lambda: _scalar(url, "SELECT group_concat(key) FROM idempotency_keys"))
    assert keys == "new"
    assert run_in_thread(lambda: _scalar(url, "SELECT count(*) FROM throttle_hits")) == 1


def test_users_deactivate_and_activate(tmp_path: Path) -> None:
    """The operator's switch: by id or username; an unknown account exits 1."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'switch.db'}"
    env = {"DATABASE_URL": url}
    assert _invoke(env, "migrate")[0] == 0
    assert _invoke(env, "seed", "--users", "2", "--posts", "0", "--tags", "0")[0] == 0

    def active(user_id: int) -> object:
        sql = f"SELECT is_active FROM users WHERE id = {user_id:d}"  # noqa: S608 - an int
        return run_in_thread(lambda: _scalar(url, sql))

    username = run_in_thread(lambda: _scalar(url, "SELECT username FROM users WHERE id = 2"))
    code, output = _invoke(env, "users", "deactivate", "1")
    assert code == 0, output
    assert "is inactive" in output
    assert _invoke(env, "users", "deactivate", str(username))[0] == 0
    assert (active(1), active(2)) == (0, 0)
    assert _invoke(env, "users", "activate", str(username))[0] == 0
    assert (active(1), active(2)) == (0, 1)
    code, output = _invoke(env, "users", "activate", "no-such-user")
    assert code == 1
    assert "no such user" in output
