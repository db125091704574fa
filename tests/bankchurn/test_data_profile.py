"""The data profile: churn by group, missing values and what the label means, from the extract."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankchurn.contract import SNAPSHOT, TARGET
from bankchurn.data_profile import age_band, data_profile, label_facts
from bankchurn.ingest import Extract


def test_age_bands_cover_every_adult_edge_included() -> None:
    bands = age_band(pd.Series([18, 29, 30, 59, 60, 70, 92, 17]))
    assert list(bands[:7]) == ["18-29", "18-29", "30-39", "50-59", "60-69", "70+", "70+"]
    assert pd.isna(bands[7])  # under age: no band


def test_groups_add_up_and_missing_values_form_their_own_group(small_extract: Extract) -> None:
    frame = small_extract.frame.copy()
    frame.loc[frame.index[:10], "Tenure"] = np.nan
    missing = int(frame["Tenure"].isna().sum())
    profile = data_profile(Extract(frame, None, {"source": "test", "synthetic": False}))
    tenure = profile["churn_by_group"]["Tenure"]
    assert tenure["missing"]["n"] == missing
    assert "0.0" not in tenure  # whole numbers are keyed as written: "0", not "0.0"
    for groups in profile["churn_by_group"].values():
        assert sum(g["n"] for g in groups.values()) == len(frame)
        rate = sum(g["n"] * g["churn_rate"] for g in groups.values()) / len(frame)
        assert rate == pytest.approx(frame[TARGET].mean())
    assert profile["null_fraction_by_column"]["Tenure"] == pytest.approx(missing / len(frame))
    assert profile["mean_true_proba"] is None


@pytest.mark.parametrize(
    ("dated", "synthetic", "known", "words"),
    [
        (True, True, True, "synthetic generator"),
        (True, False, True, "dated CRM extract"),
        (False, False, False, "has no dates"),
    ],
)
def test_the_label_horizon_is_known_only_for_a_dated_extract(
    small_extract: Extract, dated: bool, synthetic: bool, known: bool, words: str
) -> None:
    frame = small_extract.frame if dated else small_extract.frame.drop(columns=[SNAPSHOT])
    facts = label_facts(Extract(frame, None, {"synthetic": synthetic}))
    assert facts["horizon_known"] is known
    assert words in facts["how_this_data_defines_it"]


def test_an_undated_extract_has_no_monthly_churn(small_extract: Extract) -> None:
    frame = small_extract.frame.drop(columns=[SNAPSHOT])
    assert data_profile(Extract(frame, None, {"source": "csv"}))["monthly"] == []
