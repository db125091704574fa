"""Fixtures of the delivery tests: a trained model the container and the batch job load."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def trained_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding ``target.joblib``, trained on a small synthetic extract.

    The fast budget, but the real training code and artifact format, not a stand-in.
    """
    from bankchurn.ingest import load_extract
    from bankchurn.models import FAST_BUDGET
    from bankchurn.reporting import save_model, train_and_evaluate

    extract = load_extract(None, seed=7, n_rows=1200)
    result = train_and_evaluate(
        extract, "target", 7, budget=FAST_BUDGET, n_bootstrap=20, artifact_name="target.joblib"
    )
    folder = tmp_path_factory.mktemp("models")
    path = save_model(result, folder / "target.joblib")
    # The container runs as an unprivileged user: folder and artifact must be readable by others.
    folder.chmod(0o755)
    path.chmod(0o644)
    return folder
