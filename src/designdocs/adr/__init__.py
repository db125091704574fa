"""Architecture Decision Records (ADRs): the format, and the small tool that keeps it honest.

One decision per file, ``adr/NNNN-kebab-title.md``, with YAML front matter (schema:
`designdocs.adr.model.AdrMeta`) and a fixed body::

    # ADR-NNNN: Title
    ## Context
    ## Decision
    ## Consequences      (### Positive, ### Negative, ### Neutral)
    ## Alternatives considered   (table: Alternative | Pros | Cons | Why rejected)
    ## References

The conventions follow adr-tools (four-digit sequence numbers, kebab-case file names, ``new`` and
``supersede`` verbs) with MADR-style YAML front matter; ADR 0011 records why this is our own
small module rather than an existing plugin.

Modules, one job each: `designdocs.adr.model` (format and schema), `designdocs.adr.parse` (the
one reader), `designdocs.adr.lint` (runs every rule: `designdocs.adr.record_rules` on one record's
structure, `designdocs.adr.reference_rules` on what it points to, `designdocs.adr.set_rules` across
the records), `designdocs.adr.author` (new and supersede),
`designdocs.adr.render` (site pages). Markdown is parsed with markdown-it-py (CommonMark +
tables), so headings inside code fences or pipes inside inline code never confuse the checks.
"""

from designdocs.adr.author import new_adr, slugify, supersede_adr
from designdocs.adr.lint import lint
from designdocs.adr.model import (
    ADR,
    ALTERNATIVES_HEADER,
    PLACEHOLDER,
    REQUIRED_SECTIONS,
    RULES,
    SITE_FOLDER,
    STATUSES,
    AdrMeta,
    LintError,
)
from designdocs.adr.parse import adr_files, load_adrs, read_adr
from designdocs.adr.render import render_banner, render_index, render_page, render_status_line

__all__ = [
    "ADR",
    "ALTERNATIVES_HEADER",
    "PLACEHOLDER",
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
