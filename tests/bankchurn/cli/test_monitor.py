"""``bankchurn monitor``: drift.json through its pydantic model; user mistakes are one line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bankchurn.cli import main
from bankchurn.contract import TARGET
from bankchurn.drift import DriftReport
from bankchurn.synthetic import generate_extract

from tiny_model import save_tiny_artifact

TRAINING_WINDOW = "synthetic:2024-01..2025-06"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["monitor", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_december_balances_are_flagged_with_prediction_drift(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = save_tiny_artifact(tmp_path / "model.joblib")
    args = ["--reference", TRAINING_WINDOW, "--current", "synthetic:2025-12"]
    code, out, err = _run(capsys, *args, "--out", str(tmp_path / "m"), "--model", str(model))
    assert code == 0, err
    report = DriftReport.model_validate_json((tmp_path / "m" / "drift.json").read_text())
    assert report.drift_detected
    assert report.features["Balance"].drifted
    assert report.current.n_rows == 417
    assert report.reference.n_rows == 7500
    assert report.prediction is not None
    assert report.prediction.model_version == "test-tiny-1"
    assert "DRIFT in Balance" in out
    assert report.performance is not None
    assert report.performance.n == 417
    assert report.retrain_reasons is not None
    assert "estimated without labels" in out
    code, _, _ = _run(capsys, *args, "--out", str(tmp_path / "m"), "--fail-on-drift")
    assert code == 1


def test_an_unlabelled_csv_is_monitored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frame = generate_extract(n_rows=400, n_snapshots=1, seed=7, start="2025-06-30").frame
    csv = tmp_path / "june.csv"
    frame.drop(columns=[TARGET]).to_csv(csv, index=False)
    code, out, err = _run(
        capsys, "--reference", TRAINING_WINDOW, "--current", str(csv), "--out", str(tmp_path)
    )
    assert code == 0, err
    report = DriftReport.model_validate_json((tmp_path / "drift.json").read_text())
    assert not report.drift_detected
    assert report.current.source == "june.csv"
    assert "no drift detected" in out


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"--current": "synthetic:2025-13"}, "not a valid month"),
        ({"--current": "synthetic:2031-01"}, "no synthetic rows in those months"),
        ({"--current": "missing.csv"}, "missing.csv"),
        ({"--out": "FILE"}, "exists and is not a folder"),
        ({"--fail-on-retrain": ""}, "--fail-on-retrain needs --model"),
    ],
)
def test_mistakes_are_one_line_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, Any], expected: str
) -> None:
    (tmp_path / "FILE").write_text("x")
    opts = {"--reference": TRAINING_WINDOW, "--current": "synthetic:2025-12", "--out": "out"}
    opts.update(change)
    for key in ("--out", "--current"):
        if opts[key] in ("FILE", "out", "missing.csv"):
            opts[key] = str(tmp_path / opts[key])
    code, _, err = _run(capsys, *[x for kv in opts.items() for x in kv if x])
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert expected in err, err
    assert not (tmp_path / "out").exists()
    assert (tmp_path / "FILE").read_text() == "x"


@pytest.mark.parametrize("which", ["--current", "--reference"])
def test_a_window_too_small_to_flag_anything_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], which: str
) -> None:
    """Before, one current row gave "no drift detected" and a drift.json saying so."""
    from bankchurn.drift import MIN_ROWS
    from bankchurn.synthetic import to_csv_bytes

    small = tmp_path / "small.csv"
    small.write_bytes(to_csv_bytes(generate_extract(n_rows=MIN_ROWS - 1, seed=3).frame))
    other = "--reference" if which == "--current" else "--current"
    out = tmp_path / "out"
    argv = ["monitor", which, str(small), other, "synthetic:2025-12", "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"bankchurn: error: {which} {small}: {MIN_ROWS - 1} rows; the drift tests need at least "
        f"{MIN_ROWS} rows in each sample before they can flag anything"
    )
    assert not out.exists()
