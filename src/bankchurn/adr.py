"""Architecture Decision Records (ADRs): the format, and the small tool that keeps it honest.

One decision per file, ``adr/NNNN-kebab-title.md``, with YAML front matter (schema:
:class:`AdrMeta`) and a fixed body::

    # ADR-NNNN: Title
    ## Context
    ## Decision
    ## Consequences      (### Positive, ### Negative, ### Neutral)
    ## Alternatives considered   (table: Alternative | Pros | Cons | Why rejected)
    ## References

The conventions follow adr-tools (four-digit sequence numbers, kebab-case file names, ``new`` and
``supersede`` verbs) with MADR-style YAML front matter; ADR 0011 records why this is our own
small module rather than an existing plugin.

Public functions:

* :func:`new_adr` / :func:`supersede_adr` create records from the template shipped in the
  package (``bankchurn/templates/adr.md``).
* :func:`lint` returns every broken rule as a :class:`LintError`
  (``adr/0003-x.md:LINE: rule: message``).
* :func:`render_index`, :func:`render_banner` and :func:`render_page` produce the Markdown the
  MkDocs hook publishes under ``decisions/``.

Markdown is parsed with markdown-it-py (CommonMark + tables), so headings inside code fences or
pipes inside inline code never confuse the checks.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import string
import tempfile
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import unquote

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
)

from bankchurn.errors import UserError

__all__ = [
    "ADR",
    "ALTERNATIVES_HEADER",
    "REPORTS",
    "REQUIRED_SECTIONS",
    "RULES",
    "SITE_FOLDER",
    "STATUSES",
    "AdrMeta",
    "LintError",
    "adr_files",
    "lint",
    "load_adrs",
    "new_adr",
    "read_adr",
    "render_banner",
    "render_index",
    "render_page",
    "render_status_line",
    "slugify",
    "supersede_adr",
]

#: The lifecycle of a decision, in order.
STATUSES: tuple[str, ...] = ("proposed", "accepted", "deprecated", "superseded")
Status = Literal["proposed", "accepted", "deprecated", "superseded"]

#: Required second-level sections, in order, with their required third-level subsections.
REQUIRED_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Context", ()),
    ("Decision", ()),
    ("Consequences", ("Positive", "Negative", "Neutral")),
    ("Alternatives considered", ()),
    ("References", ()),
)
#: Header of the alternatives table.
ALTERNATIVES_HEADER: tuple[str, ...] = ("Alternative", "Pros", "Cons", "Why rejected")
#: Where the site publishes the ADRs (``decisions/NNNN-kebab-title/``).
SITE_FOLDER = "decisions"
#: Marker of template text still to be written; allowed only while an ADR is ``proposed``.
PLACEHOLDER = "TODO(adr)"
#: Report names accepted as first segment of ``metric("report.key")`` and their files.
REPORTS: dict[str, str] = {
    "data": "data_profile.json",
    "baseline": "baseline/metrics.json",
    "target": "target/metrics.json",
    "selection": "model_selection.json",
    "canvas": "canvas_status.json",
    "monitoring": "monitoring.json",
    "bench": "benchmarks.json",
}
#: Every rule the lint can report, with what it checks (shown by ``bankchurn adr lint --rules``).
RULES: dict[str, str] = {
    "filename": "file name is NNNN-kebab-title.md",
    "front-matter": "the file starts with a YAML front matter block (--- ... ---) holding a mapping",
    "schema": "front matter fields, types and no unknown keys (pydantic model AdrMeta)",
    "status": "status is one of proposed | accepted | deprecated | superseded",
    "date": "date is a calendar date written YYYY-MM-DD",
    "id": "id equals the file number and is unique",
    "sequence": "ids run 1..N without gaps",
    "title": "first line of the body is '# ADR-NNNN: <front matter title>'",
    "sections": "required sections present, in order, not empty",
    "alternatives": "alternatives table Alternative | Pros | Cons | Why rejected, >= 1 rejected row",
    "supersede": "supersedes / superseded_by consistent both ways, in front matter and body links",
    "links": "relative links resolve (file and #anchor) and stay publishable on the site",
    "placeholder": f"no {PLACEHOLDER} text left once an ADR is no longer proposed",
    "metric": 'metric("report.key") names a known report and, when the report exists, a key in it',
}

_FILENAME_RE = re.compile(r"^(?P<number>\d{4})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
_NUMBERED_RE = re.compile(r"^(?P<number>\d{4})-.*\.md$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_METRIC_RE = re.compile(r"\{\{\s*metric\(\s*(?P<q>[\"'])(?P<key>[^\"']*)(?P=q)")
_NOT_A_REJECTION = {"", "-", "—", "–", "n/a", "na", "none", "chosen", "(chosen)", "selected"}
_CONTENT_TOKENS = {
    "paragraph_open",
    "bullet_list_open",
    "ordered_list_open",
    "table_open",
    "fence",
    "code_block",
    "blockquote_open",
    "html_block",
}
_MD = MarkdownIt("commonmark").enable("table")
_TEMPLATE = "adr.md"


# --------------------------------------------------------------------------------------------
# Format
# --------------------------------------------------------------------------------------------
def _iso_date(value: Any) -> dt.date:
    """Accept only ``YYYY-MM-DD`` text (or a date object from Python callers)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        raise ValueError(f"date must be written YYYY-MM-DD, got {value!r}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"date {value!r} is not a calendar date") from None


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
AdrId = Annotated[StrictInt, Field(ge=1, le=9999)]


class AdrMeta(BaseModel):
    """The front matter of an ADR.

    Attributes:
        id: Sequence number, equal to the ``NNNN`` of the file name.
        title: Title of the decision; the body's first line is ``# ADR-NNNN: <title>``.
        status: Lifecycle state: proposed, accepted, deprecated or superseded.
        date: Day the decision was made (or proposed), ``YYYY-MM-DD``.
        deciders: Who decided (roles or people); at least one.
        supersedes: Ids of the ADRs this one replaces (may be empty).
        superseded_by: Ids of the ADRs that replace this one (non-empty exactly when the status
            is ``superseded``).
        tags: Optional free keywords.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: AdrId
    title: StrictStr = Field(min_length=1, max_length=120)
    status: Status
    date: IsoDate
    deciders: list[StrictStr] = Field(min_length=1)
    supersedes: list[AdrId]
    superseded_by: list[AdrId]
    tags: list[StrictStr] = Field(default_factory=list)

    @field_validator("title")
    @classmethod
    def _one_clean_line(cls, value: str) -> str:
        if value != value.strip() or "\n" in value:
            raise ValueError("title must be one line without leading or trailing spaces")
        return value

    @field_validator("deciders", "tags")
    @classmethod
    def _no_blank(cls, value: list[str]) -> list[str]:
        if any(not v.strip() for v in value):
            raise ValueError("entries must not be blank")
        return value

    @field_validator("supersedes", "superseded_by")
    @classmethod
    def _unique(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise ValueError("ids must not repeat")
        return value


@dataclass(frozen=True)
class ADR:
    """One parsed, schema-valid decision record.

    Attributes:
        path: File the record was read from.
        meta: Validated front matter.
        front_matter: The front matter text between the ``---`` lines.
        body: Markdown after the front matter.
        body_line: 1-based line of the file where ``body`` starts.
    """

    path: Path
    meta: AdrMeta
    front_matter: str
    body: str
    body_line: int

    @property
    def number(self) -> str:
        """The four-digit id, e.g. ``"0003"``."""
        return f"{self.meta.id:04d}"

    @property
    def label(self) -> str:
        """``ADR-0003: Title``."""
        return f"ADR-{self.number}: {self.meta.title}"

    @property
    def site_path(self) -> str:
        """Source path of the page in the site, e.g. ``decisions/0003-offline-site.md``."""
        return f"{SITE_FOLDER}/{self.path.name}"


@dataclass(frozen=True, order=True)
class LintError:
    """One broken rule, printed as ``path:line: rule: message``."""

    path: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.message}"


class _NoTimestampLoader(yaml.SafeLoader):
    """Safe YAML loader that keeps dates as text, so the schema checks their spelling."""


_NoTimestampLoader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------
@dataclass
class _Parsed:
    """What could be read from one file, even when parts of it are broken."""

    path: Path
    shown: str
    text: str
    raw: dict[str, Any] | None = None
    meta: AdrMeta | None = None
    front_matter: str = ""
    fm_start: int = 1  # file line of the opening ---
    body: str = ""
    body_line: int = 1
    tokens: list[Token] | None = None

    def key_line(self, key: str) -> int:
        """File line of ``key:`` in the front matter (the opening ``---`` when absent)."""
        for offset, line in enumerate(self.front_matter.splitlines()):
            if re.match(rf"^{re.escape(key)}\s*:", line):
                return self.fm_start + 1 + offset
        return self.fm_start

    def line_of(self, token: Token | None) -> int:
        """File line of a block token of the body."""
        if token is None or token.map is None:
            return self.body_line
        return self.body_line + token.map[0]

    def error(self, line: int, rule: str, message: str) -> LintError:
        """A problem of this file."""
        return LintError(self.shown, line, rule, message)


def _split_front_matter(parsed: _Parsed) -> LintError | None:
    lines = parsed.text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return parsed.error(1, "front-matter", "file must start with a '---' line")
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            parsed.front_matter = "".join(lines[1:index])
            parsed.body = "".join(lines[index + 1 :])
            parsed.body_line = index + 2
            return None
    return parsed.error(1, "front-matter", "front matter is not closed by a '---' line")


def _schema_errors(parsed: _Parsed, exc: ValidationError) -> list[LintError]:
    errors: list[LintError] = []
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else ""
        where = ".".join(str(p) for p in err["loc"])
        line = parsed.key_line(field) if field else parsed.fm_start
        if err["type"] == "missing":
            errors.append(parsed.error(line, "schema", f"missing field '{field}'"))
        elif err["type"] == "extra_forbidden":
            errors.append(parsed.error(line, "schema", f"unknown field '{field}'"))
        elif field == "status":
            lifecycle = " | ".join(STATUSES)
            errors.append(
                parsed.error(
                    line, "status", f"status {err['input']!r} is not in the lifecycle ({lifecycle})"
                )
            )
        elif field == "date":
            msg = str(err["msg"]).removeprefix("Value error, ")
            errors.append(parsed.error(line, "date", msg))
        else:
            msg = str(err["msg"]).removeprefix("Value error, ")
            errors.append(parsed.error(line, "schema", f"field '{where}': {msg}"))
    return errors


def _parse(path: Path, shown: str | None = None) -> tuple[_Parsed, list[LintError]]:
    """Read one file as far as possible; return what was read and the problems found."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        parsed = _Parsed(path=path, shown=shown or str(path), text="", tokens=[])
        return parsed, [parsed.error(1, "front-matter", f"file is not UTF-8: {exc}")]
    parsed = _Parsed(path=path, shown=shown or str(path), text=text)
    problem = _split_front_matter(parsed)
    if problem is not None:
        parsed.body = parsed.text
        parsed.tokens = _MD.parse(parsed.body)
        return parsed, [problem]
    parsed.tokens = _MD.parse(parsed.body)
    try:
        raw = yaml.load(parsed.front_matter, Loader=_NoTimestampLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = parsed.fm_start + 1 + (mark.line if mark is not None else 0)
        problem_text = str(getattr(exc, "problem", None) or exc).splitlines()[0]
        return parsed, [parsed.error(line, "front-matter", f"invalid YAML: {problem_text}")]
    if not isinstance(raw, dict):
        return parsed, [parsed.error(1, "front-matter", "front matter must be a YAML mapping")]
    parsed.raw = raw
    try:
        parsed.meta = AdrMeta.model_validate(raw)
    except ValidationError as exc:
        return parsed, _schema_errors(parsed, exc)
    return parsed, []


def adr_files(adr_dir: str | Path) -> list[Path]:
    """The ADR files of a folder (``NNNN-*.md``), sorted by name.

    Args:
        adr_dir: Folder holding the records.

    Returns:
        Paths of every Markdown file whose name starts with four digits and a dash.
    """
    folder = Path(adr_dir)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and _NUMBERED_RE.match(p.name))


def read_adr(path: str | Path) -> ADR:
    """Read one record, requiring valid front matter.

    Args:
        path: The ``NNNN-title.md`` file.

    Returns:
        The parsed record.

    Raises:
        UserError: The file is missing or its front matter breaks the schema.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such ADR file")
    parsed, problems = _parse(path)
    if problems or parsed.meta is None:
        raise UserError(str(problems[0]) if problems else f"{path}: unreadable ADR")
    return ADR(path, parsed.meta, parsed.front_matter, parsed.body, parsed.body_line)


def load_adrs(adr_dir: str | Path) -> list[ADR]:
    """Every record of a folder, sorted by id.

    Args:
        adr_dir: Folder holding the records.

    Returns:
        The parsed records.

    Raises:
        UserError: The folder does not exist, or a record's front matter is invalid.
    """
    folder = Path(adr_dir)
    if not folder.is_dir():
        raise UserError(f"{folder}: no such ADR folder")
    return sorted((read_adr(p) for p in adr_files(folder)), key=lambda a: a.meta.id)


# --------------------------------------------------------------------------------------------
# Markdown helpers
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Heading:
    level: int
    text: str
    index: int  # index of heading_open in the token list
    end: int  # index of the next heading of the same or a higher level (exclusive)
    token: Token


def _headings(tokens: list[Token]) -> list[_Heading]:
    found: list[tuple[int, str, int, Token]] = []
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            found.append((int(tok.tag[1]), tokens[i + 1].content.strip(), i, tok))
    out: list[_Heading] = []
    for k, (level, text, index, tok) in enumerate(found):
        end = next((f[2] for f in found[k + 1 :] if f[0] <= level), len(tokens))
        out.append(_Heading(level, text, index, end, tok))
    return out


def _has_content(tokens: list[Token], start: int, end: int) -> bool:
    for tok in tokens[start:end]:
        if tok.type not in _CONTENT_TOKENS:
            continue
        if tok.type == "html_block" and re.fullmatch(r"\s*<!--.*?-->\s*", tok.content, re.DOTALL):
            continue  # a comment is guidance, not content
        return True
    return False


def _slug_toc(text: str) -> str:
    """Anchor id as Python-Markdown's toc extension (MkDocs) makes it."""
    value = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^\w\s-]", "", value).strip().lower()
    return re.sub(r"[-\s]+", "-", value)


def _slug_github(text: str) -> str:
    """Anchor id as GitHub makes it."""
    value = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return value.replace(" ", "-")


def _anchors(tokens: list[Token]) -> set[str]:
    out: set[str] = set()
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            text = "".join(c.content for c in tokens[i + 1].children or [] if c.type != "softbreak")
            out.update({_slug_toc(text), _slug_github(text)})
    return out


def _links(tokens: list[Token]) -> list[tuple[Token, str]]:
    """``(block token, target)`` of every link and image of the body."""
    out: list[tuple[Token, str]] = []
    for tok in tokens:
        for child in tok.children or []:
            if child.type == "link_open":
                out.append((tok, str(child.attrs.get("href", ""))))
            elif child.type == "image":
                out.append((tok, str(child.attrs.get("src", ""))))
    return out


def _table(
    tokens: list[Token], start: int, end: int
) -> tuple[Token, list[str], list[list[str]]] | None:
    """First table in ``tokens[start:end]``: (table token, header cells, body rows)."""
    for i in range(start, end):
        if tokens[i].type != "table_open":
            continue
        header: list[str] = []
        rows: list[list[str]] = []
        section = "thead"
        for tok in tokens[i:end]:
            if tok.type == "table_close":
                break
            if tok.type == "tbody_open":
                section = "tbody"
            elif tok.type == "tr_open" and section == "tbody":
                rows.append([])
            elif tok.type == "inline":
                (header if section == "thead" else rows[-1]).append(tok.content.strip())
        return tokens[i], header, rows
    return None


# --------------------------------------------------------------------------------------------
# Lint
# --------------------------------------------------------------------------------------------
def _shown(path: Path) -> str:
    """Path as the user typed the folder (relative stays relative)."""
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
            if report not in REPORTS or not rest:
                errors.append(
                    parsed.error(
                        line,
                        "metric",
                        f'metric("{m.group("key")}"): first segment must be one of '
                        + ", ".join(REPORTS)
                        + ", followed by dotted keys",
                    )
                )
                continue
            if reports_dir is None:
                continue
            file = reports_dir / REPORTS[report]
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
    taken = {p.meta.id for p in valid} | {
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


def lint(
    adr_dir: str | Path = "adr", reports_dir: str | Path | None = "reports"
) -> list[LintError]:
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


# --------------------------------------------------------------------------------------------
# Creating and superseding
# --------------------------------------------------------------------------------------------
def slugify(title: str, max_length: int = 60) -> str:
    """Kebab-case file slug of a title (ASCII, lower case, words joined by ``-``).

    Args:
        title: Title of the decision.
        max_length: Longest slug; cut at a word boundary.

    Returns:
        The slug, e.g. ``"fastapi-over-flask-for-the-serving-api"``.
    """
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_length and slug:
            break
        slug = candidate[:max_length]
    return slug


def _dump_front_matter(meta: AdrMeta) -> str:
    data = meta.model_dump()
    data["date"] = meta.date.isoformat()
    text = yaml.safe_dump(
        data, sort_keys=False, default_flow_style=None, allow_unicode=True, width=10_000
    )
    # safe_dump quotes the date because it looks like a timestamp; the file reads better bare.
    return text.replace(f"date: '{data['date']}'", f"date: {data['date']}")


def _write_atomic(path: Path, text: str) -> None:
    """Write a whole file or nothing: temp file in the same folder, then rename."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _template() -> str:
    return resources.files("bankchurn").joinpath("templates", _TEMPLATE).read_text(encoding="utf-8")


def _check_title_arg(title: str) -> str:
    clean = " ".join(title.split())
    if not clean:
        raise UserError("the ADR title is empty")
    if not slugify(clean):
        raise UserError(f"the ADR title {title!r} has no letters or digits for a file name")
    if len(clean) > 120:
        raise UserError("the ADR title is longer than 120 characters: shorten it")
    return clean


def _section_end_line(lines: list[str], name: str) -> int:
    """Index (in ``lines``) just after the last non-blank line of section ``## name``."""
    start = next(
        (i for i, ln in enumerate(lines) if ln.strip().lower() == f"## {name}".lower()), None
    )
    if start is None:
        raise UserError(f"the ADR has no '## {name}' section to add a link to")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return end


def _append_reference(body: str, bullet: str) -> str:
    lines = body.splitlines()
    at = _section_end_line(lines, "References")
    previous = lines[at - 1].lstrip() if at > 0 else ""
    insert = [bullet] if previous.startswith(("- ", "* ")) else ["", bullet]
    lines[at:at] = insert
    return "\n".join(lines).rstrip("\n") + "\n"


def _prepend_context(body: str, sentence: str) -> str:
    lines = body.splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.strip().lower() == "## context"), None)
    if start is None:
        raise UserError("the ADR template has no '## Context' section")
    lines[start + 1 : start + 1] = ["", sentence]
    return "\n".join(lines).rstrip("\n") + "\n"


def _compose(meta: AdrMeta, body: str) -> str:
    return f"---\n{_dump_front_matter(meta)}---\n{body}"


def _render_new(
    adr_dir: Path, title: str, date: dt.date, deciders: list[str], supersedes: list[int]
) -> tuple[Path, AdrMeta, str]:
    files = adr_files(adr_dir)
    numbers = [int(_NUMBERED_RE.match(p.name).group("number")) for p in files]  # type: ignore[union-attr]
    new_id = max(numbers, default=0) + 1
    path = adr_dir / f"{new_id:04d}-{slugify(title)}.md"
    text = string.Template(_template()).substitute(
        id=new_id,
        number=f"{new_id:04d}",
        title=title,
        title_yaml=json.dumps(title, ensure_ascii=False),
        date=date.isoformat(),
        deciders_yaml=json.dumps(deciders, ensure_ascii=False),
        supersedes_yaml=json.dumps(supersedes),
    )
    tmp = _Parsed(path=path, shown=str(path), text=text)
    problem = _split_front_matter(tmp)
    if problem is not None:
        raise UserError(f"the ADR template is broken: {problem}")
    try:
        meta = AdrMeta.model_validate(yaml.load(tmp.front_matter, Loader=_NoTimestampLoader))
    except (ValidationError, yaml.YAMLError) as exc:
        raise UserError(
            f"the ADR template gives invalid front matter: {exc}".splitlines()[0]
        ) from None
    return path, meta, tmp.body


def _as_date(date: dt.date | str | None) -> dt.date:
    if date is None:
        return dt.date.today()
    try:
        return _iso_date(date)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def new_adr(
    adr_dir: str | Path = "adr",
    title: str = "",
    *,
    date: dt.date | str | None = None,
    deciders: list[str] | None = None,
) -> Path:
    """Create the next ADR from the template, status ``proposed``.

    Args:
        adr_dir: Folder of the records (created when missing).
        title: Title of the decision; the file name is its kebab-case slug.
        date: Decision date (default: today), ``YYYY-MM-DD`` text or a date.
        deciders: Who decides (default: ``["BankChurn team"]``).

    Returns:
        Path of the new file.

    Raises:
        UserError: Empty title, bad date, or the template is broken.
    """
    folder = Path(adr_dir)
    clean = _check_title_arg(title)
    when = _as_date(date)
    folder.mkdir(parents=True, exist_ok=True)
    path, meta, body = _render_new(folder, clean, when, deciders or ["BankChurn team"], [])
    _write_atomic(path, _compose(meta, body))
    return path


def supersede_adr(
    adr_dir: str | Path,
    number: int,
    title: str,
    *,
    date: dt.date | str | None = None,
    deciders: list[str] | None = None,
) -> Path:
    """Create a new ADR that supersedes ADR ``number`` and mark the old one superseded.

    The new record lists ``number`` in ``supersedes`` and links to it from its Context and
    References; the old one gets status ``superseded``, the new id in ``superseded_by`` and a
    "Superseded by" link in its References.

    Args:
        adr_dir: Folder of the records.
        number: Id of the ADR to supersede.
        title: Title of the new decision.
        date: Date of the new decision (default: today).
        deciders: Who decides (default: those of the superseded ADR).

    Returns:
        Path of the new file.

    Raises:
        UserError: No such ADR, it is already superseded, or a bad title or date.
    """
    folder = Path(adr_dir)
    clean = _check_title_arg(title)
    when = _as_date(date)
    matches = [p for p in adr_files(folder) if p.name.startswith(f"{number:04d}-")]
    if not matches:
        raise UserError(f"{folder}: no ADR {number:04d} to supersede")
    old = read_adr(matches[0])
    if old.meta.status == "superseded":
        by = ", ".join(f"{i:04d}" for i in old.meta.superseded_by)
        raise UserError(f"{old.path}: ADR {old.number} is already superseded by {by}")
    path, meta, body = _render_new(
        folder, clean, when, deciders or list(old.meta.deciders), [old.meta.id]
    )
    old_link = f"[{old.label}]({old.path.name})"
    new_label = f"ADR-{meta.id:04d}: {meta.title}"
    body = _prepend_context(body, f"This decision supersedes {old_link}.")
    body = _append_reference(body, f"- Supersedes {old_link}")
    old_meta = old.meta.model_copy(
        update={"status": "superseded", "superseded_by": [*old.meta.superseded_by, meta.id]}
    )
    old_body = _append_reference(old.body, f"- Superseded by [{new_label}]({path.name})")
    _write_atomic(path, _compose(meta, body))
    try:
        _write_atomic(old.path, _compose(old_meta, old_body))
    except BaseException:
        path.unlink(missing_ok=True)  # keep the pair consistent: all or nothing
        raise
    return path


# --------------------------------------------------------------------------------------------
# Site rendering (called by the MkDocs hook)
# --------------------------------------------------------------------------------------------
def _successors(adr: ADR) -> list[tuple[str, str]]:
    """``(label, file name)`` of the ADRs that supersede ``adr``."""
    out: list[tuple[str, str]] = []
    for other_id in adr.meta.superseded_by:
        files = [p for p in adr_files(adr.path.parent) if p.name.startswith(f"{other_id:04d}-")]
        if files:
            try:
                other = read_adr(files[0])
                out.append((other.label, files[0].name))
                continue
            except UserError:
                out.append((f"ADR-{other_id:04d}", files[0].name))
                continue
        out.append((f"ADR-{other_id:04d}", ""))
    return out


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("[", "\\[").replace("]", "\\]")


def render_banner(adr: ADR) -> str:
    """Admonition marking a superseded or deprecated ADR on its own page.

    Args:
        adr: The record.

    Returns:
        Markdown (a Material ``!!! warning`` admonition and a blank line), or ``""`` for
        proposed and accepted records.
    """
    if adr.meta.status == "superseded":
        links = ", ".join(
            f"[{_md_escape(label)}]({name})" if name else label for label, name in _successors(adr)
        )
        return (
            '!!! warning "Superseded"\n'
            f"    This decision is superseded by {links}. It stays here as the record of what was\n"
            "    decided and why; follow its successor for new work.\n\n"
        )
    if adr.meta.status == "deprecated":
        return (
            '!!! warning "Deprecated"\n'
            "    This decision no longer applies and nothing replaces it. It stays here as the\n"
            "    record of what was decided and why.\n\n"
        )
    return ""


_DOCS_LINK_RE = re.compile(r"(\]\(|\]:\s*)\.\./docs/")


def render_status_line(adr: ADR) -> str:
    """One Markdown line under an ADR's title: status badge, date, deciders, supersede links.

    Args:
        adr: The record.

    Returns:
        The line (no trailing newline).
    """

    def links(ids: list[int]) -> str:
        out = []
        for other_id in ids:
            files = [p for p in adr_files(adr.path.parent) if p.name.startswith(f"{other_id:04d}-")]
            out.append(f"[ADR-{other_id:04d}]({files[0].name})" if files else f"ADR-{other_id:04d}")
        return ", ".join(out)

    bits = [_badge(adr.meta.status), f"**Date** {adr.meta.date.isoformat()}"]
    bits.append("**Deciders** " + ", ".join(_md_escape(d) for d in adr.meta.deciders))
    if adr.meta.supersedes:
        bits.append("**Supersedes** " + links(adr.meta.supersedes))
    if adr.meta.superseded_by:
        bits.append("**Superseded by** " + links(adr.meta.superseded_by))
    return " · ".join(bits)


def render_page(adr: ADR) -> str:
    """Markdown of an ADR's site page: front matter, title, status line, banner, body.

    The record's metadata moves under one ``adr`` key of the page's front matter, because
    Material for MkDocs gives a top-level ``status`` key a meaning of its own (page status
    icons in the navigation); ``title`` becomes ``NNNN Title`` for the navigation. Links to
    ``../docs/PAGE.md`` (right on GitHub) become ``../PAGE.md``, which is where the page sits
    relative to ``decisions/`` in the site. Links between ADRs stay as they are.

    Args:
        adr: The record.

    Returns:
        The page source.
    """
    body = _DOCS_LINK_RE.sub(r"\1../", adr.body)
    lines = body.splitlines(keepends=True)
    h1 = next((i for i, ln in enumerate(lines) if ln.startswith("# ")), -1)
    head = "".join(lines[: h1 + 1])
    rest = "".join(lines[h1 + 1 :]).lstrip("\n")
    inserted = f"\n{_badge_style()}\n\n{render_status_line(adr)}\n\n{render_banner(adr)}"
    meta = adr.meta.model_dump()
    meta["date"] = adr.meta.date.isoformat()
    front = yaml.safe_dump(
        {"title": f"{adr.number} {adr.meta.title}", "adr": meta},
        sort_keys=False,
        default_flow_style=None,
        allow_unicode=True,
        width=10_000,
    )
    return f"---\n{front}---\n{head}{inserted}{rest}"


_STATUS_COLOURS: dict[str, str] = {
    "proposed": "#6d6d6d",
    "accepted": "#2e7d32",
    "deprecated": "#b45309",
    "superseded": "#5b3fa8",
}


def _badge(status: str) -> str:
    return f'<span class="adr-status adr-status--{status}">{status}</span>'


def _badge_style() -> str:
    rules = [
        (
            ".adr-status{display:inline-block;padding:0 .6em;border-radius:1em;color:#fff;"
            "font-size:.75em;font-weight:700;line-height:1.7;white-space:nowrap}"
        )
    ]
    rules += [f".adr-status--{s}{{background:{c}}}" for s, c in _STATUS_COLOURS.items()]
    return "<style>\n" + "\n".join(rules) + "\n</style>"


def _index_style() -> str:
    rules = [
        ".adr-filter{display:flex;flex-wrap:wrap;gap:.4em 1.4em;margin:1em 0}",
        ".adr-filter label{cursor:pointer;white-space:nowrap}",
    ]
    for status in _STATUS_COLOURS:
        # Pure CSS filter: when a status radio is checked, hide the rows of other statuses.
        rules.append(
            f"article:has(#adr-filter-{status}:checked) "
            f"tr:has(.adr-status):not(:has(.adr-status--{status})){{display:none}}"
        )
    return _badge_style().replace("</style>", "\n".join(rules) + "\n</style>")


def render_index(adr_dir: str | Path = "adr") -> str:
    """Markdown of the generated Decisions index page (``decisions/index.md``).

    A table with id, title, status badge, date and supersede links, and a status filter made
    of radio buttons and CSS ``:has()`` rules: no JavaScript, nothing loaded from elsewhere.

    Args:
        adr_dir: Folder of the records.

    Returns:
        The page source; the same records always give the same text.

    Raises:
        UserError: The folder is missing or a record's front matter is invalid.
    """
    adrs = load_adrs(adr_dir)
    by_id = {a.meta.id: a for a in adrs}
    counts = {s: sum(1 for a in adrs if a.meta.status == s) for s in STATUSES}

    def refs(ids: list[int]) -> str:
        links = [f"[{i:04d}]({by_id[i].path.name})" if i in by_id else f"{i:04d}" for i in ids]
        return ", ".join(links) if links else "—"

    radios = [
        (
            '<label for="adr-filter-all"><input type="radio" name="adr-filter" id="adr-filter-all"'
            f" checked> all ({len(adrs)})</label>"
        )
    ]
    for status in STATUSES:
        radios.append(
            f'<label for="adr-filter-{status}"><input type="radio" name="adr-filter"'
            f' id="adr-filter-{status}"> {status} ({counts[status]})</label>'
        )
    lines = [
        "# Architecture decision records",
        "",
        _index_style(),
        "",
        "Each significant technical decision of BankChurn is one record in the repository's",
        "`adr/` folder: its context, the decision, its consequences and the alternatives that were",
        "rejected, with the reason. Lifecycle: *proposed* → *accepted* → *deprecated* or",
        "*superseded* (a superseded record links to its successor and stays as history).",
        "This page is generated from the records; `bankchurn adr lint` checks their format in the",
        'test suite, and `bankchurn adr new "Title"` starts a new one.',
        "",
        '<div class="adr-filter" role="radiogroup" aria-label="Filter the decisions by status">',
        *radios,
        "</div>",
        "",
        "| ADR | Decision | Status | Date | Supersedes | Superseded by |",
        "|---|---|---|---|---|---|",
    ]
    for a in adrs:
        lines.append(
            f"| [{a.number}]({a.path.name}) | [{_md_escape(a.meta.title)}]({a.path.name}) "
            f"| {_badge(a.meta.status)} | {a.meta.date.isoformat()} "
            f"| {refs(a.meta.supersedes)} | {refs(a.meta.superseded_by)} |"
        )
    return "\n".join(lines) + "\n"
