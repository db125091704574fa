"""The Data contract page: `bankchurn.contract.COLUMNS` as a table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# --------------------------------------------------------------------------- data contract


def _num(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,}"


def range_text(col: Any) -> str:
    """Allowed values of one `bankchurn.contract.ColumnSpec` in words."""
    if col.allowed:
        return ", ".join(f"`{v}`" for v in col.allowed)
    lo, hi = col.minimum, col.maximum
    if lo is not None and hi is not None:
        return f"{_num(lo)} to {_num(hi)}"
    if lo is not None:
        return f"≥ {_num(lo)}"
    if hi is not None:
        return f"≤ {_num(hi)}"
    if col.kind == "date":
        return "month-end date `YYYY-MM-DD`"
    return "any text"


def missing_policy(col: Any, max_null_fraction: float) -> str:
    """What happens to a missing value in this column: repaired (imputed) or rejected."""
    if col.nullable:
        return (
            f"repaired: imputed inside the model pipeline (file rejected above "
            f"{max_null_fraction:.0%} missing)"
        )
    return "rejected"


def contract_table(columns: Sequence[Any], max_null_fraction: float) -> str:
    """Markdown table of the data contract, one row per column, in declaration order."""
    # The description, what a reader looks for, comes second: it stays on screen when the
    # table is wider than the page.
    head = (
        "| Column | Description | Role | Type | Range / allowed values | Missing value | "
        "Required | Unique |\n|---|---|---|---|---|---|---|---|\n"
    )
    rows = []
    for c in columns:
        rows.append(
            f'| <span id="col-{c.name.lower()}">`{c.name}`</span> | '
            f"{c.description.replace('|', '&#124;')} | {c.role_title} | {c.kind} | "
            f"{range_text(c)} | {missing_policy(c, max_null_fraction)} | "
            f"{'yes' if c.required else 'optional'} | {'yes' if c.unique else 'no'} |"
        )
    return head + "\n".join(rows) + "\n"


# --------------------------------------------------------------------------- role sentences


def _codes(names: Sequence[str]) -> str:
    return ", ".join(f"`{n}`" for n in names) if names else "none"


def role_sentence(contract: Any, kind: str) -> str:
    """One sentence stating a fact the contract decides, generated from it.

    Args:
        contract: The ``bankchurn.contract`` module.
        kind: ``features``, ``protected``, ``dropped``, ``pseudonymised``, ``ignored``,
            ``label`` or ``currency``.

    Raises:
        KeyError: unknown ``kind``.
    """
    cols = contract.COLUMNS
    features = list(contract.FEATURES)
    by_role = {r: [c.name for c in cols if c.role == r] for r in {c.role for c in cols}}
    if kind == "features":
        return f"Model inputs (features): {_codes(features)}."
    if kind == "protected":
        used = [a for a in contract.PROTECTED_ATTRIBUTES if a in features]
        audit = [a for a in contract.PROTECTED_ATTRIBUTES if a not in features]
        head = "Protected attributes, audited for fairness group by group: "
        parts = [head + _codes(contract.PROTECTED_ATTRIBUTES)]
        if used:
            parts.append(f"{_codes(used)} {'is' if len(used) == 1 else 'are'} also a model input")
        if audit:
            parts.append(
                f"{_codes(audit)} {'is' if len(audit) == 1 else 'are'} never a model input, only "
                "audited"
            )
        return "; ".join(parts) + "."
    if kind == "dropped":
        return f"Dropped at ingestion, before any other step sees the data: {_codes(by_role.get('pii', []))}."
    if kind == "pseudonymised":
        return (
            f"Pseudonymised at ingestion (replaced by a keyed hash, `{contract.CUSTOMER_KEY}`): "
            f"{_codes(by_role.get('customer_id', []))}."
        )
    if kind == "ignored":
        return f"Ignored (export artefacts, never features): {_codes(by_role.get('row_id', []))}."
    if kind == "label":
        return contract.LABEL_MEANING.replace("Exited", "`Exited`").replace(
            "SnapshotDate", "`SnapshotDate`"
        )
    if kind == "currency":
        return f"Every amount, in the files and in the value figures, is in {contract.CURRENCY}."
    raise KeyError(f"unknown contract sentence {kind!r}")
