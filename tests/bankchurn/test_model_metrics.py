"""The held-out metrics' pure parts: input columns, labelled scenarios, the ceiling evidence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from bankchurn.business import BusinessParameters
from bankchurn.contract import FEATURES, TARGET
from bankchurn.ingest import Extract, load_extract
from bankchurn.model_metrics import HALF, SCENARIOS, ceiling_evidence, features_of, scenarios
from bankchurn.report_schemas.selection import CeilingEvidence
from bankchurn.split import make_split


def test_features_of_keeps_the_contract_features_in_their_order() -> None:
    frame = pd.DataFrame({c: [1] for c in reversed((*FEATURES, "Exited", "CustomerKey"))})
    assert list(features_of(frame).columns) == list(FEATURES)


def test_each_scenario_contacts_whom_its_threshold_picks() -> None:
    y = np.array([1, 1, 0, 0, 0, 0, 0, 0, 1, 0])
    p = np.array([0.9, 0.6, 0.55, 0.3, 0.2, 0.1, 0.05, 0.4, 0.35, 0.45])
    out = scenarios(y, p, 0.38, BusinessParameters(), {"test_months": 12})
    assert set(out) == set(SCENARIOS)
    half, best = out["probability_half"], out["value_maximising_threshold"]
    assert half["threshold"] == HALF
    # p >= 0.5: rows 0, 1, 2 -> two churners of three contacted, two of the three churners found
    assert (half["contacted_share"], half["precision"]) == pytest.approx((0.3, 2 / 3))
    assert half["recall"] == pytest.approx(2 / 3)
    assert half["lift"] == pytest.approx((2 / 3) / 0.3)
    assert half["rule"] == "declared"
    # p >= 0.38: two more rows (0.4, 0.45), neither a churner
    assert best["contacted_share"] == pytest.approx(0.5)
    assert best["recall"] == pytest.approx(2 / 3)
    assert best["rule"].startswith("maximises net campaign value")


def _train_test(extract: Extract) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    frame = extract.frame.reset_index(drop=True)
    split = make_split(frame, seed=0)
    return frame.iloc[split.train].reset_index(drop=True), frame.iloc[split.test], split.test


def test_ceiling_evidence_splits_the_gap_on_the_test_rows() -> None:
    # Many training rows: the generator's formula, fitted on them, comes close to the ceiling
    # without gender and month (what estimating costs shrinks with the rows), never above it.
    # Planted: leaving out the age curve fell 0.04 short; fitting on the test rows went above.
    extract = load_extract(None, seed=11, n_rows=40_000)
    train, test, rows = _train_test(extract)
    assert extract.true_proba_without_gender is not None
    assert extract.true_proba_without_gender_or_month is not None
    blind = extract.true_proba_without_gender[rows]
    month_blind = extract.true_proba_without_gender_or_month[rows]
    out = ceiling_evidence(train, test, blind, month_blind, {"xgboost": 0.8, "lightgbm": None})
    assert out is not None
    CeilingEvidence.model_validate(out)
    y = test[TARGET].to_numpy()
    assert out["ceiling_without_gender_roc_auc"] == pytest.approx(roc_auc_score(y, blind))
    assert out["month_effect_gap"] == pytest.approx(
        out["ceiling_without_gender_roc_auc"] - out["ceiling_without_gender_or_month_roc_auc"]
    )
    assert out["generator_form_gap"] == pytest.approx(
        out["ceiling_without_gender_roc_auc"] - out["generator_form_roc_auc"]
    )
    assert (
        0 <= out["ceiling_without_gender_or_month_roc_auc"] - out["generator_form_roc_auc"] < 0.003
    )
    assert out["generator_form_training_rows"] == len(train)
    assert out["candidate_gap"] == {
        "xgboost": pytest.approx(out["ceiling_without_gender_roc_auc"] - 0.8),
        "lightgbm": None,
    }


def test_ceiling_evidence_is_none_when_the_test_rows_hold_one_class(
    small_extract: Extract,
) -> None:
    train, test, rows = _train_test(small_extract)
    test = test.assign(**{TARGET: 0})
    p = np.full(len(test), 0.2)
    assert ceiling_evidence(train, test, p, p, {}) is None
