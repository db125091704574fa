"""Deterministic generator of the embedded, SYNTHETIC CRM extract.

The project ships no real customer data. Instead this module draws a CRM extract with the
columns of `bankchurn.contract.COLUMNS` whose marginals and churn rates by group are
calibrated against the published statistics of the public Kaggle "Churn Modelling" file
(``shared/reference/churn-modelling-facts.md``). Every id and surname is made up here.

Each row is one customer observed at one month-end snapshot (``CustomerId`` is unique over
the file). The label is drawn as ``Exited ~ Bernoulli(p)`` where ``p`` is the row's TRUE
churn probability; ``p`` is returned next to the frame (never inside it) so that the
Bayes-optimal ROC-AUC of the extract is known and can be published beside the models.

The churn mechanism is deliberately non-linear, like the real data:

* age: churn rises to a peak in the early 50s and falls after 60 (a smooth curve);
* products: high at 1, low at 2, very high at 3 and almost certain at 4 (a U shape);
* being inactive adds risk, and adds more between 40 and 65 (an interaction);
* Germany (which never has a zero balance) and women churn more;
* zero balance goes together with holding two products, so zero-balance customers churn less.

So a logistic regression on the raw columns falls clearly short of tree ensembles, while
the mechanism stays smooth and axis-aligned enough for trees to learn it from a few thousand
rows. The canvas's data realities are added on top: about 20% churn, under 1% nulls in the
nullable columns, and a seasonal drift around December/January (more churn, lower balances).

Everything is vectorised numpy driven by one ``np.random.default_rng(seed)``: the same
arguments give byte-identical output.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bankchurn import contract, params
from bankchurn.synthetic_identities import customer_ids, surnames

GENERATOR_NAME = "bankchurn.synthetic"
#: Bump when the mechanism or calibration changes: it is recorded in provenance.
GENERATOR_VERSION = "1.0.0"

#: Share of missing values sprinkled into each nullable column (contract limit is 1%).
NULL_FRACTION = 0.003

# --- marginals (calibration targets from the facts file) -------------------------------
_GEOGRAPHY = ("France", "Germany", "Spain")
_GEOGRAPHY_P = (0.5014, 0.2509, 0.2477)
_FEMALE_P = 0.4543
_PRODUCTS_P = (0.5084, 0.4590, 0.0266, 0.0060)
_TENURE_P = np.array(
    [0.0413, 0.1035, 0.1048, 0.1009, 0.0989, 0.1012, 0.0967, 0.1028, 0.1025, 0.0984, 0.0490]
)
#: P(age < x) at x (age in whole years: P(age <= 29) = P(x < 30) = 0.1641, ...).
_AGE_CDF_X = np.array([18.0, 22, 26, 30, 33, 38, 40, 45, 50, 60, 61, 70, 73, 93])
_AGE_CDF = np.array(
    [0.0, 0.01, 0.05, 0.1641, 0.25, 0.53, 0.5987, 0.75, 0.8605, 0.9474, 0.95, 0.9849, 0.99, 1.0]
)
_HAS_CARD_P = 0.7055
_ACTIVE_P = 0.5151
#: Probability of a zero balance outside Germany, by number of products (Germany: never).
_ZERO_BALANCE_P = np.array([0.28, 0.70, 0.40, 0.40])
_BALANCE_MEAN, _BALANCE_SD = 119_827.5, 30_095.1
_SALARY_LOW, _SALARY_HIGH = 11.58, 199_992.48

# --- churn mechanism (logit scale) ---------------------------------------------------
# Calibrated once by (penalised) least squares of the expected churn rates by group against
# the facts file on 150k draws, with a smooth age curve and the expected Bayes ROC-AUC pulled
# into the band that tests/bankchurn/test_synthetic.py holds the generated data to.
_AGE_KNOTS = np.array([18.0, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 80, 92])
MECHANISM: dict[str, Any] = {
    "intercept": -1.33,
    "age_logit": (
        -2.64,
        -2.56,
        -2.44,
        -2.11,
        -1.16,
        -0.03,
        1.10,
        1.77,
        1.35,
        0.26,
        -0.99,
        -2.25,
        -3.50,
    ),
    "product_logit": (0.0, -2.22, 3.33, 6.74),
    #: The age effect is damped for two-product holders (they mostly stay at any age).
    "age_scale_two_products": 0.7,
    "germany": 1.44,
    "female": 0.76,
    "inactive": 1.11,
    #: Extra inactive risk in mid-life (Gaussian bump centred at 52 years, width 10).
    "inactive_midlife": 0.6,
    #: Negative: zero balances sit outside Germany and with two products (both low churn),
    #: so the raw zero-balance gap (0.14 vs 0.24) comes from those; this term fine-tunes it.
    "nonzero_balance": -0.27,
    #: Low credit scores churn slightly more (per 100 points below 500).
    "low_score_per_100": 0.64,
    #: Seasonal drift: extra churn by calendar month.
    "season": {12: 0.40, 1: 0.25},
}
#: Seasonal drift of balances (holiday spending) by calendar month.
_SEASON_BALANCE = {12: 0.92, 1: 0.95}


@dataclass(frozen=True)
class SyntheticExtract:
    """A generated extract and what only a generator can know about it.

    Attributes:
        frame: The CRM extract, exactly the contract columns in contract order.
        true_proba: TRUE churn probability of each row (aligned to ``frame``); never a feature.
        true_proba_without_gender: The best probability any model can give WITHOUT ``Gender``
            (the models may not use it, ADR 0006): ``E[true_proba | other covariates]``, exact
            because gender is drawn independently of every other covariate.
        seed: Seed that produced it.
        metadata: Generator name/version, seed, n_rows, n_snapshots, start, null fraction.
        true_proba_without_gender_or_month: ``true_proba_without_gender`` without the seasonal
            term (see [`month_blind_proba`][bankchurn.synthetic.month_blind_proba]): it ranks
            the rows as well as any model that sees neither ``Gender`` nor the snapshot month
            can (no model has the month among its features).
    """

    frame: pd.DataFrame
    true_proba: np.ndarray
    seed: int
    metadata: dict[str, Any] = field(default_factory=dict)
    true_proba_without_gender: np.ndarray | None = None
    true_proba_without_gender_or_month: np.ndarray | None = None


def month_ends(start: str, n: int) -> list[date]:
    """Return ``n`` consecutive month-end dates, the first being the month end of ``start``.

    Args:
        start: ISO date (``YYYY-MM-DD``); only its year and month are used.
        n: Number of months.

    Returns:
        The month-end dates in order.
    """
    first = date.fromisoformat(start)
    out: list[date] = []
    for k in range(n):
        year, month = divmod(first.month - 1 + k, 12)
        y, m = first.year + year, month + 1
        out.append(date(y, m, calendar.monthrange(y, m)[1]))
    return out


def _age(rng: np.random.Generator, n: int) -> np.ndarray:
    # Inverse of a piecewise-linear CDF through the published quantiles and age-band shares:
    # right-skewed, median 37, 18-92.
    return np.floor(np.interp(rng.random(n), _AGE_CDF, _AGE_CDF_X)).astype(np.int64)


def churn_logit(x: dict[str, np.ndarray], mech: dict[str, Any] = MECHANISM) -> np.ndarray:
    """The TRUE churn mechanism on the logit scale (see the module docstring).

    Args:
        x: Latent (pre-null) covariates: ``age``, ``products``, ``germany``, ``female``,
            ``active``, ``balance``, ``credit``, ``month`` as numpy arrays.
        mech: Mechanism parameters (defaults to the calibrated `MECHANISM`).

    Returns:
        The logit of the true churn probability of each row.
    """
    age = x["age"].astype(np.float64)
    products = x["products"]
    inactive = 1.0 - x["active"]
    midlife = np.exp(-(((age - 52.0) / 10.0) ** 2))
    age_effect = np.interp(age, _AGE_KNOTS, np.asarray(mech["age_logit"], dtype=np.float64))
    age_effect = np.where(products == 2, mech["age_scale_two_products"] * age_effect, age_effect)
    season = np.zeros(age.shape[0])
    for m, v in mech["season"].items():
        season[x["month"] == m] = v
    return (
        mech["intercept"]
        + age_effect
        + np.asarray(mech["product_logit"], dtype=np.float64)[products - 1]
        + mech["germany"] * x["germany"]
        + mech["female"] * x["female"]
        + inactive * (mech["inactive"] + mech["inactive_midlife"] * midlife)
        + mech["nonzero_balance"] * (x["balance"] > 0)
        + mech["low_score_per_100"] * np.clip(500.0 - x["credit"], 0.0, None) / 100.0
        + season
    )


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def gender_blind_proba(x: dict[str, np.ndarray], mech: dict[str, Any] = MECHANISM) -> np.ndarray:
    """The Bayes-optimal churn probability for a model that does not see ``Gender``.

    Gender is drawn independently of every other covariate, so averaging the true probability
    over both genders with their population shares is exactly ``E[Y | other covariates]``.

    Args:
        x: Latent covariates as returned by [`draw_covariates`][bankchurn.synthetic.draw_covariates].
        mech: Mechanism parameters.

    Returns:
        Probability per row.
    """
    female = _sigmoid(churn_logit({**x, "female": np.ones_like(x["female"])}, mech))
    male = _sigmoid(churn_logit({**x, "female": np.zeros_like(x["female"])}, mech))
    return _FEMALE_P * female + (1.0 - _FEMALE_P) * male


def month_blind_proba(x: dict[str, np.ndarray], mech: dict[str, Any] = MECHANISM) -> np.ndarray:
    """The gender-blind probability with the seasonal term left out.

    The exact ``E[Y | covariates other than gender and month]`` averages the seasonal term over
    the months; that average is increasing in the remaining logit, so it ranks the rows exactly
    as this probability does: the two have the same ROC-AUC, which is what it is used for.

    Args:
        x: Latent covariates as returned by [`draw_covariates`][bankchurn.synthetic.draw_covariates].
        mech: Mechanism parameters.

    Returns:
        Probability per row.
    """
    return gender_blind_proba(x, {**mech, "season": {}})


def mechanism_terms(frame: pd.DataFrame) -> np.ndarray:
    """The terms of `churn_logit` that a model's inputs carry, from contract columns.

    Every term of the mechanism except ``Gender`` (models may not use it) and the seasonal
    term (no model sees the snapshot month), as the columns of a design matrix: a logistic
    regression on them can express the true logit exactly. It measures what estimation from
    a finite number of rows costs (``reports/model_selection.json``, ``ceiling_evidence``); it
    copies the generator's formula, so it is evidence about the data and never a model's
    feature. Missing inputs give NaN terms (the caller imputes them).

    Args:
        frame: Rows with ``Age``, ``NumOfProducts``, ``Geography``, ``IsActiveMember``,
            ``Balance`` and ``CreditScore``.

    Returns:
        ``(n, k)`` float array.
    """
    age = frame["Age"].to_numpy(dtype="float64", na_value=np.nan)
    products = frame["NumOfProducts"].to_numpy(dtype="float64", na_value=np.nan)
    inactive = 1.0 - frame["IsActiveMember"].to_numpy(dtype="float64", na_value=np.nan)
    balance = frame["Balance"].to_numpy(dtype="float64", na_value=np.nan)
    credit = frame["CreditScore"].to_numpy(dtype="float64", na_value=np.nan)
    # The piecewise-linear age curve: one hat function per knot.
    knots = np.eye(len(_AGE_KNOTS))
    age_curve = np.column_stack([np.interp(age, _AGE_KNOTS, k) for k in knots])
    age_curve[np.isnan(age)] = np.nan
    two = np.where(np.isnan(products), np.nan, (products == 2).astype("float64"))
    product_flags = np.column_stack(
        [np.where(np.isnan(products), np.nan, (products == k).astype("float64")) for k in (2, 3, 4)]
    )
    midlife = np.exp(-(((age - 52.0) / 10.0) ** 2))
    return np.column_stack(
        [
            age_curve,
            age_curve * two[:, None],
            product_flags,
            (frame["Geography"].to_numpy() == "Germany").astype("float64"),
            inactive,
            inactive * midlife,
            np.where(np.isnan(balance), np.nan, (balance > 0).astype("float64")),
            np.clip(500.0 - credit, 0.0, None) / 100.0,
        ]
    )


def draw_covariates(rng: np.random.Generator, month: np.ndarray) -> dict[str, np.ndarray]:
    """Draw the latent covariates of ``len(month)`` rows (before any null is sprinkled).

    Args:
        rng: The generator's random state (consumed in a fixed order).
        month: Calendar month (1-12) of each row's snapshot (drives the seasonal drift).

    Returns:
        Arrays keyed by ``geo_idx``, ``germany``, ``female``, ``age``, ``tenure``,
        ``products``, ``credit``, ``has_card``, ``active``, ``salary``, ``balance``, ``month``.
    """
    n = int(month.shape[0])
    geo_idx = rng.choice(3, size=n, p=_GEOGRAPHY_P)
    germany = (geo_idx == 1).astype(np.float64)
    female = (rng.random(n) < _FEMALE_P).astype(np.float64)
    age = _age(rng, n)
    tenure = rng.choice(11, size=n, p=_TENURE_P / _TENURE_P.sum()).astype(np.int64)
    products = rng.choice(4, size=n, p=_PRODUCTS_P).astype(np.int64) + 1
    credit = np.clip(np.rint(rng.normal(650.5, 96.65, n)), 350, 850).astype(np.int64)
    has_card = (rng.random(n) < _HAS_CARD_P).astype(np.int64)
    # Older customers are slightly more often active (corr ~0.085 in the real file).
    p_active = np.clip(_ACTIVE_P + 0.004 * (age - 38.9), 0.05, 0.95)
    active = (rng.random(n) < p_active).astype(np.int64)
    salary = np.round(rng.uniform(_SALARY_LOW, _SALARY_HIGH, n), 2)
    # Germany never has a zero balance; elsewhere zero goes with holding two products.
    zero = (rng.random(n) < _ZERO_BALANCE_P[products - 1]) & (germany == 0)
    balance = np.clip(rng.normal(_BALANCE_MEAN, _BALANCE_SD, n), 3_000.0, 260_000.0)
    for m, factor in _SEASON_BALANCE.items():
        balance[month == m] *= factor
    balance = np.where(zero, 0.0, np.round(balance, 2))
    return {
        "geo_idx": geo_idx,
        "germany": germany,
        "female": female,
        "age": age,
        "tenure": tenure,
        "products": products,
        "credit": credit,
        "has_card": has_card,
        "active": active,
        "salary": salary,
        "balance": balance,
        "month": month,
    }


def generate_extract(
    n_rows: int | None = None,
    n_snapshots: int | None = None,
    seed: int | None = None,
    start: str = "2024-01-31",
) -> SyntheticExtract:
    """Draw a synthetic CRM extract with its true churn probabilities.

    Args:
        n_rows: Number of rows (customers x snapshot; each customer appears once); default
            ``data.n_rows`` of params.yaml.
        n_snapshots: Number of consecutive month-end snapshots the rows are spread over;
            default ``data.n_snapshots`` of params.yaml.
        seed: Seed of ``np.random.default_rng``; same arguments give identical output; default
            ``seed`` of params.yaml.
        start: ISO date within the first snapshot month.

    Returns:
        The extract: frame with exactly the contract columns, true probabilities, metadata.

    Raises:
        ValueError: If ``n_rows`` or ``n_snapshots`` is not positive.
    """
    p = params.load()
    n_rows = p.data.n_rows if n_rows is None else n_rows
    n_snapshots = p.data.n_snapshots if n_snapshots is None else n_snapshots
    seed = p.seed if seed is None else seed
    if n_rows < 1 or n_snapshots < 1:
        raise ValueError("n_rows and n_snapshots must be positive")
    rng = np.random.default_rng(seed)
    n = n_rows

    # Snapshot of each row: as even as possible, sorted (RowNumber follows the file order).
    snap_idx = np.repeat(
        np.arange(n_snapshots), np.diff(np.linspace(0, n, n_snapshots + 1).round().astype(int))
    )
    dates = month_ends(start, n_snapshots)
    month = np.array([d.month for d in dates], dtype=np.int64)[snap_idx]

    x = draw_covariates(rng, month)
    true_proba = _sigmoid(churn_logit(x))
    without_gender = gender_blind_proba(x)
    without_month = month_blind_proba(x)
    exited = (rng.random(n) < true_proba).astype(np.int64)

    customer_id = customer_ids(rng, n)
    surname = surnames(rng, n)

    frame = pd.DataFrame(
        {
            "RowNumber": np.arange(1, n + 1, dtype=np.int64),
            "CustomerId": customer_id,
            "Surname": surname.astype(str),
            "CreditScore": pd.array(x["credit"], dtype="Int64"),
            "Geography": np.array(_GEOGRAPHY, dtype=object)[x["geo_idx"]].astype(str),
            "Gender": np.where(x["female"] == 1, "Female", "Male"),
            "Age": x["age"],
            "Tenure": pd.array(x["tenure"], dtype="Int64"),
            "Balance": x["balance"],
            "NumOfProducts": x["products"],
            "HasCrCard": pd.array(x["has_card"], dtype="Int64"),
            "IsActiveMember": pd.array(x["active"], dtype="Int64"),
            "EstimatedSalary": x["salary"],
            "Exited": exited,
            "SnapshotDate": np.array([d.isoformat() for d in dates], dtype=object)[snap_idx].astype(
                str
            ),
        }
    )
    # Data reality of the canvas: a few missing values (missing at random) per nullable column.
    n_null = round(NULL_FRACTION * n)
    for spec in contract.COLUMNS:
        if spec.nullable and n_null:
            rows = rng.choice(n, size=n_null, replace=False)
            frame.loc[rows, spec.name] = pd.NA if frame[spec.name].dtype == "Int64" else np.nan
    frame = frame[[c.name for c in contract.COLUMNS]]

    metadata = {
        "generator": GENERATOR_NAME,
        "generator_version": GENERATOR_VERSION,
        "seed": int(seed),
        "n_rows": int(n),
        "n_snapshots": int(n_snapshots),
        "snapshot_start": dates[0].isoformat(),
        "snapshot_end": dates[-1].isoformat(),
        "null_fraction_per_nullable_column": NULL_FRACTION,
        "synthetic": True,
    }
    return SyntheticExtract(
        frame=frame,
        true_proba=true_proba.astype(np.float64),
        seed=int(seed),
        metadata=metadata,
        true_proba_without_gender=without_gender.astype(np.float64),
        true_proba_without_gender_or_month=without_month.astype(np.float64),
    )


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    r"""Serialise a frame as the canonical CSV bytes (UTF-8, ``\\n`` line ends, no index)."""
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def write_extract(extract: SyntheticExtract, path: str | Path) -> Path:
    """Write the extract's frame as CSV, atomically (temp file in the same folder + rename).

    Args:
        extract: The generated extract (only ``frame`` is written; ``true_proba`` never is).
        path: Destination CSV file; parent folders are created.

    Returns:
        The destination path.
    """
    from bankchurn.atomic import atomic_write_bytes

    return atomic_write_bytes(path, to_csv_bytes(extract.frame))


def injected_drift() -> dict[str, dict[int, float]]:
    """The drift the generator injects, by column and calendar month (the monitor's truth).

    Returns:
        ``{"Balance": {month: factor on balances}, "Exited": {month: extra churn logit}}``;
        every other column, and every other month, is drawn from one fixed distribution.
    """
    return {
        "Balance": dict(_SEASON_BALANCE),
        "Exited": {int(m): float(v) for m, v in MECHANISM["season"].items()},
    }
