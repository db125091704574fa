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
dateless file covers ``test_share`` of the history instead, see :func:`annualisation`).

Defaults come from the ML Canvas (section 1 and 2) where it gives a number, and are marked as
assumptions where it does not. Every number is a named field of :class:`BusinessParameters`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from bankchurn import params

#: Risk bands of a calibrated churn probability, as ``(name, lower bound)``: the retention team
#: calls "high" first. Shared by batch scoring and the API.
RISK_BANDS: tuple[tuple[str, float], ...] = (("low", 0.0), ("medium", 0.20), ("high", 0.50))


def risk_bands(p: np.ndarray) -> np.ndarray:
    """Band name of each calibrated probability (see :data:`RISK_BANDS`)."""
    p = np.asarray(p, dtype="float64")
    out = np.full(p.shape, RISK_BANDS[0][0], dtype=object)
    for name, lower in RISK_BANDS[1:]:
        out[p >= lower] = name
    return out


#: Thresholds scanned by :func:`value_curve`.
THRESHOLD_GRID: np.ndarray = np.round(np.arange(0.01, 1.0, 0.01), 2)


#: Values of the assumptions below: params.yaml, their one home (bankchurn.params).
_VALUES = params.load().business


class BusinessParameters(BaseModel):
    """Named assumptions of the campaign value model (all in USD per year unless stated)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    annual_churn_loss_usd: float = Field(
        _VALUES["annual_churn_loss_usd"],
        gt=0,
        description="Canvas §1: the bank loses $2M per year to churn.",
    )
    retention_target_usd: float = Field(
        _VALUES["retention_target_usd"],
        gt=0,
        description="Canvas §2/§6: reduce churn 20% = $400K saved per year (campaign target).",
    )
    history_years: float = Field(
        _VALUES["history_years"],
        gt=0,
        description="Canvas §3: the 10,000 CRM records cover 2 years.",
    )
    history_customers: int = Field(
        _VALUES["history_customers"],
        gt=0,
        description="Canvas §3: 10,000 historical records (one per customer).",
    )
    history_churn_rate: float = Field(
        _VALUES["history_churn_rate"],
        gt=0,
        lt=1,
        description="Canvas §3 (~20% churn); exact figure of the public Churn Modelling file.",
    )
    acquisition_to_retention_cost: float = Field(
        _VALUES["acquisition_to_retention_cost"],
        gt=0,
        description="Canvas §1: acquiring a customer costs 5x retaining one.",
    )
    acquisition_cost_usd: float = Field(
        _VALUES["acquisition_cost_usd"],
        gt=0,
        description="ASSUMPTION (not in the canvas): cost of acquiring a replacement customer.",
    )
    retention_success_rate: float = Field(
        _VALUES["retention_success_rate"],
        gt=0,
        le=1,
        description=(
            "ASSUMPTION (not in the canvas): share of contacted would-be churners the "
            "campaign keeps; see the sensitivity table."
        ),
    )
    campaign_capacity: float = Field(
        _VALUES["campaign_capacity"],
        gt=0,
        le=1,
        description="Canvas §2: the team contacts the top 10% at risk.",
    )

    @classmethod
    def check_values(cls) -> None:
        """Fail at import when params.yaml holds an unknown or malformed business value."""
        cls.model_validate(_VALUES)

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


BusinessParameters.check_values()


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
        scale: Annualisation factor (see :func:`annualisation`).

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


def best_threshold(
    y: np.ndarray, p: np.ndarray, params: BusinessParameters, grid: np.ndarray = THRESHOLD_GRID
) -> float:
    """Threshold of the grid that maximises net value (ties -> the higher threshold).

    The scale factor does not change the argmax, so none is needed. Call this on TRAINING
    (out-of-fold) probabilities: choosing the threshold on test rows would leak.
    """
    values = [value_at_threshold(y, p, float(t), params, 1.0)["net_usd_per_year"] for t in grid]
    best = max(range(len(grid)), key=lambda i: (round(values[i], 6), grid[i]))
    return float(grid[best])


def summary(
    y: np.ndarray,
    p: np.ndarray,
    threshold: float,
    params: BusinessParameters,
    split_info: dict[str, Any],
) -> dict[str, Any]:
    """The ``business`` section of a metrics file.

    Args:
        y: Test labels.
        p: Calibrated test probabilities.
        threshold: Operating threshold chosen on training rows.
        params: Business parameters.
        split_info: The split description (for the annualisation).

    Returns:
        Parameters, annualisation, value at the capacity (top 10 %) and at the operating
        threshold vs the canvas target, the value curve, the test-optimal threshold (for
        reference only), and a sensitivity table over the retention success rate.
    """
    scale = annualisation(split_info)
    capacity = value_at(y, capacity_mask(p, params.campaign_capacity), params, scale)
    operating = value_at_threshold(y, p, threshold, params, scale)
    curve = value_curve(y, p, params, scale)
    best = max(curve, key=lambda r: (round(r["net_usd_per_year"], 6), r["threshold"]))
    sensitivity = []
    for rate in (0.1, 0.2, 0.3, 0.4, 0.5):
        alt = params.model_copy(update={"retention_success_rate": rate})
        v = value_at(y, capacity_mask(p, params.campaign_capacity), alt, scale)
        sensitivity.append(
            {"retention_success_rate": rate, "net_usd_per_year": v["net_usd_per_year"]}
        )
    target = params.retention_target_usd
    # Success rate at which the capacity campaign would just reach the canvas target.
    reach = capacity["churners_reached"] * params.customer_value_usd * scale
    needed = (
        (params.retention_target_usd + capacity["cost_usd_per_year"]) / reach if reach else None
    )
    return {
        "success_rate_needed_for_target_at_capacity": needed,
        "parameters": params.describe(),
        "annualisation": scale,
        "target_usd_per_year": params.retention_target_usd,
        "at_capacity": {**capacity, "meets_target": capacity["net_usd_per_year"] >= target},
        "at_threshold": {**operating, "meets_target": operating["net_usd_per_year"] >= target},
        "value_maximising_threshold_on_test": best["threshold"],
        "max_net_usd_per_year_on_test": best["net_usd_per_year"],
        "value_curve": [
            {k: r[k] for k in ("threshold", "contacted_share", "net_usd_per_year")}
            for r in curve[::2]
        ],
        "sensitivity_at_capacity": sensitivity,
    }
