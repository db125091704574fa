"""The saved run the notebooks read: the pipeline's files, checked to belong together."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bankchurn import ingest, params
from bankchurn.artifacts import load_artifact, record_path, save_artifact
from bankchurn.errors import UserError
from bankchurn.report_files import to_json
from bankchurn.saved_run import load_run
from bankchurn.settings import settings

MODELS = settings().models_dir
REPORTS = settings().reports_dir


@pytest.fixture(scope="module")
def extract() -> ingest.Extract:
    """The synthetic extract of params.yaml (the one `make reports` trains on)."""
    if not (MODELS / "target.joblib").is_file():
        pytest.skip("models/ missing: `make test` runs `make reports` first")
    p = params.load()
    return ingest.load_extract(
        None, seed=p.seed, n_rows=p.data.n_rows, n_snapshots=p.data.n_snapshots
    )


def test_the_saved_run_is_the_committed_one(extract: ingest.Extract) -> None:
    run = load_run("target", extract)
    committed = json.loads((REPORTS / "target" / "metrics.json").read_text(encoding="utf-8"))
    assert run.metrics == committed
    assert json.loads(to_json(run.split.info)) == committed["split"]
    assert set(run.record) == {"selection", "candidate_test_roc_auc", "ceiling_evidence"}
    scores = run.model.predict_proba(
        extract.frame.iloc[run.split.test][committed["features"]["input_columns"]]
    )
    assert scores.shape == (committed["n"], 2)


def test_a_run_of_other_data_or_of_another_artifact_is_refused(
    extract: ingest.Extract, tmp_path: Path
) -> None:
    other = ingest.load_extract(None, seed=7, n_rows=2400)
    with pytest.raises(UserError, match="trained on other data than this extract"):
        load_run("target", other)
    reports = tmp_path / "reports"
    shutil.copytree(REPORTS, reports)
    path = reports / "target" / "metrics.json"
    metrics = json.loads(path.read_text(encoding="utf-8"))
    metrics["model_version"] = "target-0.0.0-stale"
    path.write_text(json.dumps(metrics), encoding="utf-8")
    with pytest.raises(UserError, match="measures model version target-0.0.0-stale"):
        load_run("target", extract, reports_dir=reports)
    with pytest.raises(UserError, match="model artifact not found"):
        load_run("target", extract, models_dir=tmp_path)


def test_a_run_trained_with_other_parameters_is_refused(
    extract: ingest.Extract, tmp_path: Path
) -> None:
    """A stale models/ (older params.yaml values) fails in one line naming the parameter."""
    saved = load_artifact(MODELS / "target.joblib")
    shutil.copy2(record_path(MODELS / "target.joblib"), record_path(tmp_path / "target.joblib"))
    recorded = saved.metadata["training_parameters"]
    assert recorded["tuning.n_trials"] == params.load().tuning["n_trials"]
    for key, stale in (("tuning.n_trials", recorded["tuning.n_trials"] + 1), ("seed", 7)):
        meta = {**saved.metadata, "training_parameters": {**recorded, key: stale}}
        save_artifact(tmp_path / "target.joblib", saved.pipeline, meta)
        with pytest.raises(UserError) as err:
            load_run("target", extract, models_dir=tmp_path)
        assert str(err.value).endswith("run `make reports`")
        assert f"trained with {key}={stale}, params.yaml has {key}=" in str(err.value)
    old = {k: v for k, v in saved.metadata.items() if k != "training_parameters"}
    save_artifact(tmp_path / "target.joblib", saved.pipeline, old)
    with pytest.raises(UserError, match="records no training parameters.*run `make reports`"):
        load_run("target", extract, models_dir=tmp_path)
