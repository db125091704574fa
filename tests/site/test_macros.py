"""Macros and renderers: missing data fails loudly, misses stay visible, the contract follows code."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from bankchurn import contract
from designdocs import reports as site_data
from designdocs.pages import benchmarks, c4
from designdocs.pages import canvas as canvas_page
from designdocs.pages import contract as contract_page
from designdocs.site.build import run_mkdocs_build
from designdocs.site.format import metric_html


def _reports(tmp_path: Path, canvas: list[dict] | None = None) -> site_data.Reports:
    (tmp_path / "target").mkdir(parents=True, exist_ok=True)
    prov = {"data_source": "synthetic", "seed": 7, "package_version": "0.1.0"}
    (tmp_path / "target" / "metrics.json").write_text(
        json.dumps({"roc_auc": 0.8712345, "roc_auc_ci": [0.85, 0.89], "provenance": prov})
    )
    (tmp_path / "data_profile.json").write_text(json.dumps({"n_rows": 10000, "provenance": prov}))
    if canvas is not None:
        (tmp_path / "canvas_status.json").write_text(json.dumps({"metrics": canvas}))
    return site_data.Reports(tmp_path)


def test_metric_is_formatted_with_provenance_on_hover(tmp_path: Path) -> None:
    html = metric_html(_reports(tmp_path), "target.roc_auc")
    assert ">0.871</span>" in html
    assert 'title="provenance: file ' in html
    assert "seed: 7" in html
    assert "package version: 0.1.0" in html
    assert ">0.850 – 0.890<" in metric_html(_reports(tmp_path), "target.roc_auc_ci")
    assert ">87.1%<" in metric_html(_reports(tmp_path), "target.roc_auc", ".1%")
    assert ">10,000<" in metric_html(_reports(tmp_path), "data.n_rows")


@pytest.mark.parametrize(
    "path", ["target.nope", "target.roc_auc_ci.5", "nosuchreport.x", "baseline.roc_auc", "target"]
)
def test_missing_or_unusable_metric_raises(tmp_path: Path, path: str) -> None:
    with pytest.raises(site_data.SiteDataError):
        metric_html(_reports(tmp_path), path)


def test_a_missing_key_fails_the_build(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "docs").mkdir(parents=True)
    (project / "mkdocs.yml").write_text(
        "site_name: t\nstrict: true\nplugins:\n  - macros:\n      modules: [designdocs.site.macros]\n"
        "      on_undefined: strict\n      on_error_fail: true\n"
    )
    page = project / "docs" / "index.md"
    reports = tmp_path / "reports"
    _reports(reports)
    import os

    os.environ[site_data.REPORTS_ENV] = str(reports)
    try:
        page.write_text('# ok\n\nAUC {{ metric("target.roc_auc") }}\n')
        good = run_mkdocs_build(project / "mkdocs.yml", tmp_path / "good")
        assert good.returncode == 0, good.log
        assert ">0.871</span>" in (tmp_path / "good" / "index.html").read_text()
        page.write_text('# broken\n\nAUC {{ metric("target.roc_acu") }}\n')
        bad = run_mkdocs_build(project / "mkdocs.yml", tmp_path / "bad")
    finally:
        del os.environ[site_data.REPORTS_ENV]
    assert bad.returncode != 0
    assert "roc_acu" in bad.log


CANVAS = [
    {
        "id": "model.roc_auc",
        "tier": "model",
        "name": "ROC-AUC",
        "target": 0.85,
        "op": ">",
        "measured": 0.8712345,
        "passed": True,
        "source": "target.roc_auc",
    },
    {
        "id": "system.rps",
        "tier": "system",
        "name": "Throughput",
        "target": 100,
        "op": ">",
        "measured": 80,
        "unit": "req/s",
        "passed": False,
    },
    {
        "id": "system.uptime",
        "tier": "system",
        "name": "Uptime",
        "target": 0.995,
        "op": ">",
        "measured": None,
        "passed": None,
    },
]


def test_canvas_table_shows_a_miss_as_a_miss(tmp_path: Path) -> None:
    table = canvas_page.canvas_table(_reports(tmp_path, CANVAS))
    rows = {
        r.split(" | ")[1]: r for r in table.splitlines() if r.startswith("| ") and "Tier" not in r
    }
    assert len(rows) == 3
    assert "badge--pass" in rows["ROC-AUC"]
    assert "&gt; 0.85" in rows["ROC-AUC"]
    assert ">0.871<" in rows["ROC-AUC"]
    assert "badge--miss" in rows["Throughput"]
    assert "80 req/s" in rows["Throughput"]
    assert "badge--na" in rows["Uptime"]
    assert "not measured" in rows["Uptime"]


@pytest.mark.parametrize(
    "change",
    [
        {"passed": False},  # flag contradicts target vs measured
        {"measured": 0.9},  # differs from its source report
        {"op": "~"},  # unknown comparison
        {"target": None},  # no declared target
    ],
)
def test_inconsistent_canvas_status_fails(tmp_path: Path, change: dict) -> None:
    canvas = [dict(CANVAS[0], **change), *CANVAS[1:]]
    with pytest.raises(site_data.SiteDataError):
        canvas_page.canvas_table(_reports(tmp_path, canvas))


def test_contract_table_follows_a_changed_range() -> None:
    cols = [
        dataclasses.replace(c, maximum=900) if c.name == "CreditScore" else c
        for c in contract.COLUMNS
    ]
    table = contract_page.contract_table(cols, contract.MAX_NULL_FRACTION)
    row = next(r for r in table.splitlines() if "`CreditScore`" in r)
    assert "300 to 900" in row
    assert "repaired" in row
    original = contract_page.contract_table(contract.COLUMNS, contract.MAX_NULL_FRACTION)
    assert "300 to 850" in original
    assert "300 to 900" not in original
    assert len(table.splitlines()) == len(contract.COLUMNS) + 2


def test_c4_relations_and_boundaries_get_palette_neutral_colours() -> None:
    md = (
        'text\n\n```mermaid\nC4Context\n  Boundary(b, "B") {\n  System(a, "A")\n  }\n'
        '  Rel(a, c, "x")\n  UpdateRelStyle(a, c, $offsetX="5")\n```\n\n'
        "```mermaid\nflowchart LR\n  A --> B\n```\n"
    )
    out = c4.c4_palette_neutral(md)
    diagram = out.split("```mermaid")[1]
    style = f'UpdateRelStyle(a, c, $textColor="{c4.C4_NEUTRAL}"'
    assert style in diagram
    assert diagram.index(style) < diagram.index('$offsetX="5"')
    assert f'UpdateElementStyle(b, $fontColor="{c4.C4_NEUTRAL}"' in diagram
    assert out.split("```mermaid")[2] == "\nflowchart LR\n  A --> B\n```\n"  # flowcharts untouched


def test_canvas_status_as_written_by_bankchurn_reporting(tmp_path: Path) -> None:
    """The nested shape of ``bankchurn.reporting.canvas_status`` (tier -> id -> item)."""
    reports = _reports(tmp_path)
    target = json.loads((tmp_path / "target" / "metrics.json").read_text())
    target["business"] = {"at_capacity": {"net_usd_per_year": 350000.0, "cost_usd_per_year": 1.0}}
    (tmp_path / "target" / "metrics.json").write_text(json.dumps(target))
    item = {"comparison": ">", "unit": ""}
    canvas = {
        "model_evaluated": "target",
        "business": {
            "retained_usd_per_year": {
                **item,
                "target": 400000.0,
                "measured": 350000.0,
                "unit": "USD/year",
                "status": "miss",
                "source": "target.business.at_capacity",
            }
        },
        "model": {
            "roc_auc": {
                **item,
                "target": 0.85,
                "measured": 0.8712345,
                "status": "pass",
                "source": "target.roc_auc",
            }
        },
        "system": {
            "uptime": {
                **item,
                "target": 0.995,
                "measured": None,
                "status": "not measured here",
                "source": "none",
            }
        },
    }
    (tmp_path / "canvas_status.json").write_text(json.dumps(canvas))
    reports = site_data.Reports(tmp_path)
    rows = [r for r in canvas_page.canvas_table(reports).splitlines()[2:]]
    assert "badge--miss" in rows[0]
    assert "$350,000/year" in rows[0]
    assert "$400,000/year" in rows[0]
    assert 'data-metric="canvas.business.retained_usd_per_year"' in rows[0]
    assert "badge--pass" in rows[1]
    assert "badge--na" in rows[2]
    assert canvas_page.canvas_summary(reports) == {"pass": 1, "miss": 1, "na": 1}
    canvas["business"]["retained_usd_per_year"]["measured"] = 360000.0  # drifted from source
    (tmp_path / "canvas_status.json").write_text(json.dumps(canvas))
    with pytest.raises(site_data.SiteDataError, match="at_capacity"):
        canvas_page.canvas_table(site_data.Reports(tmp_path))


def test_benchmarks_page_puts_verdicts_first_and_one_row_per_api_phase(tmp_path: Path) -> None:
    bench = {
        "targets": [
            {
                "id": "a",
                "name": "Single-row p99",
                "op": "<",
                "target": 5.0,
                "measured": 8.56,
                "unit": "ms",
            }
        ],
        "api_targets": [
            {
                "id": "b",
                "name": "Throughput",
                "op": ">",
                "target": 100.0,
                "measured": 301.6,
                "unit": "req/s",
                "source": "ML Canvas",
            }
        ],
        "api": {
            "single_p99_ms": 20.1,
            "single_req_per_s": 88.0,
            "at_100rps_p99_ms": 102.7,
            "at_100rps_capped": False,
            "client": "http.client",
        },
        "new_section": {"widgets_per_s": 12.5},
    }
    (tmp_path / "benchmarks.json").write_text(json.dumps(bench))
    page = benchmarks.benchmark_tables(site_data.Reports(tmp_path))
    verdicts = page.index("## Targets and measurements")
    assert verdicts < page.index("## API load test") < page.index("## New section")
    table = page[verdicts : page.index("## API load test")]
    assert table.count("badge--miss") == 1
    assert table.count("badge--pass") == 1
    assert "ML Canvas" in table
    assert "engineering goal" in table
    phases = [ln for ln in page.splitlines() if ln.startswith("| `")]
    assert [ln.split("|")[1].strip() for ln in phases] == ["`single`", "`at_100rps`"]
    assert "100 req/s offered" in phases[1]
    assert "102.7" in phases[1]
    assert "| client | http.client |" in page  # what is not a phase is still shown
    assert "widgets per s" in page
