"""The API's Prometheus metrics as a table, names read from `bankchurn.api.metrics`."""

from __future__ import annotations

import html
from typing import Any

from designdocs.reports import SiteDataError

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
