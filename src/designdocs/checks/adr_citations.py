"""Every ADR a file cites exists: ``ADR 0016``, ``ADR-0016``, ``ADRs 0006 and 0014``, links.

ADR numbers move when parallel branches renumber their records on merge, and a citation of the
old number then points at another decision or at none. This check reads every tracked text file
(notebooks: their cells and text outputs) and names each citation whose record is missing:

* a number after ``ADR``/``ADRs`` (and the numbers listed after it) must have an
  ``adr/NNNN-*.md`` file;
* a link to a record (``decisions/NNNN-slug`` on the site, ``adr/NNNN-slug.md`` in the
  repository) must name an existing file exactly, slug included.

Whether a citation names the RIGHT decision is for the reader; the check makes sure it names one.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

#: Four-digit numbers after ``ADR``/``ADRs``, including lists (``ADRs 0006, 0014 and 0021``).
_CITATION = re.compile(r"\bADRs?[- ](\d{4})\b((?:\s*(?:,|/|&|\band\b|\bor\b)\s*\d{4}\b)*)")
_LISTED = re.compile(r"\d{4}")
#: A link to a record: ``decisions/NNNN-slug`` (site) or ``adr/NNNN-slug.md`` (repo).
_LINK = re.compile(r"(?<![\w.-])(?:decisions|adr)/(\d{4}-[a-z0-9]+(?:-[a-z0-9]+)*)")
#: Files that are not prose or code (data, locks, generated pages, vendored scripts).
_SKIPPED_SUFFIXES = frozenset({".json", ".lock", ".png", ".svg", ".ico", ".woff2", ".csv"})
_SKIPPED_FOLDERS = ("site/", "docs/js/", "node_modules/")


def tracked_text_files(root: Path) -> list[str]:
    """Paths (relative to ``root``) of the files git tracks, minus data and vendored folders."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True
    ).stdout.decode()
    return [
        p
        for p in listed.split("\0")
        if p
        and Path(p).suffix not in _SKIPPED_SUFFIXES
        and not p.startswith(_SKIPPED_FOLDERS)
        and (root / p).is_file()
    ]


def _lines(path: str, text: str) -> Iterator[tuple[str, str]]:
    """``(where, line)`` of a file: ``line N``; a notebook's cells and text outputs: ``cell N``."""
    if not path.endswith(".ipynb"):
        for lineno, line in enumerate(text.splitlines(), start=1):
            yield f"line {lineno}", line
        return
    for number, cell in enumerate(json.loads(text).get("cells", []), start=1):
        texts = [cell.get("source", [])]
        for output in cell.get("outputs", []):
            texts.append(output.get("text", []))
            texts += [v for k, v in output.get("data", {}).items() if k.startswith("text/")]
        for value in texts:
            for line in "".join(value).splitlines():
                yield f"cell {number}", line


def cited(line: str) -> Iterator[tuple[str, str]]:
    """The records a line cites, as ``(number, what was written)``.

    Args:
        line: One line of text.

    Yields:
        ``("0016", "ADR 0016")`` for a number, ``("0016", "decisions/<number>-<slug>")`` for a link.
    """
    for match in _CITATION.finditer(line):
        for number in [match.group(1), *_LISTED.findall(match.group(2))]:
            yield number, match.group(0)
    for match in _LINK.finditer(line):
        yield match.group(1)[:4], match.group(0)


def citation_problems(
    root: Path,
    adr_dir: Path,
    files: Iterable[str],
    deliberate: Mapping[str, frozenset[str]] | None = None,
) -> list[str]:
    """One line per citation of a record that does not exist.

    Args:
        root: Repository root the paths are relative to.
        adr_dir: Folder of the records (``NNNN-slug.md``).
        files: Paths to read, relative to ``root``.
        deliberate: Numbers a file cites on purpose although they do not exist (a test that
            plants a missing record), by path.

    Returns:
        ``path line N: ...`` lines; empty when every citation names an existing record.
    """
    stems = {p.stem for p in adr_dir.glob("[0-9][0-9][0-9][0-9]-*.md")}
    numbers = {s[:4] for s in stems}
    allowed = deliberate or {}
    problems = []
    for path in sorted(files):
        text = (root / path).read_text(encoding="utf-8", errors="replace")
        for where, line in _lines(path, text):
            for number, written in cited(line):
                if number in allowed.get(path, frozenset()):
                    continue
                if number not in numbers:
                    problems.append(
                        f"{path} {where}: cites {written!r} but {adr_dir.name}/ has no "
                        f"{number}-*.md (cite the number of the record you mean)"
                    )
                elif "/" in written and written.split("/", 1)[1] not in stems:
                    problems.append(
                        f"{path} {where}: links {written!r} but the record {number} is "
                        f"{adr_dir.name}/{next(s for s in sorted(stems) if s[:4] == number)}.md"
                    )
    return problems
