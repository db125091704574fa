"""The ADR lint: every rule of `designdocs.adr.model.RULES`, per file and across the set."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from bankchurn.errors import UserError
from designdocs.adr.markdown import _MD, _anchors, _has_content, _Heading, _headings, _links, _table
from designdocs.adr.model import (
    _FILENAME_RE,
    _METRIC_RE,
    _NOT_A_REJECTION,
    _NUMBERED_RE,
    _SCHEME_RE,
    ALTERNATIVES_HEADER,
    PLACEHOLDER,
    REQUIRED_SECTIONS,
    LintError,
)
from designdocs.adr.parse import _parse, _Parsed
from designdocs.reports import REPORT_FILES


# --------------------------------------------------------------------------------------------
# Lint
# --------------------------------------------------------------------------------------------
def _shown(path: Path) -> str:
    """Path as the user sees it: relative to the working directory when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


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
    errors += _check_title(parsed, heads, number)
    errors += _check_sections(parsed, heads)
    errors += _check_alternatives(parsed, heads)
    errors += _check_links(parsed)
    errors += _check_metrics(parsed, reports_dir)
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


def _check_title(parsed: _Parsed, heads: list[_Heading], number: str | None) -> list[LintError]:
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


def _check_sections(parsed: _Parsed, heads: list[_Heading]) -> list[LintError]:
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


def _check_alternatives(parsed: _Parsed, heads: list[_Heading]) -> list[LintError]:
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


def _check_links(parsed: _Parsed) -> list[LintError]:
    errors: list[LintError] = []
    own_anchors = _anchors(parsed.tokens or [])
    adr_dir = parsed.path.parent.resolve()
    # Published beside decisions/ on the site: docs/ pages (rewritten by render_page) and the
    # top-level notebooks/, which the site serves at the same relative place.
    published = [
        adr_dir,
        (adr_dir.parent / "docs").resolve(),
        (adr_dir.parent / "notebooks").resolve(),
    ]
    cache: dict[Path, set[str]] = {}
    for block, href in _links(parsed.tokens or []):
        line = parsed.line_of(block)
        if not href or _SCHEME_RE.match(href):
            continue  # external URL: not checked offline
        target_text, _, anchor = href.partition("#")
        if href.startswith("/"):
            errors.append(parsed.error(line, "links", f"'{href}' is absolute: use a relative link"))
            continue
        if not target_text:
            if anchor and anchor not in own_anchors:
                errors.append(parsed.error(line, "links", f"anchor '#{anchor}' not found"))
            continue
        target = (parsed.path.parent / unquote(target_text)).resolve()
        if not target.exists():
            errors.append(parsed.error(line, "links", f"'{href}' does not resolve: no such file"))
            continue
        if not any(target.is_relative_to(root) for root in published):
            errors.append(
                parsed.error(
                    line,
                    "links",
                    f"'{href}' leaves adr/ for a file the site does not publish "
                    "(link other ADRs, docs/ pages, notebooks or a full URL)",
                )
            )
            continue
        if anchor and target.suffix == ".md":
            if target not in cache:
                text = target.read_text(encoding="utf-8")
                cache[target] = _anchors(_MD.parse(text))
            if anchor not in cache[target]:
                errors.append(
                    parsed.error(line, "links", f"'{href}': anchor '#{anchor}' not found")
                )
    return errors


def _lookup(data: Any, keys: list[str]) -> bool:
    for key in keys:
        if isinstance(data, dict) and key in data:
            data = data[key]
        elif isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return False
    return True


def _check_metrics(parsed: _Parsed, reports_dir: Path | None) -> list[LintError]:
    errors: list[LintError] = []
    loaded: dict[str, Any] = {}
    for offset, text in enumerate(parsed.body.splitlines()):
        for m in _METRIC_RE.finditer(text):
            line = parsed.body_line + offset
            report, _, rest = m.group("key").partition(".")
            if report not in REPORT_FILES or not rest:
                errors.append(
                    parsed.error(
                        line,
                        "metric",
                        f'metric("{m.group("key")}"): first segment must be one of '
                        + ", ".join(REPORT_FILES)
                        + ", followed by dotted keys",
                    )
                )
                continue
            if reports_dir is None:
                continue
            file = reports_dir / REPORT_FILES[report]
            if not file.is_file():
                continue  # reports not generated yet: the site build catches a missing file
            if report not in loaded:
                loaded[report] = json.loads(file.read_text(encoding="utf-8"))
            if not _lookup(loaded[report], rest.split(".")):
                errors.append(
                    parsed.error(
                        line,
                        "metric",
                        f"metric(\"{m.group('key')}\"): key '{rest}' not found in {file}",
                    )
                )
    return errors


def _link_targets(parsed: _Parsed) -> set[str]:
    """File names (in the ADR folder) the body links to."""
    out: set[str] = set()
    for _, href in _links(parsed.tokens or []):
        if not href or _SCHEME_RE.match(href) or href.startswith(("#", "/")):
            continue
        target = (parsed.path.parent / unquote(href.partition("#")[0])).resolve()
        if target.parent == parsed.path.parent.resolve():
            out.add(target.name)
    return out


def _check_set(files: list[_Parsed]) -> list[LintError]:
    errors: list[LintError] = []
    valid = [p for p in files if p.meta is not None]
    # A file whose front matter is broken still holds its number: no spurious gap for it.
    taken = {p.meta.id for p in valid if p.meta is not None} | {
        int(m.group("number"))
        for p in files
        if p.meta is None and (m := _NUMBERED_RE.match(p.path.name))
    }
    by_id: dict[int, _Parsed] = {}
    for p in valid:
        assert p.meta is not None
        if p.meta.id in by_id:
            errors.append(
                p.error(
                    p.key_line("id"),
                    "id",
                    f"id {p.meta.id} is also used by {by_id[p.meta.id].shown}",
                )
            )
        else:
            by_id[p.meta.id] = p
    if by_id:
        missing = sorted(set(range(1, max(by_id) + 1)) - taken)
        if missing:
            after = by_id[min(i for i in by_id if i > missing[0])]
            errors.append(
                after.error(
                    after.key_line("id"),
                    "sequence",
                    "ids must run 1..N without gaps; missing: "
                    + ", ".join(f"{i:04d}" for i in missing),
                )
            )

    for p in valid:
        meta = p.meta
        assert meta is not None
        if meta.status == "superseded" and not meta.superseded_by:
            errors.append(
                p.error(
                    p.key_line("superseded_by"),
                    "supersede",
                    "status is superseded but superseded_by is empty",
                )
            )
        if meta.superseded_by and meta.status != "superseded":
            errors.append(
                p.error(
                    p.key_line("status"),
                    "supersede",
                    f"superseded_by is set but status is {meta.status}, not superseded",
                )
            )
        links = _link_targets(p)
        for field, back, verb in (
            ("supersedes", "superseded_by", "supersedes"),
            ("superseded_by", "supersedes", "is superseded by"),
        ):
            for other_id in getattr(meta, field):
                line = p.key_line(field)
                if other_id == meta.id:
                    errors.append(p.error(line, "supersede", f"{field} lists itself"))
                    continue
                other = by_id.get(other_id)
                if other is None or other.meta is None:
                    errors.append(p.error(line, "supersede", f"{field}: no ADR {other_id:04d}"))
                    continue
                if meta.id not in getattr(other.meta, back):
                    errors.append(
                        p.error(
                            line,
                            "supersede",
                            f"{verb} {other_id:04d} but {other.path.name} lacks {meta.id} in {back}",
                        )
                    )
                if other.path.name not in links:
                    errors.append(
                        p.error(
                            line,
                            "supersede",
                            f"{verb} {other_id:04d} but the body has no link to {other.path.name}",
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
        parsed, problems = _parse(path, _shown(path))
        errors += problems
        errors += _check_file(parsed, reports)
        parsed_files.append(parsed)
    errors += _check_set(parsed_files)
    return sorted(set(errors), key=lambda e: (e.path, e.line, e.rule, e.message))
