"""Shared inputs of the figure tests: seeded scores, and the legend texts a figure shows."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure


@pytest.fixture(scope="module")
def scored() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels, a good score and a weaker score for 400 rows (seeded)."""
    rng = np.random.default_rng(3)
    y = rng.binomial(1, 0.2, 400)
    good = np.clip(0.2 + 0.5 * y + rng.normal(0, 0.2, 400), 0, 1)
    weak = np.clip(0.3 + 0.15 * y + rng.normal(0, 0.25, 400), 0, 1)
    return y, good, weak


@pytest.fixture
def legend_texts() -> Callable[[Axes | Figure], list[str]]:
    """The texts of an axes' legend, or of a figure's one legend below its panels."""

    def texts(owner: Axes | Figure) -> list[str]:
        legend = owner.legends[0] if isinstance(owner, Figure) else owner.get_legend()
        return [t.get_text() for t in legend.get_texts()]

    return texts
