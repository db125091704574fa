"""Site pages of the records: the page of one ADR (status line, banner) and the index."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bankchurn.errors import UserError
from designdocs.adr.model import ADR, STATUSES
from designdocs.adr.parse import adr_files, load_adrs, read_adr


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

    bits = [_status(adr), f"**Date** {adr.meta.date.isoformat()}"]
    bits.append("**Deciders** " + ", ".join(_md_escape(d) for d in adr.meta.deciders))
    if adr.meta.supersedes:
        bits.append("**Supersedes** " + links(adr.meta.supersedes))
    if adr.meta.superseded_by:
        bits.append("**Superseded by** " + links(adr.meta.superseded_by))
    return " · ".join(bits)


def _status(adr: ADR) -> str:
    """The status badge, with "not built yet" for an accepted decision still to be built."""
    badge = status_badge(adr.meta.status)
    if adr.meta.status == "accepted" and not adr.meta.built:
        badge += ' <span class="adr-status adr-status--unbuilt">not built yet</span>'
    return badge


def render_checks(adr: ADR) -> str:
    """The "Enforced by" block of an ADR page: the checks that would fail if it were broken."""
    if adr.meta.checks:
        items = "\n".join(f"    - `{c}`" for c in adr.meta.checks)
        return (
            '!!! success "Enforced by"\n'
            "    These automated checks fail when the code breaks this decision:\n\n"
            f"{items}\n\n"
        )
    if adr.meta.unchecked_because:
        return (
            f'!!! note "Not enforced by a check"\n    {_md_escape(adr.meta.unchecked_because)}\n\n'
        )
    return ""


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
    inserted = f"\n{render_status_line(adr)}\n\n{render_banner(adr)}{render_checks(adr)}"
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


def status_badge(status: str) -> str:
    """The badge of a lifecycle status (colours: ``docs/stylesheets/extra.css``).

    Args:
        status: One of `designdocs.adr.model.STATUSES`.

    Returns:
        An HTML ``span``.
    """
    return f'<span class="adr-status adr-status--{status}">{status}</span>'


def _lineage(supersedes: str, superseded_by: str) -> str:
    """One cell for both directions: "supersedes 0003; superseded by 0012", or a dash."""
    parts = [f"supersedes {supersedes}"] if supersedes != "—" else []
    parts += [f"superseded by {superseded_by}"] if superseded_by != "—" else []
    return "; ".join(parts) or "—"


def render_index(adr_dir: str | Path) -> str:
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
        "---",
        "hide:",
        "  - toc  # the table gets the whole width",
        "---",
        "",
        "# Architecture decision records",
        "",
        "Each significant technical decision of BankChurn is one record in the repository's",
        "`adr/` folder: its context, the decision, its consequences and the alternatives that were",
        "rejected, with the reason. Lifecycle: *proposed* → *accepted* → *deprecated* or",
        "*superseded* (a superseded record links to its successor and stays as history).",
        "This page is generated from the records; `designdocs adr lint` checks their format in the",
        'test suite, and `designdocs adr new "Title"` starts a new one.',
        "",
        '<div class="adr-filter" role="radiogroup" aria-label="Filter the decisions by status">',
        *radios,
        "</div>",
        "",
        "| ADR | Decision | In one line | Status | Checks | Date | Supersedes / superseded by |",
        "|---|---|---|---|---|---|---|",
    ]
    for a in adrs:
        checks = str(len(a.meta.checks)) if a.meta.checks else "none"
        lines.append(
            f"| [{a.number}]({a.path.name}) | [{_md_escape(a.meta.title)}]({a.path.name}) "
            f"| {_md_escape(a.meta.summary) or '—'} | {_status(a)} | {checks} "
            f"| {a.meta.date.isoformat()} "
            f"| {_lineage(refs(a.meta.supersedes), refs(a.meta.superseded_by))} |"
        )
    return "\n".join(lines) + "\n"
