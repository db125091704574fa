"""The data figures of `bankchurn.plots.data` draw what they claim."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankchurn.plots import data


def test_distributions_one_panel_per_column(legend_texts) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "Age": rng.integers(18, 80, 300),
            "Balance": rng.normal(1e5, 3e4, 300),
            "NumOfProducts": rng.integers(1, 5, 300),
            "Exited": rng.binomial(1, 0.2, 300),
        }
    )
    frame.loc[3, "Balance"] = np.nan  # a tolerated null must not break the histogram
    fig = data.distributions(frame, ["Age", "Balance", "NumOfProducts"], ncols=2)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["Age", "Balance", "NumOfProducts"]
    assert len(fig.axes) == 4
    assert not fig.axes[3].get_visible()
    assert any(t.startswith("churned (n=") for t in legend_texts(visible[0]))
    # one bar per product count (4 values) and per outcome
    assert len(visible[2].patches) == 2 * 4
    with pytest.raises(ValueError, match="at least one column"):
        data.distributions(frame, [])


def test_churn_by_group_bars_and_overall_line(legend_texts) -> None:
    groups = {
        "Geography": {
            "France": {"n": 50, "share": 0.5, "churn_rate": 0.16},
            "Germany": {"n": 25, "share": 0.25, "churn_rate": 0.32},
            "Spain": {"n": 25, "share": 0.25, "churn_rate": 0.17},
        },
        "Gender": {
            "Female": {"n": 45, "share": 0.45, "churn_rate": 0.25},
            "Male": {"n": 55, "share": 0.55, "churn_rate": 0.16},
        },
    }
    fig = data.churn_by_group(groups, overall=0.2, ncols=2)
    geo, gender = fig.axes
    assert geo.get_title() == "Geography"
    assert gender.get_title() == "Gender"
    assert [round(p.get_height(), 2) for p in geo.patches] == [0.16, 0.32, 0.17]
    assert [t.get_text() for t in geo.get_xticklabels()] == ["France", "Germany", "Spain"]
    assert "overall 20.0%" in legend_texts(geo)
    assert {t.get_text() for t in geo.texts} == {"n=50", "n=25"}


def test_churn_by_group_orders_numeric_keys_numerically() -> None:
    tenure = {
        k: {"n": 10, "share": 0.1, "churn_rate": r}
        for k, r in (("0.0", 0.2), ("1", 0.3), ("10", 0.1), ("2", 0.25), ("missing", 0.4))
    }
    ax = data.churn_by_group({"Tenure": tenure}, ncols=1).axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2", "10", "missing"]
    assert [round(p.get_height(), 2) for p in ax.patches] == [0.2, 0.3, 0.25, 0.1, 0.4]


def test_monthly_churn_marks_december_and_january(legend_texts) -> None:
    monthly = [
        {"snapshot": f"2023-{m:02d}-28", "n": 100, "churn_rate": 0.2 + 0.05 * (m in (1, 12))}
        for m in range(1, 13)
    ]
    fig = data.monthly_churn(monthly, overall=0.21)
    ax = fig.axes[0]
    line = ax.get_lines()[0]
    assert len(line.get_xdata()) == 12
    season = ax.collections[0].get_offsets()
    assert len(season) == 2
    assert np.allclose(season[:, 1], 0.25)
    assert "December / January" in legend_texts(ax)
