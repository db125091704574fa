"""requirements-runtime.lock (what the image installs) stays in step with requirements.lock.

The runtime lock must hold exactly the closure of the package's own dependencies (no dev, doc or
training extras), each at the version requirements.lock pins. Regenerate both with `make lock`.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bankchurn.settings import settings

ROOT = settings().root
FIX = "run `make lock` and commit both locks"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;]+)")


def pins(path: Path) -> dict[str, str]:
    """``{canonical name: version}`` of a uv-compiled lock file."""
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = PIN.match(line)
        if m:
            out[canonicalize_name(m.group(1))] = m.group(2)
    return out


def runtime_closure() -> set[str]:
    """Every distribution the project needs at run time.

    pyproject.toml's ``dependencies`` (no extras), followed through the installed metadata of
    each dependency (markers evaluated for this Python and platform, which are the image's).
    """
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    done: set[tuple[str, frozenset[str]]] = set()
    todo = [Requirement(text) for text in project["dependencies"]]
    while todo:
        req = todo.pop()
        node = (canonicalize_name(req.name), frozenset(req.extras))
        if node in done:
            continue
        done.add(node)
        for text in metadata.distribution(req.name).requires or []:
            sub = Requirement(text)
            envs = [{"extra": e} for e in req.extras] or [{"extra": ""}]
            if sub.marker is None or any(sub.marker.evaluate(env) for env in envs):
                todo.append(sub)
    return {name for name, _ in done}


def test_runtime_pins_are_the_main_lock_pins() -> None:
    runtime, full = pins(ROOT / "requirements-runtime.lock"), pins(ROOT / "requirements.lock")
    assert runtime, "requirements-runtime.lock has no pins"
    moved = {n: (v, full.get(n)) for n, v in runtime.items() if full.get(n) != v}
    assert not moved, f"runtime pins differ from requirements.lock (runtime, main): {moved}; {FIX}"


def test_runtime_lock_is_exactly_the_runtime_closure() -> None:
    runtime = set(pins(ROOT / "requirements-runtime.lock"))
    needed = runtime_closure()
    assert not needed - runtime, f"missing from the runtime lock: {sorted(needed - runtime)}; {FIX}"
    assert not runtime - needed, f"not a runtime dependency: {sorted(runtime - needed)}; {FIX}"


def test_no_dev_or_doc_tool_in_the_runtime_lock() -> None:
    runtime = set(pins(ROOT / "requirements-runtime.lock"))
    for tool in ("pytest", "mkdocs", "ruff", "mypy", "nbval", "jupyter-core", "playwright", "dvc"):
        assert tool not in runtime, f"{tool} is a dev/doc tool and must not be in the image"
