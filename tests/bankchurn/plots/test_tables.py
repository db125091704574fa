"""The notebooks' tables: report keys shown under their declared titles."""

from __future__ import annotations

import pandas as pd

from bankchurn.plots import GAINS_TITLES, gains_table
from bankchurn.plots.tables import titled
from bankchurn.report_schemas.data_profile import GroupRate
from bankchurn.report_schemas.metrics import FairnessGaps, GroupMetrics


def test_columns_rows_and_level_names_are_titled_values_untouched() -> None:
    groups = {"Geography": pd.DataFrame({"France": {"n": 3, "share": 0.5, "churn_rate": 0.1}}).T}
    frame = pd.concat(groups, names=["column", "value"])
    shown = titled(frame, GroupRate.titles(), {"column": "column of the data"})
    assert list(shown.columns) == ["customers", "share of customers", "churn rate"]
    assert list(shown.index.names) == ["column of the data", "value"]
    assert shown.index[0] == ("Geography", "France")  # a group is not a key: kept
    assert shown.to_numpy().tolist() == frame.to_numpy().tolist()


def test_row_labels_are_titled_too() -> None:
    gaps = pd.DataFrame({"Gender": {"positive_rate": 0.02, "roc_auc": 0.05}})
    assert list(titled(gaps, FairnessGaps.titles()).index) == ["share contacted", "ROC-AUC"]


def test_a_later_source_wins_and_a_key_without_a_title_stays() -> None:
    frame = pd.DataFrame({"n": [1], "unknown_key": [2]})
    assert list(titled(frame, GroupMetrics.titles()).columns) == ["customers", "unknown_key"]
    later = titled(frame, GroupMetrics.titles(), {"n": "customers in the group"})
    assert list(later.columns) == ["customers in the group", "unknown_key"]


def test_every_gains_column_has_a_title(scored) -> None:
    y, good, _ = scored
    table = gains_table(y, {"good": good})
    assert set(table.columns) == set(GAINS_TITLES)
    assert not [c for c in titled(table, GAINS_TITLES).columns if "_" in c]
