"""Fixtures of the modelling tests: a small synthetic extract and a fast tuning budget."""

from __future__ import annotations

from pathlib import Path

import pytest

from bankchurn.ingest import Extract, load_extract
from bankchurn.models import FAST_BUDGET, TuningBudget

#: Rows of the small extract: enough for 24 monthly snapshots and stable test metrics.
SMALL_ROWS = 2400
SMALL_BUDGET: TuningBudget = FAST_BUDGET


@pytest.fixture(scope="session")
def small_extract() -> Extract:
    """Validated, pseudonymised synthetic extract of 2,400 rows over 24 months."""
    return load_extract(None, seed=7, n_rows=SMALL_ROWS)


@pytest.fixture(scope="session")
def small_report(tmp_path_factory: pytest.TempPathFactory, small_extract: Extract) -> Path:
    """One fast ``run_report`` (reports + artifacts) shared by the read-only tests."""
    from bankchurn.reporting import run_report

    out = tmp_path_factory.mktemp("report")
    run_report(small_extract, out, out / "models", seed=7, budget=SMALL_BUDGET, n_bootstrap=50)
    return out
