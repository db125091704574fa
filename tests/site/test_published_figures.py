"""Published figures are the current reports' figures, targets are the declared ones.

Complements ``test_build.py::test_every_published_measurement_carries_provenance`` (every
metric span has a provenance title): here each ``metric("...")`` call of docs/ and adr/ must show,
on the built page, the value formatted from the CURRENT report, with a hover title naming that
report's current sha256, so a site built from stale reports fails. Each check is also fed a
doctored copy to prove it can fail.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from bankchurn import targets
from bankchurn.api import metrics as api_metrics
from designdocs import reports as site_data
from designdocs.checks.drift import (
    CheckError,
    metric_calls,
    page_of,
    sources,
    stale_figures,
    undeclared_targets,
)
from designdocs.pages import canvas as canvas_page
from designdocs.pages import monitoring
from designdocs.site.build import Build
from designdocs.site.format import code_value, format_value


def _pages_with_calls() -> list[tuple[Path, list[tuple[str, str | None]]]]:
    out = []
    for src in sources():
        calls = metric_calls(src.read_text(encoding="utf-8"))
        if calls:
            out.append((src, calls))
    return out


def test_every_metric_call_shows_the_current_report_value(built_site: Build) -> None:
    reports = site_data.Reports()
    pages = _pages_with_calls()
    assert len(pages) >= 5
    assert sum(len(c) for _, c in pages) >= 40
    problems = []
    for src, calls in pages:
        page = built_site.site / page_of(src)
        assert page.is_file(), f"{src.name}: {page} was not built"
        problems += stale_figures(page.read_text(encoding="utf-8"), calls, reports, src.name)
    assert problems == [], "\n".join(problems) + "\nRebuild the site from the current reports."


def test_the_figure_check_fails_on_a_page_built_from_other_reports(built_site: Build) -> None:
    reports = site_data.Reports()
    src = next(s for s in sources() if s.name == "index.md" and s.parent.name == "docs")
    calls = metric_calls(src.read_text(encoding="utf-8"))
    page = (built_site.site / page_of(src)).read_text(encoding="utf-8")
    assert stale_figures(page, calls, reports) == []
    value, _ = reports.lookup("target.roc_auc")
    shown = format_value(value)
    span = re.compile(r'(<span [^>]*data-metric="target\.roc_auc"[^>]*>)' + re.escape(shown) + "<")
    assert span.search(page)
    # the value of an older run
    stale = span.sub(lambda m: m[1] + "0.912<", page)
    assert any(
        "'target.roc_auc'" in p and "0.912" in p for p in stale_figures(stale, calls, reports)
    )
    # same value, but the provenance names another version of the report file
    sha = reports.get("target").sha256[:12]
    other = page.replace(f"sha256 {sha})", "sha256 0123456789ab)")
    assert any("hover provenance" in p for p in stale_figures(other, calls, reports))
    # a figure the page no longer shows
    gone = re.sub(r'data-metric="target\.roc_auc"', 'data-metric="x"', page)
    assert any("not on the built page" in p for p in stale_figures(gone, calls, reports))


def test_metric_calls_are_parsed_and_computed_arguments_refused() -> None:
    md = (
        'A {{ metric("target.roc_auc") }} B {{ metric( "data.churn_rate" , ".1%" ) }} '
        "`metric()` in code is prose, {{ metric('x.y', '{:.1f}×') }}"
    )
    assert metric_calls(md) == [
        ("target.roc_auc", None),
        ("data.churn_rate", ".1%"),
        ("x.y", "{:.1f}×"),
    ]
    with pytest.raises(CheckError):
        metric_calls('{{ metric("target." ~ name) }}')


def test_page_of_follows_the_site_urls() -> None:
    root = sources()[0].parents[1]
    assert page_of(root / "docs" / "index.md") == Path("index.html")
    assert page_of(root / "docs" / "ML_CANVAS.md") == Path("ml-canvas/index.html")
    assert page_of(root / "docs" / "benchmarks.md") == Path("benchmarks/index.html")
    assert page_of(root / "adr" / "0007-temporal-validation-split.md") == Path(
        "decisions/0007-temporal-validation-split/index.html"
    )


# --------------------------------------------------------------------------- declared targets


def test_published_targets_come_from_bankchurn_targets(built_site: Build) -> None:
    """Every ``target()`` span of the site prints the declaration of its id."""
    spans = 0
    for page in built_site.site.rglob("*.html"):
        for tid, text in re.findall(
            r'<span class="target" data-target="([^"]+)"[^>]*>([^<]*)</span>',
            page.read_text(encoding="utf-8"),
        ):
            spans += 1
            t = targets.get(tid)
            number = re.search(r"[\d,.]+", text)
            assert number, f"{page}: target {tid} printed without a number: {text!r}"
            assert {">": "&gt;", ">=": "≥", "<": "&lt;", "<=": "≤", "==": "="}[
                t.comparison
            ] in text, f"{page}: {tid} shows {text!r}"
    assert spans >= 8


def test_canvas_report_must_agree_with_the_declared_targets(tmp_path: Path) -> None:
    canvas = json.loads((site_data.reports_dir() / "canvas_status.json").read_text())
    (tmp_path / "target").mkdir()
    for rel in ("target/metrics.json", "canvas_status.json", "benchmarks.json"):
        if (site_data.reports_dir() / rel).is_file():
            (tmp_path / rel).write_bytes((site_data.reports_dir() / rel).read_bytes())
    assert canvas_page.canvas_metrics(site_data.Reports(tmp_path))
    canvas["model"]["roc_auc"]["target"] = 0.8  # written before the target changed
    (tmp_path / "canvas_status.json").write_text(json.dumps(canvas))
    with pytest.raises(site_data.SiteDataError, match="make reports"):
        canvas_page.canvas_metrics(site_data.Reports(tmp_path))


def test_canvas_report_declares_every_canvas_target() -> None:
    metrics = canvas_page.canvas_metrics(site_data.Reports())
    assert {m.id for m in metrics} == {
        t.id for t in targets.TARGETS if t.tier in ("business", "model", "system")
    }


def test_benchmark_targets_are_declared_ones() -> None:
    reports = site_data.Reports()
    if not reports.exists("bench"):
        pytest.skip("reports/benchmarks.json not written yet (make bench)")
    bench = reports.get("bench").data
    rows = [*bench.get("targets", []), *bench.get("api_targets", [])]
    assert rows, "benchmarks.json has no target rows"
    assert undeclared_targets(rows) == []


def test_benchmarks_page_shows_no_python_reprs() -> None:
    """The soak's request mix printed as a Python dict (``{'200': 143}``); it reads as words."""
    from designdocs.pages import benchmarks

    reports = site_data.Reports()
    if not reports.exists("bench"):
        pytest.skip("reports/benchmarks.json not written yet (make bench)")
    page = benchmarks.benchmark_tables(reports)
    reprs = re.findall(r"\{\s*(?:'|&#x27;|&#39;)[^}]*\}", page)  # quotes may come escaped
    assert reprs == []


def test_the_benchmark_target_check_fails_on_an_undeclared_target() -> None:
    declared = targets.get("engineering.train_s").value
    good = {"id": "engineering.train_s", "name": "t", "unit": "s", "op": "<", "target": declared}
    assert undeclared_targets([good]) == []
    assert undeclared_targets([{k: v for k, v in good.items() if k != "id"}]) == []
    assert undeclared_targets([{**good, "target": 45.0}])  # a target typed in the script
    assert undeclared_targets([{**good, "op": "<="}])
    assert undeclared_targets([{k: v for k, v in good.items() if k != "id"} | {"target": 31}])


# --------------------------------------------------------------------------- monitoring


def test_architecture_names_every_prometheus_metric(built_site: Build) -> None:
    page = (built_site.site / "architecture" / "index.html").read_text(encoding="utf-8")
    section = page[page.index('id="monitoring"') :]
    for name in api_metrics.METRIC_NAMES:
        assert f"<code>{name}</code>" in section, f"{name} missing from the Monitoring section"


def test_prometheus_table_fails_on_a_name_the_api_does_not_export() -> None:
    table = monitoring.prometheus_table(api_metrics)
    assert table.count("| `bankchurn_") == len(api_metrics.METRIC_NAMES)
    assert "| `bankchurn_predictions_total` | counter | `risk_band` |" in table
    doctored = SimpleNamespace(
        ApiMetrics=api_metrics.ApiMetrics,
        METRIC_NAMES=(*api_metrics.METRIC_NAMES, "bankchurn_renamed_requests_total"),
    )
    with pytest.raises(site_data.SiteDataError, match="bankchurn_renamed_requests_total"):
        monitoring.prometheus_table(doctored)


# --------------------------------------------------------------------------- parameters


def test_parameter_paths_resolve_to_code_and_typos_fail() -> None:
    from bankchurn import business, split, targets

    assert code_value("split.DEFAULT_TEST_MONTHS")[0] == split.DEFAULT_TEST_MONTHS
    assert (
        code_value("business.BusinessParameters.retention_success_rate")[0]
        == business.BusinessParameters().retention_success_rate
    )
    assert code_value("targets.OPERATING_POINT.capacity")[0] == targets.OPERATING_POINT.capacity
    assert code_value("evaluation.bootstrap_ci.level")[0] == 0.95
    for bad in ("split.DEFAULT_TEST_MONTH", "nosuchmodule.X", "business.BusinessParameters"):
        with pytest.raises(site_data.SiteDataError):
            code_value(bad)
