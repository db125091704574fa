"""The README's command blocks are run as a reader would type them (the run_documented fixture).

The "Use your own data" flow is run by tests/site/test_user_data_site.py on a dateless file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from designdocs.checks.shell_blocks import shell_blocks
from designdocs.site.build import ROOT

README = ROOT / "README.md"


def test_the_readme_shows_the_own_data_page_commands() -> None:
    """One flow, shown in two places: they must not drift apart."""
    assert shell_blocks(README.read_text("utf-8"), "Your own copy of the Kaggle file") == (
        shell_blocks((ROOT / "docs" / "own-data.md").read_text("utf-8"), "Use your own data")
    )


@pytest.mark.slow  # trains a model
def test_the_readme_command_line_block_runs(tmp_path: Path, run_documented) -> None:
    (block,) = shell_blocks(README.read_text("utf-8"), "The command line")
    # `adr new` would add a record to this repository (tests/designdocs/adr covers it).
    block = "\n".join(line for line in block.splitlines() if "designdocs adr new" not in line)
    replace = {
        "/tmp/": f"{tmp_path}/",
        # a smaller search of the same model: the suite's time budget
        "train --model target": "train --fast --model target",
    }
    done = run_documented(block, tmp_path, replace)
    assert done.returncode == 0, done.stderr[-2000:]
    for written in ("crm_extract.csv", "target/model.joblib", "scores.csv", "monitor/drift.json"):
        assert (tmp_path / written).is_file(), written
