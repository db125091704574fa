"""Macros and renderers: missing data fails loudly, misses stay visible, the contract follows code."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from bankchurn import contract, targets
from bankchurn.benchmarks import API_PHASES
from bankchurn.settings import settings
from designdocs import reports as site_data
from designdocs.pages import benchmarks
from designdocs.pages import canvas as canvas_page
from designdocs.pages import contract as contract_page
from designdocs.site.build import run_mkdocs_build
from designdocs.site.format import metric_html

COMMITTED = settings().root / "reports"


def _reports(tmp_path: Path) -> site_data.Reports:
    """The committed target metrics and data profile (their written shape), a few values set."""
    (tmp_path / "target").mkdir(parents=True, exist_ok=True)
    target = json.loads((COMMITTED / "target" / "metrics.json").read_text(encoding="utf-8"))
    target.update(roc_auc=0.8712345, roc_auc_ci=[0.85, 0.89])
    target["provenance"].update(seed=7, package_version="0.1.0")
    (tmp_path / "target" / "metrics.json").write_text(json.dumps(target))
    shutil.copy(COMMITTED / "data_profile.json", tmp_path / "data_profile.json")
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


def _item(target_id: str, measured: float | None, source: str, status: str) -> dict:
    """One canvas item as bankchurn.reporting writes it, for a declared target."""
    declared = targets.get(target_id)
    return {
        "name": declared.name,
        "description": declared.description,
        "target": declared.value,
        "comparison": declared.comparison,
        "unit": declared.unit,
        "measured": measured,
        "source": source,
        "status": status,
        "best_reachable": None,
        "out_of_reach": None,
    }


def _canvas(tmp_path: Path) -> dict:
    """A canvas report of the written shape: one miss, one pass, one not measured."""
    target = json.loads((tmp_path / "target" / "metrics.json").read_text())
    target["business"]["at_capacity"].update(net_usd_per_year=350.0, cost_usd_per_year=1.0)
    (tmp_path / "target" / "metrics.json").write_text(json.dumps(target))
    return {
        "model_evaluated": "target",
        "baseline_roc_auc": 0.8,
        "operating_point": {"capacity": 0.1, "label": "top 10% contacted", "origin": "canvas"},
        "business": {
            "retained_usd_per_year": _item(
                "business.retained_usd_per_year", 350.0, "target.business.at_capacity", "miss"
            )
        },
        "model": {"roc_auc": _item("model.roc_auc", 0.8712345, "target.roc_auc", "pass")},
        "system": {"uptime": _item("system.uptime", None, "none", "not measured here")},
        "verdict": {"pass": 1, "miss": 1, "out_of_reach": 0, "not_measured": 1},
        "scenarios": {},
    }


def _write(tmp_path: Path, canvas: dict) -> site_data.Reports:
    (tmp_path / "canvas_status.json").write_text(json.dumps(canvas))
    return site_data.Reports(tmp_path)


def test_canvas_status_as_written_by_bankchurn_reporting(tmp_path: Path) -> None:
    """The shape of `bankchurn.report_schemas.canvas.CanvasStatus` (tier -> key -> item)."""
    _reports(tmp_path)
    reports = _write(tmp_path, _canvas(tmp_path))
    rows = [r for r in canvas_page.canvas_table(reports).splitlines()[2:]]
    assert "badge--miss" in rows[0]
    assert 'data-metric="canvas.business.retained_usd_per_year"' in rows[0]
    assert "badge--pass" in rows[1]
    assert "&gt; 0.85" in rows[1]
    assert ">0.871<" in rows[1]
    assert "badge--na" in rows[2]
    assert "not measured" in rows[2]
    assert canvas_page.canvas_summary(reports) == {"pass": 1, "miss": 1, "na": 1, "out_of_reach": 0}


@pytest.mark.parametrize(
    ("tier", "key", "change", "message"),
    [
        ("model", "roc_auc", {"status": "miss"}, "marked 'miss'"),  # contradicts the verdict
        ("model", "roc_auc", {"measured": 0.9}, "is not the value of target.roc_auc"),
        ("model", "roc_auc", {"comparison": "~"}, "comparison"),  # not a comparison
        ("model", "roc_auc", {"target": 0.8}, "differs from its declaration"),  # stale report
        ("model", "roc_auc", {"op": ">"}, "Extra inputs are not permitted"),  # another shape
        ("business", "retained_usd_per_year", {"measured": 360.0}, "at_capacity"),  # drifted
    ],
)
def test_inconsistent_canvas_status_fails(
    tmp_path: Path, tier: str, key: str, change: dict, message: str
) -> None:
    _reports(tmp_path)
    canvas = _canvas(tmp_path)
    canvas[tier][key].update(change)
    with pytest.raises(site_data.SiteDataError, match=message):
        canvas_page.canvas_table(_write(tmp_path, canvas))


def test_benchmarks_page_puts_verdicts_first_and_one_row_per_api_phase(tmp_path: Path) -> None:
    committed = json.loads((COMMITTED / "benchmarks.json").read_text(encoding="utf-8"))
    bench = {
        "targets": [
            {
                "id": "engineering.single_row_p99_ms",  # declared "<": twice the target misses
                "name": "Single-row p99",
                "op": "<",
                "target": targets.get("engineering.single_row_p99_ms").value,
                "measured": 2 * targets.get("engineering.single_row_p99_ms").value,
                "unit": "ms",
            }
        ],
        "api_targets": [
            {
                "id": "system.throughput_rps",  # declared ">": three times the target passes
                "name": "Throughput",
                "op": ">",
                "target": targets.get("system.throughput_rps").value,
                "measured": 3 * targets.get("system.throughput_rps").value,
                "unit": "req/s",
                "source": "ML Canvas",
            }
        ],
        # The committed sections (their written shape), a few values set.
        "api": {**committed["api"], "at_100rps_p99_ms": 102.7, "client": "http.client"},
        "tracking": committed["tracking"],  # a section without a layout of its own
    }
    (tmp_path / "benchmarks.json").write_text(json.dumps(bench))
    page = benchmarks.benchmark_tables(site_data.Reports(tmp_path))
    verdicts = page.index("## Targets and measurements")
    assert verdicts < page.index("## API load test") < page.index("## Experiment tracking")
    table = page[verdicts : page.index("## API load test")]
    assert table.count("badge--miss") == 1
    assert table.count("badge--pass") == 1
    assert "ML Canvas" in table
    assert "engineering goal" in table
    phases = [ln for ln in page.splitlines() if ln.startswith("| `")]
    rows = {ln.split("|")[1].strip(): ln for ln in phases}
    assert sorted(rows) == sorted(f"`{phase}`" for phase in API_PHASES)
    assert "100 req/s offered" in rows["`at_100rps`"]
    assert "102.7" in rows["`at_100rps`"]
    assert "| load generator | http.client |" in page  # what is not a phase is still shown
    assert "| tracking CPU per run (s) |" in page  # titles declared on the report's schema


def test_measured_prints_the_last_measurement_and_its_verdict(tmp_path: Path) -> None:
    """What ADR 0012 prints instead of typing "`make test` is back inside its budget"."""
    row = {"id": "engineering.make_test_min", "name": "make test", "op": "<", "target": 5.0}
    row |= {"unit": "min"}

    def shown(minutes: float) -> str:
        bench = {"command_targets": [row | {"measured": minutes}]}
        (tmp_path / "benchmarks.json").write_text(json.dumps(bench))
        return benchmarks.measured(site_data.Reports(tmp_path), "engineering.make_test_min")

    assert 'data-metric="bench.command_targets.0.measured"' in shown(5.2)
    assert ">5.2</span> min" in shown(5.2)
    assert "badge--miss" in shown(5.2)
    assert "badge--pass" in shown(4.6)
    with pytest.raises(site_data.SiteDataError, match="no measurement"):
        benchmarks.measured(site_data.Reports(tmp_path), "engineering.site_build_s")
    with pytest.raises(site_data.SiteDataError, match="not declared"):
        benchmarks.measured(site_data.Reports(tmp_path), "engineering.nope")
