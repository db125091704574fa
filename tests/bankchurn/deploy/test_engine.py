"""The container engine's command lines: the flags this host needs, the documented run line.

No engine runs here: these are the command lines themselves (test_image.py runs them).
"""

from __future__ import annotations

import pytest

from bankchurn.deploy.engine import API_REPO, CONTAINER_MODELS, CONTAINER_PORT, Engine
from bankchurn.settings import settings

PODMAN = Engine("podman", "/usr/bin/podman", "/usr/sbin/runc")
DOCKER = Engine("docker", "/usr/bin/docker")


def test_podman_gets_its_runtime_first_and_the_host_ulimits_on_build_and_run() -> None:
    run = PODMAN.command("run", "--rm", "x")
    assert run[:4] == ["/usr/bin/podman", "--runtime", "/usr/sbin/runc", "run"]
    assert run[4:] == ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "--rm", "x"]
    assert "--ulimit" in PODMAN.command("build", ".")
    assert PODMAN.command("image", "inspect", "t") == [
        "/usr/bin/podman",
        "--runtime",
        "/usr/sbin/runc",
        "image",
        "inspect",
        "t",
    ]


def test_docker_gets_no_extra_flag() -> None:
    assert DOCKER.command("run", "--rm", "x") == ["/usr/bin/docker", "run", "--rm", "x"]


def test_the_serve_command_publishes_on_loopback_only_with_the_models_read_only() -> None:
    argv = DOCKER.serve_command("tag:1", "/srv/models", 9000, "--detach")
    assert argv == [
        "/usr/bin/docker",
        "run",
        "--detach",
        "-p",
        f"127.0.0.1:9000:{CONTAINER_PORT}",
        "-v",
        f"/srv/models:{CONTAINER_MODELS}:ro",
        "tag:1",
    ]


@pytest.mark.parametrize(
    "documented",
    [Engine("docker", "docker"), Engine("podman", "podman", "/usr/sbin/runc")],
    ids=["docker", "podman"],
)
def test_the_readme_shows_the_run_line_the_code_uses(documented: Engine) -> None:
    readme = (settings().root / "README.md").read_text(encoding="utf-8")
    line = documented.run_line()
    assert line.endswith(API_REPO)
    assert line in readme
