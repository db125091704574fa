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
from collections.abc import Mapping
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


#: The ``tuning`` keys each model's training uses (as its stage in ``dvc.yaml`` declares them).
TUNING_KEYS: dict[str, tuple[str, ...]] = {
    "baseline": ("n_folds",),
    "target": ("n_trials", "n_folds", "max_trees"),
}


def training_parameters(
    model_name: str,
    *,
    seed: int,
    test_months: int,
    tuning: Mapping[str, int],
    business: Mapping[str, Any],
) -> dict[str, Any]:
    """The ``params.yaml`` values one model's training uses, by dotted key (``tuning.n_trials``).

    The artifact records them; a saved run is shown only while they are still the file's
    (`bankchurn.runs.load_run`). The data size is not among them: the data's hash covers it.

    Args:
        model_name: ``baseline`` or ``target`` (the tuning keys it uses: `TUNING_KEYS`).
        seed: Seed of the run.
        test_months: Months held out by the temporal split.
        tuning: The tuning budget's fields.
        business: The business parameters' fields.

    Returns:
        ``{"seed": ..., "split.test_months": ..., "tuning.<key>": ..., "business.<key>": ...}``.
    """
    return {
        "seed": seed,
        "split.test_months": test_months,
        **{f"tuning.{k}": tuning[k] for k in TUNING_KEYS[model_name]},
        **{f"business.{k}": v for k, v in sorted(business.items())},
    }


#: The parameters of this checkout, as the package uses them (pages quote them as
#: ``parameter("params.PARAMS.data.n_rows")``).
PARAMS: Params = load()
