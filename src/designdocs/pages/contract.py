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
    head = (
        "| Column | Role | Type | Range / allowed values | Missing value | Required | "
        "Unique | Description |\n|---|---|---|---|---|---|---|---|\n"
    )
    rows = []
    for c in columns:
        rows.append(
            f'| <span id="col-{c.name.lower()}">`{c.name}`</span> | {c.role} | {c.kind} | '
            f"{range_text(c)} | {missing_policy(c, max_null_fraction)} | "
            f"{'yes' if c.required else 'optional'} | {'yes' if c.unique else 'no'} | "
            f"{c.description.replace('|', '&#124;')} |"
        )
    return head + "\n".join(rows) + "\n"
