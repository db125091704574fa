"""Data and prediction drift between a reference and a current sample, declared once.

Methods (see ADR "Drift statistics from scipy, not a monitoring library"):

* numeric features (contract kinds ``int`` and ``float``): two-sample Kolmogorov-Smirnov test
  (`scipy.stats.ks_2samp`); the column drifted when its p-value is below
  `FEATURE_ALPHA`;
* categorical and 0/1 features: chi-square test of homogeneity on the category counts
  (`scipy.stats.chi2_contingency`), same p-value rule;
* predictions (with a model): population stability index (PSI) of the calibrated churn
  probabilities over the declared risk bands (`bankchurn.business.RISK_BANDS`); drifted
  when the PSI exceeds `PSI_THRESHOLD`. The API's score-shift alert computes the same
  PSI from ``/metrics`` (``ops/prometheus/alerts.yml``).

`FEATURE_ALPHA` is the family-wise level `FAMILY_ALPHA` split over the features
(Bonferroni), so that a month of unchanged data raises ``drift_detected`` at most that often.
Missing values are left out of the tests (their share is checked by the data contract).
The false-alarm rate and the power of these rules are measured, not assumed:
`bankchurn.monitoring` publishes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from scipy import stats

from bankchurn.business import RISK_BANDS
from bankchurn.cbpe import Estimate
from bankchurn.contract import BY_NAME, FEATURES
from bankchurn.report_schemas.base import STRICT

Test = Literal["ks", "chi2"]

#: Chance that at least one feature of an unchanged month is flagged (family-wise error rate).
FAMILY_ALPHA: float = 0.05
#: p-value threshold of each feature test: `FAMILY_ALPHA` / number of features.
FEATURE_ALPHA: float = FAMILY_ALPHA / len(FEATURES)

#: Smallest expected count per cell for the chi-square approximation to hold (Cochran's rule).
MIN_EXPECTED_COUNT: int = 5
#: Rows each sample needs: below it no 0/1 column can expect `MIN_EXPECTED_COUNT` rows in both
#: of its categories (at best half the rows each), so the p-values, and a "no drift" verdict,
#: would mean nothing; the command refuses such a window instead of reporting on it.
MIN_ROWS: int = 2 * MIN_EXPECTED_COUNT
#: PSI above which the score distribution has drifted (the usual "moderate shift" bound).
PSI_THRESHOLD: float = 0.1
#: Smallest share a PSI bin may take, so an empty bin gives a large but finite term.
PSI_EPSILON: float = 1e-4
#: PSI bins of the churn probability: the risk bands' lower bounds and 1.
SCORE_BIN_EDGES: tuple[float, ...] = (*(lower for _, lower in RISK_BANDS), 1.0)
SCORE_BIN_NAMES: tuple[str, ...] = tuple(name for name, _ in RISK_BANDS)


class MethodDeclaration(BaseModel):
    """How one kind of column is tested, for the report and the Monitoring page."""

    model_config = STRICT

    applies_to: str = Field(description="Which columns the method tests.")
    method: str = Field(description="The statistic and its library function.")
    rule: str = Field(description="When the column counts as drifted.")
    threshold: float = Field(description="The threshold of the rule.")


METHODS: dict[str, MethodDeclaration] = {
    "ks": MethodDeclaration(
        applies_to="numeric features (contract kinds int and float)",
        method="two-sample Kolmogorov-Smirnov test, scipy.stats.ks_2samp (asymptotic p-value)",
        rule="p-value < threshold (family-wise level split over the features, Bonferroni)",
        threshold=FEATURE_ALPHA,
    ),
    "chi2": MethodDeclaration(
        applies_to="categorical and 0/1 features",
        method="chi-square test of homogeneity of the category counts, "
        "scipy.stats.chi2_contingency",
        rule="p-value < threshold (family-wise level split over the features, Bonferroni)",
        threshold=FEATURE_ALPHA,
    ),
    "psi": MethodDeclaration(
        applies_to="calibrated churn probabilities (needs a model)",
        method="population stability index over the risk bands",
        rule="PSI > threshold",
        threshold=PSI_THRESHOLD,
    ),
}


class ColumnDrift(BaseModel):
    """Result of one column's test."""

    model_config = ConfigDict(extra="forbid")

    drifted: bool
    method: Test
    statistic: float = Field(description="KS distance or chi-square statistic.")
    p_value: float
    threshold: float = Field(description="p-value below which the column drifted.")
    n_reference: int
    n_current: int


class PredictionDrift(BaseModel):
    """PSI of the calibrated churn probabilities over the risk bands."""

    model_config = ConfigDict(extra="forbid")

    drifted: bool
    method: Literal["psi"] = "psi"
    statistic: float = Field(description="PSI of the current vs the reference shares.")
    threshold: float
    bins: list[str]
    reference_shares: list[float]
    current_shares: list[float]
    reference_mean: float
    current_mean: float
    model_version: str


class SampleInfo(BaseModel):
    """Which rows were compared."""

    model_config = ConfigDict(extra="forbid")

    source: str
    n_rows: int
    snapshot_start: str | None = None
    snapshot_end: str | None = None


class DriftReport(BaseModel):
    """Content of ``drift.json`` written by ``bankchurn monitor``."""

    model_config = ConfigDict(extra="forbid")

    drift_detected: bool = Field(description="Any feature or the predictions drifted.")
    features: dict[str, ColumnDrift]
    prediction: PredictionDrift | None = None
    performance: Estimate | None = Field(
        None, description="Performance estimated from the calibrated probabilities (CBPE)."
    )
    retrain_reasons: list[str] | None = Field(
        None, description="Clauses of the retraining rule the current sample meets."
    )
    family_alpha: float = FAMILY_ALPHA
    methods: dict[str, MethodDeclaration] = Field(default_factory=lambda: dict(METHODS))
    reference: SampleInfo
    current: SampleInfo


def declared_test(column: str) -> Test:
    """The declared test of a contract column (KS for numbers, chi-square otherwise)."""
    return "ks" if BY_NAME[column].kind in ("int", "float") else "chi2"


def _present(values: pd.Series | np.ndarray) -> np.ndarray:
    values = np.asarray(values)
    if values.dtype.kind == "f":
        return values[~np.isnan(values)]
    return values[~pd.isna(values)]


def column_drift(
    reference: pd.Series | np.ndarray, current: pd.Series | np.ndarray, column: str
) -> ColumnDrift:
    """Test one column of the current sample against the reference sample.

    Args:
        reference: Reference values (missing values are ignored).
        current: Current values.
        column: Contract column name (chooses the test).

    Returns:
        The test's statistic, p-value and verdict.

    Raises:
        ValueError: When either sample has no non-missing value.
    """
    ref, cur = _present(reference), _present(current)
    test = declared_test(column)
    if len(ref) == 0 or len(cur) == 0:
        raise ValueError(f"column {column}: nothing to compare (no non-missing value)")
    if test == "ks":
        # Asymptotic p-value: the exact one costs more at monthly sizes and differs little.
        res = stats.ks_2samp(ref.astype("float64"), cur.astype("float64"), method="asymp")
        statistic, p_value = float(res.statistic), float(res.pvalue)
    else:
        codes, levels = pd.factorize(np.concatenate([ref, cur]), sort=True)
        table = np.vstack(
            [
                np.bincount(codes[: len(ref)], minlength=len(levels)),
                np.bincount(codes[len(ref) :], minlength=len(levels)),
            ]
        )
        if len(levels) < 2:
            statistic, p_value = 0.0, 1.0  # one category in both samples: nothing moved
        else:
            res = stats.chi2_contingency(table, correction=False)
            statistic, p_value = float(res.statistic), float(res.pvalue)
    return ColumnDrift(
        drifted=p_value < FEATURE_ALPHA,
        method=test,
        statistic=statistic,
        p_value=p_value,
        threshold=FEATURE_ALPHA,
        n_reference=len(ref),
        n_current=len(cur),
    )


def band_shares(p: np.ndarray) -> np.ndarray:
    """Share of probabilities in each PSI bin (the risk bands; the top edge is inclusive)."""
    p = np.asarray(p, dtype="float64")
    idx = np.clip(np.searchsorted(SCORE_BIN_EDGES, p, side="right") - 1, 0, len(RISK_BANDS) - 1)
    counts = np.bincount(idx, minlength=len(RISK_BANDS))
    return counts / max(len(p), 1)


def psi(
    reference_shares: Sequence[float] | np.ndarray, current_shares: Sequence[float] | np.ndarray
) -> float:
    """Population stability index ``sum((c - r) * ln(c / r))`` with shares floored at epsilon."""
    r = np.clip(np.asarray(reference_shares, dtype="float64"), PSI_EPSILON, None)
    c = np.clip(np.asarray(current_shares, dtype="float64"), PSI_EPSILON, None)
    return float(np.sum((c - r) * np.log(c / r)))


def prediction_drift(
    reference_scores: np.ndarray, current_scores: np.ndarray, model_version: str
) -> PredictionDrift:
    """PSI of the current calibrated probabilities against the reference ones."""
    ref, cur = band_shares(reference_scores), band_shares(current_scores)
    value = psi(ref, cur)
    return PredictionDrift(
        drifted=value > PSI_THRESHOLD,
        statistic=value,
        threshold=PSI_THRESHOLD,
        bins=list(SCORE_BIN_NAMES),
        reference_shares=ref.tolist(),
        current_shares=cur.tolist(),
        reference_mean=float(np.mean(reference_scores)),
        current_mean=float(np.mean(current_scores)),
        model_version=model_version,
    )


def feature_drift(
    reference: pd.DataFrame, current: pd.DataFrame, columns: Sequence[str] = FEATURES
) -> dict[str, ColumnDrift]:
    """Test every column of ``columns`` (the model's features by default)."""
    return {c: column_drift(reference[c], current[c], c) for c in columns}


def compare(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    reference_info: SampleInfo,
    current_info: SampleInfo,
    reference_scores: np.ndarray | None = None,
    current_scores: np.ndarray | None = None,
    model_version: str | None = None,
) -> DriftReport:
    """Drift of every feature (and of the predictions when scores are given).

    Args:
        reference: Reference rows (contract feature columns).
        current: Current rows.
        reference_info: Description of the reference rows.
        current_info: Description of the current rows.
        reference_scores: Calibrated churn probabilities of the reference rows.
        current_scores: Calibrated churn probabilities of the current rows.
        model_version: Version of the model that gave the scores.

    Returns:
        The `DriftReport`.
    """
    features = feature_drift(reference, current)
    prediction = None
    if reference_scores is not None and current_scores is not None:
        prediction = prediction_drift(reference_scores, current_scores, model_version or "")
    detected = any(f.drifted for f in features.values()) or bool(prediction and prediction.drifted)
    return DriftReport(
        drift_detected=detected,
        features=features,
        prediction=prediction,
        reference=reference_info,
        current=current_info,
    )


def score_reference(p: np.ndarray, source: str) -> dict[str, object]:
    """Risk-band shares of a model's reference probabilities, stored in its artifact metadata.

    The API publishes them (``bankchurn_reference_risk_band_share``) so that the score-shift
    alert can compute `psi` of the served probabilities against them.

    Args:
        p: Calibrated probabilities of the reference rows.
        source: Which rows they are, in words.

    Returns:
        ``risk_bands``, ``shares``, ``n`` and ``source``.
    """
    return {
        "risk_bands": list(SCORE_BIN_NAMES),
        "shares": band_shares(p).tolist(),
        "n": len(p),
        "source": source,
    }
