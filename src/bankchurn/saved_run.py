"""A training run as the pipeline saved it: its metrics, training record, artifact and split.

The notebooks read the run `make reports` wrote (``reports/<model>/metrics.json``,
``models/<model>.joblib`` and its ``.training.json``) instead of training the models again: what
they show is the committed run, which a test regenerates from a clean state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bankchurn import params
from bankchurn.artifacts import artifact_path, load_artifact, record_path
from bankchurn.business import BusinessParameters
from bankchurn.errors import UserError
from bankchurn.ingest import Extract
from bankchurn.selection import ModelName
from bankchurn.settings import settings
from bankchurn.split import Split, recorded_split


@dataclass(frozen=True)
class SavedRun:
    """One saved training run, checked to belong to the extract it is shown with.

    Attributes:
        metrics: The content of its ``metrics.json``.
        record: Its training record (selection search, candidates' test scores, ablation).
        model: The fitted, calibrated model of its artifact.
        metadata: The artifact's metadata.
        split: The train/test split of the extract the model was trained with.
    """

    metrics: dict[str, Any]
    record: dict[str, Any]
    model: Any
    metadata: dict[str, Any]
    split: Split


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise UserError(f"{path}: missing; run `make reports` (or `bankchurn report`) first")
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise UserError(f"{path}: not a JSON object; run `make reports`")
    return data


def _check_parameters(model_file: Path, name: ModelName, meta: dict[str, Any]) -> None:
    """Refuse an artifact trained with other ``params.yaml`` values than the file's now."""
    p = params.load()
    current = params.training_parameters(
        name,
        seed=p.seed,
        test_months=p.split.test_months,
        tuning=p.tuning,
        business=BusinessParameters().model_dump(),
    )
    recorded = meta.get("training_parameters")
    if not isinstance(recorded, dict):
        raise UserError(
            f"{model_file}: records no training parameters (trained by an older version); "
            "run `make reports`"
        )
    for key, value in current.items():
        if key not in recorded or recorded[key] != value:
            was = recorded.get(key, "(not recorded)")
            raise UserError(
                f"{model_file}: trained with {key}={was}, params.yaml has {key}={value}; "
                "run `make reports`"
            )


def load_run(
    name: ModelName,
    extract: Extract,
    *,
    reports_dir: str | Path | None = None,
    models_dir: str | Path | None = None,
) -> SavedRun:
    """Load the saved run of model ``name`` and check it was trained on ``extract``.

    Args:
        name: ``baseline`` or ``target``.
        extract: The extract the run is shown with (its sha256 must be the training data's).
        reports_dir: Folder of ``<name>/metrics.json`` (default: the settings' reports folder).
        models_dir: Folder of ``<name>.joblib`` (default: the settings' models folder).

    Raises:
        UserError: A file is missing, or the run is of other data, of other ``params.yaml``
            values or of another artifact.
    """
    reports = Path(reports_dir) if reports_dir is not None else settings().reports_dir
    models = Path(models_dir) if models_dir is not None else settings().models_dir
    model_file = artifact_path(models, name)
    artifact = load_artifact(model_file)
    meta = artifact.metadata
    if meta.get("provenance", {}).get("sha256") != extract.provenance.get("sha256"):
        raise UserError(
            f"{model_file}: trained on other data than this extract; run `make reports` "
            "(or `bankchurn report --data ...` for your own file) first"
        )
    _check_parameters(model_file, name, meta)
    metrics_file = reports / name / "metrics.json"
    metrics = _read(metrics_file)
    if metrics.get("model_version") != meta.get("model_version"):
        raise UserError(
            f"{metrics_file}: measures model version {metrics.get('model_version')}, not "
            f"{model_file}'s {meta.get('model_version')}; run `make reports`"
        )
    record = _read(record_path(model_file))
    split = recorded_split(extract.frame.reset_index(drop=True), meta)
    return SavedRun(metrics, record, artifact.pipeline, meta, split)
