"""Business value of a retention campaign driven by the model's calibrated churn probabilities.

Money model (per customer contacted by the retention team):

* a contacted customer costs ``cost_per_contact_usd`` whatever happens;
* a contacted customer who would have churned is kept with probability
  ``retention_success_rate``, which saves ``customer_value_usd`` (the yearly revenue the bank
  loses per churner);
* a customer who is not contacted changes nothing.

So the value of contacting the set ``S`` over an evaluation window is
``(churners in S) * retention_success_rate * customer_value_usd - |S| * cost_per_contact_usd``,
scaled to a year by ``annualisation``: the test window covers ``test_months`` months of
snapshots, so a year holds ``12 / test_months`` such windows (a stratified split of a
dateless file covers ``test_share`` of the history instead, see [`annualisation`][bankchurn.business.annualisation]).

Defaults come from the ML Canvas (section 1 and 2) where it gives a number, and are marked as
assumptions where it does not. Every number is a named field of
[`BusinessParameters`][bankchurn.business.BusinessParameters]; whom the campaign contacts is the
declared operating point (``bankchurn.targets.OPERATING_POINT``), and the sensitivity grid shows
what the two assumptions and the capacity change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from bankchurn import params
from bankchurn.targets import OPERATING_POINT
from bankchurn.targets import get as get_target

#: The canvas's money target, declared once in ``bankchurn.targets``.
VALUE_TARGET = get_target("business.retained_usd_per_year")

#: Risk bands of a calibrated churn probability, as ``(name, lower bound)``: the retention team
#: calls "high" first. Shared by batch scoring and the API.
RISK_BANDS: tuple[tuple[str, float], ...] = (("low", 0.0), ("medium", 0.20), ("high", 0.50))


def risk_bands(p: np.ndarray) -> np.ndarray:
    """Band name of each calibrated probability (see `RISK_BANDS`)."""
    p = np.asarray(p, dtype="float64")
    out = np.full(p.shape, RISK_BANDS[0][0], dtype=object)
    for name, lower in RISK_BANDS[1:]:
        out[p >= lower] = name
    return out


#: Thresholds scanned by [`value_curve`][bankchurn.business.value_curve] (a scenario, not the
#: operating point).
THRESHOLD_GRID: np.ndarray = np.round(np.arange(0.01, 1.0, 0.01), 2)
#: Retention success rates of the sensitivity table (the assumption is the weakest number).
SUCCESS_RATE_GRID: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
#: Campaign capacities (share contacted, riskiest first) of the sensitivity table.
CAPACITY_GRID: tuple[float, ...] = (0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)
#: Capacities scanned to find what would reach the canvas target.
CAPACITY_SCAN: np.ndarray = np.round(np.arange(0.01, 1.0, 0.01), 2)


#: Values of the assumptions below: params.yaml, their one home (bankchurn.params).
_VALUES: Any = params.load().business


class BusinessParameters(BaseModel):
    """Named assumptions of the campaign value model (all in USD per year unless stated)."""

    # Defaults are params.yaml's values, checked (and coerced) like any other input.
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    annual_churn_loss_usd: float = Field(
        _VALUES.get("annual_churn_loss_usd"),
        gt=0,
        description="Canvas §1: the bank loses $2M per year to churn.",
    )
    history_years: float = Field(
        _VALUES.get("history_years"),
        gt=0,
        description="Canvas §3: the 10,000 CRM records cover 2 years.",
    )
    history_customers: int = Field(
        _VALUES.get("history_customers"),
        gt=0,
        description="Canvas §3: 10,000 historical records (one per customer).",
    )
    history_churn_rate: float = Field(
        _VALUES.get("history_churn_rate"),
        gt=0,
        lt=1,
        description="Canvas §3 (~20% churn); exact figure of the public Churn Modelling file.",
    )
    acquisition_to_retention_cost: float = Field(
        _VALUES.get("acquisition_to_retention_cost"),
        gt=0,
        description="Canvas §1: acquiring a customer costs 5x retaining one.",
    )
    acquisition_cost_usd: float = Field(
        _VALUES.get("acquisition_cost_usd"),
        gt=0,
        description="ASSUMPTION (not in the canvas): cost of acquiring a replacement customer.",
    )
    retention_success_rate: float = Field(
        _VALUES.get("retention_success_rate"),
        gt=0,
        le=1,
        description=(
            "ASSUMPTION (not in the canvas): share of contacted would-be churners the "
            "campaign keeps; see the sensitivity table."
        ),
    )

    @property
    def churners_per_year(self) -> float:
        """Churners per year implied by the canvas history (10,000 x 20.37% / 2 years)."""
        return self.history_customers * self.history_churn_rate / self.history_years

    @property
    def customer_value_usd(self) -> float:
        """Yearly loss per churner: the canvas's $2M/yr spread over the churners of a year."""
        return self.annual_churn_loss_usd / self.churners_per_year

    @property
    def cost_per_contact_usd(self) -> float:
        """Cost of one retention contact: acquisition cost / 5 (the canvas's 5x ratio)."""
        return self.acquisition_cost_usd / self.acquisition_to_retention_cost

    def describe(self) -> dict[str, Any]:
        """Every parameter, derived ones included, with its description (JSON-ready)."""
        fields = type(self).model_fields
        out: dict[str, Any] = {
            name: {"value": getattr(self, name), "description": fields[name].description}
            for name in fields
        }
        out["churners_per_year"] = {
            "value": self.churners_per_year,
            "description": "history_customers x history_churn_rate / history_years",
        }
        out["customer_value_usd"] = {
            "value": self.customer_value_usd,
            "description": "annual_churn_loss_usd / churners_per_year (loss per churner)",
        }
        out["cost_per_contact_usd"] = {
            "value": self.cost_per_contact_usd,
            "description": "acquisition_cost_usd / acquisition_to_retention_cost",
        }
        return out


# An unknown, missing or out-of-range business value in params.yaml stops here, in one line.
params.checked(BusinessParameters, _VALUES, "business", required=BusinessParameters.model_fields)


def annualisation(split_info: dict[str, Any]) -> float:
    """Factor turning the test window's value into a yearly value.

    Temporal split: the test window spans ``test_months`` monthly snapshots -> ``12 /
    test_months``. Stratified split (no dates): the test rows are ``test_size`` of a history
    of ``history_years`` -> ``1 / (test_size * history_years)`` with the canvas's 2 years.
    All rows of a dateless file: ``1 / history_years``.
    """
    years = BusinessParameters().history_years
    if split_info.get("test_months"):
        return 12.0 / float(split_info["test_months"])
    if split_info.get("kind") == "stratified":
        return 1.0 / (float(split_info.get("test_size", 0.25)) * years)
    return 1.0 / years  # every row of a dateless history of `years` years


def value_at(
    y: np.ndarray, contacted: np.ndarray, params: BusinessParameters, scale: float
) -> dict[str, float]:
    """Campaign economics of contacting the rows flagged in ``contacted``.

    Args:
        y: True labels (1 = churned).
        contacted: Boolean mask of contacted customers.
        params: Business parameters.
        scale: Annualisation factor (see [`annualisation`][bankchurn.business.annualisation]).

    Returns:
        ``contacted``, ``churners_reached`` (in the window), ``saved_customers_per_year``,
        ``cost_usd_per_year``, ``gross_usd_per_year``, ``net_usd_per_year``.
    """
    y = np.asarray(y).astype(int)
    contacted = np.asarray(contacted, dtype=bool)
    reached = int(y[contacted].sum())
    n = int(contacted.sum())
    saved = reached * params.retention_success_rate
    gross = saved * params.customer_value_usd * scale
    cost = n * params.cost_per_contact_usd * scale
    return {
        "contacted": n,
        "contacted_share": float(n / len(y)) if len(y) else 0.0,
        "churners_reached": reached,
        "saved_customers_per_year": float(saved * scale),
        "gross_usd_per_year": float(gross),
        "cost_usd_per_year": float(cost),
        "net_usd_per_year": float(gross - cost),
    }


def value_at_threshold(
    y: np.ndarray, p: np.ndarray, threshold: float, params: BusinessParameters, scale: float
) -> dict[str, float]:
    """Value of contacting every customer whose probability is at least ``threshold``."""
    out = value_at(y, np.asarray(p) >= threshold, params, scale)
    out["threshold"] = float(threshold)
    return out


def capacity_mask(p: np.ndarray, capacity: float) -> np.ndarray:
    """The ``capacity`` share of customers with the highest probabilities (stable ties)."""
    p = np.asarray(p, dtype="float64")
    k = max(1, round(capacity * len(p)))
    mask = np.zeros(len(p), dtype=bool)
    mask[np.argsort(-p, kind="stable")[:k]] = True
    return mask


def value_curve(
    y: np.ndarray,
    p: np.ndarray,
    params: BusinessParameters,
    scale: float,
    grid: np.ndarray = THRESHOLD_GRID,
) -> list[dict[str, float]]:
    """Net yearly value, contacts and reach over a grid of thresholds."""
    return [value_at_threshold(y, p, float(t), params, scale) for t in grid]


def value_maximising(thresholds: Sequence[float], values: Sequence[float]) -> int:
    """Index of the threshold of highest net value; ties go to the higher threshold.

    Values are compared as the reports write them (rounded to 6 decimals), so a tie in the
    file is a tie here.

    Args:
        thresholds: Probability thresholds.
        values: Net value at each threshold (same length).

    Returns:
        The index of the chosen threshold.

    Raises:
        ValueError: no threshold, or not one value per threshold.
    """
    if not thresholds or len(thresholds) != len(values):
        raise ValueError(
            f"value_maximising needs one value per threshold ({len(thresholds)} thresholds, "
            f"{len(values)} values)"
        )
    return max(
        range(len(thresholds)), key=lambda i: (round(float(values[i]), 6), float(thresholds[i]))
    )


def best_threshold(
    y: np.ndarray, p: np.ndarray, params: BusinessParameters, grid: np.ndarray = THRESHOLD_GRID
) -> float:
    """Threshold of the grid that maximises net value (`value_maximising`).

    The scale factor does not change the argmax, so none is needed. Call this on TRAINING
    (out-of-fold) probabilities: choosing the threshold on test rows would leak.
    """
    values = [value_at_threshold(y, p, float(t), params, 1.0)["net_usd_per_year"] for t in grid]
    return float(grid[value_maximising(list(grid), values)])


def _needed_rate(
    reached: float, contacted: float, params: BusinessParameters, scale: float
) -> float:
    """Retention success rate at which the campaign just meets the canvas target.

    The campaign contacts ``contacted`` rows and reaches ``reached`` churners; ``inf`` when no
    churner is reached.
    """
    gross_per_rate = reached * params.customer_value_usd * scale
    cost = contacted * params.cost_per_contact_usd * scale
    return (VALUE_TARGET.value + cost) / gross_per_rate if gross_per_rate else math.inf


def sensitivity(
    y: np.ndarray, p: np.ndarray, params: BusinessParameters, scale: float
) -> dict[str, Any]:
    """Net yearly value over success rates x capacities, with this model's ranking.

    Returns:
        ``success_rates``, ``capacities`` and ``net_usd_per_year`` (one row per success rate,
        one column per capacity), plus ``success_rate_needed`` per capacity.
    """
    rows = []
    for rate in SUCCESS_RATE_GRID:
        alt = params.model_copy(update={"retention_success_rate": rate})
        rows.append(
            [
                value_at(y, capacity_mask(p, c), alt, scale)["net_usd_per_year"]
                for c in CAPACITY_GRID
            ]
        )
    needed = []
    for c in CAPACITY_GRID:
        v = value_at(y, capacity_mask(p, c), params, scale)
        needed.append(_needed_rate(v["churners_reached"], v["contacted"], params, scale))
    return {
        "success_rates": list(SUCCESS_RATE_GRID),
        "capacities": list(CAPACITY_GRID),
        "net_usd_per_year": rows,
        "success_rate_needed": needed,
    }


def goal(y: np.ndarray, p: np.ndarray, params: BusinessParameters, scale: float) -> dict[str, Any]:
    """What would reach the canvas target, under the declared assumptions.

    Returns:
        ``success_rate_needed_at_operating_point`` (this model's ranking) and
        ``success_rate_needed_with_perfect_ranking`` (no model can need less at this capacity);
        ``lowest_success_rate_needed`` over every capacity (with that capacity); and
        ``best_at_assumed_success_rate``: the capacity that maximises value at the assumed rate,
        its value and whether it reaches the target.
    """
    cap = OPERATING_POINT.capacity
    here = value_at(y, capacity_mask(p, cap), params, scale)
    perfect = value_at(y, capacity_mask(np.asarray(y, dtype="float64"), cap), params, scale)
    scan = [value_at(y, capacity_mask(p, float(c)), params, scale) for c in CAPACITY_SCAN]
    rates = [_needed_rate(v["churners_reached"], v["contacted"], params, scale) for v in scan]
    low = min(range(len(scan)), key=lambda i: (rates[i], CAPACITY_SCAN[i]))
    best = max(range(len(scan)), key=lambda i: (round(scan[i]["net_usd_per_year"], 6), -i))
    return {
        "target_usd_per_year": VALUE_TARGET.value,
        "assumed_success_rate": params.retention_success_rate,
        "success_rate_needed_at_operating_point": _needed_rate(
            here["churners_reached"], here["contacted"], params, scale
        ),
        "success_rate_needed_with_perfect_ranking": _needed_rate(
            perfect["churners_reached"], perfect["contacted"], params, scale
        ),
        "lowest_success_rate_needed": {
            "success_rate": rates[low],
            "capacity": float(CAPACITY_SCAN[low]),
        },
        "best_at_assumed_success_rate": {
            "capacity": float(CAPACITY_SCAN[best]),
            "net_usd_per_year": scan[best]["net_usd_per_year"],
            "meets_target": VALUE_TARGET.met(scan[best]["net_usd_per_year"]),
        },
    }


def summary(
    y: np.ndarray,
    p: np.ndarray,
    params: BusinessParameters,
    split_info: dict[str, Any],
) -> dict[str, Any]:
    """The ``business`` section of a metrics file.

    Args:
        y: Test labels.
        p: Calibrated test probabilities.
        params: Business parameters.
        split_info: The split description (for the annualisation).

    Returns:
        Parameters, annualisation, the value at the operating point (with the best value any
        ranking could reach there) vs the canvas target, what would reach the target, the
        sensitivity grid, and the value curve over thresholds (a scenario, for reference).
    """
    scale = annualisation(split_info)
    cap = OPERATING_POINT.capacity
    here = value_at(y, capacity_mask(p, cap), params, scale)
    perfect = value_at(y, capacity_mask(np.asarray(y, dtype="float64"), cap), params, scale)
    curve = value_curve(y, p, params, scale)
    best = curve[
        value_maximising([r["threshold"] for r in curve], [r["net_usd_per_year"] for r in curve])
    ]
    target = VALUE_TARGET.value
    return {
        "parameters": params.describe(),
        "annualisation": scale,
        "target_usd_per_year": target,
        "at_capacity": {
            **here,
            "capacity": cap,
            "meets_target": VALUE_TARGET.met(here["net_usd_per_year"]),
            "best_reachable_net_usd_per_year": perfect["net_usd_per_year"],
        },
        "goal": goal(y, p, params, scale),
        "sensitivity": sensitivity(y, p, params, scale),
        "value_maximising_threshold_on_test": best["threshold"],
        "max_net_usd_per_year_on_test": best["net_usd_per_year"],
        "value_curve": [
            {k: r[k] for k in ("threshold", "contacted_share", "net_usd_per_year")}
            for r in curve[::2]
        ],
    }
