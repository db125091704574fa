"""Log one training run to MLflow: parameters, metrics, data hash, plots, model; register it.

What a run holds (ADR-0016):

* parameters: model, candidate, tuned hyper-parameters (``hp.*``), calibration, operating
  threshold, seed, tuning budget (``budget.*``), data source, rows and hash, split;
* metrics: every number of the written ``metrics.json`` reached through object keys, under its
  dotted path (``roc_auc``, ``business.at_capacity.net_usd_per_year``...), read back from the
  file, so a tracked value is the reported value to the last digit; lists (curves, bins,
  importance tables) stay in the file, which is logged too;
* tags: the package's model version, the data and artifact SHA-256, the command;
* artifacts: ``metrics.json``, the ROC/PR, reliability and importance plots, and the model as
  an MLflow model (``pyfunc``, code in `bankchurn.tracking.pyfunc_model`) whose one
  artifact is the ``model.joblib`` file written by training, with its signature and an input
  example (the contract's invented customer).

Nothing here writes into the output folder of the training: reports stay byte-identical
whether tracking is on or off.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bankchurn.errors import UserError
from bankchurn.tracking.config import TrackingSettings, quiet_mlflow

#: Name of the logged MLflow model inside a run, and of its joblib artifact key.
MODEL_NAME_IN_RUN = "model"
#: Key of the joblib file in the logged model's ``artifacts`` mapping.
ARTIFACT_KEY = "model"
#: The code MLflow runs to load and score a logged model ("models from code"); not imported
#: here: it declares the model to MLflow when executed.
PYFUNC_CODE = Path(__file__).with_name("pyfunc_model.py")
#: File name of the joblib artifact inside a logged model (``artifacts/model.joblib``).
ARTIFACT_FILE = "model.joblib"
#: Model-version and run tag holding the SHA-256 of ``model.joblib`` (checked when serving).
ARTIFACT_SHA256_TAG = "bankchurn.artifact_sha256"
MODEL_VERSION_TAG = "bankchurn.model_version"
DATA_SHA256_TAG = "bankchurn.data_sha256"
#: Registered model name of ``train --register``: ``bankchurn-<model>``.
REGISTERED_NAME_PREFIX = "bankchurn-"


@dataclass(frozen=True)
class TrackedRun:
    """Where a training run was logged.

    Attributes:
        tracking_uri: Tracking URI the run went to.
        experiment_id: Experiment of the run.
        run_id: The run.
        model_uri: URI of the logged MLflow model (``models:/m-...``).
        registered_name: Registered model name, when registered.
        registered_version: Registry version number, when registered.
    """

    tracking_uri: str
    experiment_id: str
    run_id: str
    model_uri: str
    registered_name: str | None = None
    registered_version: str | None = None


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def flat_metrics(metrics: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, float]]:
    """Every number of ``metrics`` reached through object keys, as ``(dotted.path, value)``.

    Booleans are not numbers here; lists are skipped (they stay in ``metrics.json``).
    """
    for key, value in metrics.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from flat_metrics(value, f"{path}.")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            yield path, float(value)


def run_params(metadata: Mapping[str, Any], budget: Mapping[str, Any]) -> dict[str, str]:
    """The parameters of a run, from the artifact metadata and the tuning budget."""
    prov = metadata.get("provenance") or {}
    split = metadata.get("split") or {}
    params: dict[str, Any] = {
        "model": metadata.get("model_name"),
        "candidate": metadata.get("candidate"),
        "calibration": metadata.get("calibration"),
        "threshold": metadata.get("threshold"),
        "seed": metadata.get("seed"),
        "feature_columns": ",".join(metadata.get("feature_columns") or []),
        "package_version": metadata.get("package_version"),
        "sklearn_version": metadata.get("sklearn_version"),
        "data_source": prov.get("source"),
        "data_synthetic": prov.get("synthetic"),
        "data_rows": prov.get("n_rows"),
        "data_sha256": prov.get("sha256"),
        "data_start": prov.get("snapshot_start"),
        "data_end": prov.get("snapshot_end"),
        "split_kind": split.get("kind"),
        "split_test_months": split.get("test_months"),
    }
    params.update({f"hp.{k}": v for k, v in (metadata.get("params") or {}).items()})
    params.update({f"budget.{k}": v for k, v in budget.items()})
    return {k: str(v) for k, v in params.items() if v is not None}


def _input_example() -> Any:
    """The contract's invented customer as the frame the API builds (numbers as float64)."""
    import pandas as pd

    from bankchurn.contract import BY_NAME, EXAMPLE_CUSTOMER, FEATURES

    frame = pd.DataFrame([EXAMPLE_CUSTOMER], columns=list(FEATURES))
    numeric = [c for c in FEATURES if BY_NAME[c].kind in ("int", "float", "binary")]
    return frame.astype(dict.fromkeys(numeric, "float64"))


def _plots(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """The run's figures, by artifact file name."""
    from bankchurn import plots

    name = str(metrics.get("model", "model"))
    figures: dict[str, Any] = {}
    if "curves" in metrics:
        scores = {name: {k: metrics[k] for k in ("roc_auc", "pr_auc") if k in metrics}}
        figures["roc_pr.png"] = plots.roc_pr_curves(
            {name: metrics["curves"]}, metrics.get("churn_rate"), scores
        )
    calibration = metrics.get("calibration") or {}
    if "before" in calibration and "after" in calibration:
        figures["reliability.png"] = plots.reliability_diagram(
            calibration["before"], calibration["after"]
        )
    if metrics.get("importance"):
        figures["importance.png"] = plots.importance_bars(metrics["importance"])
    return figures


def _experiment_id(client: Any, settings: TrackingSettings) -> str:
    """Id of the configured experiment, created on first use (local store: artifacts beside)."""
    found = client.get_experiment_by_name(settings.experiment)
    if found is not None:
        return str(found.experiment_id)
    location = settings.local_artifact_root if settings.is_local_default else None
    return str(client.create_experiment(settings.experiment, artifact_location=location))


def log_training_run(
    *,
    metrics_file: Path,
    model_file: Path,
    metadata: Mapping[str, Any],
    budget: Mapping[str, Any],
    command: str,
    settings: TrackingSettings,
    register: bool = False,
) -> TrackedRun:
    """Log a finished training (its two written files) as one MLflow run.

    Args:
        metrics_file: The ``metrics.json`` the training wrote.
        model_file: The ``model.joblib`` it wrote (logged as is, bytes unchanged).
        metadata: The artifact metadata (`bankchurn.artifacts.build_metadata`).
        budget: Tuning budget and bootstrap resamples of the run.
        command: The command that trained (``train`` or ``report``), as a tag.
        settings: Where to log.
        register: Also register the model as ``bankchurn-<model>`` (a new version).

    Returns:
        Where the run went.

    Raises:
        UserError: One line when the tracking store cannot be reached or refuses the run.
    """
    with _one_line_errors(settings), quiet_mlflow():
        import mlflow
        from mlflow.models import infer_signature

        from bankchurn.artifacts import load_artifact, predict_proba

        if settings.is_local_default:
            settings.store_dir.mkdir(parents=True, exist_ok=True)
        metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
        artifact_sha = sha256_of(model_file)
        data_sha = str((metadata.get("provenance") or {}).get("sha256") or "")
        model = str(metadata.get("model_name"))
        tags = {
            "bankchurn.command": command,
            MODEL_VERSION_TAG: str(metadata.get("model_version")),
            DATA_SHA256_TAG: data_sha,
            ARTIFACT_SHA256_TAG: artifact_sha,
        }
        example = _input_example()
        output = predict_proba(load_artifact(model_file), example)
        signature = infer_signature(example, {"churn_probability": output})

        mlflow.set_tracking_uri(settings.uri)
        client = mlflow.MlflowClient(settings.uri)
        experiment_id = _experiment_id(client, settings)
        with mlflow.start_run(
            experiment_id=experiment_id, run_name=f"{model}-{metadata.get('candidate')}", tags=tags
        ) as run:
            run_id = run.info.run_id
            mlflow.log_params(run_params(metadata, budget))
            mlflow.log_metrics(dict(flat_metrics(metrics)))
            mlflow.log_artifact(str(metrics_file), "metrics")
            for name, figure in _plots(metrics).items():
                mlflow.log_figure(figure, f"plots/{name}")
            with tempfile.TemporaryDirectory(prefix="bankchurn-log-") as tmp:
                # One file name in every logged model, whatever the training named it.
                staged = Path(tmp) / ARTIFACT_FILE
                shutil.copyfile(model_file, staged)
                artifacts = {ARTIFACT_KEY: str(staged)}
                from bankchurn.artifacts import hash_path

                recorded = hash_path(model_file)
                if recorded.is_file():  # the hash recorded beside the file travels with it
                    shutil.copyfile(recorded, hash_path(staged))
                    artifacts[f"{ARTIFACT_KEY}_sha256"] = str(hash_path(staged))
                info = mlflow.pyfunc.log_model(
                    name=MODEL_NAME_IN_RUN,
                    python_model=str(PYFUNC_CODE),
                    artifacts=artifacts,
                    signature=signature,
                    input_example=example,
                    pip_requirements=_requirements(),
                )
        tracked = TrackedRun(settings.display_uri, experiment_id, run_id, info.model_uri)
        if not register:
            return tracked
        name = f"{REGISTERED_NAME_PREFIX}{model}"
        version = mlflow.register_model(info.model_uri, name, tags=tags)
        return TrackedRun(
            settings.display_uri, experiment_id, run_id, info.model_uri, name, str(version.version)
        )


@contextmanager
def _one_line_errors(settings: TrackingSettings) -> Iterator[None]:
    """Turn any MLflow or transport failure into one `UserError` line (password scrubbed)."""
    try:
        yield
    except UserError:
        raise
    except Exception as exc:  # noqa: BLE001  (any MLflow/transport failure: one line)
        first = settings.scrub((str(exc).splitlines() or [type(exc).__name__])[0])[:300]
        raise UserError(
            f"MLflow tracking at {settings.display_uri} failed: {first} (the files are written; "
            "BANKCHURN_TRACKING=false trains without tracking)"
        ) from None


def _requirements() -> list[str]:
    """Pinned pip requirements of the logged model.

    Declared, not inferred: inference would load the model in a subprocess.
    """
    from importlib import metadata

    names = ("bankchurn", "scikit-learn", "xgboost-cpu", "lightgbm", "pandas", "numpy", "joblib")
    pins = []
    for name in names:
        try:
            pins.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:  # pragma: no cover - optional model library
            continue
    return pins
