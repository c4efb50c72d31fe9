"""A throw-away PostgreSQL server for store tests, or a skip that says why (a failure in CI).

`HALL_TEST_POSTGRES_URL` (a database the tests may fill) is used when set. Otherwise, where the
PostgreSQL server binaries are installed (`scripts/setup` installs Debian's `postgresql`), a
temporary cluster is made with `initdb` and started on a free loopback port (as the `postgres`
user when the tests run as root). When `CI` or `HALL_REQUIRE_POSTGRES` is set, a missing
PostgreSQL fails the tests instead of skipping them: CI must test the production backend.

`database_url` is the one fixture county tests take to run on both backends (a pytest parameter):
`sqlite:///...` in the test's tmp dir, then a fresh PostgreSQL database.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ops.procs import free_port


def _tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for v in ("17", "16", "15", "14", "13"):
        p = Path(f"/usr/lib/postgresql/{v}/bin/{name}")
        if p.exists():
            return str(p)
    return None


class Cluster:
    def __init__(self) -> None:
        initdb, pg_ctl = _tool("initdb"), _tool("pg_ctl")
        if not initdb or not pg_ctl:
            raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise RuntimeError("psycopg is not installed (the 'postgres' extra)") from None
        self.prefix: list[str] = []
        self.user = None
        if os.geteuid() == 0:
            try:
                self.user = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError("running as root and no 'postgres' user to run the server") from None
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self.root = Path(tempfile.mkdtemp(prefix="hall-pg-"))
        self.root.chmod(0o755)
        if self.user:
            os.chown(self.root, self.user.pw_uid, self.user.pw_gid)
        self.data = self.root / "data"
        self.port = free_port()
        self.pg_ctl = pg_ctl
        self._run([initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
        self.start(timeout=30)

    def _run(self, cmd: list[str]) -> None:
        r = subprocess.run([*self.prefix, *cmd], capture_output=True, text=True, timeout=60)
        if r.returncode:
            raise RuntimeError(f"{Path(cmd[0]).name} failed: {(r.stderr or r.stdout).strip()[-300:]}")

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def kill(self) -> None:
        """SIGKILL the postmaster (a crash: its backends notice and exit; recovery on start)."""
        pid = self.postmaster_pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def start(self, timeout: float = 60.0) -> None:
        """Start again after `kill` (retried while the old backends still hold shared memory)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._run(
                    [
                        self.pg_ctl,
                        "-D",
                        str(self.data),
                        "-w",
                        "-t",
                        "30",
                        "-l",
                        str(self.root / "log"),
                        "-o",
                        f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off",
                        "start",
                    ]
                )
                return
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        try:
            self._run([self.pg_ctl, "-D", str(self.data), "-m", "immediate", "stop"])
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def postgres_required() -> bool:
    """CI (or an explicit HALL_REQUIRE_POSTGRES=1) may not skip the PostgreSQL tests."""
    return any(
        os.environ.get(v, "").lower() not in ("", "0", "false", "no") for v in ("CI", "HALL_REQUIRE_POSTGRES")
    )


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """An admin URL of a PostgreSQL server, or the test is skipped with the reason."""
    url = os.environ.get("HALL_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    try:
        cluster = Cluster()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
        if postgres_required():
            pytest.fail(f"no PostgreSQL for the store tests (required here): {e}", pytrace=False)
        pytest.skip(f"no PostgreSQL for the store tests: {e}")
    try:
        yield cluster.admin_url
    finally:
        cluster.stop()


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database on that server for one test."""
    import psycopg

    name = f"county_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    base = postgres_server.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(postgres_server, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A county database URL on each backend in turn: the test runs once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'county-db' / 'county.db'}"
    return str(request.getfixturevalue("postgres_url"))
