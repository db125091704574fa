"""The shifts the monitoring study plants to measure the monitor's power.

Each `Shift` names the column it moves, what a size means and the sizes tried; the study
(`bankchurn.monitoring.power_curves`) applies each size to same-distribution samples and
counts how often the drift tests flag the column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Shift:
    """A kind of planted shift: which column moves, how, and the sizes tried.

    Attributes:
        column: Feature that is shifted.
        description: What a size means.
        sizes: Sizes tried, growing (the first is 0: no shift).
        apply: ``(features, size, rng) -> shifted copy``.
    """

    column: str
    description: str
    sizes: tuple[float, ...]
    apply: Callable[[pd.DataFrame, float, np.random.Generator], pd.DataFrame]


def _scale_balance(x: pd.DataFrame, size: float, rng: np.random.Generator) -> pd.DataFrame:
    out = x.copy()
    out["Balance"] = out["Balance"] * (1.0 - size)
    return out


def _add(column: str, lower: float, upper: float) -> Callable[..., pd.DataFrame]:
    def apply(x: pd.DataFrame, size: float, rng: np.random.Generator) -> pd.DataFrame:
        out = x.copy()
        out[column] = np.clip(np.round(out[column] + size), lower, upper)
        return out

    return apply


def _move(column: str, source: Any, dest: Any) -> Callable[..., pd.DataFrame]:
    def apply(x: pd.DataFrame, size: float, rng: np.random.Generator) -> pd.DataFrame:
        out = x.copy()
        moved = (out[column] == source).to_numpy() & (rng.random(len(out)) < size)
        out.loc[moved, column] = dest
        return out

    return apply


#: Planted shifts of the power curves. Balance is the kind the generator injects (December
#: multiplies balances by 0.92, January by 0.95: sizes 0.08 and 0.05 here).
SHIFTS: dict[str, Shift] = {
    "balance_down": Shift(
        "Balance",
        "every balance multiplied by (1 - size)",
        (0.0, 0.02, 0.04, 0.06, 0.08, 0.10, 0.15),
        _scale_balance,
    ),
    "age_up": Shift(
        "Age", "size years added to every age", (0, 1, 2, 3, 4, 6), _add("Age", 18, 100)
    ),
    "credit_down": Shift(
        "CreditScore",
        "size points taken from every credit score",
        (0, -5, -10, -15, -20, -30),
        _add("CreditScore", 300, 850),
    ),
    "france_to_germany": Shift(
        "Geography",
        "share of French customers relabelled German",
        (0.0, 0.02, 0.04, 0.06, 0.08, 0.12),
        _move("Geography", "France", "Germany"),
    ),
    "active_to_inactive": Shift(
        "IsActiveMember",
        "share of active members turned inactive",
        (0.0, 0.02, 0.04, 0.06, 0.08, 0.12),
        _move("IsActiveMember", 1.0, 0.0),
    ),
}
