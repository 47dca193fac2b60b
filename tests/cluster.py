"""A PostgreSQL primary and a streaming standby of the suite's own, for the tests of
replicas and failover (tests/conftest.py: `pg_cluster`, `fresh_pg_cluster`).

`PgCluster.create()` runs the installed PostgreSQL's `initdb` and `pg_basebackup -R -X
stream` as the `postgres` user (the suite runs as root, which PostgreSQL refuses to run
as), in a temporary folder of their own, on free loopback ports, with TCP only and trust
authentication. The standby applies commits `recovery_min_apply_delay` late, so it lags
on purpose: PostgreSQL delays only the replay of COMMIT records, so a row written on the
primary shows on the standby that long after its commit, while the WAL itself streams at
once (and a synchronous standby acknowledges it at once). The app's database is migrated
to head on the primary; the standby follows it.

Control methods are coroutines (they wait on processes in a thread, so an app served on
the test's loop keeps answering meanwhile); `create` and `close` are plain functions for
fixtures. Nothing here ever connects to the machine's own cluster on port 5432.
"""

import asyncio
import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import URL

from tests.servers import free_port
from tests.support import alembic_migrate, run_in_thread

DATABASE = "inkwell"
STANDBY_NAME = "standby"  # its application_name, which synchronous_standby_names names
DEFAULT_APPLY_DELAY_S = 2.0
PG_CTL_TIMEOUT_S = 30
WAIT_TIMEOUT_S = 30.0
_TEMP_PREFIX = "inkwell-pg-"
_OWNER_FILE = "owner.pid"

# Every node's settings; the standby's copy of the primary's, then its own below them (the
# last line naming a setting wins). fsync off: a crash of the machine loses the cluster,
# which a test never outlives anyway. No Unix socket: the loopback address only, so
# nothing collides with the machine's own cluster's socket. hot_standby_feedback keeps
# the primary from vacuuming rows a standby's query still reads (no query cancelled).
_SETTINGS = """
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
fsync = off
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
hot_standby = on
hot_standby_feedback = on
shared_buffers = 32MB
max_connections = 100
log_line_prefix = '%m [%p] %q%a '
"""
# A standby reconnects to a restarted primary within a fraction of a second, not the
# default 5 s, and reports its position every second, not 10. Promoted, it waits for no
# standby of its own (its copy of the primary's configuration may name one).
_STANDBY_SETTINGS = """
synchronous_standby_names = ''
wal_retrieve_retry_interval = '200ms'
wal_receiver_status_interval = '1s'
"""


class ClusterUnavailable(Exception):
    """This machine cannot run a cluster of the suite's own (no PostgreSQL server
    programs, or no `postgres` user to run them as root)."""


def postgres_bindir() -> Path:
    """The installed PostgreSQL's server programs: `pg_config --bindir`, else Debian's
    newest /usr/lib/postgresql/N/bin."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            done = subprocess.run(  # noqa: S603 - the installed pg_config, fixed arguments
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            )
            candidates.append(Path(done.stdout.strip()))
    # libpq-dev's pg_config may name /usr/bin, without the server programs.
    found = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += sorted(map(Path, found), key=lambda p: int(p.parent.name), reverse=True)
    for bindir in candidates:
        if all((bindir / program).exists() for program in ("initdb", "pg_ctl", "pg_basebackup")):
            return bindir
    raise ClusterUnavailable(f"no PostgreSQL server programs (initdb) in {candidates}")


def _postgres_user() -> pwd.struct_passwd | None:
    """Whom PostgreSQL runs as: `postgres` when we are root, else ourselves (None)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise ClusterUnavailable("running as root and there is no `postgres` user") from None


def _environment() -> dict[str, str]:
    # No PGHOST, PGPORT, PGDATA, ... of the caller's: every command names its own node.
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


@dataclass
class Node:
    """One PostgreSQL server of the pair: its data folder, port and log."""

    name: str
    data: Path
    port: int
    log: Path
    running: bool = False

    def dsn(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def logs(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class PgCluster:
    """A primary and a streaming standby (see the module's docstring)."""

    def __init__(
        self,
        root: Path,
        bindir: Path,
        user: pwd.struct_passwd | None,
        *,
        database: str,
        apply_delay: float,
    ) -> None:
        self.root = root
        self.bindir = bindir
        self.user = user
        self.database = database
        self.default_apply_delay = apply_delay
        self.primary = Node("primary", root / "primary", 0, root / "primary.log")
        self.standby = Node(STANDBY_NAME, root / "standby", 0, root / "standby.log")
        # What the control methods changed, which `restore` puts back.
        self.apply_delay = apply_delay
        self.paused = False
        self.synchronous = False
        self.promoted = False

    # Building and removing -------------------------------------------------------------

    @classmethod
    def create(
        cls,
        *,
        database: str = DATABASE,
        apply_delay: float = DEFAULT_APPLY_DELAY_S,
        synchronous: bool = False,
    ) -> "PgCluster":
        """A running primary with `database` migrated to head, and its standby streaming
        from it `apply_delay` s behind (synchronously with `synchronous`). Removed
        whole by `close`, also when this fails half-way."""
        bindir = postgres_bindir()
        user = _postgres_user()
        _remove_abandoned_clusters(bindir, user)
        root = Path(tempfile.mkdtemp(prefix=_TEMP_PREFIX))
        # Whose cluster it is: a later run removes it if this process died without closing.
        (root / _OWNER_FILE).write_text(str(os.getpid()))
        if user is not None:
            os.chown(root, user.pw_uid, user.pw_gid)
        cluster = cls(root, bindir, user, database=database, apply_delay=apply_delay)
        try:
            cluster._build(synchronous=synchronous)
        except BaseException:
            cluster.close()
            raise
        return cluster

    def _build(self, *, synchronous: bool) -> None:
        self._run(
            "initdb",
            *("-D", str(self.primary.data), "-U", "postgres", "--auth=trust"),
            *("--encoding=UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions"),
        )
        with (self.primary.data / "postgresql.conf").open("a") as conf:
            conf.write(_SETTINGS)
        self._start(self.primary)
        run_in_thread(lambda: self._create_database())
        run_in_thread(lambda: alembic_migrate(self.primary_url, "head"))
        self._make_standby()
        if synchronous:  # not before: with no standby yet, every commit would wait for one
            run_in_thread(lambda: self.set_synchronous(True))

    async def _create_database(self) -> None:
        conn = await asyncpg.connect(self.primary.dsn("postgres"), timeout=10)
        try:
            await conn.execute(f'CREATE DATABASE "{self.database}"')
        finally:
            await conn.close()

    def _make_standby(self) -> None:
        """A base backup of the primary that streams from it through a replication slot
        (so a standby stopped for a while finds the WAL it missed still there)."""
        conninfo = (
            f"host=127.0.0.1 port={self.primary.port} user=postgres application_name={STANDBY_NAME}"
        )
        self._run(
            "pg_basebackup",
            *("-D", str(self.standby.data), "-d", conninfo, "-R", "-X", "stream"),
            *("-C", "-S", STANDBY_NAME, "--no-sync", "--checkpoint=fast"),
        )
        with (self.standby.data / "postgresql.conf").open("a") as conf:
            conf.write(_STANDBY_SETTINGS)
            conf.write(f"recovery_min_apply_delay = '{_milliseconds(self.apply_delay)}'\n")
        self._start(self.standby)

    def close(self) -> None:
        """Both servers stopped at once (no checkpoint, nothing to keep) and the folder
        removed; safe to call twice, and on a half-built cluster."""
        for node in (self.standby, self.primary):
            _kill(self.bindir, self.user, node, self.root)
            node.running = False
        shutil.rmtree(self.root, ignore_errors=True)

    def rebuild(self) -> None:
        """The cluster made anew in place (same object, new ports and data): for a cluster
        shared by tests after one of them promoted its standby."""
        self.close()
        self.root.mkdir(mode=0o700)
        (self.root / _OWNER_FILE).write_text(str(os.getpid()))
        if self.user is not None:
            os.chown(self.root, self.user.pw_uid, self.user.pw_gid)
        self.primary = Node("primary", self.root / "primary", 0, self.root / "primary.log")
        self.standby = Node(STANDBY_NAME, self.root / "standby", 0, self.root / "standby.log")
        self.apply_delay = self.default_apply_delay
        self.paused = self.synchronous = self.promoted = False
        self._build(synchronous=False)

    # Addresses -------------------------------------------------------------------------

    def url(self, node: Node) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{node.port}/{self.database}"

    @property
    def primary_url(self) -> str:
        """The app's database on the primary (SQLAlchemy, asyncpg)."""
        return self.url(self.primary)

    @property
    def standby_url(self) -> str:
        """The app's database on the standby (read-only until promoted)."""
        return self.url(self.standby)

    @property
    def failover_url(self) -> str:
        """Both servers in SQLAlchemy's multi-host form, `target_session_attrs=read-write`:
        whichever of them accepts writes (the primary, or the standby once promoted)."""
        hosts = [f"127.0.0.1:{node.port}" for node in (self.primary, self.standby)]
        query = {"host": hosts, "target_session_attrs": "read-write"}
        url = URL.create("postgresql+asyncpg", "postgres", database=self.database, query=query)
        return url.render_as_string(hide_password=False)

    # Processes -------------------------------------------------------------------------

    async def stop_primary(self, mode: str = "fast") -> None:
        """`pg_ctl stop -m MODE`: `fast` (clients disconnected, a clean shutdown) or
        `immediate` (as if the server crashed)."""
        await asyncio.to_thread(self._stop, self.primary, mode)

    async def start_primary(self) -> None:
        await asyncio.to_thread(self._start, self.primary)

    async def stop_standby(self, mode: str = "fast") -> None:
        await asyncio.to_thread(self._stop, self.standby, mode)
        self.paused = False  # a paused replay does not outlive its server

    async def start_standby(self) -> None:
        await asyncio.to_thread(self._start, self.standby)

    async def promote(self) -> None:
        """The standby promoted to a primary (`pg_ctl promote -w`: it accepts writes when
        this returns). The old primary is left as it is; stop it first for a failover."""
        await asyncio.to_thread(
            self._run, "pg_ctl", "promote", "-w", "-t", str(PG_CTL_TIMEOUT_S),
            "-D", str(self.standby.data),
        )  # fmt: skip
        self.promoted = True
        self.paused = False

    def _start(self, node: Node) -> None:
        """`pg_ctl start -w`, the first time on a free port. Another process may take the
        port between free_port() and the server's bind: then again on another. A restart
        keeps its port, which the standby and the tests' URLs name."""
        first = node.port == 0
        for _ in range(3 if first else 1):
            if first:
                node.port = free_port()
                with (node.data / "postgresql.conf").open("a") as conf:
                    conf.write(f"port = {node.port}\n")
            start = node.log.stat().st_size if node.log.exists() else 0
            done = self._run(
                "pg_ctl", "start", "-w", "-t", str(PG_CTL_TIMEOUT_S),
                "-D", str(node.data), "-l", str(node.log),
                check=False,
            )  # fmt: skip
            if done.returncode == 0:
                node.running = True
                return
            log = node.logs()[start:]
            if "could not bind" not in log and "already in use" not in log:
                break
        raise RuntimeError(f"pg_ctl start of the {node.name} failed:\n{done.stdout}{node.logs()}")

    def _stop(self, node: Node, mode: str) -> None:
        self._run(
            "pg_ctl", "stop", "-w", "-m", mode, "-t", str(PG_CTL_TIMEOUT_S), "-D", str(node.data)
        )
        node.running = False

    def _run(
        self, program: str, *args: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        return _run_as(self.bindir, self.user, self.root, program, *args, check=check)

    # Replay ----------------------------------------------------------------------------

    async def pause_replay(self) -> None:
        """`pg_wal_replay_pause()` on the standby, returning once replay has stopped: the
        standby keeps receiving WAL and answering queries, with what it had."""
        async with self._connect(self.standby) as conn:
            await conn.execute("SELECT pg_wal_replay_pause()")
            await _until(conn, "SELECT pg_get_wal_replay_pause_state() = 'paused'")
        self.paused = True

    async def resume_replay(self) -> None:
        async with self._connect(self.standby) as conn:
            await conn.execute("SELECT pg_wal_replay_resume()")
        self.paused = False

    async def set_apply_delay(self, seconds: float) -> None:
        """The standby's recovery_min_apply_delay, by ALTER SYSTEM and a reload: it applies
        to commits waiting to be replayed too. Returns once new sessions see the value:
        the reload is asynchronous, and the startup process, which replays, takes it at
        the same time as the postmaster that forks them (within milliseconds)."""
        value = _milliseconds(seconds)
        async with self._connect(self.standby) as conn:
            await conn.execute(f"ALTER SYSTEM SET recovery_min_apply_delay = '{value}'")
            await conn.execute("SELECT pg_reload_conf()")
        deadline = time.monotonic() + WAIT_TIMEOUT_S
        while True:
            async with self._connect(self.standby) as conn:
                setting = await conn.fetchval(
                    "SELECT setting || unit FROM pg_settings "
                    "WHERE name = 'recovery_min_apply_delay'"
                )
            if setting == value:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"recovery_min_apply_delay still {setting}, not {value}")
            await asyncio.sleep(0.01)
        self.apply_delay = seconds

    async def set_synchronous(self, on: bool) -> None:
        """Synchronous replication on the primary (synchronous_standby_names naming the
        standby), or off. On, a commit is acknowledged once the standby has flushed its
        WAL (synchronous_commit=on), not once it has applied it: the apply delay still
        holds. Returns once the standby counts as synchronous, if it is streaming."""
        names = f'"{STANDBY_NAME}"' if on else ""
        async with self._connect(self.primary) as conn:
            await conn.execute(f"ALTER SYSTEM SET synchronous_standby_names = '{names}'")
            await conn.execute("SELECT pg_reload_conf()")
            if on and self.standby.running and not self.promoted:
                await _until(
                    conn,
                    "SELECT EXISTS (SELECT FROM pg_stat_replication "
                    "WHERE application_name = $1 AND sync_state = 'sync')",
                    STANDBY_NAME,
                )
        self.synchronous = on

    async def wait_until_replayed(self) -> None:
        """Until the standby has replayed everything the primary had written when this
        was called (its apply delay included): WAIT_TIMEOUT_S at most, less within an
        asyncio.timeout of the caller's."""
        async with self._connect(self.primary) as conn:
            target = await conn.fetchval("SELECT pg_current_wal_lsn()::text")
        async with self._connect(self.standby) as conn:
            await _until(conn, "SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn", target)

    async def replay_lag(self) -> float:
        """Seconds since the standby last replayed a commit's timestamp, as it sees it."""
        async with self._connect(self.standby) as conn:
            lag = await conn.fetchval(
                "SELECT extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8"
            )
        return float(lag or 0.0)

    # Back to the start -----------------------------------------------------------------

    async def restore(self) -> None:
        """The pair as `create` left it, after a test that changed it with the methods
        above: both running, replay resumed, the default apply delay, asynchronous; a
        promoted pair is rebuilt (new ports). Costs nothing when nothing changed."""
        if self.promoted:
            await asyncio.to_thread(self.rebuild)
            return
        if not self.primary.running:
            await self.start_primary()
        if not self.standby.running:
            await self.start_standby()
        if self.paused:
            await self.resume_replay()
        if self.apply_delay != self.default_apply_delay:
            await self.set_apply_delay(self.default_apply_delay)
        if self.synchronous:
            await self.set_synchronous(False)

    @contextlib.asynccontextmanager
    async def _connect(self, node: Node) -> AsyncIterator[asyncpg.Connection]:
        conn = await asyncpg.connect(node.dsn(self.database), timeout=10)
        try:
            yield conn
        finally:
            await conn.close()

    def connect(self, node: Node) -> contextlib.AbstractAsyncContextManager[asyncpg.Connection]:
        """`async with cluster.connect(cluster.standby) as conn:` an asyncpg connection to
        the app's database on that node, closed when left."""
        return self._connect(node)


def _milliseconds(seconds: float) -> str:
    return f"{round(seconds * 1000)}ms"


async def _until(conn: asyncpg.Connection, query: str, *args: object) -> None:
    """Until the query answers true, polled every 20 ms, for WAIT_TIMEOUT_S at most
    (less within the caller's asyncio.timeout)."""
    deadline = time.monotonic() + WAIT_TIMEOUT_S
    while time.monotonic() < deadline:
        if await conn.fetchval(query, *args):
            return
        await asyncio.sleep(0.02)
    raise TimeoutError(f"still false after {WAIT_TIMEOUT_S:.0f} s: {query} {args}")


def _run_as(
    bindir: Path,
    user: pwd.struct_passwd | None,
    cwd: Path,
    program: str,
    *args: str,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """A PostgreSQL program as the `postgres` user (runuser, when we are root), from a
    folder it can enter; raises with its output if it fails and `check`."""
    command: Sequence[str] = [str(bindir / program), *args]
    if user is not None:
        command = ["runuser", "-u", user.pw_name, "--", *command]
    done = subprocess.run(  # noqa: S603 - the installed PostgreSQL's programs, our arguments
        command,
        cwd=cwd,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=PG_CTL_TIMEOUT_S + 30,
        check=False,
    )
    if check and done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}{done.stderr}"
        )
    return done


def _kill(bindir: Path, user: pwd.struct_passwd | None, node: Node, cwd: Path) -> None:
    """The node's server stopped at once if it runs: `pg_ctl stop -m immediate`, else
    SIGKILL to the postmaster its pid file names."""
    pid_file = node.data / "postmaster.pid"
    if not pid_file.exists():
        return
    done = _run_as(
        bindir, user, cwd if cwd.exists() else Path("/"),
        "pg_ctl", "stop", "-w", "-m", "immediate", "-t", "10", "-D", str(node.data),
        check=False,
    )  # fmt: skip
    if done.returncode != 0 and pid_file.exists():
        with contextlib.suppress(ValueError, IndexError, OSError):
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)


def _remove_abandoned_clusters(bindir: Path, user: pwd.struct_passwd | None) -> None:
    """Clusters of runs that died without closing theirs (killed, say): their servers
    would run on forever. Only our own folders, and only those whose owner is gone."""
    for folder in Path(tempfile.gettempdir()).glob(f"{_TEMP_PREFIX}*"):
        try:
            owner = int((folder / _OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue  # being made right now, or not ours
        try:
            os.kill(owner, 0)
        except ProcessLookupError:
            pass  # gone: its cluster is abandoned
        except PermissionError:
            continue  # alive, another user's
        else:
            continue  # alive
        for name in ("standby", "primary"):
            _kill(bindir, user, Node(name, folder / name, 0, folder / f"{name}.log"), folder)
        shutil.rmtree(folder, ignore_errors=True)
