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

Works with ``podman`` (preferred when both are present) or ``docker``, through
`bankchurn.deploy.engine` (the flags this host needs, the commands that run the image).

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
from collections.abc import Callable
from pathlib import Path

from bankchurn.deploy.engine import (
    API_REPO,
    Engine,
    ImageError,
    find_engine,
    image_exists,
    image_size_bytes,
    tags,
)
from bankchurn.settings import settings

ROOT = settings().root
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
RUNTIME_LOCK = ROOT / "requirements-runtime.lock"
CACHE = ROOT / ".cache" / "image"
#: The project's installer (``make setup`` puts it beside this interpreter) and pip.
UV = Path(sys.executable).with_name("uv")
PIP = [sys.executable, "-m", "pip"]

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
SOURCES = ("src", "pyproject.toml", "README.md")
#: The pipeline's parameters (business, split, tuning values), read by the package at import:
#: the image carries them in its working directory (/app), where the package looks for them.
PARAMS = ROOT / "params.yaml"

Say = Callable[[str], None]


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
    mine = f"{CHECKOUT_LABEL}={checkout_id()}"
    stale = [t for t in tags(engine, repo, label=mine) if t not in keep]
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
