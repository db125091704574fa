"""Training runs and the JSON reports the site reads.

[`train_and_evaluate`][bankchurn.reporting.train_and_evaluate] is the one training procedure
(used by ``bankchurn train`` and ``bankchurn report``): split -> time-ordered folds -> fit (and
tune) on training rows -> metrics on test rows, judged at the declared operating point
(``targets.OPERATING_POINT``). Other ways to pick whom to contact (a probability threshold) are
reported as labelled ``scenarios`` and never enter the canvas verdict.
[`run_report`][bankchurn.reporting.run_report] writes ``data_profile.json``, ``baseline/metrics.json``,
``target/metrics.json``, ``model_selection.json``, ``canvas_status.json`` and (synthetic data
only) ``monitoring.json`` ([`write_monitoring`][bankchurn.reporting.write_monitoring]): sorted keys,
floats rounded to 6 decimals, no wall-clock time, so the same seed gives identical bytes.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bankchurn import business, drift, evaluation
from bankchurn import report_schemas as schemas
from bankchurn.artifacts import build_metadata, package_version, record_path, save_artifact
from bankchurn.business import BusinessParameters
from bankchurn.candidates import make_pipeline
from bankchurn.contract import (
    FEATURES,
    SNAPSHOT,
    TARGET,
)
from bankchurn.errors import UserError
from bankchurn.ingest import Extract
from bankchurn.models import CalibratedChurnModel, coefficients
from bankchurn.params import load as load_params
from bankchurn.params import training_parameters
from bankchurn.profile import write_data_profile
from bankchurn.report_files import json_ready, write_json, write_report
from bankchurn.report_files import to_json as to_json  # notebooks print through it
from bankchurn.selection import ModelName, TrainedModel, train_baseline, train_target
from bankchurn.split import (
    DEFAULT_TEST_MONTHS,
    Split,
    make_split,
    recorded_split,
    time_ordered_folds,
)
from bankchurn.summary import write_summary
from bankchurn.threads import single_threaded
from bankchurn.tuning import DEFAULT_BUDGET, TuningBudget

#: How the scenario's value-maximising threshold is chosen (recorded in every metrics file).
THRESHOLD_RULE = (
    "maximises net campaign value (business parameters) on the calibrated out-of-fold "
    "probabilities of the TRAINING rows; never tuned on test rows"
)
#: The seed canvas's "threshold 50%" (an alternative to the operating point, ADR).
HALF = 0.5
#: Alternatives to the operating point, shown beside it and never counted in the verdict.
SCENARIOS: dict[str, str] = {
    "value_maximising_threshold": (
        "contact every customer whose churn probability is at least the value-maximising "
        "threshold chosen on the training rows"
    ),
    "probability_half": (
        f"contact every customer whose churn probability is at least {HALF:g} (the seed "
        "canvas's threshold)"
    ),
}


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


def features_of(frame: pd.DataFrame) -> pd.DataFrame:
    """The model input columns (contract features) of a frame."""
    return frame.loc[:, list(FEATURES)]


def value_maximising_threshold(
    model: CalibratedChurnModel, y_train: np.ndarray, params: BusinessParameters
) -> float:
    """Value-maximising threshold on the calibrated out-of-fold training probabilities.

    A scenario (see ``SCENARIOS``), not the operating point.
    """
    seen = ~np.isnan(model.oof_scores_)
    p = model.calibrate(model.oof_scores_[seen])
    return business.best_threshold(np.asarray(y_train)[seen], p, params)


def model_metrics(
    model: CalibratedChurnModel,
    test: pd.DataFrame,
    *,
    threshold: float,
    seed: int,
    split_info: dict[str, Any],
    true_proba: np.ndarray | None,
    params: BusinessParameters,
    true_proba_without_gender: np.ndarray | None = None,
    n_bootstrap: int = evaluation.N_BOOTSTRAP,
    importance_repeats: int = 3,
) -> dict[str, Any]:
    """All test metrics of a calibrated model (the bulk of ``metrics.json``)."""
    X, y = features_of(test), test[TARGET].to_numpy().astype(int)
    raw = model.predict_raw(X)
    p = model.calibrate(raw)
    out = evaluation.evaluate_scores(
        y,
        p,
        seed,
        frame=test,
        true_proba=true_proba,
        n_bootstrap=n_bootstrap,
        true_proba_without_gender=true_proba_without_gender,
    )
    out["calibration"] = {
        "method": model.method,
        "fitted_on": "out-of-fold scores of the training rows (time-ordered folds)",
        "before": evaluation.reliability(y, raw),
        "after": out["calibration"],
    }
    out["brier_uncalibrated"] = out["calibration"]["before"]["brier"]
    if out["bayes_optimal_roc_auc"] is not None and out["roc_auc"] is not None:
        out["gap_to_bayes_optimal"] = out["bayes_optimal_roc_auc"] - out["roc_auc"]
    blind = out["bayes_optimal_roc_auc_without_gender"]
    if true_proba_without_gender is not None and blind is not None and out["roc_auc"] is not None:
        # The models may not use Gender (ADR 0006): their own ceiling is the gender-blind one,
        # and the difference between the two ceilings is what that decision costs.
        out["gap_to_bayes_optimal_without_gender"] = blind - out["roc_auc"]
        # How closely the test rows pin that gap down: both scores resampled together.
        out["gap_to_bayes_optimal_without_gender_ci"] = evaluation.bootstrap_ci(
            y,
            np.column_stack([true_proba_without_gender, p]),
            metric=evaluation.roc_auc_gap,
            n_resamples=n_bootstrap,
            seed=seed,
        )
        out["roc_auc_cost_of_excluding_gender"] = out["bayes_optimal_roc_auc"] - blind
    # Every figure of this file, ceilings included, is measured on these rows and no others.
    out["evaluated_rows"] = split_info.get("evaluated_rows", "test rows of the split")
    out["business"] = business.summary(y, p, params, split_info)
    out["scenarios"] = scenarios(y, p, threshold, params, split_info)
    out["importance"] = evaluation.importance(model, X, y, seed, n_repeats=importance_repeats)
    out["importance_method"] = (
        f"permutation importance on the test rows (drop in ROC-AUC, {importance_repeats} "
        "repeats, seeded), by input column"
    )
    return out


#: Fewest churners and fewest stayers the training rows, and the test rows, must each hold.
MIN_ROWS_PER_CLASS = 10


def check_trainable(train_y: pd.Series, test_y: pd.Series, source: str) -> None:
    """Refuse data a model cannot be trained and measured on, with one line.

    Raises:
        UserError: The training or the test rows hold fewer than
            [`MIN_ROWS_PER_CLASS`][bankchurn.reporting.MIN_ROWS_PER_CLASS] churners or stayers (e.g. a one-class label).
    """
    for part, y in (("training", train_y), ("test", test_y)):
        churners = int((y == 1).sum())
        stayers = int(len(y) - churners)
        if min(churners, stayers) < MIN_ROWS_PER_CLASS:
            raise UserError(
                f"{source}: the {part} rows hold {churners} churners and {stayers} stayers; "
                f"a model needs at least {MIN_ROWS_PER_CLASS} of each (Exited 1 and 0)"
            )


def scenarios(
    y: np.ndarray,
    p: np.ndarray,
    threshold: float,
    params: BusinessParameters,
    split_info: dict[str, Any],
) -> dict[str, Any]:
    """Each alternative of ``SCENARIOS``: whom it contacts, what it finds and what it is worth.

    Args:
        y: Test labels.
        p: Calibrated test probabilities.
        threshold: The value-maximising threshold chosen on the training rows.
        params: Business parameters.
        split_info: The split description (for the annualisation).

    Returns:
        ``{scenario id: {label, threshold, contacted_share, precision, recall, lift,
        net_usd_per_year}}``.
    """
    scale = business.annualisation(split_info)
    base = float(np.mean(y)) if len(y) else 0.0
    out = {}
    for sid, t in (("value_maximising_threshold", threshold), ("probability_half", HALF)):
        at = evaluation.at_threshold(y, p, t)
        value = business.value_at_threshold(y, p, t, params, scale)
        out[sid] = {
            "label": SCENARIOS[sid],
            "rule": THRESHOLD_RULE if sid == "value_maximising_threshold" else "declared",
            "threshold": float(t),
            "contacted_share": at["positive_rate"],
            "precision": at["precision"],
            "recall": at["recall"],
            "lift": at["precision"] / base if base else 0.0,
            "net_usd_per_year": value["net_usd_per_year"],
        }
    return out


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
        The [`TrainingResult`][bankchurn.reporting.TrainingResult].
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


def write_training(
    result: TrainingResult, metrics_dir: str | Path, model_file: str | Path | None
) -> dict[str, Path]:
    """Write one training run: ``metrics.json``, and the artifact with its training record.

    Args:
        result: The run.
        metrics_dir: Folder of ``metrics.json`` (e.g. ``reports/target``).
        model_file: The artifact (e.g. ``models/target.joblib``), or None for metrics only.

    Returns:
        ``metrics``, and ``model``/``record`` when written -> path.
    """
    metrics_file = Path(metrics_dir) / "metrics.json"
    written = {"metrics": write_report(metrics_file, schemas.TrainingMetrics, result.metrics)}
    if model_file is not None:
        written["model"] = save_model(result, model_file)
        written["record"] = write_report(
            record_path(model_file), schemas.TrainingRecord, training_record(result)
        )
    return written


def write_monitoring(
    extract: Extract,
    model: Any,
    split: Split,
    model_version: str,
    seed: int,
    out_dir: str | Path,
) -> dict[str, Path]:
    """Write ``monitoring.json``: the monitor scored against the generator's truth.

    Only the synthetic extract has a known truth, so nothing is written for other data.

    Args:
        extract: The extract the model was trained on.
        model: The fitted target model (calibrated ``predict_proba``).
        split: Its train/test split (the reference is the training window).
        model_version: Version of the model.
        seed: Seed of the monitoring study.
        out_dir: Reports folder.

    Returns:
        ``monitoring`` -> path, or nothing for non-synthetic data.
    """
    if not (extract.provenance.get("synthetic") and extract.has_snapshots):
        return {}
    from bankchurn.monitoring import monitoring_report

    report = monitoring_report(extract, model, split.train, split.test, model_version, seed)
    return {
        "monitoring": write_json(Path(out_dir) / "monitoring.json", report.model_dump(mode="json"))
    }


def monitor_from_files(out_dir: str | Path, models_dir: str | Path) -> dict[str, Path]:
    """The pipeline's monitor stage: ``monitoring.json`` from the target artifact.

    The synthetic extract is generated again from ``params.yaml`` and must be the data the
    artifact was trained on (same sha256): the generator's truth only holds for its own data.

    Raises:
        UserError: The artifact is missing or was trained on other data.
    """
    from bankchurn.artifacts import load_artifact
    from bankchurn.ingest import load_extract

    params = load_params()
    artifact = load_artifact(Path(models_dir) / "target.joblib")
    meta = artifact.metadata
    extract = load_extract(
        None, seed=params.seed, n_rows=params.data.n_rows, n_snapshots=params.data.n_snapshots
    )
    trained_on = meta.get("provenance", {}).get("sha256")
    if trained_on != extract.provenance["sha256"]:
        raise UserError(
            f"{Path(models_dir) / 'target.joblib'}: not trained on the synthetic extract of "
            "params.yaml; the monitor is scored only on the generator's own data"
        )
    seed = int(meta.get("seed") or params.seed)
    split = recorded_split(extract.frame.reset_index(drop=True), meta)
    return write_monitoring(
        extract, artifact.pipeline, split, str(meta["model_version"]), seed, out_dir
    )


def run_report(
    extract: Extract,
    out_dir: str | Path,
    models_dir: str | Path | None,
    seed: int,
    *,
    budget: TuningBudget = DEFAULT_BUDGET,
    n_bootstrap: int = evaluation.N_BOOTSTRAP,
    benchmarks: str | Path | None = None,
) -> dict[str, Path]:
    """Train baseline and target, write every report (and the artifacts when ``models_dir``).

    The same writers as the pipeline's stages (data profile,
    [`write_training`][bankchurn.reporting.write_training] per model,
    [`write_summary`][bankchurn.summary.write_summary], given ``benchmarks``), in one process.

    Returns:
        Report name -> written path.
    """
    out = Path(out_dir)
    written = {"data": write_data_profile(out / "data_profile.json", extract)}
    metrics, records = {}, {}
    for name in ("baseline", "target"):
        result = train_and_evaluate(
            extract,
            name,
            seed,
            budget=budget,
            n_bootstrap=n_bootstrap,
            artifact_name=f"{name}.joblib",
        )
        model_file = Path(models_dir) / f"{name}.joblib" if models_dir is not None else None
        files = write_training(result, out / name, model_file)
        written[name] = files["metrics"]
        if "model" in files:
            written[f"{name}_model"] = files["model"]
        # The summary reads what the stages would read back from their files.
        metrics[name] = json.loads(to_json(result.metrics))
        records[name] = training_record(result)
    written.update(write_summary(out, metrics, records, benchmarks))
    written.update(
        write_monitoring(  # `result` is the target's run: the loop's last
            extract,
            result.trained.model,
            result.split,
            result.metadata["model_version"],
            seed,
            out,
        )
    )
    return written


def evaluate_artifact(
    artifact: Any,
    extract: Extract,
    *,
    n_bootstrap: int = evaluation.N_BOOTSTRAP,
    params: BusinessParameters | None = None,
) -> dict[str, Any]:
    """Metrics of a saved model on an extract.

    When the extract is the model's own training data (same sha256), only the test rows of the
    same split are scored (the training rows would flatter the model); any other extract is
    scored on all of its rows, none of which the model has seen.
    """
    meta = artifact.metadata
    seed = int(meta.get("seed") or load_params().seed)
    frame = extract.frame.reset_index(drop=True)
    same_data = extract.provenance.get("sha256") == meta.get("provenance", {}).get("sha256")
    if same_data:
        split = recorded_split(frame, meta)
        rows, info = split.test, {**split.info, "evaluated_rows": "test part of the training split"}
    else:
        rows = np.arange(len(frame))
        months = (
            int(frame[SNAPSHOT].dt.to_period("M").nunique()) if SNAPSHOT in frame.columns else None
        )
        info = {
            "kind": "all_rows",
            "n": len(frame),
            "test_months": months,
            "evaluated_rows": "all rows (not the model's training data)",
        }
    test = frame.iloc[rows]
    true = extract.true_proba[rows] if extract.true_proba is not None else None
    blind = extract.true_proba_without_gender
    metrics = model_metrics(
        artifact.pipeline,
        test,
        threshold=float(meta["threshold"]),
        seed=seed,
        split_info=info,
        true_proba=true,
        params=params or BusinessParameters(),
        n_bootstrap=n_bootstrap,
        true_proba_without_gender=blind[rows] if blind is not None else None,
    )
    metrics.update(
        model=meta.get("model_name"),
        model_version=meta.get("model_version"),
        candidate=meta.get("candidate"),
        split=info,
        provenance={
            "data_source": extract.provenance.get("source"),
            "data_sha256": extract.provenance.get("sha256"),
            "file": extract.provenance.get("file"),
            "package_version": package_version(),
            "model_trained_on_sha256": meta.get("provenance", {}).get("sha256"),
        },
    )
    return metrics
