"""Errors a user can cause. The CLI prints them as one line on stderr, never as a traceback."""

from __future__ import annotations


class UserError(Exception):
    """A mistake in the user's input or invocation (bad file, bad option), not a bug.

    The message must be a single line that tells the user what to fix.
    """

    exit_code = 2


class ContractError(UserError):
    """A data file breaks the data contract.

    Attributes:
        path: File that was read.
        rule: Short name of the broken rule (e.g. ``"in_range(300, 850)"``).
        column: Offending column, or ``None`` for file-level defects.
        rows: 1-based line numbers in the file (header is line 1) of the first failing rows.
        keys: For a database table, which has no lines: the key of each failing row instead.
        n_failed: Total number of failing rows.
    """

    def __init__(
        self,
        path: str,
        rule: str,
        *,
        column: str | None = None,
        rows: list[int] | None = None,
        keys: list[str] | None = None,
        n_failed: int = 0,
        detail: str = "",
    ) -> None:
        self.path, self.rule, self.column = str(path), rule, column
        self.rows, self.n_failed, self.detail = list(rows or []), n_failed, detail
        self.keys = list(keys or [])
        super().__init__(self._format())

    def _format(self) -> str:
        parts = [f"{self.path}:"]
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:5])
            more = "" if len(self.rows) <= 5 else ", ..."
            parts.append(f"line {shown}{more}")
        if self.keys:
            more = "" if len(self.keys) <= 3 else "; ..."
            parts.append(f"row ({'; '.join(self.keys[:3])}{more})")
        if self.column:
            parts.append(f"column {self.column!r}")
        parts.append(f"breaks rule {self.rule}")
        if self.n_failed:
            parts.append(f"({self.n_failed} row{'s' if self.n_failed != 1 else ''} fail)")
        msg = " ".join(parts)
        return f"{msg}: {self.detail}" if self.detail else msg
