"""Start and stop a real MLflow tracking server on 127.0.0.1; run ``bankchurn`` against it.

The server runs in its own process session (``mlflow server`` starts a uvicorn worker) so that
stopping it stops every process it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bankchurn.deploy.ports import PortTaken, on_free_port, port_taken

BIN = Path(sys.executable).parent
MLFLOW = BIN / "mlflow"
BANKCHURN = BIN / "bankchurn"
#: Registered model name of the one training the tests share (``train --model baseline``).
REGISTERED = "bankchurn-baseline"
#: Generous: the first start creates the schema (migrations) on a shared, loaded machine.
START_TIMEOUT_S = 180.0


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    """Poll ``url`` until it answers 200; fail with the log tail if the process dies.

    Raises:
        PortTaken: The process died because another one took its port (start it on another).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            if port_taken(tail):
                raise PortTaken(tail[-300:])
            pytest.fail(f"{proc.args[0]} exited with {proc.returncode} before {url}:\n{tail}")
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    pytest.fail(f"{url} did not answer within {timeout:.0f} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server started in its own session, with its worker processes."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=3)  # its files live in a temp dir: no need for a long drain
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)


@dataclass(frozen=True)
class MlflowServer:
    """A running tracking server: its URL and where it keeps its files."""

    url: str
    root: Path
    backend_uri: str


def start_mlflow_server(root: Path, backend_uri: str) -> tuple[MlflowServer, subprocess.Popen]:
    """Start ``mlflow server`` on a free loopback port with ``backend_uri`` as its store."""
    env = {
        **os.environ,
        # The job runner (prompt optimisation and the like) starts several worker processes;
        # tracking and the registry do not use it.
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
    }

    def start(port: int) -> subprocess.Popen[bytes]:
        log = root / f"server-{port}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [
                    str(MLFLOW),
                    "server",
                    "--backend-store-uri",
                    backend_uri,
                    "--artifacts-destination",
                    str(root / "artifacts"),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--workers",
                    "1",
                ],
                cwd=root,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_http(f"http://127.0.0.1:{port}/health", proc, START_TIMEOUT_S, log)
        except BaseException:
            stop(proc)
            raise
        return proc

    port, proc = on_free_port(start)
    return MlflowServer(f"http://127.0.0.1:{port}", root, backend_uri), proc


def tracking_env(server: MlflowServer, **extra: str) -> dict[str, str]:
    """Environment of a ``bankchurn`` command that tracks to ``server``."""
    return {
        **os.environ,
        "BANKCHURN_TRACKING": "true",
        "MLFLOW_TRACKING_URI": server.url,
        "MLFLOW_EXPERIMENT_NAME": "bankchurn-tests",
        **extra,
    }


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the real ``bankchurn`` command."""
    return subprocess.run(
        [str(BANKCHURN), *args], env=env, cwd=cwd, capture_output=True, text=True, check=False
    )


@dataclass(frozen=True)
class Trained:
    """One ``bankchurn train --register`` against the server: its output and run."""

    out: Path
    stdout: str
    run_id: str
    version: str


def train_and_register(server: MlflowServer, work: Path) -> Trained:
    """Run ``bankchurn train --model baseline --fast --register`` against ``server``."""
    proc = run_cli(
        ["train", "--model", "baseline", "--out", "out", "--fast", "--register"],
        tracking_env(server),
        work,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # MLflow's chatter stays off the terminal
    lines = proc.stdout.splitlines()
    run_line = next(line for line in lines if line.startswith("tracked "))
    reg_line = next(line for line in lines if line.startswith("registered "))
    run_id = run_line.split(" as run ")[1].split()[0]
    version = reg_line.split(f"models:/{REGISTERED}/")[1].split()[0]
    return Trained(work / "out", proc.stdout, run_id, version)
