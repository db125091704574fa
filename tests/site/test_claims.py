"""Claims, not only numbers: sentences about what the contract decides cannot contradict it."""

from __future__ import annotations

import json
import re

import pytest

from bankchurn import contract
from designdocs.checks.claims import (
    claim_problems,
    column_problems,
    currency_problems,
    declared_titles,
    header_problems,
    money_problems,
    page_text,
    provenance_problems,
    site_claim_problems,
    site_currency_problems,
    site_header_problems,
    site_money_problems,
    site_provenance_problems,
)
from designdocs.site.build import ROOT, Build
from designdocs.site.format import money

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


def test_no_page_shows_a_raw_key_as_a_header(built_site: Build) -> None:
    assert site_header_problems(built_site.site) == []


def test_a_raw_key_planted_as_a_header_fails(built_site: Build) -> None:
    raw = (built_site.site / "benchmarks" / "index.html").read_text("utf-8")
    assert "<th>peak memory (MiB)</th>" in raw
    assert header_problems(raw) == []
    planted = raw.replace("<th>peak memory (MiB)</th>", "<th>peak_rss_mib</th>", 1)
    assert any("'peak_rss_mib'" in p for p in header_problems(planted, "benchmarks"))
    # a row label too, but not a key shown as code on purpose
    assert header_problems("<tr><td>load_avg_1m</td><td>0.5</td></tr>")
    assert header_problems("<tr><td><code>load_avg_1m</code></td><td>0.5</td></tr>") == []


def test_a_raw_key_planted_in_a_notebook_table_fails(built_site: Build) -> None:
    """The notebooks are checked too: their tables once showed ``n`` and ``churn_rate``."""
    raw = (built_site.site / "notebooks" / "01-data" / "index.html").read_text("utf-8")
    titled = declared_titles()
    assert "<th>churn rate</th>" in raw
    assert "<th>customers</th>" in raw
    assert header_problems(raw, "01-data", titled) == []
    snake = raw.replace("<th>churn rate</th>", "<th>churn_rate</th>", 1)
    assert any("'churn_rate'" in p for p in header_problems(snake, "01-data", titled))
    # a one-word key its title replaces is code to a reader too; a word its title keeps is not
    short = raw.replace("<th>customers</th>", "<th>n</th>", 1)
    assert any("'n' shows the raw key" in p for p in header_problems(short, "01-data", titled))
    assert header_problems("<tr><th>precision</th><th>mean</th></tr>", "", titled) == []


def test_every_report_key_a_notebook_shows_has_a_title() -> None:
    titled = declared_titles()
    for key in ("n", "churn_rate", "fpr", "lo", "contacted_share", "learning_rate", "scorer"):
        assert "_" not in titled.get(key, "_"), key


def test_the_data_contract_shows_roles_in_words(built_site: Build) -> None:
    raw = (built_site.site / "data-contract" / "index.html").read_text("utf-8")
    words = contract.ROLE_TITLES.values()
    assert column_problems(raw, "Role", words, "data-contract") == []
    assert contract.ROLE_TITLES["customer_id"] in raw
    planted = raw.replace(contract.ROLE_TITLES["customer_id"], "customer_id", 1)
    problems = column_problems(planted, "Role", words, "data-contract")
    assert len(problems) == 1
    assert "'customer_id'" in problems[0]
    assert column_problems(raw, "Role", ["model input"]), "a check that reads no cell passed"


def test_a_field_without_a_title_shows_its_raw_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The page takes its headers from the schema: drop one title and the check sees the key."""
    import markdown

    from bankchurn.benchmarks import BatchRun
    from designdocs.pages.benchmarks import benchmark_tables
    from designdocs.reports import Reports

    reports = Reports(ROOT / "reports")
    if not reports.exists("bench"):
        pytest.skip("reports/benchmarks.json not written yet (make bench)")

    def page() -> str:
        return markdown.markdown(benchmark_tables(reports), extensions=["tables"])

    assert header_problems(page()) == []
    monkeypatch.setattr(BatchRun.model_fields["peak_rss_mib"], "title", None)
    assert any("'peak_rss_mib'" in p for p in header_problems(page()))


def test_money_is_written_one_way_everywhere(built_site: Build) -> None:
    assert site_money_problems(built_site.site) == []


def test_money_to_the_dollar_beside_thousands_fails() -> None:
    """The first home page and canvas: ``$190K`` in prose, ``$190,353/year`` in the table."""
    text = page_text("<p>worth $190K a year</p><td>$190,353/year</td><td>-$27,590</td>")
    problems = money_problems(text, "home")
    assert len(problems) == 2
    assert "'$190K'" in problems[0]
    assert money_problems(page_text("<p>$2M, $1.2M, $400K/year, -$28K, $500, $0</p>")) == []


def test_the_one_money_rule() -> None:
    assert [money(v) for v in (189_175, 2_000_000, 1_234_567, -27_590, 500, 9_999)] == [
        "$189K",
        "$2M",
        "$1.2M",
        "-$28K",
        "$500",
        "$9,999",
    ]
    assert money(999_999) == "$1M"  # rounds up into the next unit, not "$1,000K"


#: A hover provenance of the first home page: three keys said where the data came from.
FIRST_PROVENANCE = (
    '<span class="metric" title="provenance: file reports/data_profile.json (sha256 1eea019acfbe);'
    " source: synthetic; synthetic: yes; seed: 42; generator: bankchurn.synthetic; n rows: 10000"
    '">10,000</span>'
)


def test_provenance_says_synthetic_once(built_site: Build) -> None:
    assert site_provenance_problems(built_site.site) == []
    raw = (built_site.site / "index.html").read_text("utf-8")
    assert "data: synthetic extract" in raw  # the phrase is there to be read


def test_a_provenance_repeating_synthetic_fails() -> None:
    problems = provenance_problems(FIRST_PROVENANCE, "home")
    assert len(problems) == 1
    assert "2 times" in problems[0]
    once = FIRST_PROVENANCE.replace("source: synthetic; synthetic: yes", "data: synthetic extract")
    assert provenance_problems(once) == []


ADR_0012 = ROOT / "adr" / "0012-one-test-session-on-both-cores.md"


def adr_0012_problems(adr: str, pyproject: str, browser_conftest: str, tests: str) -> list[str]:
    """The facts ADR 0012 (deprecated, kept as history) states about today's repository."""
    problems = []
    if re.search(r"`make test` is (back )?(inside|within) its budget", adr):
        problems.append("states as today's fact that `make test` meets its budget")
    if 'measured("engineering.make_test_min")' not in adr:
        problems.append("does not print the last `make test` measurement and verdict")
    if "held below 9.2" in adr and '"pytest<9.2"' not in pyproject:
        problems.append("says pytest is held below 9.2, but pyproject.toml no longer pins it")
    if "fixture is module-scoped" in adr and not re.search(
        r'@pytest\.fixture\(scope="module"\)\ndef browser\(', browser_conftest
    ):
        problems.append("says the `browser` fixture is module-scoped; tests/browser says not")
    named = re.findall(r"`(test_\w+)`", adr)
    problems += [f"names {n}, which no test defines" for n in named if f"def {n}(" not in tests]
    return problems


def _adr_0012_sources() -> tuple[str, str, str, str]:
    tests = "\n".join(p.read_text("utf-8") for p in sorted((ROOT / "tests").rglob("test_*.py")))
    return (
        ADR_0012.read_text("utf-8"),
        (ROOT / "pyproject.toml").read_text("utf-8"),
        (ROOT / "tests" / "browser" / "conftest.py").read_text("utf-8"),
        tests,
    )


def test_adr_0012s_history_is_true_today() -> None:
    assert adr_0012_problems(*_adr_0012_sources()) == []


def test_adr_0012s_first_history_claims_fail() -> None:
    """Session 7's ADR 0012 said `make test` was back inside its budget (it measured 5.2 min)."""
    adr, pyproject, conftest, tests = _adr_0012_sources()
    old = adr.replace(
        "came back inside its budget when this was decided", "is back inside its budget"
    ).replace('measured("engineering.make_test_min")', "5.2")
    assert len(adr_0012_problems(old, pyproject, conftest, tests)) == 2
    unpinned = pyproject.replace('"pytest<9.2"', '"pytest"')
    assert adr_0012_problems(adr, unpinned, conftest, tests)
    session = conftest.replace('scope="module")\ndef browser(', 'scope="session")\ndef browser(')
    assert adr_0012_problems(adr, pyproject, session, tests)
    renamed = tests.replace("def test_the_browser_tests_are_pinned_to_one_worker(", "def x(")
    assert adr_0012_problems(adr, pyproject, conftest, renamed)
