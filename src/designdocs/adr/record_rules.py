"""ADR lint rules on one record's structure: its title, its required sections, its alternatives."""

from __future__ import annotations

import re

from designdocs.adr.markdown import _has_content, _Heading, _table
from designdocs.adr.model import (
    _NOT_A_REJECTION,
    ALTERNATIVES_HEADER,
    REQUIRED_SECTIONS,
    LintError,
)
from designdocs.adr.parse import _Parsed


def check_title(parsed: _Parsed, heads: list[_Heading], number: str | None) -> list[LintError]:
    """The title: one level-1 heading, first, numbered like the file."""
    tokens = parsed.tokens or []
    first = next((t for t in tokens if t.type != "html_block" or "<!--" not in t.content), None)
    if first is None or first.type != "heading_open" or first.tag != "h1":
        return [
            parsed.error(
                parsed.line_of(first), "title", "the body must start with '# ADR-NNNN: Title'"
            )
        ]
    h1 = heads[0]
    h1_count = sum(1 for h in heads if h.level == 1)
    errors: list[LintError] = []
    if h1_count > 1:
        extra = next(h for h in heads[1:] if h.level == 1)
        errors.append(parsed.error(parsed.line_of(extra.token), "title", "only one '# ' heading"))
    meta = parsed.meta
    want_number = f"{meta.id:04d}" if meta is not None else number
    if want_number is None:
        return errors
    want = f"ADR-{want_number}: {meta.title}" if meta is not None else None
    if want is not None and h1.text != want:
        errors.append(
            parsed.error(
                parsed.line_of(h1.token),
                "title",
                f"heading must be '# {want}' (front matter id and title), got '# {h1.text}'",
            )
        )
    elif want is None and not h1.text.startswith(f"ADR-{want_number}: "):
        errors.append(
            parsed.error(
                parsed.line_of(h1.token),
                "title",
                f"heading must start with '# ADR-{want_number}: '",
            )
        )
    return errors


def check_sections(parsed: _Parsed, heads: list[_Heading]) -> list[LintError]:
    """The required sections: present, in order, each with content of its own."""
    errors: list[LintError] = []
    tokens = parsed.tokens or []
    anchor_line = parsed.line_of(heads[0].token) if heads else parsed.body_line
    h2 = [h for h in heads if h.level == 2]
    positions: list[int] = []
    for name, children in REQUIRED_SECTIONS:
        found = [h for h in h2 if h.text.lower() == name.lower()]
        if not found:
            errors.append(parsed.error(anchor_line, "sections", f"missing section '## {name}'"))
            continue
        if len(found) > 1:
            errors.append(
                parsed.error(
                    parsed.line_of(found[1].token), "sections", f"section '## {name}' appears twice"
                )
            )
        section = found[0]
        if positions and section.index < positions[-1]:
            errors.append(
                parsed.error(
                    parsed.line_of(section.token),
                    "sections",
                    f"section '## {name}' is out of order (expected order: "
                    + ", ".join(n for n, _ in REQUIRED_SECTIONS)
                    + ")",
                )
            )
        positions.append(section.index)
        if not children:
            if not _has_content(tokens, section.index + 3, section.end):
                errors.append(
                    parsed.error(
                        parsed.line_of(section.token), "sections", f"section '## {name}' is empty"
                    )
                )
            continue
        inner = [h for h in heads if h.level == 3 and section.index < h.index < section.end]
        last = -1
        for child in children:
            sub = next((h for h in inner if h.text.lower() == child.lower()), None)
            if sub is None:
                errors.append(
                    parsed.error(
                        parsed.line_of(section.token),
                        "sections",
                        f"section '## {name}' lacks '### {child}'",
                    )
                )
                continue
            if sub.index < last:
                errors.append(
                    parsed.error(
                        parsed.line_of(sub.token),
                        "sections",
                        f"'### {child}' is out of order (expected: {', '.join(children)})",
                    )
                )
            last = sub.index
            if not _has_content(tokens, sub.index + 3, sub.end):
                errors.append(
                    parsed.error(
                        parsed.line_of(sub.token), "sections", f"section '### {child}' is empty"
                    )
                )
    return errors


def check_alternatives(parsed: _Parsed, heads: list[_Heading]) -> list[LintError]:
    """The alternatives: a table of the options considered, each rejected with a reason."""
    name = REQUIRED_SECTIONS[3][0]
    section = next((h for h in heads if h.level == 2 and h.text.lower() == name.lower()), None)
    if section is None:
        return []  # reported by the sections rule
    tokens = parsed.tokens or []
    found = _table(tokens, section.index + 3, section.end)
    line = parsed.line_of(section.token)
    if found is None:
        return [
            parsed.error(
                line, "alternatives", "no table: | " + " | ".join(ALTERNATIVES_HEADER) + " |"
            )
        ]
    table, header, rows = found
    line = parsed.line_of(table)
    norm = [re.sub(r"\s+", " ", h).strip().lower() for h in header]
    want = [h.lower() for h in ALTERNATIVES_HEADER]
    if norm != want:
        return [
            parsed.error(
                line,
                "alternatives",
                "table header must be | "
                + " | ".join(ALTERNATIVES_HEADER)
                + " |, got | "
                + " | ".join(header)
                + " |",
            )
        ]
    rejected = [r for r in rows if r and r[0] and r[-1].strip().lower() not in _NOT_A_REJECTION]
    if not rejected:
        return [
            parsed.error(
                line,
                "alternatives",
                "at least one alternative must be rejected with a reason in 'Why rejected'",
            )
        ]
    return []
