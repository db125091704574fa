"""The home page's plain-language verdict, generated from the reports.

Three questions a stakeholder asks first, each answered in a sentence whose yes / no is
computed from the canvas status and whose every number is a measured value with its provenance:
does the model rank well enough, what is it worth at the declared operating point and
assumptions, and what would reach the canvas's money target. Nothing here is typed by hand; on
a real file, what cannot be known (the best reachable ROC-AUC) is said in words.
"""

from __future__ import annotations

import html
from typing import Any

from designdocs.pages.cells import format_target
from designdocs.reports import Reports
from designdocs.site.format import metric_html

#: Where the value model is explained (relative to the home page).
VALUE_MODEL_LINK = "decisions/0015-value-model-named-assumptions-sources-and-sensitivity.md"


def declared(target_id: str, fmt: str | None = None) -> str:
    """A declared target as ``> 0.85`` (HTML-escaped), from ``bankchurn.targets``."""
    from bankchurn import targets

    t = targets.get(target_id)
    op = {">": "&gt;", ">=": "≥", "<": "&lt;", "<=": "≤", "==": "="}[t.comparison]
    text = html.escape(format_target(t.value, t.unit, fmt))
    return f'<span class="target" data-target="{t.id}">{op} {text}</span>'


def _yes(flag: bool) -> str:
    return "**Yes.**" if flag else "**No.**"


def verdict(reports: Reports) -> str:
    """Markdown: the three answers, each a short paragraph."""
    canvas: dict[str, Any] = reports.get("canvas").data
    model, business = canvas["model"], canvas["business"]

    def m(path: str, fmt: str | None = None) -> str:
        return metric_html(reports, path, fmt)

    ranks = all(model[k]["status"] == "pass" for k in ("roc_auc", "precision_at_10"))
    ranks = ranks and business["lift_at_10"]["status"] == "pass"
    ceiling = reports.lookup("target.bayes_optimal_roc_auc_without_gender")[0]
    ceiling_text = (
        f"; the best any model could reach on these same rows is {m('target.bayes_optimal_roc_auc_without_gender')}"
        if ceiling is not None
        else "; how close that is to the best possible cannot be known on a real file (only "
        "synthetic data knows each customer's true probability)"
    )
    op = canvas["operating_point"]["label"]
    rank = (
        f"{_yes(ranks)} On the {m('target.n', '{:,}')} test customers the model ranks churners "
        f"above loyal customers with a ROC-AUC of {m('target.roc_auc')} (target "
        f"{declared('model.roc_auc')}){ceiling_text}. With {html.escape(op)} contacted, "
        f"{m('target.precision_at_10', '.0%')} of the list are real churners (target "
        f"{declared('model.precision_at_10', '.0%')}), {m('target.lift_at_10', '{:.1f}×')} better "
        f"than a random list (target {declared('business.lift_at_10')})."
    )

    value = business["retained_usd_per_year"]
    worth_it = value["status"] == "pass"
    p = "target.business.parameters"
    worth = (
        f"{_yes(worth_it)} Contacting {html.escape(op)} is worth "
        f"{m('target.business.at_capacity.net_usd_per_year', '$')} a year net of call costs, "
        "against the canvas's target. That figure "
        f"rests on two assumptions the canvas does not give: "
        f"{m(p + '.retention_success_rate.value', '.0%')} of contacted churners are kept, and a "
        f"call costs {m(p + '.cost_per_contact_usd.value', '$')} "
        f"([value model]({VALUE_MODEL_LINK}))."
    )
    if value.get("out_of_reach"):
        worth += (
            f" Even a perfect ranking would be worth "
            f"{m('target.business.at_capacity.best_reachable_net_usd_per_year', '$')} at this "
            "capacity: the gap is the assumptions and the capacity, not the model."
        )

    g = "target.business.goal"
    goal = reports.lookup(g)[0]
    here = goal["success_rate_needed_at_operating_point"]
    low = goal["lowest_success_rate_needed"]["success_rate"]
    if here is not None and here <= 1:
        reach = (
            f"A retention success rate of {m(g + '.success_rate_needed_at_operating_point', '.0%')} "
            f"at this capacity ({m(g + '.success_rate_needed_with_perfect_ranking', '.0%')} with a "
            "perfect ranking)"
        )
    else:
        reach = (
            "At this capacity nothing: even keeping every contacted churner would fall short "
            f"({metric_html(reports, g + '.success_rate_needed_at_operating_point', '.0%', 'n/a')} "
            "would be needed)"
        )
    if low is not None and low <= 1:
        reach += (
            f"; over every list length, at least {m(g + '.lowest_success_rate_needed.success_rate', '.0%')} "
            f"of contacted churners kept, with {m(g + '.lowest_success_rate_needed.capacity', '.0%')} "
            "of the customers contacted."
        )
    else:
        reach += "; no list length reaches it under the declared costs."
    recall = model["recall"]
    if recall.get("out_of_reach"):
        reach += (
            f" The recall target ({declared('model.recall', '.0%')}) cannot be met at this "
            f"capacity by any model: at most {m('target.operating_point.best_reachable.recall_at_10', '.0%')} "
            "of the churners fit in the list."
        )
    return (
        f"**Does it rank customers well enough?** {rank}\n\n"
        f"**Is it worth {declared('business.retained_usd_per_year', '$')} a year?** {worth}\n\n"
        f"**What would reach {declared('business.retained_usd_per_year', '$')}?** {reach}\n"
    )
