"""The data profile (``reports/data_profile.json``): size, dates, missing values, churn by group.

Written by the pipeline's validate stage (``bankchurn data validate --profile``) and by
``bankchurn report``; read by the Data page and notebook 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bankchurn.contract import (
    BY_NAME,
    FEATURES,
    LABEL_HORIZON_MONTHS,
    LABEL_MEANING,
    SNAPSHOT,
    TARGET,
)
from bankchurn.ingest import Extract
from bankchurn.report_files import write_report
from bankchurn.report_schemas.data_profile import DataProfile

#: Age bands of the calibration facts (churn peaks in the 50s).
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("18-29", 18, 29),
    ("30-39", 30, 39),
    ("40-49", 40, 49),
    ("50-59", 50, 59),
    ("60-69", 60, 69),
    ("70+", 70, 200),
)


def age_band(age: pd.Series) -> pd.Series:
    """Age band labels of `AGE_BANDS`."""
    labels = np.full(len(age), None, dtype=object)
    a = age.to_numpy()
    for name, lo, hi in AGE_BANDS:
        labels[(a >= lo) & (a <= hi)] = name
    return pd.Series(labels, index=age.index)


def _group_label(value: Any) -> str:
    """Readable group key: nullable integer columns are floats after validation (0.0 -> "0")."""
    if pd.isna(value):
        return "missing"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _by_group(frame: pd.DataFrame, key: pd.Series) -> dict[str, Any]:
    y = frame[TARGET]
    out = {}
    for value, grp in y.groupby(key.map(_group_label), sort=True):
        out[str(value)] = {
            "n": len(grp),
            "share": len(grp) / len(y),
            "churn_rate": float(grp.mean()),
        }
    return out


def data_profile(extract: Extract) -> dict[str, Any]:
    """Content of ``reports/data_profile.json``."""
    frame = extract.frame
    y = frame[TARGET]
    nullable = [c for c in FEATURES if BY_NAME[c].nullable]
    groups: dict[str, Any] = {
        c: _by_group(frame, frame[c])
        for c in ("Geography", "Gender", "NumOfProducts", "IsActiveMember", "HasCrCard", "Tenure")
    }
    groups["AgeBand"] = _by_group(frame, age_band(frame["Age"]))
    zero = frame["Balance"].map(
        lambda b: "missing" if pd.isna(b) else ("zero" if b == 0 else "not zero")
    )
    groups["BalanceZero"] = _by_group(frame, zero)
    monthly = []
    if SNAPSHOT in frame.columns:
        for date, grp in frame.groupby(frame[SNAPSHOT].dt.date, sort=True):
            monthly.append(
                {
                    "snapshot": date.isoformat(),
                    "n": len(grp),
                    "churn_rate": float(grp[TARGET].mean()),
                }
            )
    prov = extract.provenance
    return {
        "provenance": prov,
        "synthetic": bool(prov.get("synthetic")),
        "n_rows": len(frame),
        "n_snapshots": prov.get("n_snapshots"),
        "snapshot_start": prov.get("snapshot_start"),
        "snapshot_end": prov.get("snapshot_end"),
        "churn_rate": float(y.mean()),
        "null_fraction": float(frame[nullable].isna().to_numpy().mean()),
        "null_fraction_by_column": {c: float(frame[c].isna().mean()) for c in nullable},
        "rows_with_a_null": float(frame[nullable].isna().any(axis=1).mean()),
        "churn_by_group": groups,
        "monthly": monthly,
        "label": label_facts(extract),
        "mean_true_proba": (
            float(np.mean(extract.true_proba)) if extract.true_proba is not None else None
        ),
    }


def write_data_profile(path: str | Path, extract: Extract) -> Path:
    """Write ``data_profile.json`` (`bankchurn.report_schemas.data_profile.DataProfile`) of ``extract``."""
    return write_report(path, DataProfile, data_profile(extract))


def label_facts(extract: Extract) -> dict[str, Any]:
    """What ``Exited`` means in time for this extract, and whether the file can tell.

    The contract declares the horizon; a file WITH snapshot dates is an extract built to it (the
    synthetic generator draws each row's label for exactly that window). A file without dates
    (the public Kaggle CSV) does not say when customers were observed or when they left, so
    its horizon, and with it the time to act, is unknown.
    """
    dated = SNAPSHOT in extract.frame.columns and bool(extract.frame[SNAPSHOT].notna().all())
    synthetic = bool(extract.provenance.get("synthetic"))
    if synthetic:
        how = (
            "the synthetic generator draws each row's label from its true churn probability "
            "for exactly this window; it simulates no departure dates inside the window"
        )
    elif dated:
        how = "a dated CRM extract is built to this definition (data contract)"
    else:
        how = (
            "this file has no dates: it does not say when its customers were observed or when "
            "they left, so the horizon of its labels (and the time to act) is unknown"
        )
    return {
        "horizon_months": LABEL_HORIZON_MONTHS,
        "meaning": LABEL_MEANING,
        "horizon_known": dated,
        "how_this_data_defines_it": how,
    }
