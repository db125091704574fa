"""Reading records: the one ADR reader (front matter split, YAML, schema) with file lines."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from markdown_it.token import Token
from pydantic import (
    ValidationError,
)

from bankchurn.errors import UserError
from designdocs.adr.markdown import _MD
from designdocs.adr.model import _NUMBERED_RE, ADR, STATUSES, AdrMeta, LintError


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
