"""The embedded synthetic extract: structure, determinism, calibration against the facts file.

Targets are the published statistics of the public Kaggle "Churn Modelling" file
(shared/reference/churn-modelling-facts.md), copied here so the test needs nothing outside
the repository.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from bankchurn import contract
from bankchurn.synthetic import (
    GENERATOR_VERSION,
    MECHANISM,
    SyntheticExtract,
    churn_logit,
    draw_covariates,
    gender_blind_proba,
    generate_extract,
    mechanism_terms,
    month_blind_proba,
    month_ends,
    to_csv_bytes,
    write_extract,
)

OVERALL_CHURN = 0.2037
CHURN_BY_GROUP: dict[str, dict[object, float]] = {
    "Geography": {"France": 0.1615, "Germany": 0.3244, "Spain": 0.1667},
    "Gender": {"Female": 0.2507, "Male": 0.1646},
    "NumOfProducts": {1: 0.2771, 2: 0.0758, 3: 0.8271, 4: 1.0},
    "IsActiveMember": {0: 0.2685, 1: 0.1427},
    "AgeBand": {
        "18-29": 0.0756, "30-39": 0.1088, "40-49": 0.3079,
        "50-59": 0.5604, "60-69": 0.3520, "70+": 0.0993,
    },
    "ZeroBalance": {True: 0.1382, False: 0.2408},
}  # fmt: skip
SHARES: dict[str, dict[object, float]] = {
    "Geography": {"France": 0.5014, "Germany": 0.2509, "Spain": 0.2477},
    "Gender": {"Female": 0.4543, "Male": 0.5457},
    "NumOfProducts": {1: 0.5084, 2: 0.4590, 3: 0.0266, 4: 0.0060},
    "HasCrCard": {1: 0.7055},
    "IsActiveMember": {1: 0.5151},
    "ZeroBalance": {True: 0.3617},
    "AgeBand": {"18-29": 0.1641, "30-39": 0.4346, "40-49": 0.2618, "50-59": 0.0869},
}
#: (mean, std) of numeric columns.
MOMENTS = {
    "CreditScore": (650.5, 96.65),
    "Age": (38.92, 10.49),
    "Tenure": (5.013, 2.892),
    "Balance": (76_490.0, 62_400.0),
    "EstimatedSalary": (100_100.0, 57_510.0),
}


def _with_groups(frame: pd.DataFrame) -> pd.DataFrame:
    bands = pd.cut(
        frame["Age"], [17, 29, 39, 49, 59, 69, 200],
        labels=["18-29", "30-39", "40-49", "50-59", "60-69", "70+"],
    )  # fmt: skip
    return frame.assign(AgeBand=bands.astype(str), ZeroBalance=frame["Balance"].eq(0))


@pytest.fixture(scope="module")
def grouped(default_extract: SyntheticExtract) -> pd.DataFrame:
    return _with_groups(default_extract.frame)


# --- structure ---------------------------------------------------------------------------------


def test_columns_types_and_order(default_extract: SyntheticExtract) -> None:
    frame = default_extract.frame
    assert list(frame.columns) == [c.name for c in contract.COLUMNS]
    assert len(frame) == 10_000
    assert frame["CustomerId"].is_unique
    assert frame["RowNumber"].tolist() == list(range(1, 10_001))
    assert default_extract.true_proba.dtype == np.float64
    assert default_extract.true_proba.shape == (10_000,)
    assert ((default_extract.true_proba > 0) & (default_extract.true_proba < 1)).all()


def test_snapshots_are_month_ends_sorted(default_extract: SyntheticExtract) -> None:
    frame = default_extract.frame
    dates = frame["SnapshotDate"]
    assert dates.is_monotonic_increasing
    assert dates.nunique() == 24
    assert dates.iloc[0] == "2024-01-31"
    assert dates.iloc[-1] == "2025-12-31"
    assert sorted(set(dates)) == [d.isoformat() for d in month_ends("2024-01-31", 24)]
    counts = dates.value_counts()
    assert counts.max() - counts.min() <= 1
    assert month_ends("2024-01-15", 2) == [date(2024, 1, 31), date(2024, 2, 29)]


def test_metadata(default_extract: SyntheticExtract) -> None:
    meta = default_extract.metadata
    assert meta["generator_version"] == GENERATOR_VERSION
    assert (meta["seed"], meta["n_rows"], meta["n_snapshots"]) == (42, 10_000, 24)
    assert meta["synthetic"] is True
    assert default_extract.seed == 42


def test_every_row_is_within_the_contract(default_extract: SyntheticExtract) -> None:
    from bankchurn.validation import validate_frame

    assert len(validate_frame(default_extract.frame, "synthetic")) == 10_000


def test_nulls_sprinkled_under_one_percent(default_extract: SyntheticExtract) -> None:
    frame = default_extract.frame
    for spec in contract.COLUMNS:
        share = frame[spec.name].isna().mean()
        if spec.nullable:
            assert 0 < share < contract.MAX_NULL_FRACTION / 2, spec.name
        else:
            assert share == 0, spec.name


def test_surnames_and_ids_are_synthetic(default_extract: SyntheticExtract) -> None:
    frame = default_extract.frame
    assert frame["Surname"].str.fullmatch(r"[A-Z][a-z]+").all()
    assert frame["Surname"].nunique() > 1_500
    assert frame["CustomerId"].between(15_000_000, 15_999_999).all()


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="positive"):
        generate_extract(n_rows=0)
    with pytest.raises(ValueError, match="positive"):
        generate_extract(n_snapshots=0)


# --- determinism -------------------------------------------------------------------------------


def test_same_seed_same_bytes_different_seed_different(tmp_path) -> None:
    a, b = generate_extract(n_rows=2_000, seed=5), generate_extract(n_rows=2_000, seed=5)
    assert to_csv_bytes(a.frame) == to_csv_bytes(b.frame)
    assert np.array_equal(a.true_proba, b.true_proba)
    c = generate_extract(n_rows=2_000, seed=6)
    assert to_csv_bytes(a.frame) != to_csv_bytes(c.frame)
    first = write_extract(a, tmp_path / "a.csv").read_bytes()
    second = write_extract(b, tmp_path / "b.csv").read_bytes()
    assert first == second == to_csv_bytes(a.frame)
    assert b"true_proba" not in first


def test_written_csv_has_no_float_noise(tmp_path, default_extract: SyntheticExtract) -> None:
    text = write_extract(default_extract, tmp_path / "x.csv").read_text()
    header, first = text.splitlines()[:2]
    assert header == ",".join(c.name for c in contract.COLUMNS)
    cells = dict(zip(header.split(","), first.split(","), strict=True))
    assert "." not in cells["CreditScore"]
    assert "." not in cells["Age"]
    assert len(cells["Balance"].split(".")[-1]) <= 2


# --- calibration against the facts file --------------------------------------------------------


def _tolerance(rate: float, n: int, floor: float = 0.04) -> float:
    """±0.04, widened to 3 standard errors for small groups."""
    return max(floor, 3 * math.sqrt(max(rate * (1 - rate), 0.01) / max(n, 1)))


def test_overall_churn_about_twenty_percent(grouped: pd.DataFrame) -> None:
    assert grouped["Exited"].mean() == pytest.approx(OVERALL_CHURN, abs=0.02)


@pytest.mark.parametrize("column", list(CHURN_BY_GROUP))
def test_churn_by_group_close_to_facts(grouped: pd.DataFrame, column: str) -> None:
    observed = grouped.groupby(column)["Exited"].agg(["mean", "size"])
    for value, target in CHURN_BY_GROUP[column].items():
        rate, n = observed.loc[value, "mean"], observed.loc[value, "size"]
        assert abs(rate - target) <= _tolerance(target, n), (column, value, rate, target)


@pytest.mark.parametrize("column", list(SHARES))
def test_shares_close_to_facts(grouped: pd.DataFrame, column: str) -> None:
    shares = grouped[column].value_counts(normalize=True)
    for value, target in SHARES[column].items():
        assert shares.get(value, 0.0) == pytest.approx(target, abs=0.015), (column, value)


@pytest.mark.parametrize("column", list(MOMENTS))
def test_moments_close_to_facts(grouped: pd.DataFrame, column: str) -> None:
    mean, std = MOMENTS[column]
    values = grouped[column].astype(float)
    assert values.mean() == pytest.approx(mean, rel=0.03)
    assert values.std() == pytest.approx(std, rel=0.05)


def test_shapes_of_the_marginals(grouped: pd.DataFrame) -> None:
    assert grouped["CreditScore"].eq(850).sum() == pytest.approx(233, rel=0.25)
    assert grouped["CreditScore"].min() >= 350
    assert grouped["Age"].between(18, 92).all()
    assert grouped["Age"].median() == 37
    assert grouped["Age"].skew() > 0.7
    tenure = grouped["Tenure"].value_counts(normalize=True)
    assert tenure[0] < 0.06
    assert tenure[10] < 0.06
    assert tenure.loc[1:9].min() > 0.08
    nonzero = grouped.loc[grouped["Balance"] > 0, "Balance"]
    assert nonzero.mean() == pytest.approx(119_827, rel=0.03)
    assert nonzero.std() == pytest.approx(30_095, rel=0.1)
    salary = grouped["EstimatedSalary"]
    assert salary.min() >= 11.58
    assert salary.max() <= 200_000
    assert salary.quantile(0.25) == pytest.approx(50_000, rel=0.05)


def test_germany_never_has_a_zero_balance(grouped: pd.DataFrame) -> None:
    germany = grouped[grouped["Geography"] == "Germany"]
    assert not germany["Balance"].eq(0).any()
    others = grouped[grouped["Geography"] != "Germany"]
    assert others["Balance"].eq(0).mean() == pytest.approx(0.48, abs=0.04)


def test_non_linear_structure(grouped: pd.DataFrame, default_extract) -> None:
    p = pd.Series(default_extract.true_proba, index=grouped.index)
    by_age = p.groupby(grouped["AgeBand"]).mean()
    assert by_age.idxmax() == "50-59"
    assert by_age["70+"] < by_age["60-69"] < by_age["50-59"]
    by_products = p.groupby(grouped["NumOfProducts"]).mean()
    assert by_products[2] < by_products[1] < by_products[3] < by_products[4]


def test_seasonal_drift_around_december_january(default_extract: SyntheticExtract) -> None:
    frame = default_extract.frame
    month = pd.to_datetime(frame["SnapshotDate"]).dt.month
    p = pd.Series(default_extract.true_proba)
    holiday = month.isin([12, 1])
    assert p[holiday].mean() > p[~holiday].mean() + 0.02
    nonzero = frame["Balance"] > 0
    assert (
        frame.loc[nonzero & (month == 12), "Balance"].mean()
        < 0.96 * frame.loc[nonzero & ~holiday, "Balance"].mean()
    )


def test_bayes_optimal_auc_in_band(default_extract: SyntheticExtract) -> None:
    y = default_extract.frame["Exited"].to_numpy()
    assert 0.86 <= roc_auc_score(y, default_extract.true_proba) <= 0.90


def _raw_features(frame: pd.DataFrame) -> pd.DataFrame:
    x = frame[list(contract.NUMERIC_FEATURES) + list(contract.BINARY_FEATURES)].astype(float)
    x = x.fillna(x.median())
    for name, value in (("Geography", "Germany"), ("Geography", "Spain"), ("Gender", "Male")):
        x[f"{name}_{value}"] = (frame[name] == value).astype(float)
    return x


def _temporal_split(frame: pd.DataFrame) -> np.ndarray:
    months = sorted(frame["SnapshotDate"].unique())
    return frame["SnapshotDate"].isin(months[-6:]).to_numpy()


def test_linear_model_on_raw_columns_falls_clearly_short(default_extract) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    frame, p = default_extract.frame, default_extract.true_proba
    x, y, test = _raw_features(frame), frame["Exited"].to_numpy(), _temporal_split(frame)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1_000))
    model.fit(x[~test], y[~test])
    linear = roc_auc_score(y[test], model.predict_proba(x[test])[:, 1])
    bayes = roc_auc_score(y[test], p[test])
    assert 0.72 <= linear <= 0.80
    assert bayes - linear >= 0.07


@pytest.mark.slow
def test_trees_learn_close_to_bayes_optimal(default_extract) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    frame, p = default_extract.frame, default_extract.true_proba
    x, y, test = _raw_features(frame), frame["Exited"].to_numpy(), _temporal_split(frame)
    model = HistGradientBoostingClassifier(
        learning_rate=0.03, max_iter=300, max_leaf_nodes=15, min_samples_leaf=40,
        l2_regularization=1.0, random_state=0,
    )  # fmt: skip
    model.fit(x[~test], y[~test])
    trees = roc_auc_score(y[test], model.predict_proba(x[test])[:, 1])
    bayes = roc_auc_score(y[test], p[test])
    assert bayes - trees <= 0.015, (trees, bayes)


def _latent(seed: int, months: np.ndarray) -> dict[str, np.ndarray]:
    return draw_covariates(np.random.default_rng(seed), months)


def _frame_of(x: dict[str, np.ndarray]) -> pd.DataFrame:
    """The contract columns the mechanism reads, from latent covariates (no nulls)."""
    return pd.DataFrame(
        {
            "Age": x["age"],
            "NumOfProducts": x["products"],
            "Geography": np.where(x["germany"] == 1, "Germany", "France"),
            "IsActiveMember": pd.array(x["active"], dtype="Int64"),
            "Balance": x["balance"],
            "CreditScore": pd.array(x["credit"], dtype="Int64"),
        }
    )


def test_mechanism_terms_express_the_true_logit_without_gender_and_season_exactly() -> None:
    # The terms are the generator's form: with the mechanism's own coefficients they give its
    # logit back (for a man, out of season). Planted: leaving out the age x two-products term,
    # or the mid-life bump, breaks the equality.
    x = _latent(5, np.full(3000, 6))
    terms = mechanism_terms(_frame_of(x))
    m = MECHANISM
    age = np.asarray(m["age_logit"])
    coef = np.concatenate(
        [
            age,
            (m["age_scale_two_products"] - 1.0) * age,
            np.asarray(m["product_logit"])[1:],
            [m["germany"], m["inactive"], m["inactive_midlife"], m["nonzero_balance"]],
            [m["low_score_per_100"]],
        ]
    )
    expected = churn_logit({**x, "female": np.zeros(3000)})
    np.testing.assert_allclose(m["intercept"] + terms @ coef, expected, atol=1e-12)


def test_mechanism_terms_are_nan_where_an_input_is_missing() -> None:
    frame = _frame_of(_latent(5, np.full(4, 6)))
    frame.loc[1, "CreditScore"] = pd.NA
    frame.loc[2, "Age"] = np.nan
    terms = mechanism_terms(frame)
    assert np.isnan(terms[1]).sum() == 1  # the credit-score term only
    assert np.isnan(terms[2]).any()
    assert not np.isnan(terms[[0, 3]]).any()


def test_month_blind_proba_leaves_out_only_the_seasonal_term(
    default_extract: SyntheticExtract,
) -> None:
    x = _latent(3, np.array([6] * 250 + [12] * 250))
    blind, month_blind = gender_blind_proba(x), month_blind_proba(x)
    # Out of season nothing changes; in December the seasonal churn is gone.
    np.testing.assert_array_equal(blind[:250], month_blind[:250])
    assert (month_blind[250:] < blind[250:]).all()
    without = default_extract.true_proba_without_gender_or_month
    assert without is not None
    assert without.shape == default_extract.true_proba.shape
