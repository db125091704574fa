"""Shared pytest configuration and the fixtures every test folder may use.

Each tests/<area>/ folder keeps its own fixtures; the real servers the integration tests share
live here: ``postgres_server`` (a throwaway PostgreSQL cluster on 127.0.0.1).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from bankchurn.settings import settings

# Deterministic hashing and single-threaded BLAS so repeated runs give identical numbers.
os.environ.setdefault("PYTHONHASHSEED", "0")
os.environ.setdefault("OMP_NUM_THREADS", "1")
# Training commands log to MLflow by default; the suite tracks only in the tests that start their
# own MLflow server (tests/tracking), so no test writes a store into the working directory.
os.environ["BANKCHURN_TRACKING"] = "false"


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups into the node ids
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep the browser tests on one xdist worker (``--dist loadgroup``, see ``make test``).

    They share one served site and one crawl. The notebooks' own rule is in notebooks/conftest.py.
    """
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))


# --- PostgreSQL -------------------------------------------------------------------------------
#: Where Debian puts the server binaries (not on PATH); the newest version wins.
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"


def _pg_bin() -> Path | None:
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).parent
    found = sorted(Path("/").glob(PG_BIN_GLOB.lstrip("/")), key=lambda p: int(p.parent.name))
    return found[-1] if found and (found[-1] / "pg_ctl").exists() else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class PostgresServer:
    """A running throwaway PostgreSQL cluster (see the ``postgres_server`` fixture).

    Attributes:
        host: Always ``127.0.0.1``.
        port: TCP port of this cluster.
        superuser: Name of the superuser (``postgres``).
        password: The superuser's password (random per test session; TCP logins need one).
        directory: Temp folder holding the data directory, the socket and the log.
    """

    host: str
    port: int
    superuser: str
    password: str
    directory: Path

    def url(
        self, dbname: str = "postgres", user: str | None = None, password: str | None = None
    ) -> str:
        """A ``postgresql://`` URL; default: the superuser with its password."""
        if user is None:
            user, password = self.superuser, self.password
        auth = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
        return f"postgresql://{auth}@{self.host}:{self.port}/{dbname}"

    def execute(self, sql: str, dbname: str = "postgres") -> list[tuple[object, ...]]:
        """Run SQL as the superuser in autocommit mode; returns the rows of the last statement."""
        import psycopg

        with psycopg.connect(self.url(dbname), autocommit=True) as conn, conn.cursor() as cur:
            cur.execute(sql.encode())
            return cur.fetchall() if cur.description else []

    def create_database(self, name: str) -> str:
        """Create an empty database (dropping any of that name) and return its superuser URL."""
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def create_role(self, name: str, password: str) -> None:
        """Create (or recreate) a login role with no privileges beyond connecting."""
        self.execute(f'DROP ROLE IF EXISTS "{name}"')
        self.execute(f"CREATE ROLE \"{name}\" LOGIN PASSWORD '{password}'")


def _as_server_user(cmd: list[str]) -> list[str]:
    """The server refuses to run as root: run its commands as the ``postgres`` user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL cluster on 127.0.0.1, created in a temp folder, removed at the end.

    TCP logins use SCRAM passwords (``server.url()`` carries the superuser's); one cluster per
    xdist worker that asks for it. Skips with one line when the server binaries are missing.
    """
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL server not installed (make system-packages: apt-get install postgresql)"
        )
    root = Path(tempfile.mkdtemp(prefix="bankchurn-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data, log, pwfile = root / "data", root / "server.log", root / "pwfile"
    password = secrets.token_urlsafe(16)
    pwfile.write_text(password + "\n")
    if os.geteuid() == 0:
        shutil.chown(pwfile, "postgres", "postgres")
    run = {"capture_output": True, "text": True, "timeout": 120}
    subprocess.run(
        _as_server_user(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                f"--pwfile={pwfile}",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ]
        ),
        check=True,
        **run,
    )
    pwfile.unlink()
    port = _free_port()
    # A throwaway cluster needs no durability: no fsync, no full-page writes.
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off"
    )
    pg_ctl = str(bin_dir / "pg_ctl")
    try:
        subprocess.run(
            _as_server_user(
                [pg_ctl, "-D", str(data), "-l", str(log), "-w", "-o", options, "start"]
            ),
            check=True,
            **run,
        )
    except subprocess.CalledProcessError:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start:\n{tail}")
    try:
        yield PostgresServer("127.0.0.1", port, "postgres", password, root)
    finally:
        subprocess.run(
            _as_server_user([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"]),
            check=False,
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(root, ignore_errors=True)


# --- DVC pipeline -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PipelineCopy:
    """A fresh copy of the repository: its tracked files, as in the working tree.

    It has its own git history and DVC cache; commands run against the copy's own code.

    Attributes:
        root: The copy.
        env: Environment of its commands: the venv's tools on PATH, the copy's ``src`` first on
            ``PYTHONPATH`` (so its ``params.yaml`` and code are the ones used).
    """

    root: Path
    env: dict[str, str]

    def run(self, *args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
        """Run a command in the copy; fails the test with its output when it fails."""
        proc = subprocess.run(
            list(args),
            check=False,
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if proc.returncode != 0:
            pytest.fail(
                f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
            )
        return proc

    def commit(self, message: str) -> None:
        """Commit every change of the copy (its own git history)."""
        self.run("git", "add", "-A")
        self.run("git", "commit", "-q", "--no-verify", "-m", message)


def make_pipeline_copy(dest: Path) -> PipelineCopy:
    """Copy the files git would commit (tracked and new, not ignored) to ``dest`` and commit them."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=settings().root,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for rel in filter(None, listed):
        src = settings().root / rel
        if src.is_file():  # a deleted, not yet committed file is still listed
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    venv_bin = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(dest / "src"),
        "PYTHONHASHSEED": "0",
        "GIT_AUTHOR_NAME": "test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
    }
    for name in [
        k for k in env if k.startswith(("BANKCHURN_", "GIT_DIR", "GIT_WORK_TREE", "MLFLOW_"))
    ]:
        env.pop(name)
    # MLflow tracking of the stages is tested with the tracking server (tests/tracking); here it
    # would only add its import to every stage.
    env["BANKCHURN_TRACKING"] = "false"
    copy = PipelineCopy(dest, env)
    copy.run("git", "init", "-q", "-b", "main")
    copy.commit("fresh copy")
    return copy


@pytest.fixture(scope="session")
def fresh_pipeline(tmp_path_factory: pytest.TempPathFactory) -> tuple[PipelineCopy, str]:
    """A fresh copy of the repository in which ``dvc repro`` ran once, from a clean state.

    The full pipeline with the default parameters, as ``make reports``. The generated reports
    are deleted first (``benchmarks.json``, measured by ``make bench``, stays), so every stage
    runs. Returns the copy and the output of that run.
    """
    copy = make_pipeline_copy(tmp_path_factory.mktemp("fresh-clone"))
    for path in (copy.root / "reports").rglob("*.json"):
        if path.name != "benchmarks.json":
            path.unlink()
    return copy, copy.run("dvc", "repro").stdout


@pytest.fixture(scope="session")
def pipeline_copy(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], PipelineCopy]:
    """Factory of fresh repository copies (see ``PipelineCopy``): ``pipeline_copy("name")``."""
    return lambda name: make_pipeline_copy(tmp_path_factory.mktemp(name))
