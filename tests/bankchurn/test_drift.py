"""bankchurn.drift: each declared test flags a real shift, not a same-distribution sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankchurn import drift
from bankchurn.contract import BY_NAME, FEATURES
from bankchurn.drift import SampleInfo


def _frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "CreditScore": np.round(rng.normal(650, 96, n)),
            "Geography": rng.choice(["France", "Germany", "Spain"], n, p=[0.5, 0.25, 0.25]),
            "Age": np.round(rng.normal(39, 10, n)).clip(18, 92),
            "Tenure": rng.integers(0, 11, n).astype(float),
            "Balance": np.where(rng.random(n) < 0.3, 0.0, rng.normal(120_000, 30_000, n)),
            "NumOfProducts": rng.choice([1, 2, 3, 4], n, p=[0.5, 0.46, 0.03, 0.01]),
            "HasCrCard": (rng.random(n) < 0.7).astype(float),
            "IsActiveMember": (rng.random(n) < 0.5).astype(float),
            "EstimatedSalary": rng.uniform(0, 200_000, n),
        }
    )


INFO = SampleInfo(source="test", n_rows=0)


def test_methods_and_thresholds_are_declared_once() -> None:
    assert drift.FEATURE_ALPHA == pytest.approx(drift.FAMILY_ALPHA / len(FEATURES))
    for column in FEATURES:
        expected = "ks" if BY_NAME[column].kind in ("int", "float") else "chi2"
        assert drift.declared_test(column) == expected
    assert drift.METHODS["ks"].threshold == drift.METHODS["chi2"].threshold == drift.FEATURE_ALPHA
    assert drift.METHODS["psi"].threshold == drift.PSI_THRESHOLD


def test_same_distribution_is_not_flagged() -> None:
    report = drift.compare(_frame(5000, 1), _frame(400, 2), reference_info=INFO, current_info=INFO)
    assert not report.drift_detected
    assert set(report.features) == set(FEATURES)
    assert all(d.threshold == drift.FEATURE_ALPHA for d in report.features.values())


def test_a_numeric_shift_is_flagged_on_its_column_only() -> None:
    cur = _frame(400, 2)
    cur["Balance"] *= 0.8
    report = drift.compare(_frame(5000, 1), cur, reference_info=INFO, current_info=INFO)
    assert report.drift_detected
    assert [c for c, d in report.features.items() if d.drifted] == ["Balance"]
    assert report.features["Balance"].method == "ks"
    assert report.features["Balance"].p_value < drift.FEATURE_ALPHA


def test_a_category_mix_shift_is_flagged_by_chi_square() -> None:
    cur = _frame(400, 2)
    cur.loc[: len(cur) // 3, "Geography"] = "Germany"
    result = drift.column_drift(_frame(5000, 1)["Geography"], cur["Geography"], "Geography")
    assert result.method == "chi2"
    assert result.drifted


def test_missing_values_are_left_out_and_an_empty_column_is_an_error() -> None:
    ref, cur = _frame(2000, 1)["Tenure"], _frame(300, 2)["Tenure"]
    cur.iloc[:3] = np.nan
    assert drift.column_drift(ref, cur, "Tenure").n_current == 297
    with pytest.raises(ValueError, match="Tenure"):
        drift.column_drift(ref, cur * np.nan, "Tenure")


def test_psi_and_band_shares() -> None:
    assert drift.psi([0.5, 0.3, 0.2], [0.5, 0.3, 0.2]) == 0.0
    expected = sum((c - r) * np.log(c / r) for r, c in [(0.7, 0.4), (0.2, 0.3), (0.1, 0.3)])
    assert drift.psi([0.7, 0.2, 0.1], [0.4, 0.3, 0.3]) == pytest.approx(expected)
    # an empty band gives a large, finite term
    assert np.isfinite(drift.psi([0.5, 0.5, 0.0], [0.5, 0.0, 0.5]))
    shares = drift.band_shares(np.array([0.0, 0.19999, 0.2, 0.49, 0.5, 1.0]))
    assert shares.tolist() == pytest.approx([2 / 6, 2 / 6, 2 / 6])
    assert drift.SCORE_BIN_NAMES == ("low", "medium", "high")


def test_prediction_drift_flags_a_moved_score_distribution() -> None:
    rng = np.random.default_rng(0)
    ref = rng.beta(1, 4, 5000)
    same = drift.prediction_drift(ref, rng.beta(1, 4, 400), "v1")
    moved = drift.prediction_drift(ref, rng.beta(2, 2, 400), "v1")
    assert not same.drifted
    assert moved.drifted
    assert moved.statistic > drift.PSI_THRESHOLD
    assert moved.model_version == "v1"
    reference = drift.score_reference(ref, "test")
    assert reference["shares"] == pytest.approx(drift.band_shares(ref).tolist())
    assert reference["risk_bands"] == list(drift.SCORE_BIN_NAMES)


def test_min_rows_lets_a_balanced_binary_column_meet_the_expected_count_rule() -> None:
    """At MIN_ROWS a 50/50 column expects enough rows per category; one row fewer, none does."""
    assert drift.MIN_ROWS / 2 >= drift.MIN_EXPECTED_COUNT
    assert (drift.MIN_ROWS - 1) / 2 < drift.MIN_EXPECTED_COUNT
