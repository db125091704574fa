"""Figures of the notebooks and the site: pure matplotlib, one function per figure.

One module per family of figures, and one shared look:

* `bankchurn.plots.style`: size, resolution, colours, reference lines, tick formats;
* `bankchurn.plots.data`: distributions, churn by group, churn by month;
* `bankchurn.plots.performance`: ROC and precision-recall, reliability, gains and lift, model
  scores side by side, tuning trials;
* `bankchurn.plots.business`: campaign value by threshold, its sensitivity, fairness by group;
* `bankchurn.plots.explanation`: importance, coefficients, SHAP, one customer's reasons.

Every function takes plain data (a frame, arrays, or the dicts that `bankchurn.reporting`
writes to ``reports/*.json``) and returns a new `matplotlib.figure.Figure`. Nothing
here touches ``matplotlib.pyplot``: no global figure registry, no current axes, no
``rcParams`` change, so a figure never leaks into the next one and calling a function twice
gives the same picture. Sizes, DPI, colours and the white background are fixed (the white
background keeps the plots readable in the site's dark palette too).

The figure functions are importable from here too, so a notebook needs one import: in a
notebook, ``display(plots.roc_pr_curves(...));`` (with ``%matplotlib inline``, which registers
the PNG formatter for figures).
"""

from bankchurn.plots.business import (
    FAIRNESS_METRICS,
    fairness_bars,
    value_sensitivity,
    value_vs_threshold,
)
from bankchurn.plots.data import SEASON_MONTHS, churn_by_group, distributions, monthly_churn
from bankchurn.plots.explanation import (
    coefficient_bars,
    explanation_bars,
    importance_bars,
    shap_summary,
)
from bankchurn.plots.performance import (
    GAINS_FRACTIONS,
    cumulative_gains,
    gains_table,
    reliability_diagram,
    roc_pr_curves,
    score_comparison,
    tuning_trials,
)
from bankchurn.plots.style import DPI, WIDTH

__all__ = [
    "DPI",
    "FAIRNESS_METRICS",
    "GAINS_FRACTIONS",
    "SEASON_MONTHS",
    "WIDTH",
    "churn_by_group",
    "coefficient_bars",
    "cumulative_gains",
    "distributions",
    "explanation_bars",
    "fairness_bars",
    "gains_table",
    "importance_bars",
    "monthly_churn",
    "reliability_diagram",
    "roc_pr_curves",
    "score_comparison",
    "shap_summary",
    "tuning_trials",
    "value_sensitivity",
    "value_vs_threshold",
]
