"""Quality gates run by ``make test``: lint rules, formatting (each proved able to fail)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
"""


def test_the_rules_fail_on_a_planted_defect(tmp_path: Path) -> None:
    planted = tmp_path / "src" / "planted.py"
    planted.parent.mkdir()
    planted.write_text('"""A module."""\n' + PLANTED)
    result = _run("ruff", "check", "--no-cache", "--config", str(CONFIG), str(planted))
    assert result.returncode == 1
    for rule in ("F401", "I001", "D103", "E711"):
        assert rule in result.stdout, (rule, result.stdout)


def test_the_format_check_fails_on_a_planted_defect(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text('"""A module."""\n\nx = {  "a":1 }\n')
    result = _run("ruff", "format", "--check", "--no-cache", "--config", str(CONFIG), str(planted))
    assert result.returncode == 1
    assert "would be reformatted" in result.stdout
