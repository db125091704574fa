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
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import ConfigDict, Field, TypeAdapter, ValidationError
from pydantic.dataclasses import dataclass

from bankchurn.errors import UserError, printable
from bankchurn.settings import settings

T = TypeVar("T")

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
    tuning: dict[str, Any]
    business: dict[str, Any]


class ParamsError(UserError):
    """``params.yaml`` cannot be read or breaks a rule (one line: file, key, rule)."""


def _read(path: Path) -> dict[str, Any]:
    """The file's YAML mapping; a missing, unreadable or malformed file is one line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParamsError(f"{path}: missing; the pipeline's parameters live there") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ParamsError(f"{path}: cannot read ({reason})") from None
    try:
        raw: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise ParamsError(f"{path}: {where}not valid YAML ({printable(problem)})") from None
    if not isinstance(raw, dict):
        raise ParamsError(
            f"{path}: not a mapping of the pipeline's parameters (seed, data, split, ...)"
        )
    return raw


def checked(
    kind: type[T] | Any,
    values: Any,
    section: str = "",
    path: Path = PARAMS_FILE,
    required: Iterable[str] = (),
) -> T:
    """Validate ``values`` (the file, or one ``section`` of it) as ``kind``; one line if not.

    The modules that use a section declare its fields, types and bounds
    (``tuning.TuningBudget``, ``business.BusinessParameters``) and check their values with
    this, so a bad value names ``params.yaml``, its key and the broken rule.

    Args:
        kind: A pydantic model or (pydantic) dataclass.
        values: The mapping read from the file.
        section: Dotted key of ``values`` in the file (``""`` for the whole file).
        path: The file named in the message.
        required: Keys the file must hold even where ``kind`` has a default.

    Returns:
        The validated object.

    Raises:
        ParamsError: A value breaks a rule, a key is missing or unknown.
    """
    absent = [k for k in required if not isinstance(values, dict) or k not in values]
    if absent:
        key = ".".join(filter(None, [section, absent[0]]))
        raise ParamsError(f"{path}: key {key} breaks rule missing: field required")
    try:
        return TypeAdapter(kind).validate_python(values)
    except ValidationError as exc:
        first: dict[str, Any] = dict(exc.errors()[0])
        if first["type"] == "unexpected_keyword_argument":  # a dataclass's word for it
            first.update(type="extra_forbidden", msg="Extra inputs are not permitted")
        key = ".".join([*filter(None, [section]), *(str(p) for p in first["loc"])]) or section
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        got = "" if first["type"] == "missing" else f" (got {printable(repr(first['input']))})"
        raise ParamsError(
            f"{path}: key {key} breaks rule {first['type']}: "
            f"{printable(first['msg'], 200).lower()}{got}{more}"
        ) from None


@functools.cache
def load(path: Path = PARAMS_FILE) -> Params:
    """Read and check ``params.yaml`` (once per process).

    Args:
        path: The parameters file; default the package's own.

    Returns:
        The parameters.

    Raises:
        ParamsError: The file is missing, unreadable, not YAML, or breaks a rule (one line).
    """
    return checked(Params, _read(path), path=path)


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
    (`bankchurn.saved_run.load_run`). The data size is not among them: the data's hash covers it.

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
