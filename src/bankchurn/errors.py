"""Errors a user can cause. The CLI prints them as one line on stderr, never as a traceback."""

from __future__ import annotations

#: Longest piece of user input (a value, a column name) echoed in a message, in characters.
ECHO_LIMIT = 60


def printable(text: object, limit: int = ECHO_LIMIT) -> str:
    r"""Text safe to echo on one terminal line: escaped controls, capped length.

    Control characters (newlines, ANSI escapes), lone surrogates and other unprintable code
    points are shown as Python escapes (``\\x1b``), and text longer than ``limit`` is cut
    with a note of how much was left out, so a hostile value can neither move the cursor
    nor flood the terminal or a log.

    Args:
        text: Anything; shown with ``str``.
        limit: Characters kept before the cut.

    Returns:
        One line of printable text.
    """
    s = str(text)
    cut = len(s) - limit if len(s) > limit else 0
    s = s[:limit] if cut else s
    out = "".join(
        c
        if c.isprintable()
        else c.encode("unicode_escape", "backslashreplace").decode("ascii")
        if not 0xD800 <= ord(c) <= 0xDFFF
        else f"\\u{ord(c):04x}"
        for c in s
    )
    return f"{out}...(+{cut} chars)" if cut else out


class UserError(Exception):
    """A mistake in the user's input or invocation (bad file, bad option), not a bug.

    The message must be a single line that tells the user what to fix.
    """

    exit_code = 2


class OutputError(UserError):
    """An output cannot be written where the user asked.

    Not a regular file, no permission, disk full: nothing is written and the previous file, if
    any, is intact.
    """


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
        parts = [f"{printable(self.path, 200)}:"]
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:5])
            more = "" if len(self.rows) <= 5 else ", ..."
            parts.append(f"line {shown}{more}")
        if self.keys:
            more = "" if len(self.keys) <= 3 else "; ..."
            parts.append(f"row ({printable('; '.join(self.keys[:3]), 200)}{more})")
        if self.column:
            parts.append(f"column {printable(repr(self.column))}")
        parts.append(f"breaks rule {self.rule}")
        if self.n_failed:
            parts.append(f"({self.n_failed} row{'s' if self.n_failed != 1 else ''} fail)")
        msg = " ".join(parts)
        return f"{msg}: {printable(self.detail, 300)}" if self.detail else msg
