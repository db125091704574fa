"""The Benchmarks page: every target with its verdict first, then the measurements."""

from __future__ import annotations

import html
from typing import Any

from bankchurn.benchmarks import API_PHASE_FIGURES, Benchmarks, field_titles
from bankchurn.targets import BY_ID
from designdocs.pages.cells import _fmt_cell, _scalar, badge, records_table
from designdocs.reports import Reports, SiteDataError
from designdocs.site.format import metric_html

# Sections of reports/benchmarks.json, in the order a reader wants them: verdicts first.
_BENCH_TARGETS = (
    ("targets", "Model and pipeline"),
    ("api_targets", "API"),
    ("api_soak_targets", "API soak"),
    ("command_targets", "Repository commands"),
    ("image_targets", "Container image"),
    ("batch_targets", "Daily batch"),
)
#: Short names of the load-test phases for the table; `LOOPS` and `_PHASE_NOTES` explain them.
_API_PHASES = {
    "single": "closed loop, one client",
    "max": "closed loop, clients back to back",
    "batch": "`POST /predict/batch`",
}
#: What each kind of phase measures, listed under the table (too long for a cell).
_PHASE_NOTES = (
    "`single`: one request at a time, so service latency without queueing.",
    "`max`: each client sends its next request when the last one answered, so the rate is what "
    "server AND load generator reach together on the shared cores.",
    "`at_N rps`: open loop at N req/s offered; latency is counted from the scheduled send.",
    "`batch`: one request carries a batch of customers.",
)
#: How the two kinds of load-test phase differ, for the reader of the API table.
LOOPS = (
    "**Closed loop** phases measure how fast the server answers when clients wait for each "
    "answer before sending the next request: on this machine the load generator shares the two "
    "cores with the server, so the closed-loop rate is a floor of what the server alone could "
    "serve. **Open loop** phases (`at_N rps`) send requests on a fixed schedule whatever the "
    "answers, as independent customers would; a phase that keeps the offered rate with no "
    "error and a low P99 shows the server sustains that rate. A throughput target measured on "
    "the closed loop can therefore miss while the open loop at the same rate passes: both are "
    "shown, neither is hidden."
)
#: Header of the column that names each record of a mapping section (its keys are names).
_ROW_NAME = {"training": "model", "request_profile": "stage", "image_start_profile": "step"}


def _api_phases(api: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Split the flat ``api`` section into one record per load-test phase, and the rest."""

    # A phase is a group of keys with a request count; headline keys the canvas reads
    # (``latency_p99_ms``, ``throughput_rps``) are no phase.
    def measured_phase(phase: str) -> bool:
        return any(f"{phase}_{c}" in api for c in API_PHASE_FIGURES if c != "p99_ms")

    phases = [
        k.removesuffix("_p99_ms")
        for k in api
        if k.endswith("_p99_ms") and measured_phase(k.removesuffix("_p99_ms"))
    ]
    rows, used = [], set()
    for phase in phases:
        rated = phase.removeprefix("explain_")
        if rated.startswith("at_") and rated.endswith("rps"):
            what = f"open loop, {rated[3:-3]} req/s offered"
            what += ", with explanations" if rated != phase else ""
        else:
            what = _API_PHASES.get(phase, phase.replace("_", " "))
        row: dict[str, Any] = {"phase": f"`{phase}`", "what": what}
        for col in API_PHASE_FIGURES:
            if f"{phase}_{col}" in api:
                row[col] = api[f"{phase}_{col}"]
                used.add(f"{phase}_{col}")
        rows.append(row)
    rest = {k: v for k, v in api.items() if k not in used}
    return rows, rest


def _items_table(items: dict[str, Any], titles: dict[str, str]) -> list[str]:
    out = ["| Item | Value |", "|---|---|"]
    out += [f"| {titles.get(k, k)} | {_fmt_cell(v)} |" for k, v in items.items()]
    return [*out, ""]


def _row_name(name: str) -> str:
    """A record's name as shown: an identifier from the code (``framework_rest``) as code."""
    return f"`{name}`" if name.isidentifier() else name


def _section_title(key: str) -> str:
    """The title a section of `Benchmarks` declares (the key itself when it declares none)."""
    field = Benchmarks.model_fields.get(key)
    return str(field.title) if field is not None and field.title else key


def run_dates(data: dict[str, Any]) -> str:
    """When each part of the report was measured (``measured_at``), or that it was not recorded."""
    dated = {
        _section_title(k): v["measured_at"]
        for k, v in data.items()
        if isinstance(v, dict) and isinstance(v.get("measured_at"), str)
    }
    parts = [f"{k}: {v}" for k, v in sorted(dated.items())]
    missing = [
        _section_title(k)
        for k, v in data.items()
        if isinstance(v, dict) and k not in ("provenance",) and "measured_at" not in v
    ]
    text = "**Run dates.** " + ("; ".join(parts) if parts else "none recorded")
    if missing:
        text += (
            f". Not recorded by the run that wrote {', '.join(sorted(missing))} "
            "(`make bench` records it from now on)"
        )
    return text + "."


def measured(reports: Reports, target_id: str) -> str:
    """The last measurement of a declared target (``make bench``), its unit and its verdict.

    A page that says how a target fares (an ADR: "`make test` is back inside its budget")
    prints this instead, so the sentence follows the measurement.

    Raises:
        SiteDataError: no benchmark report, or no section of it measured ``target_id``.
    """
    declared = BY_ID.get(target_id)
    if declared is None:
        raise SiteDataError(f"target {target_id!r} is not declared in bankchurn.targets")
    data = reports.get("bench").data if reports.exists("bench") else {}
    for key, _ in _BENCH_TARGETS:
        for i, row in enumerate(data.get(key) or []):
            if isinstance(row, dict) and row.get("id") == target_id:
                value = metric_html(reports, f"bench.{key}.{i}.measured", "{:g}")
                verdict = {True: "pass", False: "miss", None: "na"}[declared.met(row["measured"])]
                return f"{value} {html.escape(declared.unit)} {badge(verdict)}"
    raise SiteDataError(f"reports/benchmarks.json: no measurement of target {target_id!r}")


def benchmark_tables(reports: Reports) -> str:
    """The benchmark report as Markdown: every target with its verdict first, then the details.

    Known sections get a layout made for them (targets together, the API load test as one row
    per phase); any other section (declared in `bankchurn.benchmarks.Benchmarks`) is
    rendered generically, so a new measurement appears once its section is declared.
    """
    if not reports.exists("bench"):
        return (
            '!!! warning "No benchmark recorded yet"\n'
            "    `reports/benchmarks.json` does not exist: run `make bench` on the machine whose "
            "numbers you want to publish, then rebuild the site.\n"
        )
    report = reports.get("bench")
    data = report.data
    if not isinstance(data, dict):
        raise SiteDataError(f"{report.rel_path}: expected a JSON object")
    out: list[str] = [run_dates(data), ""]
    verdicts = [
        {
            "id": row.get("id"),
            "area": area,
            "what": row.get("name", row.get("id", "")),
            "target": row.get("target"),
            "measured": row.get("measured"),
            "unit": row.get("unit", ""),
            "declared_by": row.get("source") or "engineering goal",
        }
        for key, area in _BENCH_TARGETS
        for row in data.get(key) or []
        if isinstance(row, dict)
    ]
    if verdicts:
        intro = (
            "Each declared target next to the value measured by the last run (**bold**); "
            "a miss is shown as a miss."
        )
        titles = field_titles("targets") | {
            "area": "area",
            "what": "what",
            "declared_by": "declared by",
        }
        out += ["## Targets and measurements", "", intro, "", records_table(verdicts, titles)]
    section_titles = {k: _section_title(k) for k in data}
    facts = {k: v for k, v in data.items() if _scalar(v)}
    if facts:
        out += ["## Facts", "", *_items_table(dict(sorted(facts.items())), section_titles)]
    done = {key for key, _ in _BENCH_TARGETS} | {"provenance"} | set(facts)
    api = data.get("api")
    if isinstance(api, dict) and api:
        rows, rest = _api_phases(api)
        intro = (
            "The real server (`bankchurn serve`, one process) on `127.0.0.1`, driven by "
            "`scripts/loadtest.py` on the same machine: client and server share its cores. "
            "Single-customer `POST /predict` unless said otherwise; `capped` means the "
            "phase hit its wall-clock cap before sending every request. Where a P99 is high, "
            "the client's send lag (how late the load generator itself sent) and the server's "
            "own P99 (its access log: from the request reaching the app to the answer leaving "
            "it) tell where the time went."
        )
        out += ["## API load test", "", intro, "", LOOPS, ""]
        titles = field_titles("api")
        if rows:
            phase_titles = {k: title for k, (_, title) in API_PHASE_FIGURES.items()}
            out.append(records_table(rows, {"phase": "phase", "what": "what"} | phase_titles))
            out += [*(f"- {note}" for note in _PHASE_NOTES), ""]
        if rest:
            out += ["Run details:", "", *_items_table(rest, titles)]
        done.add("api")
    for key, value in data.items():
        if key in done or _scalar(value):
            continue
        title = _section_title(key)
        titles = field_titles(key)
        if isinstance(value, list) and value and all(isinstance(r, dict) for r in value):
            out += [f"## {title}", "", records_table(value, titles)]
        elif isinstance(value, dict) and value and all(isinstance(r, dict) for r in value.values()):
            if all(all(_scalar(x) for x in r.values()) for r in value.values()):
                out += [
                    f"## {title}",
                    "",
                    records_table(
                        [{"name": _row_name(k), **r} for k, r in value.items()],
                        {"name": _ROW_NAME.get(key, "name")} | titles,
                    ),
                ]
            else:
                out += [f"## {title}", "", "```json", _json(value), "```", ""]
        elif isinstance(value, dict) and all(
            _scalar(x) or isinstance(x, list) for x in value.values()
        ):
            out += [f"## {title}", "", *_items_table(value, titles)]
        else:
            out += [f"## {title}", "", "```json", _json(value), "```", ""]
    return "\n".join(out)


def _json(value: Any) -> str:
    import json

    return json.dumps(value, indent=2, sort_keys=True)
