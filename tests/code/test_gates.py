"""Gates run by ``make test``: lint rules, formatting, types, import contracts (each can fail)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bankchurn.settings import settings

ROOT = settings().root
BIN = Path(sys.executable).parent
CONFIG = ROOT / "pyproject.toml"


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / args[0]), *args[1:]],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,  # the tests read the exit code
        timeout=300,
    )


def test_ruff_rules_pass() -> None:
    result = _run("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    result = _run("ruff", "format", "--check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


PLANTED = """import sys
import os


def undocumented(x):
    return [x for x in range(3) if x == None]


sys.path.insert(0, "elsewhere")
"""


def test_the_rules_fail_on_a_planted_defect(tmp_path: Path) -> None:
    planted = tmp_path / "src" / "planted.py"
    planted.parent.mkdir()
    planted.write_text('"""A module."""\n' + PLANTED)
    result = _run("ruff", "check", "--no-cache", "--config", str(CONFIG), str(planted))
    assert result.returncode == 1
    for rule in ("F401", "I001", "D103", "E711", "TID251"):
        assert rule in result.stdout, (rule, result.stdout)


@pytest.mark.parametrize(
    ("line", "banned"),
    [
        ("from typer._click.exceptions import UsageError", "typer._click"),
        ("import click", "click"),
    ],
)
def test_the_rules_fail_on_a_private_or_undeclared_cli_import(
    tmp_path: Path, line: str, banned: str
) -> None:
    """The click typer vendors is private, and click is no dependency: both imports fail."""
    planted = tmp_path / "src" / "planted.py"
    planted.parent.mkdir()
    planted.write_text(f'"""A module."""\n\n{line}\n\nprint(dir())\n')
    result = _run("ruff", "check", "--no-cache", "--config", str(CONFIG), str(planted))
    assert result.returncode == 1
    assert f"TID251 `{banned}` is banned" in result.stdout, result.stdout


def test_the_format_check_fails_on_a_planted_defect(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text('"""A module."""\n\nx = {  "a":1 }\n')
    result = _run("ruff", "format", "--check", "--no-cache", "--config", str(CONFIG), str(planted))
    assert result.returncode == 1
    assert "would be reformatted" in result.stdout


def _lint_imports(src: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` over the packages under ``src`` (the project's contracts)."""
    return subprocess.run(
        [str(BIN / "lint-imports"), "--no-cache", "--config", str(CONFIG)],
        cwd=ROOT,
        env={"PATH": str(BIN), "PYTHONPATH": str(src)},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_import_contracts_are_kept() -> None:
    result = _lint_imports(ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "planted", "contract"),
    [
        ("bankchurn/errors.py", "import designdocs.adr.model", "never imports the documentation"),
        ("bankchurn/contract.py", "import bankchurn.features", "bankchurn layers"),
        ("bankchurn/features.py", "import bankchurn.models", "bankchurn layers"),
        ("bankchurn/models.py", "import bankchurn.reporting", "bankchurn layers"),
        ("bankchurn/reporting.py", "import bankchurn.cli", "bankchurn layers"),
        ("bankchurn/api/app.py", "import bankchurn.cli.model", "bankchurn layers"),
    ],
)
def test_each_contract_fails_on_a_planted_import(
    tmp_path: Path, module: str, planted: str, contract: str
) -> None:
    copy = tmp_path / "src"
    shutil.copytree(ROOT / "src", copy, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{planted}  # planted\n")
    result = _lint_imports(copy)
    assert result.returncode == 1, result.stdout + result.stderr
    broken = [ln for ln in result.stdout.splitlines() if ln.endswith("BROKEN")]
    assert len(broken) == 1, result.stdout
    assert contract in broken[0]
    assert planted.split()[-1] in result.stdout


def test_mypy_is_clean_on_src() -> None:
    result = _run("mypy")  # files, plugins and cache folder: [tool.mypy] in pyproject.toml
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_fails_on_a_planted_type_error(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text('"""A module."""\n\n\ndef half(n: int) -> int:\n    return n / 2\n')
    result = _run(
        "mypy", "--config-file", str(CONFIG), "--cache-dir", str(tmp_path / "cache"), str(planted)
    )
    assert result.returncode == 1, result.stdout
    assert "Incompatible return value type" in result.stdout
