"""Tests mirror the code: the test of ``src/<package>/<path>/X.py`` is ``tests/<package>/<path>/test_X.py``.

The rule, and what this check holds the tree to:

* every module of a package under ``src/`` has its test file at the mirrored path, or is listed
  with the reason it has none (it is tested through another module's tests, the built site...);
* every test file under a mirrored folder names a module of the mirrored source folder:
  ``test_X.py``, or ``test_X_<aspect>.py`` for a second file about the same module (e.g. its
  hostile inputs), so a test cannot outlive its module unnoticed;
* the other folders of ``tests/`` holding Python files test the system as a whole (the built site, the pipeline, the
  repository's gates...) and are listed with what they test;
* a listed reason is dropped when its module gets a test file or is gone.

``__init__.py`` and ``__main__.py`` hold no logic of their own and need no test file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

#: Files that only wire a package together.
_WIRING = ("__init__.py", "__main__.py")


def source_modules(src: Path) -> list[str]:
    """Every module of every package under ``src``, as a path relative to it (``pkg/a/b.py``)."""
    return sorted(
        str(p.relative_to(src))
        for p in src.glob("*/**/*.py")
        if p.name not in _WIRING and (src / p.relative_to(src).parts[0] / "__init__.py").is_file()
    )


def mirrored_test(module: str) -> str:
    """The mirrored test file of a module: ``pkg/a/b.py`` -> ``pkg/a/test_b.py``."""
    path = Path(module)
    return str(path.with_name(f"test_{path.name}"))


def mirror_problems(
    src: Path,
    tests: Path,
    untested: Mapping[str, str],
    system: Mapping[str, str],
) -> list[str]:
    """One line per departure from the mirror rule.

    Args:
        src: The source folder (holding one folder per package).
        tests: The tests folder.
        untested: Modules without a test file of their own (``pkg/a/b.py``), with the reason.
        system: Folders of ``tests/`` that test the system as a whole, with what they test.

    Returns:
        ``tests/...: ...`` or ``src/...: ...`` lines; empty when the tree follows the rule.
    """
    modules = source_modules(src)
    packages = sorted({m.split("/", 1)[0] for m in modules})
    problems = []
    for module in modules:
        expected = mirrored_test(module)
        has_test = (tests / expected).is_file()
        if not has_test and module not in untested:
            problems.append(
                f"src/{module}: no tests/{expected} (write it, or list the module with the "
                "reason it has none)"
            )
        elif has_test and module in untested:
            problems.append(f"src/{module}: has tests/{expected}; drop it from the untested list")
    for module in sorted(set(untested) - set(modules)):
        problems.append(f"src/{module}: listed as untested but no such module; drop it")
    stems: dict[str, set[str]] = {}
    for module in modules:
        path = Path(module)
        stems.setdefault(str(path.parent), set()).add(path.stem)
    for package in packages:
        for test in sorted((tests / package).rglob("test_*.py")):
            rel = test.relative_to(tests)
            folder, name = str(rel.parent), rel.stem.removeprefix("test_")
            known = stems.get(folder, set())
            if not any(name == stem or name.startswith(f"{stem}_") for stem in known):
                problems.append(
                    f"tests/{rel}: names no module of src/{folder}/ (test_<module>.py or "
                    "test_<module>_<aspect>.py)"
                )
    folders = {p.name for p in tests.iterdir() if p.is_dir() and any(p.rglob("*.py"))}
    for folder in sorted(folders):
        if folder in packages or folder in system or folder.startswith((".", "__")):
            continue
        problems.append(
            f"tests/{folder}/: neither a package's mirror nor a listed system-test folder"
        )
    for folder in sorted(set(system) - folders):
        problems.append(f"tests/{folder}/: listed as a system-test folder but missing; drop it")
    return problems
