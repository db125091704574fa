"""The ADR lint: every rule of `designdocs.adr.model.RULES`, per file and across the set."""

from __future__ import annotations

from pathlib import Path

from bankchurn.errors import UserError
from designdocs.adr.markdown import _headings
from designdocs.adr.model import (
    _FILENAME_RE,
    PLACEHOLDER,
    LintError,
)
from designdocs.adr.parse import _parse, _Parsed
from designdocs.adr.record_rules import check_alternatives, check_sections, check_title
from designdocs.adr.reference_rules import check_decision_checks, check_links, check_metrics
from designdocs.adr.set_rules import check_set
from designdocs.paths import shown


def _check_file(parsed: _Parsed, reports_dir: Path | None) -> list[LintError]:
    errors: list[LintError] = []
    tokens = parsed.tokens or []
    match = _FILENAME_RE.match(parsed.path.name)
    if match is None:
        errors.append(
            parsed.error(1, "filename", "file name must be NNNN-kebab-title.md (lower case)")
        )
    meta = parsed.meta
    number = match.group("number") if match else None
    if meta is not None and number is not None and meta.id != int(number):
        errors.append(
            parsed.error(
                parsed.key_line("id"), "id", f"id {meta.id} does not match the file number {number}"
            )
        )

    heads = _headings(tokens)
    errors += check_title(parsed, heads, number)
    errors += check_sections(parsed, heads)
    errors += check_alternatives(parsed, heads)
    errors += check_links(parsed)
    errors += check_metrics(parsed, reports_dir)
    if meta is not None and meta.status != "proposed":
        # Only prose counts: an ADR may quote the marker in `code` when it explains the template.
        left = next(
            (
                tok
                for tok in tokens
                if tok.type == "inline"
                and any(c.type == "text" and PLACEHOLDER in c.content for c in tok.children or [])
            ),
            None,
        )
        if left is not None:
            errors.append(
                parsed.error(
                    parsed.line_of(left),
                    "placeholder",
                    f"template text {PLACEHOLDER} left in an ADR with status {meta.status}",
                )
            )
    return errors


def lint(adr_dir: str | Path, reports_dir: str | Path | None) -> list[LintError]:
    """Check every ADR of a folder against the format.

    Args:
        adr_dir: Folder of the records.
        reports_dir: Folder of the pipeline reports used to check ``metric()`` keys; ``None``
            (or a folder without the report) checks only the report names.

    Returns:
        The problems found, sorted by file and line; empty when all is well.

    Raises:
        UserError: The folder does not exist.
    """
    folder = Path(adr_dir)
    if not folder.is_dir():
        raise UserError(f"{folder}: no such ADR folder")
    reports = Path(reports_dir) if reports_dir is not None else None
    errors: list[LintError] = []
    parsed_files: list[_Parsed] = []
    for path in sorted(folder.glob("*.md")):
        if path.name.lower() == "readme.md":
            continue  # a folder README is not a decision
        parsed, problems = _parse(path, shown(path))
        errors += problems
        errors += _check_file(parsed, reports)
        errors += check_decision_checks(parsed, folder.resolve().parent)
        parsed_files.append(parsed)
    errors += check_set(parsed_files)
    return sorted(set(errors), key=lambda e: (e.path, e.line, e.rule, e.message))
