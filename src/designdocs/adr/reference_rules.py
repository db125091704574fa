"""ADR lint rules on what one record points to.

Its links (files and anchors that exist), its ``metric()`` keys (present in the report files),
and the checks named in its front matter (pytest node ids that name a test).
"""

from __future__ import annotations

import ast
import functools
import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from designdocs.adr.markdown import _MD, _anchors, _links
from designdocs.adr.model import (
    _METRIC_RE,
    _SCHEME_RE,
    LintError,
)
from designdocs.adr.parse import _Parsed
from designdocs.reports import REPORT_FILES


def check_links(parsed: _Parsed) -> list[LintError]:
    """Every relative link reaches a file that exists, and an anchor that exists in it."""
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


def check_metrics(parsed: _Parsed, reports_dir: Path | None) -> list[LintError]:
    """Every ``metric()`` key names a report file, and a key present in it when it is there."""
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


def link_targets(parsed: _Parsed) -> set[str]:
    """File names (in the ADR folder) the body links to."""
    out: set[str] = set()
    for _, href in _links(parsed.tokens or []):
        if not href or _SCHEME_RE.match(href) or href.startswith(("#", "/")):
            continue
        target = (parsed.path.parent / unquote(href.partition("#")[0])).resolve()
        if target.parent == parsed.path.parent.resolve():
            out.add(target.name)
    return out


@functools.lru_cache(maxsize=64)
def _module_body(source: str) -> list[ast.stmt]:
    """Top-level statements of a Python source (read only; ADRs name the same files often)."""
    return ast.parse(source).body


def check_exists(check: str, root: Path) -> str | None:
    """Why the pytest node id ``check`` names no test under ``root`` (``None`` when it does).

    ``path.py::test_name`` (or ``path.py::Class::test_name``; a ``[param]`` suffix is ignored)
    exists when the file exists and defines that function (or class method) by name.
    """
    path, _, rest = check.partition("::")
    file = root / path
    if not path.endswith(".py") or not file.is_file():
        return f"check {check!r}: no file {path}"
    if not rest:
        return None
    names = [n.split("[", 1)[0] for n in rest.split("::")]
    scope: list[ast.stmt] = _module_body(file.read_text(encoding="utf-8"))
    for name in names:
        found = [
            node
            for node in scope
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and node.name == name
        ]
        if not found:
            return f"check {check!r}: {path} defines no {name}"
        scope = found[0].body if isinstance(found[0], ast.ClassDef) else []
    return None


def check_decision_checks(parsed: _Parsed, root: Path) -> list[LintError]:
    """The summary line, and the checks the front matter names (or why it names none)."""
    meta = parsed.meta
    if meta is None:
        return []
    errors = []
    if meta.status != "proposed" and not meta.summary.strip():
        errors.append(parsed.error(1, "summary", "no one-line summary (front matter: summary)"))
    for check in meta.checks:
        problem = check_exists(check, root)
        if problem:
            errors.append(parsed.error(parsed.key_line("checks"), "checks", problem))
    if (
        meta.status == "accepted"
        and meta.built
        and not meta.checks
        and not meta.unchecked_because.strip()
    ):
        errors.append(
            parsed.error(
                1,
                "checks",
                "an accepted, built decision names no check that enforces it "
                "(front matter: checks) and does not say why (unchecked_because)",
            )
        )
    return errors
