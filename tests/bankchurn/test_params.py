"""``params.yaml`` with a bad value: one line naming the file, the key and the rule (exit 2).

Every command reads the file (defaults, the tuning budget, the business assumptions), and
``dvc repro`` runs those commands: a typo must not end as a pydantic or YAML traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bankchurn import params
from bankchurn.errors import UserError

GOOD = params.PARAMS_FILE.read_text(encoding="utf-8")


def _edited(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


# (case, params.yaml text, what the one line says after "params.yaml: ")
CASES = [
    ("seed not a number", _edited("seed: 42", "seed: abc"), "key seed breaks rule int_parsing"),
    (
        "rows zero",
        _edited("n_rows: 10000", "n_rows: 0"),
        "key data.n_rows breaks rule greater_than",
    ),
    ("unknown key", GOOD + "\nextra: 1\n", "key extra breaks rule extra_forbidden"),
    (
        "section missing",
        GOOD.replace("split:\n  test_months: 6\n", ""),
        "key split breaks rule missing",
    ),
    (
        "trials negative",
        _edited("n_trials: 12", "n_trials: -1"),
        "key tuning.n_trials breaks rule greater_than_equal",
    ),
    (
        "one fold",
        _edited("n_folds: 3", "n_folds: 1"),
        "key tuning.n_folds breaks rule greater_than_equal",
    ),
    (
        "tuning key unknown",
        _edited("max_trees: 400", "max_trees: 400\n  n_tirals: 3"),
        "key tuning.n_tirals breaks rule extra_forbidden",
    ),
    (
        "rate above 1",
        _edited("retention_success_rate: 0.3", "retention_success_rate: 2"),
        "key business.retention_success_rate breaks rule less_than_equal",
    ),
    (
        "business key missing",
        _edited("  acquisition_cost_usd: 500.0\n", ""),
        "key business.acquisition_cost_usd breaks rule missing",
    ),
    ("not yaml", GOOD + "\nx: [\n", "not valid YAML"),
    ("empty", "", "not a mapping of the pipeline's parameters"),
    ("a list", "- 1\n", "not a mapping of the pipeline's parameters"),
]


def _root_with(tmp_path: Path, text: str | None) -> Path:
    root = tmp_path / "root"
    root.mkdir()
    (root / "pyproject.toml").write_text("")
    if text is not None:
        (root / "params.yaml").write_text(text, encoding="utf-8")
    return root


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BANKCHURN_ROOT": str(root), "BANKCHURN_TRACKING": "false"}
    return subprocess.run(
        [sys.executable, "-m", "bankchurn", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize(("case", "text", "says"), CASES, ids=[c[0] for c in CASES])
def test_a_bad_parameters_file_is_one_line_naming_file_key_and_rule(
    tmp_path: Path, case: str, text: str, says: str
) -> None:
    root = _root_with(tmp_path, text)
    out = tmp_path / "x.csv"
    proc = _run(root, "train", "--model", "target", "--fast", "--out", str(tmp_path / "m"))
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"bankchurn: error: {root / 'params.yaml'}: "), lines[0]
    assert says in lines[0], lines[0]
    assert not (tmp_path / "m").exists()
    assert not out.exists()


def test_a_missing_or_unreadable_parameters_file_is_one_line(tmp_path: Path) -> None:
    root = _root_with(tmp_path, None)
    proc = _run(root, "data", "generate", "--rows", "10", "--out", str(tmp_path / "x.csv"))
    assert (proc.returncode, proc.stderr.strip().count("\n")) == (2, 0), proc.stderr
    assert "params.yaml: missing" in proc.stderr
    (root / "params.yaml").mkdir()
    proc = _run(root, "data", "generate", "--rows", "10", "--out", str(tmp_path / "x.csv"))
    assert (proc.returncode, proc.stderr.strip().count("\n")) == (2, 0), proc.stderr
    assert "params.yaml: cannot read" in proc.stderr
    assert not (tmp_path / "x.csv").exists()


def test_the_yaml_error_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "params.yaml"
    path.write_text("seed: 1\ndata: [\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"params.yaml: line 3 column 1: not valid YAML"):
        params.load(path)


def test_the_checked_file_gives_the_same_values() -> None:
    loaded = params.load()
    assert loaded.seed == 42 or isinstance(loaded.seed, int)
    from bankchurn.business import BusinessParameters
    from bankchurn.tuning import DEFAULT_BUDGET

    assert DEFAULT_BUDGET.n_trials == loaded.tuning["n_trials"]
    assert BusinessParameters().model_dump() == loaded.business


def test_dvc_repro_stops_on_the_one_line_naming_the_key(pipeline_copy) -> None:
    """The pipeline reads params.yaml through the commands it runs: the same one line."""
    copy = pipeline_copy("bad-params")
    (copy.root / "params.yaml").write_text(_edited("n_rows: 10000", "n_rows: 0"), encoding="utf-8")
    proc = subprocess.run(
        ["dvc", "repro", "extract"],
        cwd=copy.root,
        env=copy.env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode != 0
    ours = [line for line in (proc.stdout + proc.stderr).splitlines() if "bankchurn:" in line]
    assert ours == [
        f"bankchurn: error: {copy.root / 'params.yaml'}: key data.n_rows breaks rule "
        "greater_than: input should be greater than 0 (got 0)"
    ], proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


@pytest.mark.parametrize("model", sorted(params.TUNING_KEYS))
def test_a_training_records_exactly_the_keys_its_model_uses(model: str) -> None:
    recorded = params.training_parameters(
        model,
        seed=1,
        test_months=6,
        tuning={"n_trials": 3, "n_folds": 2, "max_trees": 9},
        business={"b": 2.0, "a": 1},
    )
    assert list(recorded) == [
        "seed",
        "split.test_months",
        *(f"tuning.{k}" for k in params.TUNING_KEYS[model]),
        "business.a",
        "business.b",
    ]
    assert recorded["seed"] == 1
