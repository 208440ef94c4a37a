"""A throw-away PostgreSQL cluster for the tests: initdb + pg_ctl in a temporary directory.

It listens on 127.0.0.1 on a free port (its socket in the same directory), asks for a
password over TCP (so every test URL carries one, as a real deployment's does), runs
without fsync, and is stopped and removed by `stop()`. PostgreSQL refuses to run as
root: as root the server runs as an unprivileged system user (`feedbot-test`, created if
missing, else `nobody`) that owns the directory.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

USER = "postgres"
PASSWORD = "pg-test-s3cret"  # tests assert it never appears in output
SERVICE_USER = "feedbot-test"


class ClusterUnavailable(Exception):
    """PostgreSQL cannot be found or started here; the message says why, in one line."""


def find_bindir() -> Path:
    """The directory holding initdb and pg_ctl: PATH first, then Debian's versions, newest
    first."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(os.path.realpath(on_path)).parent
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                    key=lambda p: int(Path(p).parent.parent.name)
                    if Path(p).parent.parent.name.isdigit() else 0, reverse=True)
    for initdb in debian:
        if (Path(initdb).parent / "pg_ctl").exists():
            return Path(initdb).parent
    raise ClusterUnavailable("initdb/pg_ctl not found (install Debian's postgresql package)")


def _service_user() -> str | None:
    """None when this process may run PostgreSQL itself; else the user to run it as."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVICE_USER)
        return SERVICE_USER
    except KeyError:
        pass
    created = subprocess.run(
        ["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
         "--shell", "/usr/sbin/nologin", SERVICE_USER], capture_output=True, check=False)
    return SERVICE_USER if created.returncode == 0 else "nobody"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresCluster:
    """`start()`, then `create_database()` per test, then `stop()`."""

    def __init__(self) -> None:
        self.bindir = find_bindir()
        self.run_as = _service_user()
        self.root = Path(tempfile.mkdtemp(prefix="feedbot-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = 0
        self._databases = 0
        self._started = False

    def _run(self, args: Sequence[str], timeout: float = 60) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.run_as is not None:
            command = ["runuser", "-u", self.run_as, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                check=False, cwd=self.root, env=_clean_env())
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
            raise ClusterUnavailable(f"{args[0]} failed: {' / '.join(tail)}")

    def start(self) -> None:
        try:
            self._start()
        except (ClusterUnavailable, OSError, subprocess.TimeoutExpired) as exc:
            log = self.log.read_text(errors="replace").strip().splitlines()[-3:] \
                if self.log.exists() else []
            self.stop()
            raise ClusterUnavailable(f"{exc} {' / '.join(log)}".strip()) from None

    def _start(self) -> None:
        pwfile = self.root / "pwfile"
        pwfile.write_text(PASSWORD + "\n")
        if self.run_as is not None:
            entry = pwd.getpwnam(self.run_as)
            for path in (self.root, pwfile):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self.root.chmod(0o700)
        self._run(["initdb", "-D", str(self.data), "-U", USER, "--pwfile", str(pwfile),
                   "--auth-local=trust", "--auth-host=scram-sha-256", "--no-locale",
                   "-E", "UTF8", "--no-sync"], timeout=120)
        options = (f"-c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c max_connections=200 -c shared_buffers=32MB")
        for _attempt in range(3):  # the free port may be taken between probe and bind
            self.port = _free_port()
            try:
                self._run(["pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w",
                           "-t", "60", "-o", f"-p {self.port} {options}", "start"], timeout=90)
                self._started = True
                return
            except ClusterUnavailable:
                if "already in use" not in self.log.read_text(errors="replace"):
                    raise

    def version(self) -> int:
        """The server's major version, from the PG_VERSION file initdb wrote."""
        return int((self.data / "PG_VERSION").read_text().split(".")[0])

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=USER, password=PASSWORD,
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self) -> str:
        """A new, empty database; returns its SQLAlchemy URL."""
        self._databases += 1
        name = f"test_{self._databases}"
        # FILE_COPY: copying the small template is 4x faster than WAL-logging it; the
        # option exists from PostgreSQL 15 on.
        strategy = " STRATEGY = FILE_COPY" if self.version() >= 15 else ""
        self.admin(f"CREATE DATABASE {name}{strategy}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Gone, with any connection a test left open (WITH FORCE, PostgreSQL 13+)."""
        self.admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')

    def stop(self) -> None:
        if self._started:
            # immediate: nothing in it is worth a clean shutdown.
            with contextlib.suppress(ClusterUnavailable, subprocess.TimeoutExpired):
                self._run(["pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop"])
            self._started = False
        shutil.rmtree(self.root, ignore_errors=True)


def _clean_env() -> dict[str, str]:
    """The environment without PG* variables (a developer's PGHOST must not redirect us)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    return env
