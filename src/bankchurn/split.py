"""Train/test split and cross-validation folds.

With monthly snapshots (the synthetic CRM extract) the split is temporal, as the ML Canvas asks:
the model is trained on the earlier months and tested on the last ``test_months`` months, and
cross-validation on the training part uses expanding windows of whole months (train on months
``1..k``, validate on the next block). A file without ``SnapshotDate`` (the public Kaggle CSV)
falls back to a stratified random split, and the returned [`Split`][bankchurn.split.Split] says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, train_test_split

from bankchurn import params
from bankchurn.contract import SNAPSHOT, TARGET

#: Months held out for the test set by default (``split.test_months`` in params.yaml).
DEFAULT_TEST_MONTHS: int = params.load().split.test_months
#: Share of rows held out by the stratified fallback.
DEFAULT_TEST_SIZE: float = 0.25
#: Folds of the time-ordered cross-validation on the training part.
DEFAULT_CV_FOLDS: int = 3

Folds = list[tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Split:
    """Positional indices of the train and test rows, plus a JSON-ready description.

    Attributes:
        train: Positional row indices of the training part (sorted).
        test: Positional row indices of the test part (sorted).
        info: ``kind`` (``temporal`` or ``stratified``), sizes, churn rates, date ranges, ``note``.
    """

    train: np.ndarray
    test: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)


def has_snapshots(frame: pd.DataFrame) -> bool:
    """Whether the frame carries usable snapshot dates (column present, no missing value)."""
    return SNAPSHOT in frame.columns and bool(frame[SNAPSHOT].notna().all()) and len(frame) > 0


def _months(frame: pd.DataFrame) -> pd.Series:
    """Snapshot month of each row as a ``Period[M]`` series."""
    return pd.to_datetime(frame[SNAPSHOT]).dt.to_period("M")


def _part(frame: pd.DataFrame, idx: np.ndarray) -> dict[str, Any]:
    """Size, churn rate and (when dated) date range of the rows ``idx``."""
    part = frame.iloc[idx]
    out: dict[str, Any] = {"n": len(part)}
    if TARGET in part.columns and len(part):
        out["churn_rate"] = float(part[TARGET].mean())
        out["n_churners"] = int(part[TARGET].sum())
    if has_snapshots(part):
        dates = pd.to_datetime(part[SNAPSHOT])
        out["start"] = dates.min().date().isoformat()
        out["end"] = dates.max().date().isoformat()
        out["n_snapshots"] = int(dates.dt.to_period("M").nunique())
    return out


def temporal_split(frame: pd.DataFrame, test_months: int = DEFAULT_TEST_MONTHS) -> Split:
    """Train on the earlier snapshot months, test on the last ``test_months`` months.

    Args:
        frame: Extract with a ``SnapshotDate`` column.
        test_months: Number of most recent months held out.

    Returns:
        The [`Split`][bankchurn.split.Split] (``info["kind"] == "temporal"``).

    Raises:
        ValueError: If the frame has no snapshots or too few months for the request.
    """
    if not has_snapshots(frame):
        raise ValueError("temporal_split needs a complete SnapshotDate column")
    months = _months(frame)
    unique = np.sort(months.unique())
    if test_months < 1 or test_months >= len(unique):
        raise ValueError(
            f"cannot hold out {test_months} of {len(unique)} snapshot months for testing"
        )
    cutoff = unique[-test_months]
    is_test = (months >= cutoff).to_numpy()
    train, test = np.flatnonzero(~is_test), np.flatnonzero(is_test)
    info = {
        "kind": "temporal",
        "test_months": int(test_months),
        "train": _part(frame, train),
        "test": _part(frame, test),
        "note": (
            f"trained on the {len(unique) - test_months} earlier monthly snapshots, "
            f"tested on the last {test_months}"
        ),
    }
    return Split(train=train, test=test, info=info)


def stratified_split(frame: pd.DataFrame, seed: int, test_size: float = DEFAULT_TEST_SIZE) -> Split:
    """Stratified random split, the fallback for files without snapshot dates.

    Args:
        frame: Extract with the label column.
        seed: Random seed of the shuffle.
        test_size: Share of rows held out.

    Returns:
        The [`Split`][bankchurn.split.Split] (``info["kind"] == "stratified"`` with a ``note`` saying why).
    """
    positions = np.arange(len(frame))
    train, test = train_test_split(
        positions, test_size=test_size, stratify=frame[TARGET].to_numpy(), random_state=seed
    )
    train, test = np.sort(train), np.sort(test)
    info = {
        "kind": "stratified",
        "test_size": float(test_size),
        "seed": int(seed),
        "train": _part(frame, train),
        "test": _part(frame, test),
        "note": (
            "the data has no SnapshotDate column, so a stratified random split was used "
            "instead of the temporal split; test scores may be optimistic under drift"
        ),
    }
    return Split(train=train, test=test, info=info)


def recorded_split(frame: pd.DataFrame, metadata: dict[str, Any]) -> Split:
    """The split a saved model was trained with: its recorded seed and test months.

    Args:
        frame: The model's training extract (index reset).
        metadata: The artifact's metadata (``seed``, ``split.test_months``); the pipeline's
            seed and test months when a field is absent.
    """
    seed = int(metadata.get("seed") or params.load().seed)
    test_months = int(metadata.get("split", {}).get("test_months") or DEFAULT_TEST_MONTHS)
    return make_split(frame, seed=seed, test_months=test_months)


def make_split(frame: pd.DataFrame, seed: int, test_months: int = DEFAULT_TEST_MONTHS) -> Split:
    """Temporal split when the frame has snapshot dates, stratified fallback otherwise."""
    if has_snapshots(frame):
        return temporal_split(frame, test_months=test_months)
    return stratified_split(frame, seed=seed)


def time_ordered_folds(
    frame: pd.DataFrame, n_folds: int = DEFAULT_CV_FOLDS, seed: int = 0
) -> Folds:
    """Cross-validation folds of a training frame, never validating on the past.

    With snapshots: the months are cut into ``n_folds + 1`` consecutive blocks of whole
    months; fold ``k`` trains on blocks ``0..k-1`` and validates on block ``k``
    (expanding window). Without snapshots: stratified K-fold (shuffled with ``seed``).

    Args:
        frame: The training part only.
        n_folds: Number of folds.
        seed: Seed of the stratified fallback.

    Returns:
        List of ``(train_positions, validation_positions)`` pairs.
    """
    if not has_snapshots(frame):
        skf = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
        return [(np.asarray(a), np.asarray(b)) for a, b in skf.split(frame, frame[TARGET])]
    months = _months(frame)
    unique = np.sort(months.unique())
    if len(unique) < n_folds + 1:
        raise ValueError(f"{len(unique)} training months cannot make {n_folds} time-ordered folds")
    blocks = np.array_split(np.arange(len(unique)), n_folds + 1)
    month_block = {unique[i]: b for b, block in enumerate(blocks) for i in block}
    block_of_row = months.map(month_block).to_numpy(dtype=int)
    return [
        (np.flatnonzero(block_of_row < k), np.flatnonzero(block_of_row == k))
        for k in range(1, n_folds + 1)
    ]
