"""``reports/data_profile.json``: the validated extract's provenance, size, dates and churn."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from bankchurn.report_schemas.base import Number, StrictModel


class Provenance(BaseModel):
    """Where the data came from: source, file or seed, hash, dates (keys depend on the source)."""

    model_config = ConfigDict(extra="allow", frozen=True, strict=True)

    source: str
    synthetic: bool
    sha256: str
    n_rows: int


class GroupRate(StrictModel):
    """Churn of one group of customers."""

    n: int
    share: Number
    churn_rate: Number


class MonthlyRate(StrictModel):
    """Churn of one monthly snapshot."""

    snapshot: str
    n: int
    churn_rate: Number


class LabelFacts(StrictModel):
    """What ``Exited`` means in time for this extract (`bankchurn.data_profile.label_facts`)."""

    horizon_months: int
    meaning: str
    horizon_known: bool
    how_this_data_defines_it: str


class DataProfile(StrictModel):
    """``reports/data_profile.json``: size, dates, missing values and churn by group."""

    provenance: Provenance
    synthetic: bool
    n_rows: int
    n_snapshots: int | None
    snapshot_start: str | None
    snapshot_end: str | None
    churn_rate: Number
    null_fraction: Number
    null_fraction_by_column: dict[str, Number]
    rows_with_a_null: Number
    churn_by_group: dict[str, dict[str, GroupRate]]
    monthly: list[MonthlyRate]
    label: LabelFacts
    mean_true_proba: Number | None
