"""The pipeline's parameters, read from ``params.yaml`` at the repository root: their one home.

Seed, synthetic-extract size, split, tuning budget and business assumptions have their VALUES
in ``params.yaml`` and nowhere else; the modules that use them declare their types, bounds and
meaning (``business.BusinessParameters``, ``tuning.TuningBudget``) and take the values from
[`load`][bankchurn.params.load]. The file is found at the repository root of the settings
(``bankchurn.settings``). DVC reads the same file as the stages' parameters (``dvc.yaml``), so
what the package uses and what DVC tracks cannot differ, and a change reruns only the stages
that declare the changed key. An installed copy without a checkout (the API image) reads
``params.yaml`` from its working directory.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml
from pydantic import ConfigDict, Field, TypeAdapter
from pydantic.dataclasses import dataclass

from bankchurn.settings import settings

#: The parameters file.
PARAMS_FILE = settings().root / "params.yaml"

# Plain (pydantic) dataclasses: read like constants, checked like models.
_CONFIG = ConfigDict(extra="forbid")


@dataclass(frozen=True, config=_CONFIG)
class DataParams:
    """The embedded synthetic extract."""

    n_rows: int = Field(gt=0, description="Rows (customers) of the synthetic extract.")
    n_snapshots: int = Field(gt=0, description="Monthly snapshots the rows are spread over.")


@dataclass(frozen=True, config=_CONFIG)
class SplitParams:
    """The temporal split."""

    test_months: int = Field(gt=0, description="Last monthly snapshots held out as test rows.")


@dataclass(frozen=True, config=_CONFIG)
class Params:
    """Every section of ``params.yaml``.

    Attributes:
        seed: Seed of every random step.
        data: The synthetic extract.
        split: The temporal split.
        tuning: Target-model search budget (validated by ``tuning.TuningBudget``).
        business: Value-model assumptions (validated by ``business.BusinessParameters``).
    """

    seed: int
    data: DataParams
    split: SplitParams
    tuning: dict[str, int]
    business: dict[str, float | int]


@functools.cache
def load(path: Path = PARAMS_FILE) -> Params:
    """Read and check ``params.yaml`` (once per process).

    Args:
        path: The parameters file; default the package's own.

    Returns:
        The parameters.
    """
    raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    return TypeAdapter(Params).validate_python(raw)


#: The parameters of this checkout, as the package uses them (pages quote them as
#: ``parameter("params.PARAMS.data.n_rows")``).
PARAMS: Params = load()
