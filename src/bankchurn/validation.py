"""Validation of a CRM extract against the data contract, with pandera.

The pandera schema is BUILT from `bankchurn.contract.COLUMNS` (no second copy of any
range or category lives here). Pandera failures are turned into ONE
[`bankchurn.errors.ContractError`][bankchurn.errors.ContractError] naming the file, the 1-based file line numbers
(``index + 2``: line 1 is the header), the column, the rule and how many rows fail.

Rules and their names as shown to the user:

* ``required_column`` / ``no_unknown_columns``: header must hold every required column and
  nothing else (strict).
* ``type(int)`` / ``type(float)`` / ``type(date)``: the value must parse as that type
  (integers are read as floats first so a missing value never turns a column into text,
  then must be whole numbers).
* ``not_null``: the column does not accept missing values (e.g. the label ``Exited``).
* ``null_fraction<=0.01``: a nullable column may miss at most
  `bankchurn.contract.MAX_NULL_FRACTION` of its values; below that the gaps are
  repaired (imputed inside the model pipeline), above it the file is rejected.
* ``in_range(lo, hi)`` / ``greater_than_or_equal_to(lo)`` / ``isin([...])``: declared
  ranges and categories.
* ``unique``: no value may repeat (``CustomerId``).
* ``non_empty``: at least one data row.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaError, SchemaErrors

from bankchurn import contract
from bankchurn.contract import ColumnSpec
from bankchurn.errors import ContractError

NULL_RULE = f"null_fraction<={contract.MAX_NULL_FRACTION:g}"
#: Integers are validated as float64, which holds every integer up to 2**53 exactly; an
#: integer column without a declared maximum (ids) is bounded by it so no id is ever rounded.
MAX_EXACT_INT = 2**53

# Order in which failures of one column are reported (the first one wins).
_RULE_PRIORITY = ("type", "not_null", NULL_RULE, "range", "unique")


def _num(v: float) -> int | float:
    """Show integral bounds without a trailing ``.0`` in rule names."""
    return int(v) if float(v).is_integer() else float(v)


def _is_whole(s: pd.Series) -> pd.Series:
    return s.isna() | (np.floor(s) == s)


def _checks(spec: ColumnSpec) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if spec.kind == "int":
        checks.append(pa.Check(_is_whole, name="type(int)"))
    if spec.kind in ("int", "float"):
        maximum = spec.maximum
        if maximum is None and spec.kind == "int":
            maximum = MAX_EXACT_INT
        if spec.minimum is not None and maximum is not None:
            checks.append(pa.Check.in_range(_num(spec.minimum), _num(maximum)))
        elif spec.minimum is not None:
            checks.append(pa.Check.ge(_num(spec.minimum)))
        elif maximum is not None:
            checks.append(pa.Check.le(_num(maximum)))
    if spec.allowed:
        checks.append(pa.Check.isin(list(spec.allowed)))
    if spec.nullable:
        # Column-level check: the share of missing values, not any single value, is at fault.
        checks.append(
            pa.Check(
                lambda s: bool(s.isna().mean() <= contract.MAX_NULL_FRACTION),
                name=NULL_RULE,
                ignore_na=False,
            )
        )
    return checks


def _dtype(spec: ColumnSpec) -> Any:
    # Numbers are validated as float64 (whole-number check for ints) and cast afterwards:
    # pandas cannot coerce "650.0" or a column with gaps straight to an integer dtype.
    if spec.kind in ("int", "float", "binary"):
        return "float64"
    if spec.kind == "date":
        return "datetime64[ns]"
    return str


@functools.cache
def pandera_schema(require_label: bool = True) -> pa.DataFrameSchema:
    """Build the pandera schema of the CRM extract from `bankchurn.contract.COLUMNS`.

    Args:
        require_label: Whether the label column must be present. Scoring new customers does not
            need it; when present it is checked all the same.

    Returns:
        A strict schema (unknown columns rejected) that coerces types; integer and binary
        columns come out as float64 and are cast by
        [`validate_frame`][bankchurn.validation.validate_frame]. Built once and
        cached: treat it as read-only.
    """
    columns = {
        spec.name: pa.Column(
            _dtype(spec),
            checks=_checks(spec),
            nullable=spec.nullable,
            unique=spec.unique,
            coerce=True,
            required=spec.required and (require_label or spec.name != contract.TARGET),
            description=spec.description,
            title=spec.name,
        )
        for spec in contract.COLUMNS
    }
    return pa.DataFrameSchema(
        columns,
        strict=True,
        coerce=True,
        name="crm_extract",
        description="CRM extract (Kaggle Churn Modelling columns + optional SnapshotDate).",
    )


def _lines(index_values: pd.Series | list[Any]) -> list[int]:
    """1-based file line numbers of frame index labels (line 1 is the header)."""
    out = sorted({int(i) + 2 for i in index_values if i is not None and not pd.isna(i)})
    return out


def _show(value: Any) -> str:
    """A failing value as the user wrote it (``7`` rather than ``7.0``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "<missing>"
    return repr(value) if isinstance(value, str) else str(value)


def _rule_kind(check: str) -> str:
    if check.startswith(("coerce_dtype", "dtype", "type(")):
        return "type"
    if check == "not_nullable":
        return "not_null"
    if check == NULL_RULE:
        return NULL_RULE
    if check == "field_uniqueness":
        return "unique"
    return "range"


def _rule_name(kind: str, check: str, spec: ColumnSpec) -> str:
    if kind == "type":
        return f"type({spec.kind})"
    if kind in ("not_null", "unique"):
        return kind
    return check


def _to_contract_error(df: pd.DataFrame, source: str, errors: pd.DataFrame) -> ContractError:
    """Pick the most telling failure (contract column order, then rule priority)."""
    fc = errors.copy()
    schema_level = fc[fc["column"].isna() | (fc["schema_context"] == "DataFrameSchema")]
    missing = schema_level[schema_level["check"] == "column_in_dataframe"]
    if not missing.empty:
        names = [str(v) for v in missing["failure_case"]]
        return ContractError(
            source,
            "required_column",
            column=names[0],
            detail=f"missing column(s): {', '.join(names)}",
        )
    unknown = schema_level[schema_level["check"] == "column_in_schema"]
    if not unknown.empty:
        names = [str(v) for v in unknown["failure_case"]]
        return ContractError(
            source,
            "no_unknown_columns",
            column=names[0],
            detail=f"unknown column(s): {', '.join(names)}; expected only contract columns",
        )
    fc = fc[fc["column"].notna()]
    # Checks that crashed on values of the wrong type repeat a type failure: skip them.
    fc = fc[~fc["failure_case"].astype(str).str.startswith("TypeError(")]
    order = {spec.name: i for i, spec in enumerate(contract.COLUMNS)}
    fc = fc.assign(
        _col=fc["column"].map(order).fillna(len(order)),
        _kind=fc["check"].astype(str).map(_rule_kind),
    )
    fc["_prio"] = fc["_kind"].map({k: i for i, k in enumerate(_RULE_PRIORITY)})
    fc = fc.sort_values(["_col", "_prio"], kind="stable")
    first = fc.iloc[0]
    column, kind, check = str(first["column"]), str(first["_kind"]), str(first["check"])
    spec = contract.BY_NAME[column]
    same = fc[(fc["column"] == column) & (fc["_kind"] == kind)]
    if kind == NULL_RULE:
        mask = df[column].isna()
        rows, n_failed = _lines(list(df.index[mask])), int(mask.sum())
        detail = f"{mask.mean():.2%} missing, at most {contract.MAX_NULL_FRACTION:.0%} allowed"
    else:
        idx = same["index"]
        known = idx[idx.notna()]
        if known.empty and kind == "type":
            # Whole-column coercion failure without row detail: find the rows ourselves.
            bad = pd.to_numeric(df[column], errors="coerce").isna() & df[column].notna()
            known = pd.Series(df.index[bad])
        rows = _lines(list(known))
        n_failed = len(rows) if rows else len(same)
        examples = [_show(v) for v in same["failure_case"].drop_duplicates().head(3)]
        detail = f"e.g. {', '.join(examples)}" if examples else ""
    others = sorted(set(fc["column"]) - {column}, key=lambda c: order.get(c, 99))
    if others:
        shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        detail = f"{detail}; other failing columns: {shown}".lstrip("; ")
    return ContractError(
        source,
        _rule_name(kind, check, spec),
        column=column,
        rows=rows,
        n_failed=n_failed,
        detail=detail,
    )


def _cast(df: pd.DataFrame) -> pd.DataFrame:
    """Give validated columns their final types.

    Non-nullable integer and 0/1 columns become ``int64``. Nullable ones stay ``float64``
    with NaN for the (repaired later) gaps: whole numbers are guaranteed by the checks, and a
    plain float NaN is what sklearn imputers and the API's input frames use (no ``pd.NA``).
    """
    out = df.copy()
    for spec in contract.COLUMNS:
        if spec.name in out.columns and spec.kind in ("int", "binary") and not spec.nullable:
            out[spec.name] = out[spec.name].astype("int64")
    return out


def _plain_missing(df: pd.DataFrame) -> pd.DataFrame:
    """Turn ``pd.NA``/``None`` in object-typed numeric columns into NaN so they coerce to float."""
    out = df
    for spec in contract.COLUMNS:
        if spec.kind in ("int", "float", "binary") and spec.name in df.columns:
            col = df[spec.name]
            if col.dtype == object and col.isna().any():
                if out is df:
                    out = df.copy()
                out[spec.name] = col.where(col.notna(), np.nan)
    return out


def validate_frame(df: pd.DataFrame, source: str, *, require_label: bool = True) -> pd.DataFrame:
    """Validate a CRM extract against the contract and return it typed.

    Args:
        df: The extract as read (any dtypes; a default RangeIndex so that line = index + 2).
        source: Name of the file (or ``"<synthetic>"``) quoted in error messages.
        require_label: Whether the label column must be present (``False`` when scoring).

    Returns:
        The validated frame, columns in contract order: non-nullable ints and 0/1 flags as
        ``int64``; nullable ones (whole numbers, NaN when missing) and floats as ``float64``;
        categories and text as ``str``; ``SnapshotDate`` as ``datetime64[ns]``.

    Raises:
        ContractError: On the first broken rule (see the module docstring for rule names).
    """
    if len(df) == 0:
        raise ContractError(source, "non_empty", detail="the file has no data rows")
    try:
        valid = pandera_schema(require_label).validate(_plain_missing(df), lazy=True)
    except SchemaErrors as exc:
        raise _to_contract_error(df, source, exc.failure_cases) from None
    except SchemaError as exc:  # pragma: no cover - lazy mode collects, kept as a safety net
        raise ContractError(
            source, str(exc.check), column=getattr(exc.schema, "name", None)
        ) from None
    ordered = [spec.name for spec in contract.COLUMNS if spec.name in valid.columns]
    return _cast(valid[ordered])
