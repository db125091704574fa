"""The planted shifts of the power curves move what they say, by the size given."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankchurn.shifts import SHIFTS


@pytest.fixture
def sample() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Balance": [0.0, 1000.0, 50_000.0],
            "Age": [18.0, 40.0, 100.0],
            "CreditScore": [300.0, 600.0, 850.0],
            "Geography": ["France", "France", "Spain"],
            "IsActiveMember": [1.0, 1.0, 0.0],
        }
    )


@pytest.mark.parametrize("name", sorted(SHIFTS))
def test_sizes_grow_from_no_shift_and_size_zero_moves_nothing(name: str, sample) -> None:
    shift = SHIFTS[name]
    assert shift.sizes[0] == 0
    assert [abs(s) for s in shift.sizes] == sorted(abs(s) for s in shift.sizes)
    unchanged = shift.apply(sample, shift.sizes[0], np.random.default_rng(0))
    pd.testing.assert_frame_equal(unchanged, sample)
    assert unchanged is not sample


def test_each_kind_of_shift_moves_its_column_within_its_range(sample) -> None:
    rng = np.random.default_rng(0)
    assert list(SHIFTS["balance_down"].apply(sample, 0.1, rng)["Balance"]) == [0.0, 900.0, 45_000.0]
    assert list(SHIFTS["age_up"].apply(sample, 3, rng)["Age"]) == [21.0, 43.0, 100.0]
    assert list(SHIFTS["credit_down"].apply(sample, -10, rng)["CreditScore"]) == [
        300.0,
        590.0,
        840.0,
    ]
    moved = SHIFTS["france_to_germany"].apply(sample, 1.0, rng)["Geography"]
    assert list(moved) == ["Germany", "Germany", "Spain"]
    inactive = SHIFTS["active_to_inactive"].apply(sample, 1.0, rng)["IsActiveMember"]
    assert list(inactive) == [0.0, 0.0, 0.0]
