"""Figures of the notebooks and the site: pure matplotlib, one function per figure.

One module per family of figures, and one shared look:

* `bankchurn.plots.style`: size, resolution, colours, reference lines, tick formats;
* `bankchurn.plots.data`: distributions, churn by group, churn by month;
* `bankchurn.plots.performance`: ROC and precision-recall, reliability, gains and lift, model
  scores side by side, tuning trials;
* `bankchurn.plots.business`: campaign value by threshold, its sensitivity, fairness by group;
* `bankchurn.plots.explanation`: importance, coefficients, SHAP, one customer's reasons;
* `bankchurn.plots.tables`: the notebooks' tables, report keys under their declared titles.

Every function takes plain data (a frame, arrays, or the dicts that `bankchurn.reporting`
writes to ``reports/*.json``) and returns a new `matplotlib.figure.Figure` (`titled` and
`gains_table` return a frame). Nothing here touches ``matplotlib.pyplot``: no global figure
registry, no current axes, no ``rcParams`` change, so a figure never leaks into the next one
and calling a function twice gives the same picture. Sizes, DPI, colours and the white
background are fixed (the white background keeps the plots readable in the site's dark
palette too).

The figure functions are importable from here too (documented in their modules), so a
notebook needs one import: ``display(plots.roc_pr_curves(...));`` (with ``%matplotlib
inline``, which registers the PNG formatter for figures).
"""

from bankchurn.plots.business import fairness_bars as fairness_bars
from bankchurn.plots.business import value_sensitivity as value_sensitivity
from bankchurn.plots.business import value_vs_threshold as value_vs_threshold
from bankchurn.plots.data import SEASON_MONTHS as SEASON_MONTHS
from bankchurn.plots.data import churn_by_group as churn_by_group
from bankchurn.plots.data import distributions as distributions
from bankchurn.plots.data import monthly_churn as monthly_churn
from bankchurn.plots.explanation import coefficient_bars as coefficient_bars
from bankchurn.plots.explanation import explanation_bars as explanation_bars
from bankchurn.plots.explanation import importance_bars as importance_bars
from bankchurn.plots.explanation import shap_summary as shap_summary
from bankchurn.plots.performance import GAINS_TITLES as GAINS_TITLES
from bankchurn.plots.performance import cumulative_gains as cumulative_gains
from bankchurn.plots.performance import gains_table as gains_table
from bankchurn.plots.performance import reliability_diagram as reliability_diagram
from bankchurn.plots.performance import roc_pr_curves as roc_pr_curves
from bankchurn.plots.performance import score_comparison as score_comparison
from bankchurn.plots.performance import tuning_trials as tuning_trials
from bankchurn.plots.tables import titled as titled
