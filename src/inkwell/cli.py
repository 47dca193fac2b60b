"""The `inkwell` command: serve, migrate, seed and check the service."""

import asyncio
import os
import tempfile
from typing import Annotated

import typer
import uvicorn
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from inkwell import seed as seeding
from inkwell.auth.hashing import PasswordHasher
from inkwell.core.config import Settings, get_settings
from inkwell.core.db import create_engine, create_sessionmaker
from inkwell.core.errors import DatabaseUnavailable
from inkwell.core.ops.logging import configure_logging
from inkwell.core.ops.migrations import (
    MigrationRefused,
    database_revision,
    head_revision,
    upgrade,
)
from inkwell.purge import purge_expired
from inkwell.users import service as users_service
from inkwell.users.models import User

# What a command meets when the database is down, unreachable or refuses it.
DATABASE_ERRORS = (OSError, SQLAlchemyError, DatabaseUnavailable)

app = typer.Typer(help="Inkwell: serve, migrate, seed and check.", no_args_is_help=True)
users_app = typer.Typer(help="Operate on accounts.", no_args_is_help=True)
app.add_typer(users_app, name="users")
console = Console(stderr=True)


def _settings() -> Settings:
    """The settings, or a clear message naming each invalid one (exit status 2)."""
    try:
        return get_settings()
    except ValidationError as exc:
        for error in exc.errors():
            name = "_".join(str(part) for part in error["loc"]).upper() or "settings"
            console.print(f"[red]invalid setting[/red] {name}: {error['msg']}")
        raise typer.Exit(2) from None


@app.command()
def serve(
    host: Annotated[str, typer.Option(envvar="HOST", help="Address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT", help="Port to bind")] = 8000,
    workers: Annotated[
        int, typer.Option(envvar="WORKERS", min=1, max=64, help="Worker processes")
    ] = 1,
    access_log: Annotated[
        bool | None, typer.Option(help="Log every request in uvicorn's format too")
    ] = None,
) -> None:
    """Run the production server (uvicorn with uvloop and httptools)."""
    settings = _settings()
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Workers write their metrics here and /metrics sums them.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="inkwell-metrics-")
    if access_log is not None:
        os.environ["ACCESS_LOG"] = "true" if access_log else "false"
        settings = settings.model_copy(update={"access_log": access_log})
    configure_logging(settings)
    uvicorn.run(
        "inkwell.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        access_log=settings.access_log,
        log_config=None,
        # X-Forwarded-For sets the client address (which the throttles count by) only
        # when the peer is a proxy listed here; anyone else could choose theirs.
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        server_header=False,
        timeout_graceful_shutdown=30,
    )


@app.command()
def migrate() -> None:
    """Upgrade the configured database to the newest migration (safe to run concurrently)."""
    settings = _settings()
    configure_logging(settings)
    try:
        asyncio.run(upgrade(settings.database_url))
    except DATABASE_ERRORS as exc:
        console.print(f"[red]migration failed:[/red] {type(exc).__name__}: {exc}")
        raise typer.Exit(1) from None
    except MigrationRefused as exc:
        console.print(f"[red]migration refused:[/red] {exc}")
        raise typer.Exit(1) from None
    console.print("[green]database is at the newest revision[/green]")


@app.command()
def seed(
    users: Annotated[int, typer.Option(min=0, help="Users to create")] = 100,
    posts: Annotated[int, typer.Option(min=0, help="Posts to create")] = 1000,
    tags: Annotated[int, typer.Option(min=0, help="Tags to create")] = 20,
    tags_per_post: Annotated[int, typer.Option(min=0, max=10)] = 3,
    published: Annotated[float, typer.Option(min=0, max=1, help="Share published")] = 0.8,
    random_seed: Annotated[int, typer.Option(help="Seed of the random choices")] = 42,
) -> None:
    """Fill the database with demo data. Every demo user's password is `inkwell-demo`."""
    settings = _settings()
    plan = seeding.SeedPlan(users, posts, tags, tags_per_post, published, random_seed)
    try:
        asyncio.run(_seed(settings, plan))
    except DATABASE_ERRORS as exc:
        console.print(f"[red]seeding failed:[/red] {type(exc).__name__}: {exc}")
        raise typer.Exit(1) from None


async def _seed(settings: Settings, plan: seeding.SeedPlan) -> None:
    hashed = await PasswordHasher(settings).hash(seeding.SEED_PASSWORD)
    engine = create_engine(settings)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    try:
        with Progress(*columns, TimeElapsedColumn(), console=console) as bar:
            tasks = {
                "users": bar.add_task("users", total=plan.users),
                "posts": bar.add_task("posts", total=plan.posts),
            }
            async with create_sessionmaker(engine)() as session, session.begin():
                await seeding.seed(
                    session,
                    plan,
                    hashed_password=hashed,
                    starting_credits=settings.starting_credits,
                    progress=lambda kind, n: bar.advance(tasks[kind], n),
                )
    finally:
        await engine.dispose()
    console.print(
        f"[green]seeded[/green] {plan.users} users, {plan.posts} posts, {plan.tags} tags "
        f"(password: {seeding.SEED_PASSWORD})"
    )


@app.command()
def purge() -> None:
    """Delete expired idempotency keys and throttle hits now (the app also does it every
    PURGE_INTERVAL_SECONDS; with PURGE_INTERVAL_SECONDS=0, run this from cron)."""
    settings = _settings()
    keys, hits = asyncio.run(_purge(settings))
    console.print(f"[green]purged[/green] {keys} idempotency keys, {hits} throttle hits")


async def _purge(settings: Settings) -> tuple[int, int]:
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine, write=True)() as session, session.begin():
            purged = await purge_expired(session)
    finally:
        await engine.dispose()
    return purged.idempotency_keys, purged.throttle_hits


UserRef = Annotated[str, typer.Argument(help="The user's id or username")]


@users_app.command()
def deactivate(user: UserRef) -> None:
    """Deactivate an account: it can no longer log in or receive credits (its tokens
    stop working). Account holders cannot do this themselves; they close their account."""
    _set_active(user, active=False)


@users_app.command()
def activate(user: UserRef) -> None:
    """Activate an account again."""
    _set_active(user, active=True)


def _set_active(ref: str, *, active: bool) -> None:
    settings = _settings()
    try:
        user = asyncio.run(_switch(settings, ref, active=active))
    except users_service.UserNotFound as exc:
        console.print(f"[red]no such user:[/red] {exc.detail}")
        raise typer.Exit(1) from None
    except DATABASE_ERRORS as exc:
        console.print(f"[red]failed:[/red] {type(exc).__name__}: {exc}")
        raise typer.Exit(1) from None
    state = "active" if active else "inactive"
    console.print(f"[green]user {user.id} ({user.username}) is {state}[/green]")


async def _switch(settings: Settings, ref: str, *, active: bool) -> User:
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            return await users_service.set_active(session, ref=ref, active=active)
    finally:
        await engine.dispose()


@app.command()
def check() -> None:
    """Print the effective configuration (secrets masked), whether the database is
    reachable and whether it is migrated; exit status 0 only when all is well."""
    settings = _settings()
    table = Table("setting", "value", title="Inkwell configuration")
    for name, value in settings.model_dump().items():
        shown = str(value)
        if name == "database_url":
            shown = make_url(value).render_as_string(hide_password=True)
        elif name == "jwt_secret":
            shown = "********"
        table.add_row(name.upper(), shown)
    Console().print(table)
    ok = asyncio.run(_check_database(settings))
    raise typer.Exit(0 if ok else 1)


async def _check_database(settings: Settings) -> bool:
    engine = create_engine(settings)
    try:
        revision = await database_revision(engine, settings.ready_timeout + 3)
    except DATABASE_ERRORS as exc:
        console.print(f"[red]database unreachable:[/red] {type(exc).__name__}")
        return False
    finally:
        await engine.dispose()
    head = head_revision()
    console.print("[green]database reachable[/green]")
    if revision != head:
        console.print(
            f"[red]not migrated:[/red] at {revision}, expected {head} (`inkwell migrate`)"
        )
        return False
    console.print(f"[green]migrated to head[/green] ({head})")
    return True
