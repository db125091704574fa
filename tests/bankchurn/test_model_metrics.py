"""The held-out metrics' pure parts: the model's input columns and the labelled scenarios."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankchurn.business import BusinessParameters
from bankchurn.contract import FEATURES
from bankchurn.model_metrics import HALF, SCENARIOS, features_of, scenarios


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
