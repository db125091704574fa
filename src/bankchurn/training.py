"""The one training procedure, used by ``bankchurn train`` and ``bankchurn report``.

[`train_and_evaluate`][bankchurn.training.train_and_evaluate]: split -> time-ordered folds ->
fit (and tune) on training rows -> metrics on test rows
([`model_metrics`][bankchurn.model_metrics.model_metrics]). The result holds the fitted model,
its metrics, the artifact's metadata and the training record that ``model_selection.json``
needs; the writers are in `bankchurn.reporting`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bankchurn import business, drift, evaluation
from bankchurn.artifacts import build_metadata, package_version, save_artifact
from bankchurn.business import BusinessParameters
from bankchurn.candidates import make_pipeline
from bankchurn.contract import (
    FEATURES,
    TARGET,
)
from bankchurn.errors import UserError
from bankchurn.ingest import Extract
from bankchurn.model_metrics import ceiling_evidence, features_of, model_metrics
from bankchurn.models import CalibratedChurnModel, coefficients
from bankchurn.params import training_parameters
from bankchurn.report_files import json_ready, to_json
from bankchurn.selection import ModelName, TrainedModel, train_baseline, train_target
from bankchurn.split import (
    DEFAULT_TEST_MONTHS,
    Split,
    make_split,
    time_ordered_folds,
)
from bankchurn.threads import single_threaded
from bankchurn.tuning import DEFAULT_BUDGET, TuningBudget


@dataclass
class TrainingResult:
    """Everything a training run produced.

    Attributes:
        trained: The fitted model and its selection record.
        metrics: JSON-ready metrics of the test rows (the ``metrics.json`` content).
        metadata: Artifact metadata.
        split: The train/test split used.
        extras: ``model_selection`` extras (candidate test scores, baseline ablation).
    """

    trained: TrainedModel
    metrics: dict[str, Any]
    metadata: dict[str, Any]
    split: Split
    extras: dict[str, Any] = field(default_factory=dict)


def value_maximising_threshold(
    model: CalibratedChurnModel, y_train: np.ndarray, params: BusinessParameters
) -> float:
    """Value-maximising threshold on the calibrated out-of-fold training probabilities.

    A scenario (see `bankchurn.model_metrics.SCENARIOS`), not the operating point.
    """
    seen = ~np.isnan(model.oof_scores_)
    p = model.calibrate(model.oof_scores_[seen])
    return business.best_threshold(np.asarray(y_train)[seen], p, params)


#: Fewest churners and fewest stayers the training rows, and the test rows, must each hold.
MIN_ROWS_PER_CLASS = 10


def check_trainable(train_y: pd.Series, test_y: pd.Series, source: str) -> None:
    """Refuse data a model cannot be trained and measured on, with one line.

    Raises:
        UserError: The training or the test rows hold fewer than
            [`MIN_ROWS_PER_CLASS`][bankchurn.training.MIN_ROWS_PER_CLASS] churners or stayers (e.g. a one-class label).
    """
    for part, y in (("training", train_y), ("test", test_y)):
        churners = int((y == 1).sum())
        stayers = int(len(y) - churners)
        if min(churners, stayers) < MIN_ROWS_PER_CLASS:
            raise UserError(
                f"{source}: the {part} rows hold {churners} churners and {stayers} stayers; "
                f"a model needs at least {MIN_ROWS_PER_CLASS} of each (Exited 1 and 0)"
            )


def train_and_evaluate(
    extract: Extract,
    model_name: ModelName,
    seed: int,
    *,
    budget: TuningBudget = DEFAULT_BUDGET,
    params: BusinessParameters | None = None,
    test_months: int = DEFAULT_TEST_MONTHS,
    n_bootstrap: int = evaluation.N_BOOTSTRAP,
    artifact_name: str = "model.joblib",
) -> TrainingResult:
    """Fit one model on the training rows of ``extract`` and measure it on the test rows.

    Args:
        extract: Validated, pseudonymised extract (see
            [`bankchurn.ingest.load_extract`][bankchurn.ingest.load_extract]).
        model_name: ``baseline`` or ``target``.
        seed: Seed of every random step (split fallback, models, search, bootstrap).
        budget: Tuning budget of the target.
        params: Business parameters (defaults from the canvas).
        test_months: Months held out by the temporal split.
        n_bootstrap: Bootstrap resamples of the ROC-AUC interval.
        artifact_name: File name recorded in the provenance.

    Returns:
        The [`TrainingResult`][bankchurn.training.TrainingResult].
    """
    params = params or BusinessParameters()
    frame = extract.frame.reset_index(drop=True)
    source = extract.provenance.get("file") or "the synthetic extract"
    try:
        split = make_split(frame, seed=seed, test_months=test_months)
        train, test = frame.iloc[split.train].reset_index(drop=True), frame.iloc[split.test]
        check_trainable(train[TARGET], test[TARGET], source)
        folds = time_ordered_folds(train, n_folds=budget.n_folds, seed=seed)
    except ValueError as exc:  # too few rows or months to split: the data, not a bug
        raise UserError(f"{source}: too little data to train and test a model ({exc})") from None
    X, y = features_of(train), train[TARGET].to_numpy().astype(int)
    extras: dict[str, Any] = {}
    if model_name == "baseline":
        trained = train_baseline(X, y, folds, seed)
    elif model_name == "target":
        trained, results = train_target(X, y, folds, seed, budget)
        # Test scores of every candidate, for information only (the choice used CV above).
        with single_threaded():
            extras["candidate_test_roc_auc"] = {
                c: evaluation.roc_auc(
                    test[TARGET].to_numpy(),
                    make_pipeline(c, r.params, seed)
                    .fit(X, y)
                    .predict_proba(features_of(test))[:, 1],
                )
                for c, r in results.items()
            }
        # Synthetic data only: where the gap to the ceiling comes from (read on Benchmarks).
        gender_blind = extract.true_proba_without_gender
        month_blind = extract.true_proba_without_gender_or_month
        if gender_blind is not None and month_blind is not None:
            # One BLAS thread: on a busy machine more threads cost several times the CPU.
            with single_threaded():
                extras["ceiling_evidence"] = ceiling_evidence(
                    train,
                    test,
                    gender_blind[split.test],
                    month_blind[split.test],
                    extras["candidate_test_roc_auc"],
                )
    else:
        raise ValueError(f"unknown model {model_name!r}")
    threshold = value_maximising_threshold(trained.model, y, params)
    true_test = extract.true_proba[split.test] if extract.true_proba is not None else None
    blind = extract.true_proba_without_gender
    metrics = model_metrics(
        trained.model,
        test,
        threshold=threshold,
        seed=seed,
        split_info=split.info,
        true_proba=true_test,
        params=params,
        n_bootstrap=n_bootstrap,
        true_proba_without_gender=blind[split.test] if blind is not None else None,
    )
    prov = extract.provenance
    provenance = {
        "data_source": prov.get("source"),
        "synthetic": prov.get("synthetic"),
        "seed": prov.get("seed") if prov.get("synthetic") else None,
        "file": prov.get("file"),
        "data_sha256": prov.get("sha256"),
        "data_start": prov.get("snapshot_start"),
        "data_end": prov.get("snapshot_end"),
        "n_rows": prov.get("n_rows"),
        "artifact": artifact_name,
        "package_version": package_version(),
        "model_seed": seed,
    }
    metrics.update(
        model=model_name,
        candidate=trained.candidate,
        params=trained.params,
        split=split.info,
        provenance=provenance,
        cv={
            "fold_roc_auc": trained.model.cv_scores_,
            "mean_roc_auc": float(np.mean(trained.model.cv_scores_)),
        },
        features={
            "input_columns": list(FEATURES),
            "feature_set": "canvas",
            "model_features": [
                str(n)
                for n in trained.model.estimator_.named_steps["preprocess"].get_feature_names_out()
            ],
        },
    )
    if model_name == "baseline":
        metrics["coefficients"] = coefficients(trained.model)
        extras["baseline_ablation"] = _baseline_ablation(X, y, folds, seed, test)
    headline = {
        k: metrics[k]
        for k in (
            "roc_auc",
            "roc_auc_ci",
            "pr_auc",
            "precision_at_10",
            "recall_at_10",
            "lift_at_10",
            "brier",
            "bayes_optimal_roc_auc",
        )
    }
    metadata = build_metadata(
        model_name=model_name,
        candidate=trained.candidate,
        params=trained.params,
        calibration=trained.model.method,
        threshold=threshold,
        provenance={**prov, "sha256": prov.get("sha256", "")},
        split=split.info,
        metrics=json_ready(headline),
        seed=seed,
    )
    seen = ~np.isnan(trained.model.oof_scores_)
    metadata["score_reference"] = drift.score_reference(
        trained.model.calibrate(trained.model.oof_scores_[seen]),
        "calibrated out-of-fold probabilities of the training rows (time-ordered folds)",
    )
    metadata["training_parameters"] = training_parameters(
        model_name,
        seed=seed,
        test_months=test_months,
        tuning=asdict(budget),
        business=params.model_dump(),
    )
    metrics["model_version"] = metadata["model_version"]
    return TrainingResult(trained, metrics, metadata, split, extras)


def _baseline_ablation(
    X: pd.DataFrame, y: np.ndarray, folds: Any, seed: int, test: pd.DataFrame
) -> dict[str, Any]:
    """Logistic regression with the ``extended`` features: what the linear model is missing."""
    extended = train_baseline(X, y, folds, seed, feature_set="extended")
    p = extended.model.predict_proba(features_of(test))[:, 1]
    return {
        "feature_set": "extended",
        "adds": ["ZeroBalance", "AgeSquared", "NumOfProducts one-hot"],
        "cv_mean_roc_auc": float(np.mean(extended.model.cv_scores_)),
        "test_roc_auc": evaluation.roc_auc(test[TARGET].to_numpy(), p),
        "note": "measured for information; the served baseline keeps the canvas features",
    }


#: The models a report compares, in the order they are trained.
REPORTED_MODELS: tuple[ModelName, ...] = ("baseline", "target")


def train_both(
    extract: Extract,
    seed: int,
    *,
    budget: TuningBudget = DEFAULT_BUDGET,
    n_bootstrap: int = evaluation.N_BOOTSTRAP,
) -> dict[str, TrainingResult]:
    """Train and measure the baseline, then the target, on one extract (`bankchurn report`).

    Args:
        extract: Validated, pseudonymised extract.
        seed: Seed of every random step.
        budget: Tuning budget of the target.
        n_bootstrap: Bootstrap resamples of the ROC-AUC intervals.

    Returns:
        Model name -> its run, baseline first.
    """
    return {
        name: train_and_evaluate(
            extract,
            name,
            seed,
            budget=budget,
            n_bootstrap=n_bootstrap,
            artifact_name=f"{name}.joblib",
        )
        for name in REPORTED_MODELS
    }


def save_model(result: TrainingResult, path: str | Path) -> Path:
    """Write the artifact of a training run."""
    return save_artifact(path, result.trained.model, result.metadata)


def training_record(result: TrainingResult) -> dict[str, Any]:
    """What ``model_selection.json`` needs from one training run besides its metrics.

    The target's search record and candidates' test scores, or the baseline's ablation; kept
    beside the artifact ([`record_path`][bankchurn.artifacts.record_path]) so the report stage
    of the pipeline can assemble ``model_selection.json`` without training again. JSON-ready
    (as read back from its file).
    """
    return json.loads(to_json({"selection": result.trained.selection, **result.extras}))
