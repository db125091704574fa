"""No metric-looking number is typed by hand in docs/, adr/, README.md or notebook markdown.

The rules are in `designdocs.checks.typed_numbers` (module docstring). Every hand-typed number next to a metric
name must be a declared target or parameter (read from code, so it fails once the declaration
changes) or an allowlisted quotation with a reason; everything else comes through a macro.
"""

from __future__ import annotations

import dataclasses

import pytest

from bankchurn import targets
from designdocs.checks import typed_numbers as tn


def test_no_hand_typed_metric_numbers() -> None:
    used: set[tn.Allowed] = set()
    sources = tn.markdown_sources()
    assert {p.split("/")[0] for p, _ in sources} >= {"docs", "adr", "README.md"}
    findings = tn.scan(sources, used=used)
    assert findings == [], "\n".join(map(str, findings))
    unused = [a for a in tn.ALLOWLIST if a not in used]
    assert unused == [], f"allowlist entries that match nothing any more (remove them): {unused}"


def test_every_allowlist_entry_has_a_reason() -> None:
    for entry in tn.ALLOWLIST:
        assert len(entry.reason.split()) >= 6, entry
        assert (tn.ROOT / entry.path).is_file(), entry


def test_the_scanner_fails_on_a_doctored_page() -> None:
    """docs/index.md with a ROC-AUC typed into it: one finding, naming file, line and number."""
    page = tn.ROOT / "docs" / "index.md"
    text = page.read_text(encoding="utf-8")
    declared = tn.declared_values()
    assert tn.scan_text(text, "docs/index.md", declared) == []
    doctored = text + "\nThe target model reaches a ROC-AUC of 0.91 on the test months.\n"
    findings = tn.scan_text(doctored, "docs/index.md", declared)
    assert [(f.path, f.number) for f in findings] == [("docs/index.md", "0.91")]
    assert findings[0].line == len(doctored.splitlines())
    assert "metric(" in str(findings[0])


@pytest.mark.parametrize(
    "typed",
    [
        "a lift of 3.9x over random selection",
        "P99 latency of 23 ms under load",
        "the campaign retains $190K a year",
        "the campaign retains $190,353 a year",
        "churn rate of 20.4% in the extract",
        "precision in the top 10% is 81.6%",
        "peak memory 934 MiB",
        "sustained 240 req/s",
        "Brier score 0.118",
        "| Target model | 0.884 | AUC |",
        "* **ROC-AUC**: 0.77 for the baseline",
    ],
)
def test_typed_measurements_are_flagged(typed: str) -> None:
    assert tn.scan_text(typed + "\n", "x.md", tn.declared_values()), typed


@pytest.mark.parametrize(
    "ok",
    [
        'ROC-AUC {{ metric("target.roc_auc") }}',  # a macro
        "```python\nroc_auc = 0.91\n```",  # a code block
        "the `roc_auc = 0.91` line",  # inline code
        "ROC-AUC above 0.85, precision above 50% in the top 10%",  # declared targets / capacity
        "latency under 100 ms, more than 100 req/s",  # declared system targets
        "recall is measured since 2024 in ADR-0008",  # a year, an ADR number
        "churn peaks in the 50s",  # a decade
        "`Exited` (1 = left the bank, 0 = stayed); churn",  # label codes
        "[churn notebook](notebooks/01-data.ipynb#churn-by-10)",  # a link target
        "the last 6 months of snapshots",  # no metric word, no unit
    ],
)
def test_macros_code_and_declared_values_pass(ok: str) -> None:
    assert tn.scan_text(ok + "\n", "x.md", tn.declared_values()) == [], ok


def test_a_typed_target_fails_once_its_declaration_changes() -> None:
    """A typed copy of a target is only tolerated while it equals the declaration in code."""
    text = "The canvas asks for a ROC-AUC above 0.85.\n"
    assert tn.scan_text(text, "x.md", tn.declared_values()) == []
    moved = [
        dataclasses.replace(t, value=0.88) if t.id == "model.roc_auc" else t
        for t in targets.TARGETS
    ]
    declared = tn.declared_values(moved)
    assert [f.number for f in tn.scan_text(text, "x.md", declared)] == ["0.85"]


def test_allowlist_covers_only_its_exact_text() -> None:
    entry = tn.Allowed("x.md", "73% of failed ML projects", "a quoted claim, not our measurement")
    declared = tn.declared_values()
    assert tn.scan_text("says 73% of failed ML projects fail\n", "x.md", declared, [entry]) == []
    assert tn.scan_text("73% of failed ML projects\n", "y.md", declared, [entry])  # other file
    assert tn.scan_text("and 74% of failed ML projects\n", "x.md", declared, [entry])


def test_notebook_markdown_cells_are_scanned(tmp_path) -> None:
    import json

    (tmp_path / "docs").mkdir()
    (tmp_path / "adr").mkdir()
    (tmp_path / "notebooks").mkdir()
    nb = {
        "cells": [
            {"cell_type": "markdown", "source": ["# Title\n", "The ROC-AUC is 0.93.\n"]},
            {"cell_type": "code", "source": ["auc = 0.93  # code is not prose\n"]},
        ]
    }
    (tmp_path / "notebooks" / "03-x.ipynb").write_text(json.dumps(nb))
    findings = tn.scan(tn.markdown_sources(tmp_path))
    assert [(f.path, f.number) for f in findings] == [("notebooks/03-x.ipynb", "0.93")]


def test_a_count_typed_into_an_adr_body_is_caught() -> None:
    """ADR-0029 with its test-row count typed back in (as it was): one finding, in adr/ only."""
    path = "adr/0029-target-search-space-reaches-stumps-at-most-400-trees.md"
    text = (tn.ROOT / path).read_text(encoding="utf-8")
    declared = tn.declared_values()
    macro = '{{ metric("target.n") }} test rows'
    assert macro in text, "ADR-0029 no longer prints its test rows: plant elsewhere"
    doctored = text.replace(macro, "2,500 test\nrows")  # the noun may start the next line
    assert [f.number for f in tn.scan_text(doctored, path, declared)] == ["2,500"]
    assert tn.scan_text(doctored, "docs/x.md", declared) == []  # a count is an ADR rule


@pytest.mark.parametrize(
    "typed",
    [
        "API p99 under 5 ms at 500 requests/s offered",
        "with 2,500 test rows the gap is noise",
        "the file holds 12,345 customers",
        "from 20,000 rows a call is split",
    ],
)
def test_counts_of_data_and_load_in_an_adr_are_flagged(typed: str) -> None:
    assert tn.scan_text(typed + "\n", "adr/x.md", tn.declared_values()), typed


@pytest.mark.parametrize(
    "ok",
    [
        "exit code 2, one line",  # not a count of data
        "the history of 10,000 customers",  # a declared parameter
        "Issue 11 asks for it",  # an issue number
        "pytest 9.2 keeps node ids",  # a version
    ],
)
def test_other_numbers_in_an_adr_pass(ok: str) -> None:
    assert tn.scan_text(ok + "\n", "adr/x.md", tn.declared_values()) == [], ok
