"""Creating records: the next ADR from the template, and superseding one (linked both ways)."""

from __future__ import annotations

import datetime as dt
import json
import re
import string
import unicodedata
from importlib import resources
from pathlib import Path

import yaml
from pydantic import (
    ValidationError,
)

from bankchurn.atomic import atomic_write_text
from bankchurn.errors import UserError
from designdocs.adr.model import _NUMBERED_RE, AdrMeta, _iso_date
from designdocs.adr.parse import (
    _NoTimestampLoader,
    _Parsed,
    _split_front_matter,
    adr_files,
    read_adr,
)

_TEMPLATE = "adr.md"


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


def _template() -> str:
    return (
        resources.files("designdocs").joinpath("templates", _TEMPLATE).read_text(encoding="utf-8")
    )


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
    adr_dir: str | Path,
    title: str,
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
    atomic_write_text(path, _compose(meta, body))
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
    atomic_write_text(path, _compose(meta, body))
    try:
        atomic_write_text(old.path, _compose(old_meta, old_body))
    except BaseException:
        path.unlink(missing_ok=True)  # keep the pair consistent: all or nothing
        raise
    return path
