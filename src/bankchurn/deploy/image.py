"""Build the API container image without any container registry (``make image``).

Three steps, each cached under a key made from the hash of its inputs, so that an unchanged
input is never rebuilt (``make test`` reuses the image; a cold run builds it once):

1. **base**: a Debian root filesystem made from Debian packages by ``mmdebstrap`` (Python 3.11
   and the essential packages only), imported as ``localhost/bankchurn-base:<key>``; the key is
   the hash of the recipe below.
2. **wheelhouse**: the wheels of ``requirements-runtime.lock`` (the runtime dependencies only,
   no dev or doc tools), fetched or built on the host by pip into ``.cache/image/wheels-<key>``;
   the key is the hash of the lock.
3. **image**: ``deploy/Dockerfile`` on a staged context (the wheelhouse, the ``bankchurn``
   wheel, uv, the lock), tagged ``localhost/bankchurn-api:<key>`` and ``:latest``; the key
   hashes the Dockerfile, the base, the lock, uv's version and the package sources.

Works with ``podman`` (preferred when both are present) or ``docker``. On this machine kind
podman needs ``runc`` instead of its default ``crun`` (which fails on the host's cgroups) and
ulimits within the host's hard limits; `Engine` adds both, here and in every ``run``.

Usage::

    python -m bankchurn.deploy.image build     # build what is missing; print tag and run line
    python -m bankchurn.deploy.image tag       # the tag the current sources would build
    python -m bankchurn.deploy.image run-line  # the documented run line for this engine
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bankchurn.settings import settings

ROOT = settings().root
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
RUNTIME_LOCK = ROOT / "requirements-runtime.lock"
CACHE = ROOT / ".cache" / "image"
#: The project's installer (``make setup`` puts it beside this interpreter) and pip.
UV = Path(sys.executable).with_name("uv")
PIP = [sys.executable, "-m", "pip"]

API_REPO = "localhost/bankchurn-api"
BASE_REPO = "localhost/bankchurn-base"
#: Image label naming the checkout that built an image. Several checkouts of the project (git
#: worktrees, clones) share one engine's image store: a build untags only its own older images.
CHECKOUT_LABEL = "io.bankchurn.checkout"
#: Debian release of the base; its Python 3.11 is the project's (``requires-python``).
BASE_SUITE = "bookworm"
#: mmdebstrap's recipe: the essential packages plus Python and the C++ and OpenMP runtimes that
#: manylinux wheels expect from the system (numpy, scikit-learn, LightGBM), merged /usr without
#: the usrmerge package (which would pull in perl), no manuals, translations or documentation
#: except the copyright files.
BASE_RECIPE = (
    "--variant=essential",
    "--include=python3,libstdc++6,libgomp1",
    "--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr",
    "--dpkgopt=path-exclude=/usr/share/man/*",
    "--dpkgopt=path-exclude=/usr/share/info/*",
    "--dpkgopt=path-exclude=/usr/share/locale/*",
    "--dpkgopt=path-exclude=/usr/share/doc/*",
    "--dpkgopt=path-include=/usr/share/doc/*/copyright",
)
#: Limits within this host's hard limits (podman's defaults exceed them and the start fails).
PODMAN_ULIMITS = ("--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024")
#: Where the container reads the model (mounted read-only) and the port it listens on.
CONTAINER_MODELS = "/app/models"
CONTAINER_PORT = 8080
SOURCES = ("src", "pyproject.toml", "README.md")
#: The pipeline's parameters (business, split, tuning values), read by the package at import:
#: the image carries them in its working directory (/app), where the package looks for them.
PARAMS = ROOT / "params.yaml"

Say = Callable[[str], None]


class ImageError(Exception):
    """A step of the build failed; the message is one line naming the step."""


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


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()[:12]


def _tree_bytes(paths: tuple[str, ...]) -> list[bytes]:
    """Relative path and content of every source file (no caches, no build leftovers)."""
    out: list[bytes] = []
    for rel in paths:
        top = ROOT / rel
        files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        for f in files:
            parts = f.relative_to(ROOT).parts
            if "__pycache__" in parts or any(p.endswith(".egg-info") for p in parts):
                continue
            out += [str(f.relative_to(ROOT)).encode(), f.read_bytes()]
    return out


def base_tag() -> str:
    """Tag of the base image the recipe makes."""
    return f"{BASE_REPO}:{BASE_SUITE}-{_digest(BASE_SUITE.encode(), *map(str.encode, BASE_RECIPE))}"


def wheels_dir() -> Path:
    """Wheelhouse folder of the current runtime lock."""
    return CACHE / f"wheels-{_digest(RUNTIME_LOCK.read_bytes())}"


def _uv_version() -> bytes:
    return subprocess.run([str(UV), "--version"], capture_output=True, check=True).stdout


def checkout_id() -> str:
    """This checkout's value of `CHECKOUT_LABEL`: a digest of its root folder's path."""
    return _digest(str(ROOT.resolve()).encode())


def api_tag() -> str:
    """Tag of the API image the current Dockerfile, base, lock, uv and sources make."""
    key = _digest(
        DOCKERFILE.read_bytes(),
        base_tag().encode(),
        RUNTIME_LOCK.read_bytes(),
        PARAMS.read_bytes(),
        _uv_version(),
        *_tree_bytes(SOURCES),
    )
    return f"{API_REPO}:{key}"


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
        ImageError: The engine refused to start the container.
    """
    proc = subprocess.run(
        engine.serve_command(tag, str(models), port, "--detach"),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise ImageError(f"run failed: {proc.stderr.strip()[-300:]}")
    cid = proc.stdout.strip().splitlines()[-1]
    try:
        yield cid
    finally:
        subprocess.run(engine.command("rm", "--force", cid), capture_output=True, check=False)


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


def tags(engine: Engine, repo: str, built_by: str | None = None) -> list[str]:
    """Every ``repo:tag`` the engine holds of ``repo`` (e.g. `API_REPO`).

    Args:
        engine: The container engine.
        repo: The repository, e.g. `API_REPO`.
        built_by: Only the images whose `CHECKOUT_LABEL` is this (a `checkout_id`).
    """
    label = [] if built_by is None else ["--filter", f"label={CHECKOUT_LABEL}={built_by}"]
    listed = _engine_output(
        engine,
        "images",
        "--filter",
        f"reference={repo}",
        *label,
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


def _run(step: str, cmd: list[str], log: Path, env: dict[str, str] | None = None) -> None:
    """Run one build step, its output into ``log``; one line naming the step if it fails."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8") as fh:
        proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, check=False)
    if proc.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:]
        raise ImageError(f"{step} failed (exit {proc.returncode}; log {log}): {' '.join(tail)}")


def build_base(engine: Engine, say: Say = print) -> str:
    """Make the base image from Debian packages unless the engine already has it."""
    tag = base_tag()
    if image_exists(engine, tag):
        return tag
    if shutil.which("mmdebstrap") is None:
        raise ImageError("base image: mmdebstrap is not installed (make system-packages)")
    say(f"base: mmdebstrap {BASE_SUITE} (Debian packages) -> {tag}")
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE, prefix="base-") as tmp:
        rootfs = Path(tmp) / "rootfs.tar"
        _run(
            "base image (mmdebstrap)",
            ["mmdebstrap", "--quiet", *BASE_RECIPE, BASE_SUITE, str(rootfs)],
            CACHE / "base.log",
        )
        _run(
            "base image (import)",
            engine.command(
                "import", "--change", f"LABEL {CHECKOUT_LABEL}={checkout_id()}", str(rootfs), tag
            ),
            CACHE / "import.log",
        )
    return tag


def build_wheelhouse(say: Say = print) -> Path:
    """Fetch or build the runtime wheels of the lock on the host, unless already there."""
    target = wheels_dir()
    if target.is_dir():
        return target
    say(f"wheelhouse: {RUNTIME_LOCK.name} -> {target.relative_to(ROOT)}")
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=CACHE, prefix=".wheels-"))
    try:
        _run(
            "wheelhouse (pip wheel)",
            [*PIP, "wheel", "--quiet", "--no-deps", "-r", str(RUNTIME_LOCK), "-w", str(tmp)],
            CACHE / "wheels.log",
        )
        os.replace(tmp, target)  # complete or absent: a killed download leaves no wheelhouse
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for old in CACHE.glob("wheels-*"):
        if old != target:
            shutil.rmtree(old, ignore_errors=True)
    return target


def _stage_context(wheels: Path, context: Path) -> None:
    """The build context: wheels (hard links), the package's wheel, uv, the lock, params.yaml."""
    shutil.rmtree(context, ignore_errors=True)
    (context / "dist").mkdir(parents=True)
    shutil.copytree(wheels, context / "wheels", copy_function=os.link)
    shutil.copy2(UV, context / "uv")
    shutil.copy2(RUNTIME_LOCK, context / RUNTIME_LOCK.name)
    shutil.copy2(PARAMS, context / PARAMS.name)
    # Built from a copy: setuptools leaves build/ and *.egg-info folders in the tree it builds.
    tree = context / "sdist-tree"
    for rel in SOURCES:
        src = ROOT / rel
        if src.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
            shutil.copytree(src, tree / rel, ignore=ignore)
        else:
            shutil.copy2(src, tree / rel)
    _run(
        "bankchurn wheel (uv build)",
        [str(UV), "build", "--wheel", "--quiet", "--out-dir", str(context / "dist"), str(tree)],
        CACHE / "dist.log",
    )
    shutil.rmtree(tree)


def build(engine: Engine, say: Say = print, layer_cache: bool = True) -> str:
    """Build whatever is missing and return the API image's tag (cached: a no-op if present).

    Args:
        engine: The container engine.
        say: Where progress lines go.
        layer_cache: Reuse the engine's layers of earlier builds (``False``: a cold build).

    Raises:
        ImageError: a step failed (one line, with the step's log file).
    """
    tag = api_tag()
    if image_exists(engine, tag):
        return tag
    started = time.perf_counter()
    base = build_base(engine, say)
    wheels = build_wheelhouse(say)
    context = CACHE / "context"
    _stage_context(wheels, context)
    say(f"image: {engine.name} build -> {tag}")
    env = dict(os.environ, DOCKER_BUILDKIT="1")  # RUN --mount needs BuildKit under docker
    _run(
        "image build",
        engine.command(
            "build",
            *([] if layer_cache else ["--no-cache"]),
            "-f",
            str(DOCKERFILE),
            "--build-arg",
            f"BASE_IMAGE={base}",
            "--label",
            f"{CHECKOUT_LABEL}={checkout_id()}",
            "-t",
            tag,
            "-t",
            f"{API_REPO}:latest",
            str(context),
        ),
        CACHE / "build.log",
        env=env,
    )
    shutil.rmtree(context, ignore_errors=True)
    _remove_stale(engine, API_REPO, keep=(tag, f"{API_REPO}:latest"))
    _remove_stale(engine, BASE_REPO, keep=(base,))
    say(f"built {tag} in {time.perf_counter() - started:.0f} s")
    return tag


def _remove_stale(engine: Engine, repo: str, keep: tuple[str, ...]) -> None:
    """Untag this checkout's older images of ``repo`` so they do not pile up.

    Only images labelled with this checkout (`CHECKOUT_LABEL`): another checkout's images,
    and unlabelled ones, are someone else's and stay.
    """
    stale = [t for t in tags(engine, repo, built_by=checkout_id()) if t not in keep]
    if stale:
        subprocess.run(engine.command("rmi", *stale), capture_output=True, check=False)


def main(argv: list[str] | None = None) -> int:
    """Command line of the image builder: build, tag, or print the run line."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("action", choices=("build", "tag", "run-line"))
    args = ap.parse_args(argv)
    if args.action == "tag":
        print(api_tag())
        return 0
    engine, reason = find_engine()
    if engine is None:
        print(f"image: {reason}", file=sys.stderr)
        return 2
    if args.action == "run-line":
        print(engine.run_line())
        return 0
    try:
        tag = build(engine)
    except ImageError as exc:
        print(f"image: {exc}", file=sys.stderr)
        return 2
    print(f"{tag} ({image_size_bytes(engine, tag) / 2**20:.0f} MiB); serve ./models with:")
    print(f"  {engine.run_line()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
