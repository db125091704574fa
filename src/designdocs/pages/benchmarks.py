"""The Benchmarks page: every target with its verdict first, then the measurements."""

from __future__ import annotations

from typing import Any

from designdocs.pages.cells import _fmt_cell, _scalar, records_table
from designdocs.reports import Reports, SiteDataError

# Sections of reports/benchmarks.json, in the order a reader wants them: verdicts first.
_BENCH_TARGETS = (
    ("targets", "Model and pipeline"),
    ("api_targets", "API"),
    ("command_targets", "Repository commands"),
    ("image_targets", "Container image"),
    ("batch_targets", "Daily batch"),
)
_API_PHASES = {
    "single": "one request at a time (service latency, no queueing)",
    "max": "closed loop, clients back to back (sustained throughput)",
    "batch": "`POST /predict/batch` (one request = a batch of customers)",
}
_API_COLUMNS = (
    "concurrency",
    "requests",
    "req_per_s",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "max_ms",
    "errors",
    "capped",
)


def _api_phases(api: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Split the flat ``api`` section into one record per load-test phase, and the rest."""
    phases = [k.removesuffix("_p99_ms") for k in api if k.endswith("_p99_ms")]
    rows, used = [], set()
    for phase in phases:
        if phase.startswith("at_") and phase.endswith("rps"):
            what = f"open loop at {phase[3:-3]} req/s offered (latency from the scheduled send)"
        else:
            what = _API_PHASES.get(phase, phase.replace("_", " "))
        row: dict[str, Any] = {"phase": f"`{phase}`", "what": what}
        for col in _API_COLUMNS:
            if f"{phase}_{col}" in api:
                row[col] = api[f"{phase}_{col}"]
                used.add(f"{phase}_{col}")
        rows.append(row)
    rest = {k: v for k, v in api.items() if k not in used}
    return rows, rest


def _items_table(items: dict[str, Any]) -> list[str]:
    out = ["| Item | Value |", "|---|---|"]
    out += [f"| {k.replace('_', ' ')} | {_fmt_cell(v)} |" for k, v in items.items()]
    return [*out, ""]


def benchmark_tables(reports: Reports) -> str:
    """The benchmark report as Markdown: every target with its verdict first, then the details.

    Known sections get a layout made for them (targets together, the API load test as one row
    per phase); any other section is rendered generically, so a new measurement still appears.
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
    out: list[str] = []
    verdicts = [
        {
            "area": area,
            "what": row.get("name", row.get("id", "")),
            "op": row.get("op"),
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
        out += ["## Targets and measurements", "", intro, "", records_table(verdicts)]
    facts = {k: v for k, v in data.items() if _scalar(v)}
    if facts:
        out += ["## Facts", "", *_items_table(dict(sorted(facts.items())))]
    done = {key for key, _ in _BENCH_TARGETS} | {"provenance"} | set(facts)
    api = data.get("api")
    if isinstance(api, dict) and api:
        rows, rest = _api_phases(api)
        intro = (
            "The real server (`bankchurn serve`, one process) on `127.0.0.1`, driven by "
            "`scripts/loadtest.py` on the same machine: client and server share its cores. "
            "Single-customer `POST /predict` unless said otherwise; `capped` means the "
            "phase hit its wall-clock cap before sending every request."
        )
        out += ["## API load test", "", intro, ""]
        if rows:
            out.append(records_table(rows))
        if rest:
            out += ["Run details:", "", *_items_table(rest)]
        done.add("api")
    for key, value in data.items():
        if key in done or _scalar(value):
            continue
        title = _heading(key)
        if isinstance(value, list) and value and all(isinstance(r, dict) for r in value):
            out += [f"## {title}", "", records_table(value)]
        elif isinstance(value, dict) and value and all(isinstance(r, dict) for r in value.values()):
            if all(all(_scalar(x) for x in r.values()) for r in value.values()):
                out += [
                    f"## {title}",
                    "",
                    records_table([{"name": k, **r} for k, r in value.items()]),
                ]
            else:
                out += [f"## {title}", "", "```json", _json(value), "```", ""]
        elif isinstance(value, dict) and all(
            _scalar(x) or isinstance(x, list) for x in value.values()
        ):
            out += [f"## {title}", "", *_items_table(value)]
        else:
            out += [f"## {title}", "", "```json", _json(value), "```", ""]
    return "\n".join(out)


_ACRONYMS = {"api": "API", "cpu": "CPU", "p50": "P50", "p95": "P95", "p99": "P99", "auc": "AUC"}


def _heading(key: str) -> str:
    words = key.replace("_", " ").split()
    words = [_ACRONYMS.get(w.lower(), w) for w in words]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _json(value: Any) -> str:
    import json

    return json.dumps(value, indent=2, sort_keys=True)
