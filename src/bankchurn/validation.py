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
  then must be whole numbers; ids, integers without a declared maximum, are parsed from
  their text as 64-bit integers and never pass through a float; a date must be written
  [`bankchurn.contract.DATE_FORMAT_SHOWN`][bankchurn.contract.DATE_FORMAT_SHOWN], nothing else).
* ``not_null``: the column does not accept missing values (e.g. the label ``Exited``).
* ``null_fraction<=0.01``: a nullable column may miss at most
  `bankchurn.contract.MAX_NULL_FRACTION` of its values; below that the gaps are
  repaired (imputed inside the model pipeline), above it the file is rejected.
* ``in_range(lo, hi)`` / ``greater_than_or_equal_to(lo)`` / ``isin([...])``: declared
  ranges and categories.
* ``unique``: no value may repeat (``CustomerId``), across the whole file.
* ``max_length(256)``: no text cell longer than
  [`bankchurn.contract.MAX_FIELD_CHARS`][bankchurn.contract.MAX_FIELD_CHARS].
* ``non_empty``: at least one data row.

[`ContractValidator`][bankchurn.validation.ContractValidator] is the one validation entry point. It
takes the extract one frame (chunk) at a time and gives the WHOLE-FILE verdict: the row rules are
checked on each chunk, the file rules (share of missing values, uniqueness across chunks, at least
one row) when [`ContractValidator.finish`][bankchurn.validation.ContractValidator.finish] is called.
[`validate_frame`][bankchurn.validation.validate_frame] is the one-chunk case. A reader that is not
a file (the CRM table, `bankchurn.crm_db`) validates its frame the same way and maps the reported
lines back to its row keys.
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
from bankchurn.errors import ContractError, printable

NULL_RULE = f"null_fraction<={contract.MAX_NULL_FRACTION:g}"
_INT_TEXT = r"^\s*([+-]?\d+)(?:\.0*)?\s*$"
# pandas timestamps (nanoseconds) span 1677-09-21..2262-04-11; a date outside cannot be held.
_FIRST_DAY, _LAST_DAY = pd.Timestamp(contract.FIRST_DAY), pd.Timestamp(contract.LAST_DAY)

# Order in which failures of one column are reported (the first one wins).
_RULE_PRIORITY = ("type", "not_null", NULL_RULE, "range", "unique")


def _num(v: float) -> int | float:
    """Show integral bounds without a trailing ``.0`` in rule names."""
    return int(v) if float(v).is_integer() else float(v)


def _is_whole(s: pd.Series) -> pd.Series:
    return s.isna() | (np.floor(s) == s)


def _int_digits(s: pd.Series) -> pd.Series:
    """Whole numbers written as text (``"15634602"``, ``"7.0"``): their digits, else NaN."""
    return (
        s.astype("object").where(s.notna(), None).astype("str").str.extract(_INT_TEXT, expand=False)
    )


def _exact_int_checks(spec: ColumnSpec) -> list[pa.Check]:
    lo = int(spec.minimum) if spec.minimum is not None else -contract.MAX_ID - 1
    hi = contract.MAX_ID

    def id_in_range(s: pd.Series) -> pd.Series:
        digits = _int_digits(s)
        return digits.map(lambda d: lo <= int(d) <= hi, na_action="ignore").fillna(True)

    return [
        pa.Check(lambda s: _int_digits(s).notna(), name="type(int)"),
        # Named "in_range[...]", the function "id_in_range": pandera dispatches checks by name
        # and would run its own in_range instead.
        pa.Check(id_in_range, name=f"in_range[{lo}, {hi}]"),
    ]


def _parse_dates(s: pd.Series) -> pd.Series:
    parsed = pd.to_datetime(s, format=contract.DATE_FORMAT, errors="coerce")
    return parsed.where(parsed.between(_FIRST_DAY, _LAST_DAY))


def _checks(spec: ColumnSpec) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if spec.exact_int:
        return _exact_int_checks(spec)
    if spec.kind == "date":
        return [pa.Check(lambda s: _parse_dates(s).notna(), name="type(date)")]
    if spec.kind == "text":
        limit = contract.MAX_FIELD_CHARS
        checks.append(pa.Check(lambda s: s.str.len() <= limit, name=contract.FIELD_RULE))
    if spec.kind == "int":
        checks.append(pa.Check(_is_whole, name="type(int)"))
    if spec.kind in ("int", "float"):
        maximum = spec.maximum
        if spec.minimum is not None and maximum is not None:
            checks.append(pa.Check.in_range(_num(spec.minimum), _num(maximum)))
        elif spec.minimum is not None:
            checks.append(pa.Check.ge(_num(spec.minimum)))
        elif maximum is not None:
            checks.append(pa.Check.le(_num(maximum)))
    if spec.allowed:
        checks.append(pa.Check.isin(list(spec.allowed)))
    # The share of missing values of a nullable column is a whole-file rule: checked by
    # ContractValidator.finish, not per chunk.
    return checks


def _dtype(spec: ColumnSpec) -> Any:
    # Numbers are validated as float64 (whole-number check for ints) and cast afterwards:
    # pandas cannot coerce "650.0" or a column with gaps straight to an integer dtype. Ids and
    # dates are checked as the text the user wrote and converted after validation.
    if spec.read_as_text:
        return str
    if spec.kind in ("int", "float", "binary"):
        return "float64"
    return str  # pragma: no cover - every kind is covered above


@functools.cache
def pandera_schema(require_label: bool = True) -> pa.DataFrameSchema:
    """Build the pandera schema of the CRM extract from `bankchurn.contract.COLUMNS`.

    Args:
        require_label: Whether the label column must be present. Scoring new customers does not
            need it; when present it is checked all the same.

    Returns:
        A strict schema (unknown columns rejected) that coerces types; integer and binary
        columns come out as float64, ids and dates as text, and are cast by
        [`ContractValidator`][bankchurn.validation.ContractValidator]. Built once and cached: treat it as read-only.
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


def _lines(index_values: pd.Series | list[Any], first_line: int = 2) -> list[int]:
    """Line numbers of frame index labels (``first_line`` is the line of index 0)."""
    return sorted({int(i) + first_line for i in index_values if i is not None and not pd.isna(i)})


def _show(value: Any) -> str:
    """A failing value as the user wrote it (``7`` rather than ``7.0``), escaped and capped."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "<missing>"
    return printable(repr(value), 40) if isinstance(value, str) else printable(value, 40)


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
    if check.startswith("in_range["):
        return check.replace("[", "(", 1).replace("]", ")")
    return check


def _to_contract_error(
    df: pd.DataFrame, source: str, errors: pd.DataFrame, first_line: int = 2
) -> ContractError:
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
    idx = same["index"]
    known = idx[idx.notna()]
    if known.empty and kind == "type":
        # Whole-column coercion failure without row detail: find the rows ourselves.
        bad = pd.to_numeric(df[column], errors="coerce").isna() & df[column].notna()
        known = pd.Series(df.index[bad])
        examples = [_show(v) for v in df[column][bad].drop_duplicates().head(3)]
    else:
        examples = [_show(v) for v in same["failure_case"].drop_duplicates().head(3)]
    rows = _lines(list(known), first_line)
    n_failed = len(rows) if rows else len(same)
    detail = f"e.g. {', '.join(examples)}" if examples else ""
    if check == "type(date)":
        detail = f"{detail}; dates are written {contract.DATE_FORMAT_SHOWN}".lstrip("; ")
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
        if spec.name not in out.columns:
            continue
        if spec.exact_int:
            out[spec.name] = _int_digits(out[spec.name]).astype("int64")
        elif spec.kind == "date":
            out[spec.name] = _parse_dates(out[spec.name]).astype("datetime64[ns]")
        elif spec.kind in ("int", "binary") and not spec.nullable:
            out[spec.name] = out[spec.name].astype("int64")
    return out


def _prepare(df: pd.DataFrame) -> pd.DataFrame:
    """Bring a frame from any reader to what the schema checks.

    ``pd.NA``/``None`` in object-typed numeric columns become NaN so they coerce to float;
    ids and dates already typed (a frame built in memory) become the text a file would hold.
    """
    out = df
    for spec in contract.COLUMNS:
        if spec.name not in df.columns:
            continue
        col = df[spec.name]
        new: pd.Series | None = None
        if spec.exact_int and pd.api.types.is_numeric_dtype(col):
            new = col.astype("object").where(col.isna(), col.map(_int_text, na_action="ignore"))
        elif spec.kind == "date" and pd.api.types.is_datetime64_any_dtype(col):
            new = col.dt.strftime(contract.DATE_FORMAT).astype("object").where(col.notna(), None)
        elif (
            spec.kind in ("int", "float", "binary")
            and not spec.read_as_text
            and col.dtype == object
            and col.isna().any()
        ):
            new = col.where(col.notna(), np.nan)
        if new is not None:
            if out is df:
                out = df.copy()
            out[spec.name] = new
    return out


def _int_text(value: Any) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class ContractValidator:
    """The whole-file verdict of the data contract, fed one frame (chunk) at a time.

    The one validation entry point: ``data validate``, ``train --data``, ``evaluate --data``
    and ``predict`` all go through it, so they accept and reject exactly the same files.

    Args:
        source: Name of the file (or table) quoted in error messages.
        require_label: Whether the label column must be present (``False`` when scoring).
        first_line: Line number of index label 0 (2 for a CSV: line 1 is the header).
    """

    def __init__(self, source: str, *, require_label: bool = True, first_line: int = 2) -> None:
        self.source, self.require_label = source, require_label
        self.first_line = first_line
        self.n_rows = 0
        self._nulls: dict[str, tuple[int, list[int]]] = {}
        self._seen: dict[str, list[np.ndarray]] = {}

    def check(self, chunk: pd.DataFrame) -> pd.DataFrame:
        """Check the row rules on one chunk and return it typed.

        Args:
            chunk: Rows of the extract, as read; its index labels are the row numbers over
                the whole source (line = label + ``first_line``).

        Returns:
            The validated chunk, columns in contract order: non-nullable ints and 0/1 flags
            and ids as ``int64``; nullable ones (whole numbers, NaN when missing) and floats
            as ``float64``; categories and text as ``str``; ``SnapshotDate`` as
            ``datetime64[ns]``.

        Raises:
            ContractError: On the first broken rule of the chunk, or a value repeating one of
                an earlier chunk in a unique column.
        """
        if len(chunk) == 0:
            return chunk
        try:
            valid = pandera_schema(self.require_label).validate(_prepare(chunk), lazy=True)
        except SchemaErrors as exc:
            raise _to_contract_error(
                chunk, self.source, exc.failure_cases, self.first_line
            ) from None
        except SchemaError as exc:  # pragma: no cover - lazy mode collects, kept as a safety net
            raise ContractError(
                self.source, str(exc.check), column=getattr(exc.schema, "name", None)
            ) from None
        ordered = [spec.name for spec in contract.COLUMNS if spec.name in valid.columns]
        typed = _cast(valid[ordered])
        for spec in contract.COLUMNS:
            if spec.name not in typed.columns:
                continue
            if spec.unique:
                self._check_unique(spec.name, typed[spec.name])
            if spec.nullable:
                missing = typed[spec.name].isna().to_numpy()
                n, lines = self._nulls.get(spec.name, (0, []))
                if len(lines) < 6 and missing.any():  # 6: the message shows 5 and "..."
                    more = typed.index[missing][: 6 - len(lines)]
                    lines = lines + _lines(list(more), self.first_line)
                self._nulls[spec.name] = (n + int(missing.sum()), lines)
        self.n_rows += len(typed)
        return typed

    def _check_unique(self, column: str, values: pd.Series) -> None:
        seen = self._seen.setdefault(column, [])
        arr = values.to_numpy()
        if seen:
            dup = np.isin(arr, np.concatenate(seen))
            if dup.any():
                raise ContractError(
                    self.source,
                    "unique",
                    column=column,
                    rows=_lines(list(values.index[dup][:5]), self.first_line),
                    n_failed=int(dup.sum()),
                    detail=f"{column} repeats an earlier row",
                )
        seen.append(arr)

    def finish(self) -> None:
        """Check the whole-file rules once every chunk passed.

        Raises:
            ContractError: No data rows, or a nullable column missing more than
                [`bankchurn.contract.MAX_NULL_FRACTION`][bankchurn.contract.MAX_NULL_FRACTION] of its values.
        """
        if self.n_rows == 0:
            raise ContractError(self.source, "non_empty", detail="the file has no data rows")
        for spec in contract.COLUMNS:
            n, lines = self._nulls.get(spec.name, (0, []))
            share = n / self.n_rows
            if share > contract.MAX_NULL_FRACTION:
                raise ContractError(
                    self.source,
                    NULL_RULE,
                    column=spec.name,
                    rows=lines,
                    n_failed=n,
                    detail=f"{share:.2%} missing, at most {contract.MAX_NULL_FRACTION:.0%} allowed",
                )


def validate_frame(
    df: pd.DataFrame,
    source: str,
    *,
    require_label: bool = True,
    first_line: int = 2,
) -> pd.DataFrame:
    """Validate a whole CRM extract against the contract and return it typed.

    The one-chunk case of [`ContractValidator`][bankchurn.validation.ContractValidator].

    Args:
        df: The extract as read (any dtypes; a default RangeIndex so that line = index + 2).
        source: Name of the file (or ``"<synthetic>"``, or a table) quoted in error messages.
        require_label: Whether the label column must be present (``False`` when scoring).
        first_line: Line number of index label 0.

    Returns:
        The validated frame (see [`ContractValidator.check`][bankchurn.validation.ContractValidator.check]).

    Raises:
        ContractError: On the first broken rule (see the module docstring for rule names).
    """
    validator = ContractValidator(source, require_label=require_label, first_line=first_line)
    if len(df) == 0:
        raise ContractError(source, "non_empty", detail="the file has no data rows")
    out = validator.check(df)
    validator.finish()
    return out
