"""The monitoring tables: the API's Prometheus metrics and the drift report.

Metric names are read from `bankchurn.api.metrics`; the drift tables from
`reports/monitoring.json`.
"""

from __future__ import annotations

import html
from typing import Any

from bankchurn.retraining import REASON_TITLES
from designdocs.pages import cells
from designdocs.reports import SiteDataError

# --------------------------------------------------------------------------- monitoring


def prometheus_table(metrics_module: Any) -> str:
    """Markdown table of the API's Prometheus metrics.

    Names are `bankchurn.api.metrics.METRIC_NAMES`, verbatim; type, labels and help text
    are read from a fresh ``ApiMetrics`` registry after one observation of each kind, i.e. from
    what ``/metrics`` really exports.

    Raises:
        SiteDataError: a declared name is not exported by the registry.
    """
    m = metrics_module.ApiMetrics()
    m.observe_request("POST", "/predict", 200, 0.001)
    m.observe_predictions([(0.1, "low")], "predict", 0.001)
    m.set_model("version", "path", {"risk_bands": ["low"], "shares": [1.0]})
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


# --------------------------------------------------------------------------- drift report


def _monitoring(reports: Any) -> dict[str, Any]:
    return dict(reports.get("monitoring").data)


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.0f}%"


def _num(x: float | None, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def methods_table(reports: Any) -> str:
    """The declared drift methods with the false-alarm rate measured for each column."""
    m = _monitoring(reports)
    fa = m["false_alarms"]
    lines = [
        "| Column | Method | Threshold | False alarms (same distribution) |",
        "|---|---|---|---|",
    ]
    for column, row in fa["features"].items():
        lines.append(
            f"| `{column}` | {html.escape(m['methods'][row['method']]['method'])} | "
            f"p < {row['threshold']:.4f} | {_pct(row['false_alarm_rate'])} |"
        )
    pred = fa["prediction"]
    lines.append(
        f"| predictions | {html.escape(m['methods']['psi']['method'])} | "
        f"PSI > {pred['threshold']:g} | {_pct(pred['false_alarm_rate'])} |"
    )
    lines.append(
        f"| **any feature** (the month's verdict) | | family-wise {fa['family_alpha']:g} | "
        f"**{_pct(fa['any_feature'])}** |"
    )
    return "\n".join(lines) + "\n"


def power_table(reports: Any) -> str:
    """Power curves: share of monthly-size samples flagged, by planted shift size."""
    m = _monitoring(reports)
    lines = [
        (
            "| Shift (column) | Size: share of samples flagged | Smallest size flagged in "
            f"{_pct(m['power_target'])} | Injected by the generator |"
        ),
        "|---|---|---|---|",
    ]
    for curve in m["power"].values():
        cells_ = ", ".join(
            f"{s:g}: {_pct(p)}" for s, p in zip(curve["sizes"], curve["power"], strict=True)
        )
        smallest = curve["smallest_detected"]
        injected = ", ".join(f"{s:g}" for s in curve["injected_sizes"]) or "–"
        lines.append(
            f"| {html.escape(curve['description'])} (`{curve['column']}`) | {cells_} | "
            f"{'none tried' if smallest is None else f'{smallest:g}'} | {injected} |"
        )
    return "\n".join(lines) + "\n"


def months_table(reports: Any) -> str:
    """Month by month: injected vs flagged drift, prediction PSI, CBPE vs realised, retraining."""
    m = _monitoring(reports)
    lines = [
        (
            "| Month | Window | Rows | Injected | Flagged | Churn label: injected / flagged | "
            "Prediction PSI | ROC-AUC est. / realised | Precision est. / realised | Retrain? |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in m["months"]:
        window = "test" if r["in_test_window"] else "training"
        injected = ", ".join(f"`{c}`" for c in r["injected"]) or "–"
        flagged = ", ".join(f"`{c}`" for c in r["flagged"]) or "–"
        hit = set(r["injected"]) == set(r["flagged"])
        mark = cells.badge(
            "pass" if hit else "miss", "ok" if hit else "missed" if r["injected"] else "false alarm"
        )
        label = (
            f"{'yes' if r['label_injected'] else 'no'} / {'yes' if r['label_flagged'] else 'no'}"
        )
        est = r["estimated"]
        reasons = ", ".join(REASON_TITLES.get(x, x) for x in r["retrain_reasons"]) or "no"
        lines.append(
            f"| {r['month']} | {window} | {r['n']} | {injected} | {flagged} {mark} | {label} | "
            f"{_num(r['prediction_psi'], 4)} | {_num(est['roc_auc'])} / "
            f"{_num(r['realised_roc_auc'])} | {_num(est['precision_at_capacity'])} / "
            f"{_num(r['realised_precision_at_capacity'])} | {reasons} |"
        )
    return "\n".join(lines) + "\n"


def _inside(ok: bool) -> str:
    return cells.badge("pass" if ok else "miss", "inside" if ok else "outside")


def estimation_table(reports: Any) -> str:
    """CBPE estimates with their label-noise range against the realised values, test months."""
    m = _monitoring(reports)
    level = _pct(m["estimation"]["spread_level"])
    lines = [
        (
            f"| Month | ROC-AUC estimated [{level} range] | realised | "
            f"Precision at capacity estimated [{level} range] | realised |"
        ),
        "|---|---|---|---|---|",
    ]
    for r in m["months"]:
        if not r["in_test_window"]:
            continue
        e = r["estimated"]
        lo, hi = e["roc_auc_range"]
        plo, phi = e["precision_at_capacity_range"]
        auc_in = _inside(lo <= (r["realised_roc_auc"] or -1) <= hi)
        prec_in = _inside(plo <= r["realised_precision_at_capacity"] <= phi)
        lines.append(
            f"| {r['month']} | {_num(e['roc_auc'])} [{_num(lo)}, {_num(hi)}] | "
            f"{_num(r['realised_roc_auc'])} {auc_in} | "
            f"{_num(e['precision_at_capacity'])} [{_num(plo)}, {_num(phi)}] | "
            f"{_num(r['realised_precision_at_capacity'])} {prec_in} |"
        )
    return "\n".join(lines) + "\n"
