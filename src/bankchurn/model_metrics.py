"""The metrics of a model on held-out rows: what ``metrics.json`` holds besides the training facts.

[`model_metrics`][bankchurn.model_metrics.model_metrics] measures a calibrated model on test rows
at the declared operating point (``targets.OPERATING_POINT``): ranking, calibration, the
campaign's value, fairness, importance. Other ways to pick whom to contact (a probability
threshold) are reported as labelled [`scenarios`][bankchurn.model_metrics.scenarios] and never
enter the canvas verdict. [`evaluate_artifact`][bankchurn.model_metrics.evaluate_artifact]
measures a saved model on an extract (``bankchurn evaluate``).
[`ceiling_evidence`][bankchurn.model_metrics.ceiling_evidence] says, on synthetic data, where the
target's gap to its ceiling comes from.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from bankchurn import business, evaluation
from bankchurn.artifacts import package_version
from bankchurn.business import BusinessParameters
from bankchurn.contract import (
    FEATURES,
    SNAPSHOT,
    TARGET,
)
from bankchurn.ingest import Extract
from bankchurn.models import CalibratedChurnModel
from bankchurn.params import load as load_params
from bankchurn.split import (
    recorded_split,
)
from bankchurn.synthetic import mechanism_terms

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


def features_of(frame: pd.DataFrame) -> pd.DataFrame:
    """The model input columns (contract features) of a frame."""
    return frame.loc[:, list(FEATURES)]


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


def ceiling_evidence(
    train: pd.DataFrame,
    test: pd.DataFrame,
    without_gender: np.ndarray,
    without_gender_or_month: np.ndarray,
    candidate_test_roc_auc: dict[str, float | None],
) -> dict[str, Any] | None:
    """Where the gap to the gender-blind ceiling comes from, on the test rows (synthetic only).

    Three references beside the candidates, all ROC-AUC on the same test rows:

    * the ceiling without ``Gender`` (what the gap is measured against);
    * the ceiling without ``Gender`` and without the seasonal term: no model sees the snapshot
      month, so the difference is a part of the gap no model can close;
    * the generator's own form (`bankchurn.synthetic.mechanism_terms`, minus gender and
      season) fitted by maximum likelihood on the training rows: a model that knows the
      formula and only has to estimate its coefficients. What it still misses is the cost of
      estimating from this many rows, judged on these test rows; no learner that has to find the
      form as well can be expected to do better.

    Args:
        train: Training rows (contract columns and label).
        test: Test rows.
        without_gender: The gender-blind true probabilities of the test rows.
        without_gender_or_month: The same without the seasonal term.
        candidate_test_roc_auc: Each target candidate's test ROC-AUC.

    Returns:
        JSON-ready figures (``ceiling_evidence`` of ``model_selection.json``); None when the
        test rows hold one class only.
    """
    y = test[TARGET].to_numpy().astype(int)
    ceiling = evaluation.roc_auc(y, without_gender)
    month_blind = evaluation.roc_auc(y, without_gender_or_month)
    # Maximum likelihood: the huge C only keeps lbfgs well posed; the nulls (<1 %) get the
    # training median of their term.
    form = make_pipeline(
        SimpleImputer(strategy="median"), LogisticRegression(C=1e6, max_iter=10_000)
    ).fit(mechanism_terms(train), train[TARGET].to_numpy().astype(int))
    form_auc = evaluation.roc_auc(y, form.decision_function(mechanism_terms(test)))
    if ceiling is None or month_blind is None or form_auc is None:
        return None
    return {
        "ceiling_without_gender_roc_auc": ceiling,
        "ceiling_without_gender_or_month_roc_auc": month_blind,
        "month_effect_gap": ceiling - month_blind,
        "generator_form_roc_auc": form_auc,
        "generator_form_gap": ceiling - form_auc,
        "generator_form_n_terms": int(mechanism_terms(test.iloc[:1]).shape[1]),
        "generator_form_training_rows": len(train),
        "candidate_gap": {
            c: (ceiling - auc if auc is not None else None)
            for c, auc in candidate_test_roc_auc.items()
        },
    }


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
