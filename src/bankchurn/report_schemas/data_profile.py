"""``reports/data_profile.json``: the validated extract's provenance, size, dates and churn."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

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

    n: int = Field(title="customers")
    share: Number = Field(title="share of customers")
    churn_rate: Number = Field(title="churn rate")


class MonthlyRate(StrictModel):
    """Churn of one monthly snapshot."""

    snapshot: str = Field(title="snapshot (month end)")
    n: int = Field(title="customers")
    churn_rate: Number = Field(title="churn rate")


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
    null_fraction_by_column: dict[str, Number] = Field(title="share of values missing")
    rows_with_a_null: Number
    churn_by_group: dict[str, dict[str, GroupRate]]
    monthly: list[MonthlyRate]
    label: LabelFacts
    mean_true_proba: Number | None
