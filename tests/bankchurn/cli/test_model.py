"""``bankchurn train | evaluate | predict | report`` end to end on small files."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
from pydantic import ValidationError

from bankchurn.cli import main
from bankchurn.ingest import load_extract
from bankchurn.report_schemas.base import one_line
from bankchurn.report_schemas.metrics import AllRows, Evaluation
from bankchurn.synthetic import generate_extract, write_extract


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("cli")
    dated = root / "extract.csv"
    write_extract(generate_extract(n_rows=1500, seed=11), dated)
    rows = list(csv.reader(dated.open(encoding="utf-8")))
    header = rows[0]

    def without(column: str, name: str) -> Path:
        i = header.index(column)
        path = root / name
        with path.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows([r[:i] + r[i + 1 :] for r in rows])
        return path

    return {
        "root": root,
        "dated": dated,
        "kaggle": without("SnapshotDate", "kaggle.csv"),
        "unlabelled": without("Exited", "unlabelled.csv"),
    }


@pytest.fixture(scope="module")
def trained(files: dict[str, Path]) -> Path:
    out = files["root"] / "target"
    assert (
        main(
            [
                "train",
                "--model",
                "target",
                "--data",
                str(files["dated"]),
                "--seed",
                "3",
                "--out",
                str(out),
                "--fast",
            ]
        )
        == 0
    )
    return out


def test_train_writes_metrics_and_artifact(trained: Path) -> None:
    m = json.loads((trained / "metrics.json").read_text())
    for key in ("roc_auc", "pr_auc", "precision_at_10", "recall_at_10", "lift_at_10", "split"):
        assert key in m
    assert m["split"]["kind"] == "temporal"
    assert (trained / "model.joblib").is_file()


def test_train_on_a_dateless_file_says_stratified(files, tmp_path: Path, capsys) -> None:
    assert (
        main(
            [
                "train",
                "--model",
                "baseline",
                "--data",
                str(files["kaggle"]),
                "--out",
                str(tmp_path),
                "--fast",
            ]
        )
        == 0
    )
    assert "STRATIFIED" in capsys.readouterr().out
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert m["split"]["kind"] == "stratified"
    assert "no SnapshotDate" in m["split"]["note"]
    assert m["bayes_optimal_roc_auc"] is None


def test_evaluate_on_own_test_rows(trained: Path, files, tmp_path: Path) -> None:
    out = tmp_path / "eval.json"
    assert (
        main(
            [
                "evaluate",
                "--model",
                str(trained / "model.joblib"),
                "--data",
                str(files["dated"]),
                "--out",
                str(out),
                "--fast",
            ]
        )
        == 0
    )
    ev, m = json.loads(out.read_text()), json.loads((trained / "metrics.json").read_text())
    assert ev["roc_auc"] == m["roc_auc"]  # same rows, same model
    # The file is its model's shape exactly, and a planted change of shape is refused.
    assert Evaluation.model_validate(ev).to_json() == ev
    assert ev["split"]["evaluated_rows"] == "test part of the training split"
    for planted, where in (
        ({**ev, "auc": 0.9}, "auc: Extra inputs"),
        ({**ev, "split": {**ev["split"], "evaluated_rows": None}}, "split."),
        ({**ev, "provenance": {**ev["provenance"], "package_version": 1}}, "provenance.package"),
    ):
        with pytest.raises(ValidationError) as err:
            Evaluation.model_validate(planted)
        assert one_line(err.value).startswith(where)


def test_evaluate_on_other_data_scores_every_row(trained: Path, files, tmp_path: Path) -> None:
    out = tmp_path / "eval.json"
    model = str(trained / "model.joblib")
    argv = ["evaluate", "--model", model, "--data", str(files["kaggle"]), "--out", str(out)]
    assert main([*argv, "--fast"]) == 0
    ev = Evaluation.model_validate_json(out.read_text())
    assert ev.split == AllRows(
        kind="all_rows",
        n=1500,
        test_months=None,
        evaluated_rows="all rows (not the model's training data)",
    )
    assert ev.provenance.data_sha256 != ev.provenance.model_trained_on_sha256


def test_predict_draws_no_progress_bar_unless_stderr_is_a_terminal(
    trained: Path, files, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A scheduled job's log (stderr not a terminal) gets the summary, not redrawn bars."""
    argv = ["predict", "--model", str(trained / "model.joblib"), "--input"]
    argv += [str(files["unlabelled"]), "--output", str(tmp_path / "scores.csv")]
    assert main(argv) == 0
    assert "scoring" not in capsys.readouterr().err
    assert main([*argv, "--progress"]) == 0  # asked for: drawn anyway
    assert "scoring" in capsys.readouterr().err


def test_predict_streams_in_chunks_without_identifiers(
    trained: Path, files, tmp_path: Path
) -> None:
    out = tmp_path / "scores.csv"
    assert (
        main(
            [
                "predict",
                "--model",
                str(trained / "model.joblib"),
                "--input",
                str(files["unlabelled"]),
                "--output",
                str(out),
                "--chunk-size",
                "400",
                "--no-progress",
            ]
        )
        == 0
    )
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 1500
    assert list(rows[0]) == ["CustomerKey", "churn_probability", "risk_band"]
    keys = load_extract(files["dated"]).frame["CustomerKey"].tolist()
    assert [r["CustomerKey"] for r in rows] == keys
    assert all(0 <= float(r["churn_probability"]) <= 1 for r in rows)
    text = out.read_text()
    original = files["dated"].read_text().splitlines()[1].split(",")
    assert original[1] not in text
    assert original[2] not in text


def test_predict_explain_adds_three_readable_reasons(trained: Path, files, tmp_path: Path) -> None:
    out = tmp_path / "explained.csv"
    argv = ["predict", "--model", str(trained / "model.joblib"), "--input"]
    argv += [str(files["unlabelled"]), "--output", str(out), "--no-progress", "--explain"]
    assert main([*argv, "--chunk-size", "700"]) == 0
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 1500
    assert list(rows[0]) == [
        "CustomerKey",
        "churn_probability",
        "risk_band",
        "reason_1",
        "reason_2",
        "reason_3",
    ]
    for row in rows[:50]:
        reasons = [row[f"reason_{i}"] for i in (1, 2, 3)]
        assert all(" churn odds x" in r for r in reasons), reasons
        factors = [abs(math.log(float(r.rsplit("x", 1)[1]))) for r in reasons]
        assert factors == sorted(factors, reverse=True)  # largest effect first


def test_predict_explain_refuses_a_model_without_tree_shap(files, tmp_path: Path, capsys) -> None:
    base = tmp_path / "baseline"
    argv = ["train", "--model", "baseline", "--data", str(files["dated"]), "--out", str(base)]
    assert main([*argv, "--fast"]) == 0
    out = tmp_path / "x.csv"
    argv = ["predict", "--model", str(base / "model.joblib"), "--input"]
    argv += [str(files["unlabelled"]), "--output", str(out), "--no-progress", "--explain"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "no TreeSHAP explanations" in err[0]
    assert not out.exists()


def _bad_csv(files, tmp_path: Path, kind: str) -> Path:
    lines = files["dated"].read_text(encoding="utf-8").splitlines()
    path = tmp_path / f"{kind}.csv"
    if kind == "semicolon":
        path.write_text("\n".join(line.replace(",", ";") for line in lines) + "\n")
    elif kind == "geography":
        lines[700] = (
            lines[700].replace("France", "Mars").replace("Spain", "Mars").replace("Germany", "Mars")
        )
        path.write_text("\n".join(lines) + "\n")
    elif kind == "duplicate":  # repeated id in a LATER chunk
        first_id = lines[1].split(",")[1]
        parts = lines[1200].split(",")
        parts[1] = first_id
        lines[1200] = ",".join(parts)
        path.write_text("\n".join(lines) + "\n")
    elif kind == "latin1":
        path.write_bytes(
            ("\n".join(lines[:900]) + "\n").encode() + "Müller".encode("latin-1") + b"\n"
        )
    elif kind == "header_only":
        path.write_text(lines[0] + "\n")
    return path


@pytest.mark.parametrize("kind", ["semicolon", "geography", "duplicate", "latin1", "header_only"])
def test_predict_rejects_bad_input_and_writes_nothing(
    kind: str, trained: Path, files, tmp_path: Path, capsys
) -> None:
    bad = _bad_csv(files, tmp_path, kind)
    out = tmp_path / "out" / "scores.csv"
    code = main(
        [
            "predict",
            "--model",
            str(trained / "model.joblib"),
            "--input",
            str(bad),
            "--output",
            str(out),
            "--chunk-size",
            "500",
            "--no-progress",
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1
    assert err.startswith("bankchurn: error:")
    assert not out.exists()
    assert not any(out.parent.glob("*")) if out.parent.exists() else True


@pytest.mark.parametrize(
    "argv",
    [
        [
            "predict",
            "--model",
            "{root}/missing.joblib",
            "--input",
            "{dated}",
            "--output",
            "{tmp}/o.csv",
        ],
        ["evaluate", "--model", "{dated}"],
        ["train", "--model", "baseline", "--data", "{root}/nope.csv", "--out", "{tmp}/t"],
        ["report", "--data", "{root}/nope.csv", "--out", "{tmp}/r", "--models-dir", "{tmp}/m"],
    ],
)
def test_user_mistakes_are_one_line_exit_2(argv, files, tmp_path: Path, capsys) -> None:
    args = [a.format(root=files["root"], dated=files["dated"], tmp=tmp_path) for a in argv]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "Traceback" not in err
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("command", ["train", "evaluate", "predict", "report"])
def test_help(command: str, capsys) -> None:
    assert main([command, "--help"]) == 0
    assert "Usage" in capsys.readouterr().out
