"""Fixtures of the delivery tests: the image builder (scripts/image.py) and a trained model."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_script(name: str) -> ModuleType:
    """Import ``scripts/<name>.py`` by path (tests run in importlib mode, without packages)."""
    spec = importlib.util.spec_from_file_location(
        f"bankchurn_scripts_{name}", ROOT / "scripts" / f"{name}.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def image_script() -> ModuleType:
    return load_script("image")


@pytest.fixture(scope="session")
def trained_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding ``target.joblib``: the target model trained on a small synthetic
    extract with the fast budget (the real training code and artifact format, not a stand-in).
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
