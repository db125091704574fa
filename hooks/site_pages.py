"""Markdown/HTML fragments the site generates from code and reports.

Pure functions (no MkDocs objects) so tests can call them directly:

* :func:`contract_table` renders :data:`bankchurn.contract.COLUMNS` for the Data contract page;
* :func:`canvas_rows` / :func:`canvas_table` render ``reports/canvas_status.json`` (target vs
  measured with a pass / miss marker, the measured value re-read from its source report);
* :func:`read_adrs`, :func:`fallback_adr_index`, :func:`adr_header` serve the Decisions section;
* :func:`benchmark_tables` renders ``reports/benchmarks.json``.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from site_data import Reports, SiteDataError, format_value, metric_html, provenance_text

ADR_FILE = re.compile(r"^(\d{4})-[a-z0-9]+(?:-[a-z0-9]+)*\.md$")
ADR_STATUSES = ("proposed", "accepted", "deprecated", "superseded")

# --------------------------------------------------------------------------- badges


def badge(kind: str, text: str | None = None) -> str:
    """A small coloured label (styles in ``docs/stylesheets/extra.css``)."""
    labels = {"pass": "✔ pass", "miss": "✘ miss", "na": "– not measured"}
    text = text if text is not None else labels.get(kind, kind)
    return f'<span class="badge badge--{html.escape(kind)}">{html.escape(text)}</span>'


def adr_status_badge(status: str) -> str:
    """Status badge of an ADR (``proposed`` / ``accepted`` / ``deprecated`` / ``superseded``)."""
    s = str(status).strip().lower()
    return f'<span class="adr-status adr-status--{html.escape(s)}">{html.escape(s)}</span>'


# --------------------------------------------------------------------------- data contract


def _num(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,}"


def range_text(col: Any) -> str:
    """Allowed values of one :class:`bankchurn.contract.ColumnSpec` in words."""
    if col.allowed:
        return ", ".join(f"`{v}`" for v in col.allowed)
    lo, hi = col.minimum, col.maximum
    if lo is not None and hi is not None:
        return f"{_num(lo)} to {_num(hi)}"
    if lo is not None:
        return f"≥ {_num(lo)}"
    if hi is not None:
        return f"≤ {_num(hi)}"
    if col.kind == "date":
        return "month-end date `YYYY-MM-DD`"
    return "any text"


def missing_policy(col: Any, max_null_fraction: float) -> str:
    """What happens to a missing value in this column: repaired (imputed) or rejected."""
    if col.nullable:
        return (
            f"repaired: imputed inside the model pipeline (file rejected above "
            f"{max_null_fraction:.0%} missing)"
        )
    return "rejected"


def contract_table(columns: Sequence[Any], max_null_fraction: float) -> str:
    """Markdown table of the data contract, one row per column, in declaration order."""
    head = (
        "| Column | Role | Type | Range / allowed values | Missing value | Required | "
        "Unique | Description |\n|---|---|---|---|---|---|---|---|\n"
    )
    rows = []
    for c in columns:
        rows.append(
            f'| <span id="col-{c.name.lower()}">`{c.name}`</span> | {c.role} | {c.kind} | '
            f"{range_text(c)} | {missing_policy(c, max_null_fraction)} | "
            f"{'yes' if c.required else 'optional'} | {'yes' if c.unique else 'no'} | "
            f"{c.description.replace('|', '&#124;')} |"
        )
    return head + "\n".join(rows) + "\n"


# --------------------------------------------------------------------------- canvas status

_OPS = {">": "&gt;", ">=": "≥", "<": "&lt;", "<=": "≤", "==": "="}
_OP_ALIASES = {
    "gt": ">",
    "ge": ">=",
    "gte": ">=",
    "lt": "<",
    "le": "<=",
    "lte": "<=",
    "higher": ">",
    "higher_is_better": ">",
    "max": ">",
    "lower": "<",
    "lower_is_better": "<",
    "min": "<",
    "≥": ">=",
    "≤": "<=",
}
TIERS = ("business", "model", "system")


@dataclass
class CanvasMetric:
    """One success metric of the ML Canvas: declared target and measured value."""

    id: str
    tier: str
    name: str
    target: float | None
    op: str
    measured: float | None
    unit: str = ""
    passed: bool | None = None
    source: str | None = None
    fmt: str | None = None
    note: str = ""
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def state(self) -> str:
        """``pass``, ``miss`` or ``na`` (not measured)."""
        if self.passed is None:
            return "na"
        return "pass" if self.passed else "miss"


def _pick(d: dict[str, Any], *keys: str, default: Any = None) -> Any:
    for k in keys:
        if k in d:
            return d[k]
    return default


def _satisfies(measured: float, op: str, target: float) -> bool:
    return {
        ">": measured > target,
        ">=": measured >= target,
        "<": measured < target,
        "<=": measured <= target,
        "==": math.isclose(measured, target),
    }[op]


def canvas_metrics(reports: Reports) -> list[CanvasMetric]:
    """Read and cross-check ``canvas_status.json``.

    Accepts a list of entries under ``metrics`` (or a mapping id -> entry, or a top-level list).
    The marker is recomputed from target, comparison and measured value; a disagreement with the
    report's own pass flag, or a measured value that differs from its ``source`` report, fails.

    Raises:
        SiteDataError: missing fields, unknown comparison, or an inconsistency.
    """
    data = reports.get("canvas").data
    if isinstance(data, dict) and any(isinstance(data.get(t), dict) for t in TIERS):
        # {"business": {"lift_at_10": {...}}, "model": {...}, "system": {...}, ...}
        entries: Any = [
            {"id": f"{tier}.{key}", "tier": tier, **item}
            for tier in TIERS
            for key, item in (data.get(tier) or {}).items()
            if isinstance(item, dict)
        ]
    else:
        entries = data.get("metrics", data.get("targets")) if isinstance(data, dict) else data
    if isinstance(entries, dict):
        entries = [{"id": k, **v} for k, v in entries.items()]
    if not isinstance(entries, list) or not entries:
        raise SiteDataError("canvas_status.json: expected a non-empty list under 'metrics'")
    out = []
    for e in entries:
        mid = str(_pick(e, "id", "key", "name", default=""))
        tier = str(_pick(e, "tier", "level", "group", default=mid.split(".")[0])).lower()
        op = str(_pick(e, "op", "operator", "comparison", "direction", default=">")).strip()
        op = _OP_ALIASES.get(op.lower(), op)
        if op not in _OPS:
            raise SiteDataError(f"canvas_status.json: {mid}: unknown comparison {op!r}")
        target = _pick(e, "target", "threshold", "goal")
        measured = _pick(e, "measured", "value", "actual")
        status = _pick(e, "passed", "pass", "met", "ok", "status")
        if isinstance(status, str):  # "pass" / "miss" / "not measured here"
            status = {"pass": True, "passed": True, "miss": False, "fail": False}.get(
                status.strip().lower()
            )
        m = CanvasMetric(
            id=mid,
            tier=tier,
            name=str(_pick(e, "name", "label", "title", "metric", default=_canvas_name(mid))),
            target=target,
            op=op,
            measured=measured,
            unit=str(_pick(e, "unit", default="") or ""),
            source=_pick(e, "source", "metric_path", "path"),
            fmt=_pick(e, "fmt", "format"),
            note=str(_pick(e, "note", "comment", "how_measured", default="") or ""),
            raw=e,
        )
        if target is None:
            raise SiteDataError(f"canvas_status.json: {mid}: no target declared")
        _check_declared(mid, op, float(target), m.unit)
        if measured is not None:
            computed = _satisfies(float(measured), op, float(target))
            if status is not None and bool(status) != computed:
                raise SiteDataError(
                    f"canvas_status.json: {mid}: marked {'pass' if status else 'miss'} but "
                    f"measured {measured} {op} target {target} is {computed}"
                )
            m.passed = computed
            if m.source:
                m.source = _source_leaf(reports, mid, m.source, float(measured))
        elif status:
            raise SiteDataError(f"canvas_status.json: {mid}: marked pass but nothing measured")
        else:
            m.source = None
        out.append(m)
    return out


def _check_declared(mid: str, op: str, target: float, unit: str) -> None:
    """A canvas target must equal its declaration in :mod:`bankchurn.targets` (if it has one).

    Raises:
        SiteDataError: the report was written before the target changed (stale report).
    """
    from bankchurn import targets

    declared = targets.BY_ID.get(mid)
    if declared is None:
        return
    if (
        declared.comparison != op
        or not math.isclose(declared.value, target, rel_tol=1e-9)
        or declared.unit != unit
    ):
        raise SiteDataError(
            f"canvas_status.json: {mid}: target {op} {target} {unit!r} differs from its "
            f"declaration {declared.comparison} {declared.value} {declared.unit!r} in "
            "bankchurn.targets: the reports are stale, run `make reports` and commit them"
        )


#: Readable names of the canvas metrics ``bankchurn.reporting.canvas_status`` writes.
CANVAS_NAMES = {
    "business.retained_usd_per_year": "$ retained per year (campaign)",
    "business.lift_at_10": "Lift vs random selection, top 10%",
    "model.roc_auc": "ROC-AUC, test period",
    "model.precision_at_10": "Precision in the top 10%",
    "model.recall": "Recall at the operating threshold",
    "system.latency_p99_ms": "API latency, P99",
    "system.throughput_rps": "API throughput",
    "system.uptime": "Uptime",
    "system.coverage": "Test coverage",
}


def _canvas_name(mid: str) -> str:
    if mid in CANVAS_NAMES:
        return CANVAS_NAMES[mid]
    return mid.split(".")[-1].replace("_", " ").capitalize()


def _source_leaf(reports: Reports, mid: str, source: str, measured: float) -> str | None:
    """The metric path, at or below ``source``, holding the measured value.

    ``source`` may name the number itself (``target.roc_auc``) or the mapping that holds it
    (``target.business.at_capacity``). ``"none"`` means no other report holds it.

    Raises:
        SiteDataError: the source does not exist or holds no number equal to ``measured``.
    """
    if source.strip().lower() in ("", "none", "null"):
        return None
    value, report = reports.lookup(source)

    def close(v: Any) -> bool:
        return (
            isinstance(v, int | float)
            and not isinstance(v, bool)
            and math.isclose(float(v), measured, rel_tol=1e-6, abs_tol=1e-9)
        )

    if close(value):
        return source
    if isinstance(value, dict):
        hits = [k for k, v in value.items() if close(v)]
        if hits:
            return f"{source}.{min(hits)}"
    raise SiteDataError(
        f"canvas_status.json: {mid}: measured {measured} is not the value of {source} in "
        f"{report.rel_path} ({value!r:.120})"
    )


def format_with_unit(value: float, unit: str, fmt: str | None = None) -> str:
    """A target or measured value with its unit, e.g. ``$400,000``, ``3.9×``, ``100 ms``."""
    if fmt:
        return format_value(value, fmt)
    u = unit.strip()
    if u.upper().startswith("USD") or u.startswith("$"):
        return f"${value:,.0f}" + u.lstrip("$").removeprefix("USD").removeprefix("usd")
    if u in ("EUR", "€"):
        return f"€{value:,.0f}"
    if u in ("x", "×", "times"):
        return f"{value:.1f}×"
    if u in ("%", "percent", "share", "fraction", "ratio_pct"):
        return f"{value:.1%}"
    if u:
        return f"{_short(value)} {u}"
    return format_value(value)


def _short(value: float) -> str:
    """Compact number for values with a unit: ``0.0078``, ``7.5``, ``80``, ``120,000``."""
    v = float(value)
    if v.is_integer():
        return f"{v:,.0f}"
    if abs(v) < 1:  # keep small values' significant digits (a 0.0078 gap is not "0.01")
        return f"{v:.2g}" if abs(v) < 0.01 else f"{v:.4g}"
    return f"{v:,.2f}" if abs(v) < 10 else f"{v:,.1f}"


def format_target(value: float, unit: str, fmt: str | None = None) -> str:
    """A declared target: like :func:`format_with_unit` without trailing zeros (``0.85``)."""
    if fmt or unit.strip():
        return format_with_unit(value, unit, fmt)
    return f"{float(value):.4f}".rstrip("0").rstrip(".")


def _measured_cell(reports: Reports, m: CanvasMetric) -> str:
    if m.measured is None:
        return "not measured"
    text = format_with_unit(m.measured, m.unit, m.fmt)
    if m.source:
        _, report = reports.lookup(m.source)
        title = provenance_text(report, reports.provenance(report.name))
    else:
        report = reports.get("canvas")
        title = provenance_text(report, reports.provenance("canvas"))
    return (
        f'<span class="metric" data-metric="canvas.{html.escape(m.id)}" '
        f'title="{html.escape(title)}">{html.escape(text)}</span>'
    )


def canvas_table(reports: Reports, tier: str | None = None, *, show_tier: bool = True) -> str:
    """Markdown table: metric, target, measured (with provenance on hover), status."""
    metrics = [m for m in canvas_metrics(reports) if tier is None or m.tier == tier]
    if not metrics:
        raise SiteDataError(f"canvas_status.json: no metric in tier {tier!r}")
    order = {t: i for i, t in enumerate(TIERS)}
    known = list(CANVAS_NAMES)
    metrics.sort(
        key=lambda m: (
            order.get(m.tier, len(TIERS)),
            known.index(m.id) if m.id in known else len(known),
        )
    )
    cols = ["Tier"] if show_tier else []
    cols += ["Metric", "Target", "Measured", "Status"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for m in metrics:
        target = f"{_OPS[m.op]} {format_target(m.target, m.unit, m.fmt)}"
        cells = [m.tier] if show_tier else []
        name = m.name + (f" <small>({html.escape(m.note)})</small>" if m.note else "")
        cells += [name, target, _measured_cell(reports, m), badge(m.state)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def canvas_summary(reports: Reports) -> dict[str, int]:
    """Counts of ``pass`` / ``miss`` / ``na`` over all canvas metrics."""
    counts = {"pass": 0, "miss": 0, "na": 0}
    for m in canvas_metrics(reports):
        counts[m.state] += 1
    return counts


# --------------------------------------------------------------------------- ADRs


@dataclass
class Adr:
    """One ADR file: number, title, front matter."""

    number: int
    path: Path
    title: str
    meta: dict[str, Any]

    @property
    def status(self) -> str:
        return str(self.meta.get("status", "proposed")).strip().lower()

    @property
    def date(self) -> str:
        return str(self.meta.get("date", ""))


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """YAML front matter (``---`` fenced) and the body of a Markdown file."""
    if text.startswith("---"):
        parts = text.split("\n---", 1)
        if len(parts) == 2:
            meta = yaml.safe_load(parts[0][3:]) or {}
            body = parts[1].split("\n", 1)[1] if "\n" in parts[1] else ""
            return (meta if isinstance(meta, dict) else {}), body
    return {}, text


def read_adrs(adr_dir: Path) -> list[Adr]:
    """Every ``NNNN-kebab-title.md`` in ``adr_dir``, sorted by number."""
    adrs = []
    for path in sorted(adr_dir.glob("*.md")):
        match = ADR_FILE.match(path.name)
        if not match:
            continue
        meta, body = split_front_matter(path.read_text(encoding="utf-8"))
        h1 = next((ln[2:].strip() for ln in body.splitlines() if ln.startswith("# ")), None)
        title = str(meta.get("title") or h1 or path.stem)
        adrs.append(Adr(int(match[1]), path, title, meta))
    return adrs


def _refs(value: Any) -> list[int]:
    """ADR numbers in a ``supersedes`` / ``superseded_by`` field (int, str, list)."""
    items = value if isinstance(value, list | tuple) else [value] if value else []
    nums = []
    for item in items:
        found = re.search(r"\d+", str(item))
        if found:
            nums.append(int(found[0]))
    return nums


def _link(adrs: dict[int, Adr], number: int) -> str:
    adr = adrs.get(number)
    return f"[ADR-{number:04d}]({adr.path.name})" if adr else f"ADR-{number:04d}"


def fallback_adr_index(adrs: Iterable[Adr]) -> str:
    """Decisions index used until ``bankchurn.adr.render_index`` exists."""
    adrs = list(adrs)
    by_num = {a.number: a for a in adrs}
    lines = [
        "# Architecture decision records",
        "",
        "One Markdown file per decision in the repository's `adr/` folder.",
        "",
        '<div class="adr-index" markdown>',
        "",
        "| ADR | Title | Status | Date | Supersedes | Superseded by |",
        "|---|---|---|---|---|---|",
    ]
    for a in adrs:
        sup = ", ".join(_link(by_num, n) for n in _refs(a.meta.get("supersedes"))) or "–"
        sup_by = (
            ", ".join(
                _link(by_num, n)
                for n in _refs(a.meta.get("superseded_by", a.meta.get("superseded-by")))
            )
            or "–"
        )
        lines.append(
            f"| {a.number:04d} | [{a.title}]({a.path.name}) | {adr_status_badge(a.status)} | "
            f"{a.date} | {sup} | {sup_by} |"
        )
    if not adrs:
        lines.append("| – | no ADR yet | – | – | – | – |")
    lines += ["", "</div>", ""]
    return "\n".join(lines)


def adr_header(meta: dict[str, Any], adrs: Iterable[Adr], *, banners: bool = True) -> str:
    """Status line (badge, date, deciders) and, with ``banners``, a superseded / deprecated
    warning for one ADR page."""
    by_num = {a.number: a for a in adrs}
    status = str(meta.get("status", "proposed")).strip().lower()
    bits = [adr_status_badge(status)]
    if meta.get("date"):
        bits.append(f"date: {meta['date']}")
    deciders = meta.get("deciders")
    if deciders:
        bits.append(
            "deciders: "
            + (", ".join(map(str, deciders)) if isinstance(deciders, list) else str(deciders))
        )
    sup = _refs(meta.get("supersedes"))
    if sup:
        bits.append("supersedes " + ", ".join(_link(by_num, n) for n in sup))
    out = ['<p class="adr-meta" markdown>' + " · ".join(bits) + "</p>", ""]
    sup_by = _refs(meta.get("superseded_by", meta.get("superseded-by")))
    if not banners:
        return "\n".join(out)
    if status == "superseded" or sup_by:
        succ = ", ".join(_link(by_num, n) for n in sup_by) or "a later decision"
        out += [
            '!!! danger "Superseded"',
            f"    This decision is no longer in force: it was superseded by {succ}.",
            "",
        ]
    elif status == "deprecated":
        out += ['!!! warning "Deprecated"', "    This decision is deprecated.", ""]
    return "\n".join(out)


# --------------------------------------------------------------------------- benchmarks


def _scalar(v: Any) -> bool:
    return isinstance(v, str | int | float | bool) or v is None


def _fmt_cell(v: Any) -> str:
    if v is None:
        return "not measured"
    if isinstance(v, float | int) and not isinstance(v, bool):
        return _short(v)
    if isinstance(v, list | tuple) and all(_scalar(x) for x in v):
        return ", ".join(_fmt_cell(x) for x in v)
    if isinstance(v, dict):
        return "; ".join(f"{k}: {_fmt_cell(x)}" for k, x in sorted(v.items()))
    return html.escape(str(v)).replace("|", "&#124;")


def records_table(records: Sequence[dict[str, Any]]) -> str:
    """Markdown table of a list of flat records (columns in first-seen order).

    Records that carry ``target`` (+ ``op``) and ``measured`` get a pass / miss marker.
    """
    cols: list[str] = []
    for r in records:
        cols += [k for k in r if k not in cols and k not in ("op", "passed", "id")]
    has_target = "target" in cols and "measured" in cols
    header = cols + (["status"] if has_target else [])
    lines = [
        "| " + " | ".join(c.replace("_", " ") for c in header) + " |",
        "|" + "---|" * len(header),
    ]
    for r in records:
        cells = []
        for c in cols:
            v = r.get(c)
            if c == "target" and v is not None and r.get("op"):
                op = _OP_ALIASES.get(str(r["op"]).lower(), str(r["op"]))
                cells.append(f"{_OPS.get(op, html.escape(op))} {_fmt_cell(v)}")
            else:
                cells.append(
                    _fmt_cell(v) if c != "measured" or v is None else f"**{_fmt_cell(v)}**"
                )
        if has_target:
            t, m = r.get("target"), r.get("measured")
            op = _OP_ALIASES.get(str(r.get("op", "")).lower(), str(r.get("op", "")))
            if m is None or t is None or op not in _OPS:
                cells.append(badge("na"))
            else:
                cells.append(badge("pass" if _satisfies(float(m), op, float(t)) else "miss"))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# Sections of reports/benchmarks.json, in the order a reader wants them: verdicts first.
_BENCH_TARGETS = (
    ("targets", "Model and pipeline"),
    ("api_targets", "API"),
    ("command_targets", "Repository commands"),
    ("image_targets", "Container image"),
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


def group_table(reports: Reports, column: str) -> str:
    """Churn by the values of one column, from ``data_profile.json``."""
    groups, report = reports.lookup(f"data.churn_by_group.{column}")
    if not isinstance(groups, dict) or not groups:
        raise SiteDataError(f"data.churn_by_group.{column} is empty in {report.rel_path}")
    lines = [f"| {column} | Customers | Share | Churn rate |", "|---|---|---|---|"]
    for value in groups:
        p = f"data.churn_by_group.{column}.{value}"
        lines.append(
            f"| {value} | {metric_html(reports, p + '.n')} | {metric_html(reports, p + '.share', '.1%')} "
            f"| {metric_html(reports, p + '.churn_rate', '.1%')} |"
        )
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- data origin

_SYNTHETIC_WORDS = ("synthetic", "generated", "embedded")


def data_origin(reports: Reports) -> str:
    """Sentence naming the data behind the data profile: synthetic (seed) or a user's file.

    Raises:
        SiteDataError: the profile's provenance names neither a seed nor a file hash.
    """
    report = reports.get("data")
    prov = reports.provenance("data")
    title = html.escape(provenance_text(report, prov))
    source = str(_pick(prov, "data_source", "source", "kind", default="")).lower()
    seed = _pick(prov, "seed", "synthetic_seed")
    digest = _pick(prov, "data_sha256", "file_sha256", "sha256", "data_hash")
    if seed is not None and (not source or any(w in source for w in _SYNTHETIC_WORDS)):
        return (
            f'<span class="provenance" title="{title}">the embedded <strong>synthetic</strong> CRM '
            f"extract generated by <code>bankchurn.synthetic</code> with seed "
            f"{html.escape(str(seed))}</span>"
        )
    if digest:
        name = _pick(prov, "data_path", "path", "file", "data_file", default="a user-supplied file")
        return (
            f'<span class="provenance" title="{title}">{html.escape(str(name))} '
            f"(sha256 {html.escape(str(digest)[:12])}…), supplied by the user</span>"
        )
    raise SiteDataError(
        f"{report.rel_path}: provenance names neither a seed nor a file hash: {sorted(prov)}"
    )


def null_summary(reports: Reports) -> str:
    """Largest missing-value share (and its column) from ``data.null_fraction``."""
    value, report = reports.lookup("data.null_fraction")
    by_col = report.data.get("null_fraction_by_column") if isinstance(report.data, dict) else None
    if isinstance(value, int | float) and isinstance(by_col, dict) and by_col:
        col = max(by_col, key=lambda k: (by_col[k] or 0, k))
        return (
            f"{metric_html(reports, 'data.null_fraction', '.2%')} of the values of the nullable "
            f"columns (largest: {metric_html(reports, f'data.null_fraction_by_column.{col}', '.2%')} "
            f"in <code>{html.escape(col)}</code>)"
        )
    if isinstance(value, dict):
        if not value:
            raise SiteDataError(f"{report.rel_path}: null_fraction is empty")
        col = max(value, key=lambda k: value[k])
        return (
            f"{metric_html(reports, f'data.null_fraction.{col}', '.2%')} "
            f"(largest, in <code>{html.escape(col)}</code>)"
        )
    return metric_html(reports, "data.null_fraction", ".2%")


def kv_table(reports: Reports, path: str, fmt: str | None = None) -> str:
    """Two-column table of a mapping in a report, each value a measured metric span."""
    value, report = reports.lookup(path)
    if not isinstance(value, dict) or not value:
        raise SiteDataError(f"{path} in {report.rel_path} is not a non-empty mapping")
    lines = ["| Parameter | Value |", "|---|---|"]
    for key, v in value.items():
        shown = (
            metric_html(reports, f"{path}.{key}", fmt)
            if _scalar(v) and v is not None
            else _fmt_cell(v)
        )
        lines.append(f"| {key.replace('_', ' ')} | {shown} |")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- C4 in both palettes

#: Mermaid's C4 renderer hard-codes dark grey relationship labels and black boundary titles,
#: unreadable on Material's dark palette; this mid-grey reads on both.
C4_NEUTRAL = "#808080"
_FENCE = re.compile(r"^(```+|~~~+)mermaid[ \t]*\n(.*?)^\1[ \t]*$", re.MULTILINE | re.DOTALL)
_C4_REL = re.compile(r"^\s*(?:Rel|BiRel|Rel_[A-Za-z]+)\(\s*([\w-]+)\s*,\s*([\w-]+)", re.MULTILINE)
_C4_BOUNDARY = re.compile(r"^\s*\w*Boundary\(\s*([\w-]+)", re.MULTILINE)
_C4_UPDATE = re.compile(r"^\s*Update\w+\(", re.MULTILINE)


def c4_palette_neutral(markdown: str) -> str:
    """Give every C4 relationship and boundary a colour readable in light and dark palettes.

    Styles are inserted before the author's own ``Update...`` lines, so those still win.
    """

    def fix(match: re.Match[str]) -> str:
        body = match[2]
        if not body.lstrip().startswith("C4"):
            return match[0]
        styles = [
            f'  UpdateRelStyle({a}, {b}, $textColor="{C4_NEUTRAL}", $lineColor="{C4_NEUTRAL}")'
            for a, b in dict.fromkeys(_C4_REL.findall(body))
        ]
        styles += [
            f'  UpdateElementStyle({b}, $fontColor="{C4_NEUTRAL}", $borderColor="{C4_NEUTRAL}")'
            for b in dict.fromkeys(_C4_BOUNDARY.findall(body))
        ]
        first_update = _C4_UPDATE.search(body)
        at = first_update.start() if first_update else len(body)
        body = body[:at].rstrip("\n") + "\n" + "\n".join(styles) + "\n" + body[at:]
        return f"{match[1]}mermaid\n{body}{match[1]}"

    return _FENCE.sub(fix, markdown)


def parameters_table(reports: Reports, path: str) -> str:
    """Table of named parameters ``{name: {"value": v, "description": text}}`` in a report."""
    value, report = reports.lookup(path)
    if not isinstance(value, dict) or not value:
        raise SiteDataError(f"{path} in {report.rel_path} is not a non-empty mapping")
    lines = ["| Parameter | Value | Meaning |", "|---|---|---|"]
    for key, item in value.items():
        if isinstance(item, dict) and "value" in item:
            v, desc, vpath = item["value"], item.get("description") or "", f"{path}.{key}.value"
        else:
            v, desc, vpath = item, "", f"{path}.{key}"
        shown = metric_html(reports, vpath) if _scalar(v) and v is not None else _fmt_cell(v)
        desc = html.escape(str(desc)).replace("|", "&#124;")
        lines.append(f"| <code>{html.escape(key)}</code> | {shown} | {desc} |")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- monitoring


def prometheus_table(metrics_module: Any) -> str:
    """Markdown table of the API's Prometheus metrics.

    Names are :data:`bankchurn.api.metrics.METRIC_NAMES`, verbatim; type, labels and help text
    are read from a fresh ``ApiMetrics`` registry after one observation of each kind, i.e. from
    what ``/metrics`` really exports.

    Raises:
        SiteDataError: a declared name is not exported by the registry.
    """
    m = metrics_module.ApiMetrics()
    m.observe_request("POST", "/predict", 200, 0.001)
    m.observe_predictions(["low"], "predict", 0.001)
    m.set_model("version", "path")
    families = list(m.registry.collect())
    lines = ["| Metric | Type | Labels | Meaning |", "|---|---|---|---|"]
    for name in metrics_module.METRIC_NAMES:
        fam = next(
            (f for f in families if any(s.name in (name, f"{name}_bucket") for s in f.samples)),
            None,
        )
        if fam is None:
            raise SiteDataError(f"bankchurn.api.metrics: {name!r} is not exported by ApiMetrics")
        labels = sorted(
            {k for s in fam.samples if s.name.startswith(name) for k in s.labels} - {"le"}
        )
        lines.append(
            f"| `{name}` | {fam.type} | {', '.join(f'`{x}`' for x in labels) or '–'} | "
            f"{html.escape(fam.documentation).replace('|', '&#124;')} |"
        )
    return "\n".join(lines) + "\n"
