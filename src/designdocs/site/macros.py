"""mkdocs-macros module: every measured number of the site comes through these macros.

Loaded by ``plugins: macros: modules: [designdocs.site.macros]`` in ``mkdocs.yml``. The macros read
the JSON reports written by ``bankchurn report --out reports`` (and ``make bench``) and the data
contract in code. A missing report or key raises, and the macros plugin runs with
``on_error_fail: true``, so a typo or a renamed key fails the build instead of printing a blank.

Macros (call them in any page, ADRs included):

* ``metric(path, fmt=None)``: formatted value wrapped in ``<span class="metric">`` whose hover
  title gives the provenance (report file + sha256, data source, seed or file hash, artifact,
  data date range, package version). ``path`` = report name (``data``, ``baseline``, ``target``,
  ``selection``, ``canvas``, ``bench``) + dotted keys / list indices, e.g. ``target.roc_auc``,
  ``target.roc_auc_ci.0``. ``fmt`` is a format spec (``".1%"``), a template (``"{:.1f} ms"``),
  or ``"$"``: money, as `designdocs.site.format.money` writes every amount.
* ``value(path)``: the raw value, for Jinja logic (``{% if value("...") > 0.85 %}``).
* ``canvas_table(tier=None, show_tier=True, show_best=False)``: target vs measured vs pass /
  miss table (``show_best``: the best value any model could reach at the operating point).
* ``operating_point()``, ``scenarios_table()``: where targets are judged; other operating
  points, outside the verdict.
* ``verdict()``: the home page's plain-language answers.
* ``status(metric_id)``: the pass / miss / not-measured badge of one canvas metric.
* ``target(target_id, fmt=None)``: a declared target of ``bankchurn.targets`` with its
  comparison, e.g. ``> 0.85`` (canvas ids are cross-checked against ``canvas_status.json``).
* ``parameter(path, fmt=None)``: a declared parameter of the package, e.g.
  ``split.DEFAULT_TEST_MONTHS`` or ``business.BusinessParameters.retention_success_rate``.
* ``prometheus_metrics()``: the API's Prometheus metrics, names from ``bankchurn.api.metrics``.
* ``monitoring_table(name)``: a table of ``reports/monitoring.json`` (``methods``, ``power``,
  ``months``, ``estimation``).
* ``canvas_counts()``: ``{"pass": n, "miss": n, "na": n, "out_of_reach": n}``.
* ``provenance_legend()``: table of every report the page set reads, with its provenance.
* ``data_contract_table()`` and ``contract(name, fmt=None)``: the data contract in code;
  ``contract_sentence(kind)``: a fact it decides, as a sentence (never typed by hand).
* ``group_table(column)``: churn by group from the data profile.
* ``benchmarks()``: the benchmark report as tables; ``measured(target_id)``: the last
  measurement of one declared target, with its unit and verdict.
* ``notebook_list()``: the notebooks published from ``notebooks/``.
* ``data_origin()``: synthetic extract (seed) or user file (sha256) behind the reports.
* ``null_summary()``: the largest missing-value share over the columns.
* ``kv_table(path, fmt=None)``: a mapping of a report as a table of measured values.
* ``parameters_table(path)``: ``{name: {value, description}}`` of a report as a table.
* ``badge(kind, text=None)`` / ``adr_badge(status)``: the CSS badges.
* ``crm_table()`` / ``crm(name)``: the CRM's PostgreSQL table (``bankchurn.crm_db``).
* ``pipeline_dag()`` / ``pipeline_stages()``: the DVC pipeline, from ``dvc dag`` and dvc.yaml.
* ``report_schema(name)``: the JSON Schema of a typed report file.
"""

from __future__ import annotations

import html
import importlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from bankchurn.settings import settings
from designdocs.adr.render import status_badge
from designdocs.pages import benchmarks as bench_page
from designdocs.pages import canvas as canvas_page
from designdocs.pages import cells, data_profile, monitoring, report_tables
from designdocs.pages import contract as contract_page
from designdocs.pages import pipeline as pipeline_page
from designdocs.pages import verdict as verdict_page
from designdocs.reports import REPORT_FILES, REPORT_MODELS, Reports, SiteDataError
from designdocs.site import format as site_format


def _contract() -> Any:
    """The current `bankchurn.contract` (re-imported so ``mkdocs serve`` sees edits)."""
    from bankchurn import contract

    return importlib.reload(contract)


def _targets() -> Any:
    """The current `bankchurn.targets` (re-imported so ``mkdocs serve`` sees edits)."""
    from bankchurn import targets

    return importlib.reload(targets)


def notebooks(nb_dir: Path | None = None) -> list[tuple[str, str]]:
    """``(file name, title)`` of every notebook in ``notebooks/``, sorted by name."""
    out = []
    for nb in sorted((nb_dir or settings().notebooks_dir).glob("*.ipynb")):
        title = nb.stem
        try:
            cells = json.loads(nb.read_text(encoding="utf-8")).get("cells", [])
        except json.JSONDecodeError:
            cells = []
        for cell in cells:
            if cell.get("cell_type") == "markdown":
                src = "".join(cell.get("source", []))
                h1 = next((ln[2:].strip() for ln in src.splitlines() if ln.startswith("# ")), None)
                if h1:
                    title = h1
                    break
        out.append((nb.name, title))
    return out


def define_env(env: Any) -> None:
    """Register the macros (called by mkdocs-macros on every build)."""
    reports = Reports()

    @env.macro
    def metric(path: str, fmt: str | None = None, unknown: str | None = None) -> str:
        """Measured value with its provenance on hover (``unknown``: words when it cannot be known)."""
        return site_format.metric_html(reports, path, fmt, unknown)

    @env.macro
    def value(path: str) -> Any:
        """Raw measured value (for conditions and arithmetic in templates)."""
        return reports.lookup(path)[0]

    @env.macro
    def canvas_table(
        tier: str | None = None, show_tier: bool = True, show_best: bool = False
    ) -> str:
        """ML Canvas success metrics: target vs measured and a pass / miss marker."""
        return canvas_page.canvas_table(reports, tier, show_tier=show_tier, show_best=show_best)

    @env.macro
    def operating_point() -> str:
        """One sentence: where the business and model targets are judged."""
        return canvas_page.operating_point_sentence(reports)

    @env.macro
    def scenarios_table() -> str:
        """Other operating points, labelled, outside the verdict."""
        return canvas_page.scenarios_table(reports)

    @env.macro
    def verdict() -> str:
        """The home page's plain-language answers, generated from the reports."""
        return verdict_page.verdict(reports)

    def _canvas(metric_id: str) -> canvas_page.CanvasMetric:
        for m in canvas_page.canvas_metrics(reports):
            if m.id == metric_id:
                return m
        ids = ", ".join(m.id for m in canvas_page.canvas_metrics(reports))
        raise SiteDataError(f"canvas metric {metric_id!r} not in canvas_status.json (has: {ids})")

    @env.macro
    def status(metric_id: str) -> str:
        """Badge (pass / miss / not measured) of one canvas metric."""
        return cells.badge(_canvas(metric_id).state)

    @env.macro
    def target(target_id: str, fmt: str | None = None) -> str:
        """Declared target (``bankchurn.targets``) with its comparison, e.g. ``> 0.85``.

        A canvas target is also read back from ``canvas_status.json``, so a report written
        before the target changed fails the build instead of disagreeing with the page.
        """
        t = _targets()
        if target_id not in t.BY_ID:
            raise SiteDataError(
                f"target {target_id!r} is not declared in bankchurn.targets "
                f"(declared: {', '.join(t.BY_ID)})"
            )
        declared = t.BY_ID[target_id]
        if declared.tier in canvas_page.TIERS:
            _canvas(target_id)  # raises when canvas_status.json disagrees with the declaration
        op = cells.SYMBOLS[declared.comparison]
        text = f"{op} {cells.format_target(declared.value, declared.unit, fmt)}"
        title = f"declared target {declared.id} ({declared.origin}), bankchurn.targets"
        return (
            f'<span class="target" data-target="{html.escape(declared.id)}" '
            f'title="{html.escape(title)}">{html.escape(text)}</span>'
        )

    @env.macro
    def target_value(target_id: str) -> Any:
        """Raw declared target value (for conditions in templates), e.g. ``0.004``."""
        t = _targets()
        if target_id not in t.BY_ID:
            raise SiteDataError(f"target {target_id!r} is not declared in bankchurn.targets")
        return t.BY_ID[target_id].value

    @env.macro
    def parameter(path: str, fmt: str | None = None) -> str:
        """A declared parameter of the package (e.g. ``split.DEFAULT_TEST_MONTHS``), formatted.

        ``path`` is dotted below ``bankchurn``; a pydantic model class is followed by a field
        name, whose default is shown (``business.BusinessParameters.retention_success_rate``).
        """
        val, where = site_format.code_value(path)
        text = site_format.format_value(val, fmt)
        return (
            f'<span class="parameter" data-parameter="{html.escape(path)}" '
            f'title="declared parameter {html.escape(where)}">{html.escape(text)}</span>'
        )

    @env.macro
    def prometheus_metrics() -> str:
        """The API's Prometheus metric names, verbatim from ``bankchurn.api.metrics``."""
        from bankchurn.api import metrics as api_metrics

        return monitoring.prometheus_table(importlib.reload(api_metrics))

    @env.macro
    def monitoring_table(name: str) -> str:
        """One table of the drift report (see `designdocs.pages.monitoring`)."""
        tables = {
            "methods": monitoring.methods_table,
            "power": monitoring.power_table,
            "months": monitoring.months_table,
            "estimation": monitoring.estimation_table,
        }
        if name not in tables:
            raise SiteDataError(f"monitoring_table({name!r}): one of {', '.join(tables)}")
        return tables[name](reports)

    @env.macro
    def canvas_counts() -> dict[str, int]:
        """How many canvas metrics pass, miss, or are not measured."""
        return canvas_page.canvas_summary(reports)

    @env.macro
    def provenance_legend() -> str:
        """Where each published number comes from."""
        lines = [
            '!!! info "Provenance of the numbers on this site"',
            (
                "    Every measured value is read at build time from a report the pipeline "
                "writes; none is typed by hand. Hover a value (dotted underline) to see its "
                "source. The reports read by this build:"
            ),
            "",
            "    | Report | What it says about its origin |",
            "    |---|---|",
        ]
        for name, rel in REPORT_FILES.items():
            if not reports.exists(name):
                lines.append(f"    | `reports/{rel}` | not generated yet |")
                continue
            report = reports.get(name)
            prov = site_format.provenance_text(report, reports.provenance(name))
            # the file is the row's label: its origin starts at its hash
            prov = prov.removeprefix(f"provenance: file {report.rel_path} ").replace("|", "&#124;")
            lines.append(f"    | `{report.rel_path}` | {html.escape(prov)} |")
        return "\n".join(lines) + "\n"

    @env.macro
    def data_contract_table() -> str:
        """The data contract (bankchurn.contract.COLUMNS) as a table."""
        c = _contract()
        return contract_page.contract_table(c.COLUMNS, c.MAX_NULL_FRACTION)

    @env.macro
    def crm_table() -> str:
        """The CRM snapshot table (bankchurn.crm_db): column map and the DDL that creates it."""
        return pipeline_page.crm_table()

    @env.macro
    def crm(name: str) -> str:
        """A constant of bankchurn.crm_db (e.g. ``QUALIFIED_TABLE``) as inline code."""
        return pipeline_page.crm_constant(name)

    @env.macro
    def pipeline_dag() -> str:
        """The training pipeline's graph as DVC draws it (``dvc dag --mermaid``), never by hand."""
        return pipeline_page.dag_mermaid(settings().root)

    @env.macro
    def pipeline_stages() -> str:
        """Each stage of dvc.yaml: its command, what it reads, its parameters and what it writes."""
        return pipeline_page.stages_table(settings().root)

    @env.macro
    def contract(name: str, fmt: str | None = None) -> str:
        """A constant of `bankchurn.contract` (e.g. ``MAX_NULL_FRACTION``), formatted."""
        c = _contract()
        if not hasattr(c, name):
            raise SiteDataError(f"bankchurn.contract has no {name!r}")
        val = getattr(c, name)
        if isinstance(val, tuple | list):
            return ", ".join(f"`{v}`" for v in val)
        return site_format.format_value(val, fmt)

    @env.macro
    def contract_sentence(kind: str) -> str:
        """A fact the contract decides (features, protected, dropped, pseudonymised, ...)."""
        return contract_page.role_sentence(_contract(), kind)

    @env.macro
    def group_table(column: str) -> str:
        """Churn rate by the values of one column (data profile)."""
        return data_profile.group_table(reports, column)

    @env.macro
    def benchmarks() -> str:
        """The benchmark report (speed / memory, targets vs measured, machine facts)."""
        return bench_page.benchmark_tables(reports)

    @env.macro
    def measured(target_id: str) -> str:
        """Last measurement of a declared target, with its unit and verdict (Benchmarks page)."""
        return bench_page.measured(reports, target_id)

    @env.macro
    def notebook_list() -> str:
        """Links to the notebooks published from ``notebooks/`` (relative to ``notebooks/``)."""
        items = notebooks()
        if not items:
            return (
                "_No notebook is published yet: they appear here as soon as "
                "`notebooks/*.ipynb` exist._\n"
            )
        return "\n".join(f"1. [{title}]({name})" for name, title in items) + "\n"

    @env.macro
    def data_origin() -> str:
        """One sentence on where the data behind the reports comes from (synthetic or a file)."""
        return data_profile.data_origin(reports)

    @env.macro
    def null_summary() -> str:
        """Largest share of missing values over the columns (with the column), from the profile."""
        return data_profile.null_summary(reports)

    @env.macro
    def kv_table(path: str, fmt: str | None = None) -> str:
        """A mapping of a report (e.g. business parameters) as a two-column table."""
        return report_tables.kv_table(reports, path, fmt)

    @env.macro
    def parameters_table(path: str) -> str:
        """Named parameters (value + description) of a report, e.g. the business assumptions."""
        return report_tables.parameters_table(reports, path)

    @env.macro
    def badge(kind: str, text: str | None = None) -> str:
        """Coloured badge (``pass``, ``miss``, ``na`` or any CSS modifier)."""
        return cells.badge(kind, text)

    @env.macro
    def report_schema(name: str) -> str:
        """The JSON Schema of a report file's model, as a block.

        ``name`` is one of `REPORT_MODELS`, ``record`` (a training record) or ``evaluation``
        (the file of ``bankchurn evaluate --out``).
        """
        from bankchurn.report_schemas.metrics import Evaluation
        from bankchurn.report_schemas.selection import TrainingRecord

        models: dict[str, type[BaseModel]] = {
            **REPORT_MODELS,
            "record": TrainingRecord,
            "evaluation": Evaluation,
        }
        if name not in models:
            raise SiteDataError(f"report {name!r} has no model (typed: {', '.join(models)})")
        schema = json.dumps(models[name].model_json_schema(), indent=2, sort_keys=True)
        # Folded: unfolded, the page's schemas were tens of thousands of pixels of JSON between
        # two paragraphs a reader wants to compare.
        body = "\n".join(f"    {line}" if line else "" for line in schema.splitlines())
        lines = len(schema.splitlines())
        return (
            f'??? abstract "JSON Schema of {models[name].__name__} ({lines} lines)"\n\n'
            f"    ```json\n{body}\n    ```\n"
        )

    @env.macro
    def adr_badge(status_: str) -> str:
        """ADR status badge."""
        return status_badge(status_)
