"""The container engine on this machine (podman or docker) and the API's container it runs.

`find_engine` picks the engine that answers; `Engine` spells its command lines with the flags this
host needs (on this machine kind, podman needs ``runc`` instead of its default ``crun``, which
fails on the host's cgroups, and ulimits within the host's hard limits); the functions below ask
it about images and run the API image (`serving`, `wait_ready`). Building the image is
`bankchurn.deploy.image`'s job.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bankchurn.deploy.ports import PortTaken, on_free_port, port_taken

#: Repository of the API image (tags: a key of its inputs, and ``latest``).
API_REPO = "localhost/bankchurn-api"
#: Limits within this host's hard limits (podman's defaults exceed them and the start fails).
PODMAN_ULIMITS = ("--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024")
#: Where the container reads the model (mounted read-only) and the port it listens on.
CONTAINER_MODELS = "/app/models"
CONTAINER_PORT = 8080


class ImageError(Exception):
    """A build step, or the API's container, failed; the message is one line naming it."""


@dataclass(frozen=True)
class Engine:
    """A container engine on this machine and the flags this host needs.

    Attributes:
        name: ``podman`` or ``docker``.
        path: The executable.
        runtime: OCI runtime forced on podman (``runc``), or ``None``.
    """

    name: str
    path: str
    runtime: str | None = None

    def command(self, *args: str) -> list[str]:
        """The engine's command line for ``args`` (``build``, ``run``, ``image`` ...).

        ``build`` and ``run`` get the ulimits podman needs here; global flags come first.
        """
        cmd = [self.path]
        if self.runtime:
            cmd += ["--runtime", self.runtime]
        cmd += list(args[:1])
        if self.name == "podman" and args[:1] in (("build",), ("run",)):
            cmd += list(PODMAN_ULIMITS)
        return cmd + list(args[1:])

    def serve_command(self, tag: str, models: str, port: int, *flags: str) -> list[str]:
        """The ``run`` command serving ``tag`` on ``127.0.0.1:port``, ``models`` read-only.

        The one spelling of it: the documented line, the image test and the benchmark use it.
        """
        return self.command(
            "run",
            *flags,
            "-p",
            f"127.0.0.1:{port}:{CONTAINER_PORT}",
            "-v",
            f"{models}:{CONTAINER_MODELS}:ro",
            tag,
        )

    def run_line(self, tag: str = API_REPO, port: int = 8080) -> str:
        """The documented line that serves the API on loopback with ``./models`` read-only."""
        argv = self.serve_command(tag, "$PWD/models", port, "--rm")[1:]
        return " ".join([self.name, *(f'"{a}"' if "$" in a else a for a in argv)])


def find_engine() -> tuple[Engine | None, str]:
    """The first container engine that answers (podman, then docker), or why there is none.

    Returns:
        ``(engine, "")``, or ``(None, reason)`` with a one-line reason.
    """
    reasons = []
    for name in ("podman", "docker"):
        path = shutil.which(name)
        if path is None:
            reasons.append(f"no {name}")
            continue
        runtime = None
        if name == "podman":
            runtime = shutil.which("runc") or (
                "/usr/sbin/runc" if Path("/usr/sbin/runc").is_file() else None
            )
        engine = Engine(name, path, runtime)
        probe = subprocess.run(
            engine.command("info"), capture_output=True, text=True, timeout=60, check=False
        )
        if probe.returncode == 0:
            return engine, ""
        last = (probe.stderr.strip().splitlines() or ["no output"])[-1]
        reasons.append(f"{name} does not run ({last[:120]})")
    return None, "no container engine runs here: " + "; ".join(reasons)


def image_exists(engine: Engine, tag: str) -> bool:
    """Whether the engine already holds ``tag``."""
    probe = subprocess.run(
        engine.command("image", "inspect", "--format", "{{.Id}}", tag),
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


def image_size_bytes(engine: Engine, tag: str) -> int:
    """Uncompressed size of ``tag`` as the engine reports it (``image inspect .Size``)."""
    out = subprocess.run(
        engine.command("image", "inspect", "--format", "{{.Size}}", tag),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return int(out.strip())


@contextmanager
def serving(engine: Engine, tag: str, models: Path, port: int) -> Iterator[str]:
    """Start the API of ``tag`` in a detached container; yield its id; remove it at the end.

    Raises:
        PortTaken: Another process holds ``port`` (see `bankchurn.deploy.ports.on_free_port`).
        ImageError: The engine refused to start the container for another reason.
    """
    proc = subprocess.run(
        engine.serve_command(tag, str(models), port, "--detach"),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        error = proc.stderr.strip()[-300:]
        if port_taken(error):
            raise PortTaken(error)
        raise ImageError(f"run failed: {error}")
    cid = proc.stdout.strip().splitlines()[-1]
    try:
        yield cid
    finally:
        subprocess.run(engine.command("rm", "--force", cid), capture_output=True, check=False)


@contextmanager
def serving_on_free_port(engine: Engine, tag: str, models: Path) -> Iterator[tuple[str, int]]:
    """`serving` on a free loopback port, picked again when another process took it first.

    Yields:
        The container id and its port.

    Raises:
        ImageError: The engine refused to start the container for another reason.
    """
    with ExitStack() as stack:
        port, cid = on_free_port(lambda p: stack.enter_context(serving(engine, tag, models, p)))
        yield cid, port


def _answers_ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as resp:
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _engine_output(engine: Engine, *args: str, stream: str = "stdout") -> str:
    """What one engine command (``inspect``, ``logs``, ``images`` ...) prints on ``stream``.

    Never raises on a failing command: the callers read an empty or partial answer as "no".
    """
    proc = subprocess.run(engine.command(*args), capture_output=True, text=True, check=False)
    return str(getattr(proc, stream))


def tags(engine: Engine, repo: str, label: str | None = None) -> list[str]:
    """Every ``repo:tag`` the engine holds of ``repo`` (e.g. `API_REPO`).

    Args:
        engine: The container engine.
        repo: The repository, e.g. `API_REPO`.
        label: Only the images carrying this ``key=value`` label.
    """
    only = [] if label is None else ["--filter", f"label={label}"]
    listed = _engine_output(
        engine,
        "images",
        "--filter",
        f"reference={repo}",
        *only,
        "--format",
        "{{.Repository}}:{{.Tag}}",
    )
    return [t for t in listed.split() if t.startswith(f"{repo}:")]


def wait_ready(engine: Engine, cid: str, port: int, timeout_s: float) -> None:
    """Poll ``GET /ready`` until it answers 200.

    Raises:
        ImageError: The container stopped first (with the end of its log), or ``timeout_s``
            passed (a hang guard, not a target).
    """
    deadline = time.monotonic() + timeout_s
    while not _answers_ready(port):
        if time.monotonic() > deadline:
            raise ImageError(f"no 200 on /ready within {timeout_s:.0f} s")
        state = _engine_output(engine, "inspect", "--format", "{{.State.Running}}", cid).strip()
        if state != "true":
            logs = _engine_output(engine, "logs", cid, stream="stderr").strip()
            raise ImageError(f"the container stopped before /ready: {logs[-500:]}")
        time.sleep(0.05)


def server_cpu_s(engine: Engine, cid: str) -> float:
    """CPU seconds (user + system) the container's main process has used so far."""
    stat = subprocess.run(
        engine.command("exec", cid, "cat", "/proc/1/stat"),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / os.sysconf("SC_CLK_TCK")
