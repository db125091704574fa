"""A throwaway PostgreSQL cluster on 127.0.0.1, for the integration tests and the benchmarks.

Debian's ``postgresql`` package (installed by ``make system-packages``) brings the server but
starts none here; this module creates a cluster in a temporary folder, starts it on a free
loopback port, and removes it afterwards. The server refuses to run as root, so its commands then
run as the ``postgres`` user.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from bankchurn.deploy.ports import PortTaken, on_free_port, port_taken


class ServerUnavailable(RuntimeError):
    """No PostgreSQL server can be started here (one line saying why)."""


#: Where Debian puts the server binaries (not on PATH); the newest version wins.
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"


def _pg_bin() -> Path | None:
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).parent
    found = sorted(Path("/").glob(PG_BIN_GLOB.lstrip("/")), key=lambda p: int(p.parent.name))
    return found[-1] if found and (found[-1] / "pg_ctl").exists() else None


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


@contextmanager
def throwaway_server() -> Iterator[PostgresServer]:
    """Start a throwaway cluster on 127.0.0.1 in a temp folder; stop and remove it at the end.

    TCP logins use SCRAM passwords (``server.url()`` carries the superuser's).

    Raises:
        ServerUnavailable: The server binaries are missing or the server did not start.
    """
    bin_dir = _pg_bin()
    if bin_dir is None:
        raise ServerUnavailable(
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
        capture_output=True,
        text=True,
        timeout=120,
    )
    pwfile.unlink()
    pg_ctl = str(bin_dir / "pg_ctl")

    def start(port: int) -> None:
        """Start the cluster on ``port``; `PortTaken` when another process bound it first."""
        logged = log.stat().st_size if log.exists() else 0
        # A throwaway cluster needs no durability: no fsync, no full-page writes.
        options = (
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        try:
            subprocess.run(
                _as_server_user(
                    [pg_ctl, "-D", str(data), "-l", str(log), "-w", "-o", options, "start"]
                ),
                check=True,
                capture_output=True,
                text=True,
                timeout=120,
            )
        except subprocess.CalledProcessError:
            this_start = log.read_bytes()[logged:].decode(errors="replace") if log.exists() else ""
            if port_taken(this_start):
                raise PortTaken(this_start.strip()[-300:]) from None
            shutil.rmtree(root, ignore_errors=True)
            raise ServerUnavailable(f"PostgreSQL did not start:\n{this_start[-2000:]}") from None

    try:
        port, _ = on_free_port(start)
    except PortTaken as exc:
        shutil.rmtree(root, ignore_errors=True)
        raise ServerUnavailable(f"PostgreSQL did not start: {exc}") from None
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
