"""dvc.yaml's code deps are the import graph's: checked on the repository, and on planted imports."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

from bankchurn.settings import settings
from designdocs.checks import stage_code

ROOT = settings().root


def test_dvc_yaml_lists_the_code_each_stage_imports() -> None:
    assert stage_code.problems(ROOT) == []


def test_the_api_and_the_image_builder_rerun_no_stage() -> None:
    deps = stage_code.expected_deps(ROOT)
    assert set(deps) == {
        "extract",
        "validate",
        "train_baseline",
        "train_target",
        "report",
        "monitor",
    }
    for stage, files in deps.items():
        assert not [
            f for f in files if f.startswith(("src/bankchurn/api/", "src/bankchurn/deploy/"))
        ]
        assert "src/bankchurn/__init__.py" in files, stage  # parent packages count
    assert "src/bankchurn/models.py" not in deps["extract"]  # generating data trains nothing
    assert "src/bankchurn/models.py" in deps["train_target"]


def _check(copy: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The check run on a copy of the repository (its own package first on the path)."""
    env = dict(os.environ, PYTHONPATH=str(copy / "src"))
    return subprocess.run(
        [sys.executable, "-m", "designdocs.checks.stage_code", "--root", str(copy), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_a_planted_import_is_named_then_written(tmp_path: Path) -> None:
    """Planted: a module-level import in the generator, and one inside a command no stage runs."""
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "src", copy / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "dvc.yaml", copy / "dvc.yaml")
    with (copy / "src/bankchurn/synthetic.py").open("a", encoding="utf-8") as fh:
        fh.write("\nfrom bankchurn import scores_db  # noqa: E402  planted\n")
    data_cli = copy / "src/bankchurn/cli/data.py"
    text = data_cli.read_text(encoding="utf-8")
    anchor = '    """Load a CSV extract'
    assert anchor in text  # `bankchurn data load`: no stage runs it
    data_cli.write_text(
        text.replace(anchor, "    from bankchurn.api import app  # planted\n" + anchor, 1),
        encoding="utf-8",
    )

    entry = copy / "src/bankchurn/cli/__init__.py"  # called by the entry point: every stage
    text = entry.read_text(encoding="utf-8")
    anchor = '    """Import the command line and run the command."""\n'
    assert anchor in text
    planted = anchor + "    from bankchurn.deploy import daily_job  # noqa: F401  planted\n"
    entry.write_text(text.replace(anchor, planted, 1), encoding="utf-8")

    checked = _check(copy)
    assert checked.returncode == 1
    lines = checked.stderr.strip().splitlines()
    assert all("src/bankchurn/scores_db.py" in line for line in lines), lines
    assert all("src/bankchurn/deploy/daily_job.py" in line for line in lines), lines
    named = sorted(line.split(":")[0].rsplit(" ", 1)[1] for line in lines)
    # Every stage imports the generator (the CLI loads cli/data.py, which imports it).
    assert named == sorted(
        ["extract", "validate", "train_baseline", "train_target", "report", "monitor"]
    )
    assert "api" not in checked.stderr

    assert _check(copy, "--write").returncode == 0
    assert _check(copy).returncode == 0
    stages = yaml.safe_load((copy / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    assert "src/bankchurn/scores_db.py" in stages["extract"]["deps"]
    assert "src/bankchurn/api/app.py" not in stages["extract"]["deps"]
    assert "src/bankchurn/deploy/daily_job.py" in stages["monitor"]["deps"]
    # Nothing else of dvc.yaml moved.
    before = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    for name, stage in stages.items():
        assert {k: v for k, v in stage.items() if k != "deps"} == {
            k: v for k, v in before[name].items() if k != "deps"
        }
        assert [d for d in stage["deps"] if not str(d).startswith("src/")] == [
            d for d in before[name]["deps"] if not str(d).startswith("src/")
        ]


def test_the_entry_point_is_the_one_the_script_calls() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert scripts["scripts"]["bankchurn"] == f"{stage_code.CLI}:{stage_code.ENTRY_POINT}"


def test_rewrite_replaces_only_the_code_deps_of_each_stage() -> None:
    text = (
        "stages:\n"
        "  a:\n"
        "    cmd: bankchurn x\n"
        "    deps:\n"
        "      - src/bankchurn/old.py\n"
        "      - src/bankchurn/gone.py\n"
        "      - data/in.csv\n"
        "    outs:\n"
        "      - src/bankchurn/not-a-dep.txt\n"
    )
    out = stage_code.rewrite(text, {"a": ["src/bankchurn/new.py"]})
    assert out == text.replace(
        "      - src/bankchurn/old.py\n      - src/bankchurn/gone.py\n",
        "      - src/bankchurn/new.py\n",
    )
