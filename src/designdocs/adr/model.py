"""The ADR format: lifecycle, required sections, front-matter schema and the lint rules."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    field_validator,
)

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
#: Every rule the lint can report, with what it checks (shown by ``designdocs adr lint --rules``).
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
    "summary": "a decision that is no longer proposed has a one-line summary (the index shows it)",
    "checks": (
        "every named check (tests/...py::test_name) exists; an accepted, built decision names "
        "at least one, or says in unchecked_because why none can exist"
    ),
}

_FILENAME_RE = re.compile(r"^(?P<number>\d{4})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
_NUMBERED_RE = re.compile(r"^(?P<number>\d{4})-.*\.md$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_METRIC_RE = re.compile(r"\{\{\s*metric\(\s*(?P<q>[\"'])(?P<key>[^\"']*)(?P=q)")
_NOT_A_REJECTION = {"", "-", "—", "–", "n/a", "na", "none", "chosen", "(chosen)", "selected"}


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
        summary: The decision in one line, for the index.
        built: Whether the decision is implemented in this repository (an accepted decision
            may still be waiting to be built; the page and the index say so).
        checks: Automated checks that enforce the decision, as pytest node ids relative to
            the repository (``tests/bankchurn/test_models.py::test_y``).
        unchecked_because: Why an accepted, built decision has no automated check.
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
    summary: StrictStr = Field(default="", max_length=200)
    built: bool = True
    checks: list[StrictStr] = Field(default_factory=list)
    unchecked_because: StrictStr = ""

    @field_validator("title", "summary")
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
        """Source path of the page in the site, e.g. ``decisions/0003-fully-offline-site.md``."""
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
