"""Scanner for metric-looking numbers typed by hand in the documentation.

Every measured number must come from a report through a macro (``{{ metric(...) }}``), every
target from `bankchurn.targets` (``{{ target(...) }}``). A number typed in prose next to a
metric name is how a page starts to lie after the next pipeline run. This module finds them.

Rules (see `scan_text`):

1. Text that is not prose is blanked first: YAML front matter, fenced code blocks, inline code,
   Jinja (``{{ ... }}``, ``{% ... %}``, ``{# ... #}``), HTML comments and tags, link targets and
   bare URLs. What a macro prints is therefore never scanned.
2. A number is **metric-looking** when it carries a metric unit or currency (``%``, ``ms``,
   ``s``, ``min``, ``GiB``/``MiB``/``GB``/``MB``, ``req/s``, ``rows/s``, a lift ``x``/``×``,
   ``$``/``€``/``USD``/``EUR`` amounts with optional ``K``/``M``), or when a metric word
   (`KEYWORDS`: AUC, ROC, precision, recall, lift, churn, latency, p50/p95/p99,
   throughput, Brier, accuracy, F1, uptime, coverage, ...) stands within `WINDOW`
   characters on the same line. Four-digit years, ADR numbers and section numbers are not.
   In a decision record (``adr/``), so is a count of data or load (`ADR_COUNT`: "2,500 test
   rows", "500 requests offered").
3. A metric-looking number passes when its value, in its unit family, equals a **declared**
   value: a target of `bankchurn.targets`, or a parameter in `DECLARED_PARAMETERS`
   (read from code, so a changed declaration makes the typed copy fail), or when an entry of
   `ALLOWLIST` (file, exact text, reason) covers it. Everything else is reported.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bankchurn import targets
from bankchurn.settings import settings
from designdocs.site.format import code_value

ROOT = settings().root

#: Characters on either side of a number in which a metric word makes it metric-looking.
WINDOW = 40

#: Metric words (case-insensitive, whole words).
KEYWORDS = re.compile(
    r"\b(?:ROC|AUC|PR-AUC|precision|recall|lift|churn(?:ers?|ed)?|latency|latencies|"
    r"p50|p95|p99|throughput|req/s|rows/s|requests per second|Brier|accuracy|F1|uptime|"
    r"coverage|retained|retention target)\b",
    re.IGNORECASE,
)

_NUMBER = re.compile(
    r"(?<![\w.,/#§-])"
    r"(?P<cur>\$|€|USD\s|EUR\s)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?![\d,]\d)"
    r"(?P<mag>\s?[KkM](?![\w]))?"
    # seconds and minutes need a space ("30 s"): "the 50s" is a decade, not a duration
    r"(?P<unit>\s?(?:%|ms\b|GiB\b|MiB\b|GB\b|MB\b|req/s|requests/s|requests per second|rows/s|x\b|×|"
    r"\s?USD\b|\s?€)|\s(?:s|sec(?:ond)?s?|min(?:ute)?s?)\b)?"
    r"(?![\w.]\d)(?![A-Za-z])"  # "50s", "3rd", "2nd" are not measurements
)

#: In a decision record (``adr/``), a count of data or of load is a measurement too ("2,500 test
#: rows", "500 requests offered"): the record prints it from a report or a declaration (macros),
#: or does without it. Up to two words may stand between the number and the noun; the noun may
#: start the next line.
ADR_COUNT = re.compile(
    r"\s+(?:[A-Za-z-]+\s+){0,2}?(?:rows?|records?|customers?|churners?|requests?|calls?)\b"
)

#: Code constants whose value a page may type (dotted below ``bankchurn``; see
#: `designdocs.site.format.code_value`). Money parameters end in ``_usd``.
DECLARED_PARAMETERS: tuple[str, ...] = (
    *(
        f"business.BusinessParameters.{name}"
        for name in (
            "annual_churn_loss_usd",
            "history_years",
            "history_customers",
            "history_churn_rate",
            "acquisition_to_retention_cost",
            "acquisition_cost_usd",
            "retention_success_rate",
        )
    ),
    "split.DEFAULT_TEST_MONTHS",
    "split.DEFAULT_TEST_SIZE",
    "split.DEFAULT_CV_FOLDS",
    "targets.OPERATING_POINT.capacity",
    "contract.LABEL_HORIZON_MONTHS",
    "evaluation.N_BOOTSTRAP",
    "evaluation.bootstrap_ci.level",
    "contract.MAX_NULL_FRACTION",
)


@dataclass(frozen=True)
class Allowed:
    """A typed number that may stay: ``text`` (exact, containing it) in ``path``, and why."""

    path: str
    text: str
    reason: str


#: Typed numbers that are not ours to generate: each with its reason.
ALLOWLIST: tuple[Allowed, ...] = (
    Allowed(
        "adr/0001-record-architecture-decisions.md",
        "73% of failed ML projects",
        "a claim QUOTED from the design module, cited in order to reject it; not a measurement",
    ),
)


@dataclass(frozen=True)
class Finding:
    """One hand-typed, undeclared metric-looking number."""

    path: str
    line: int
    number: str
    context: str

    def __str__(self) -> str:
        return (
            f'{self.path}:{self.line}: typed number {self.number!r} in "{self.context}": '
            "print it with {{ metric(...) }} / {{ target(...) }} / {{ parameter(...) }}, "
            "or allowlist it with a reason in src/designdocs/checks/typed_numbers.py"
        )


# --------------------------------------------------------------------------- blanking

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
_FENCE = re.compile(r"^[ \t]*(```+|~~~+)[^\n]*\n.*?^[ \t]*\1[ \t]*$", re.MULTILINE | re.DOTALL)
_BLANKED = (
    re.compile(r"\{\{.*?\}\}", re.DOTALL),
    re.compile(r"\{%.*?%\}", re.DOTALL),
    re.compile(r"\{#.*?#\}", re.DOTALL),
    re.compile(r"<!--.*?-->", re.DOTALL),
    re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL),  # inline code
    re.compile(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)"),  # link targets
    re.compile(r"\]\[[^\]]*\]"),  # reference links
    re.compile(r"^\s*\[[^\]]+\]:\s*\S+.*$", re.MULTILINE),  # link definitions
    re.compile(r"https?://\S+"),
    re.compile(r"</?[A-Za-z][^>\n]*>"),  # HTML tags (their text stays)
)


def _blank(text: str, pattern: re.Pattern[str]) -> str:
    """Replace each match by spaces, keeping newlines (so line numbers stay right)."""
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m[0]), text)


def prose(text: str) -> str:
    """``text`` with everything that is not hand-written prose blanked out."""
    for pattern in (_FRONT_MATTER, _FENCE, *_BLANKED):
        text = _blank(text, pattern)
    return text


# --------------------------------------------------------------------------- values

_FAMILY_OF_UNIT = {
    "": "plain",
    "%": "plain",
    "AUC": "plain",
    "requests": "plain",
    "$": "usd",
    "€": "eur",
    "USD": "usd",
    "EUR": "eur",
    "USD/year": "usd",
    "ms": "seconds",
    "s": "seconds",
    "sec": "seconds",
    "second": "seconds",
    "seconds": "seconds",
    "min": "seconds",
    "minute": "seconds",
    "minutes": "seconds",
    "mins": "seconds",
    "secs": "seconds",
    "GiB": "mib",
    "MiB": "mib",
    "GB": "mb",
    "MB": "mb",
    "req/s": "req/s",
    "requests/s": "req/s",
    "requests per second": "req/s",
    "rows/s": "rows/s",
    "x": "x",
    "×": "x",
}
_SCALE = {
    "%": 0.01,
    "ms": 0.001,
    "min": 60.0,
    "minute": 60.0,
    "minutes": 60.0,
    "mins": 60.0,
    "GiB": 1024.0,
    "GB": 1000.0,
}


def normalise(value: float, unit: str) -> tuple[str, float]:
    """``(unit family, value in the family's base unit)``: ``85 %`` -> ``("plain", 0.85)``."""
    unit = unit.strip()
    family = _FAMILY_OF_UNIT.get(unit, unit)
    return family, value * _SCALE.get(unit, 1.0)


def declared_values(
    declared_targets: Iterable[targets.Target] = targets.TARGETS,
    parameters: Sequence[str] = DECLARED_PARAMETERS,
) -> set[tuple[str, float]]:
    """Every declared ``(family, value)``: targets and parameters, as currently in code."""
    out = {normalise(t.value, t.unit) for t in declared_targets}
    for path in parameters:
        value, _ = code_value(path)
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        out.add(("usd", float(value)) if path.endswith("_usd") else ("plain", float(value)))
    return out


def _is_declared(family: str, value: float, declared: set[tuple[str, float]]) -> bool:
    return any(
        f == family and math.isclose(v, value, rel_tol=1e-9, abs_tol=1e-12) for f, v in declared
    )


# --------------------------------------------------------------------------- scanning


def scan_text(
    text: str,
    path: str,
    declared: set[tuple[str, float]],
    allowlist: Sequence[Allowed] = ALLOWLIST,
    used: set[Allowed] | None = None,
) -> list[Finding]:
    """Hand-typed, undeclared, not allowlisted metric-looking numbers of one Markdown text."""
    clean = prose(text)
    raw_lines = text.splitlines()
    is_adr = path.startswith("adr/")
    findings = []
    offset = 0  # of the current line in ``clean``
    for lineno, line in enumerate(clean.splitlines(keepends=True), start=1):
        line_at, offset = offset, offset + len(line)
        line = line.rstrip("\n")
        for m in _NUMBER.finditer(line):
            num, unit = m["num"], (m["unit"] or "").strip()
            cur = (m["cur"] or "").strip()
            value = float(num.replace(",", ""))
            before = line[max(0, m.start() - WINDOW) : m.start()]
            after = line[m.end() : m.end() + WINDOW]
            if (
                not (cur or unit)
                and (
                    re.fullmatch(r"(1[89]|20)\d\d", num)  # a year
                    or re.match(r"\s*=\s", line[m.end() :])  # a code being defined: "1 = left"
                    or re.search(
                        r"(?:ADR|section|§|Art\.|Directive|week|month|step)\s*-?$",
                        before,
                        re.IGNORECASE,
                    )
                )
            ):
                continue
            keyword = KEYWORDS.search(before) or KEYWORDS.search(after)
            count = is_adr and not (cur or unit) and ADR_COUNT.match(clean, line_at + m.end())
            if not (cur or unit or keyword or count):
                continue
            mag = (m["mag"] or "").strip().upper()
            value *= {"K": 1e3, "M": 1e6}.get(mag, 1.0)
            family, base = normalise(value, cur or unit)
            if _is_declared(family, base, declared):
                continue
            raw = raw_lines[lineno - 1] if lineno - 1 < len(raw_lines) else line
            entry = _allowed(path, raw, m.start(), m.end(), allowlist)
            if entry is not None:
                if used is not None:
                    used.add(entry)
                continue
            findings.append(Finding(path, lineno, m[0].strip(), raw.strip()[:160]))
    return findings


def _allowed(
    path: str, raw_line: str, start: int, end: int, allowlist: Sequence[Allowed]
) -> Allowed | None:
    for entry in allowlist:
        if entry.path != path:
            continue
        for hit in re.finditer(re.escape(entry.text), raw_line):
            if hit.start() <= start and end <= hit.end():
                return entry
    return None


def markdown_sources(root: Path = ROOT) -> list[tuple[str, str]]:
    """``(repository-relative path, Markdown text)`` of everything the scanner reads.

    docs/**/*.md, adr/*.md, README.md and the markdown cells of notebooks/*.ipynb (one text per
    notebook, cells separated by blank lines).
    """
    out = []
    files = [*sorted((root / "docs").rglob("*.md")), *sorted((root / "adr").glob("*.md"))]
    if (root / "README.md").is_file():
        files.append(root / "README.md")
    for f in files:
        out.append((f.relative_to(root).as_posix(), f.read_text(encoding="utf-8")))
    for nb in sorted((root / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8")).get("cells", [])
        md = [
            "".join(c.get("source", []))
            if isinstance(c.get("source"), list)
            else str(c.get("source", ""))
            for c in cells
            if c.get("cell_type") == "markdown"
        ]
        out.append((nb.relative_to(root).as_posix(), "\n\n".join(md)))
    return out


def scan(
    sources: Iterable[tuple[str, str]],
    declared: set[tuple[str, float]] | None = None,
    allowlist: Sequence[Allowed] = ALLOWLIST,
    used: set[Allowed] | None = None,
) -> list[Finding]:
    """Findings over many ``(path, text)`` sources."""
    declared = declared_values() if declared is None else declared
    return [f for path, text in sources for f in scan_text(text, path, declared, allowlist, used)]
