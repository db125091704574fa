"""Claims, not only numbers: sentences about what the contract decides cannot contradict it."""

from __future__ import annotations

import json
import re

from bankchurn import contract
from designdocs.checks.claims import (
    claim_problems,
    currency_problems,
    page_text,
    site_claim_problems,
    site_currency_problems,
)
from designdocs.site.build import ROOT, Build

#: The sentence the first Data contract page printed (from a macro, so it looked generated).
FIRST_SITE = (
    "<p>Protected attributes, used as features and audited for fairness: "
    "<code>Geography</code>, <code>Gender</code>.</p>"
)


def test_no_page_contradicts_the_contract(built_site: Build) -> None:
    assert site_claim_problems(built_site.site, contract) == []


def test_the_first_sites_protected_attributes_sentence_fails() -> None:
    problems = claim_problems(page_text(FIRST_SITE), contract, "data-contract")
    assert len(problems) == 1
    assert "`Gender` is a model input" in problems[0]


def test_a_contradiction_planted_in_the_real_pages_fails(built_site: Build) -> None:
    page = built_site.site / "data-contract" / "index.html"
    raw = page.read_text("utf-8")
    assert "is never a model input" in raw  # the generated sentence is there to be read
    planted = raw.replace("is never a model input", "is a model input")
    assert any("`Gender`" in p for p in claim_problems(page_text(planted), contract))
    dropped = raw.replace("the data: <code>Surname</code>", "the data: <code>CustomerId</code>")
    assert claim_problems(page_text(raw), contract) == []
    assert claim_problems(page_text(dropped), contract), "a wrong 'dropped' claim passed"


def test_a_typed_claim_is_read_per_column() -> None:
    text = page_text(
        "<td><code>Age</code>, <code>Geography</code> (<code>Gender</code> audited, not used)</td>"
        "<p><code>Surname</code> is dropped and <code>CustomerId</code> pseudonymised.</p>"
    )
    assert claim_problems(text, contract) == []
    wrong = page_text("<p><code>Age</code> is never a model input.</p>")
    assert claim_problems(wrong, contract)


def test_one_currency_declared_once(built_site: Build) -> None:
    from bankchurn import targets

    assert site_currency_problems(built_site.site, contract.CURRENCY) == []
    money = [t for t in targets.TARGETS if "/year" in t.unit]
    assert money
    assert all(t.unit.startswith(contract.CURRENCY) for t in money)
    amounts = [c for c in contract.COLUMNS if c.name in ("Balance", "EstimatedSalary")]
    assert all(f"({contract.CURRENCY})" in c.description for c in amounts)
    # report keys and parameters spell the currency in their names (``*_usd``)
    assert contract.CURRENCY == "USD"


def test_another_currency_on_a_page_fails() -> None:
    """The first Data contract page: Balance in EUR beside value figures in USD."""
    text = page_text("<td><code>Balance</code></td><td>Account balance (EUR).</td>")
    assert currency_problems(text, contract.CURRENCY, "data-contract")
    assert currency_problems("worth €189,175 a year", "USD")
    assert currency_problems("worth $189,175 (USD) a year", "USD") == []


CEILING = re.compile(r"""metric\(\s*["'](\w+)\.[\w.]*bayes_optimal""")


def ceiling_problems(sources: dict[str, str]) -> list[str]:
    """Ceilings read from anything but the test rows the models are judged on (``target``)."""
    return [
        f"{name}: a ceiling read from {report!r}, not from the test rows (target)"
        for name, text in sources.items()
        for report in CEILING.findall(text)
        if report != "target"
    ]


def test_one_ceiling_the_test_rows_everywhere() -> None:
    sources = {
        p.relative_to(ROOT).as_posix(): p.read_text("utf-8")
        for p in [*(ROOT / "docs").glob("*.md"), *(ROOT / "adr").glob("*.md")]
    }
    assert ceiling_problems(sources) == []
    profile = json.loads((ROOT / "reports" / "data_profile.json").read_text("utf-8"))
    assert not [k for k in profile if "bayes" in k], "a second ceiling (all rows) is back"
    assert CEILING.findall(sources["docs/index.md"])
    assert CEILING.findall(sources["docs/ML_CANVAS.md"])


def test_a_ceiling_over_other_rows_fails() -> None:
    """The first canvas: the all-rows ceiling beside the model's test-rows ROC-AUC."""
    planted = {"docs/ML_CANVAS.md": '{{ metric("data.bayes_optimal_roc_auc") }}'}
    assert ceiling_problems(planted)
