"""Claims the code decides, checked where readers read them: in the built pages.

A sentence such as "Protected attributes, used as features: `Geography`, `Gender`" states a
fact that ``bankchurn.contract`` decides (which columns reach the model, which are dropped or
pseudonymised). Such sentences are generated from the contract (``contract_sentence``); this
check catches a typed one that contradicts it, on the rendered text of every page.

How a claim is read: the text is cut into segments (sentences, table cells, parentheses); a
role phrase applies to every column listed after a colon that follows it ("used as features:
`A`, `B`"), otherwise to the nearest column named before it in the same segment, or in the
comma-separated chunk before it ("`Gender` audited, not used").
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Rule:
    """A role phrase and what it claims about a column of the contract."""

    name: str
    phrases: tuple[str, ...]
    holds: Callable[[Any, str], bool]


def rules() -> tuple[Rule, ...]:
    """The claims checked, each decided by ``bankchurn.contract``."""

    def role(c: Any, name: str) -> str | None:
        spec = c.BY_NAME.get(name)
        return spec.role if spec else None

    return (
        Rule(
            "not a model input",
            (
                "never a model input",
                "not a model input",
                "never model inputs",
                "not used",
                "audit only",
                "kept out of the model",
                "never a feature",
                "never features",
            ),
            lambda c, n: n not in c.FEATURES,
        ),
        Rule(
            "a model input",
            (
                "used as features",
                "used as a feature",
                "is a model input",
                "are model inputs",
                "also a model input",
                "reaches the model",
                "model inputs (features)",
            ),
            lambda c, n: n in c.FEATURES,
        ),
        Rule("dropped", ("dropped",), lambda c, n: role(c, n) == "pii"),
        Rule(
            "pseudonymised",
            ("pseudonymised", "keyed hash"),
            lambda c, n: role(c, n) == "customer_id",
        ),
    )


_CODE = re.compile(r"<code[^>]*>(.*?)</code>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_SEGMENT = re.compile(r"(?<=[.;!?])\s|[|()\n]|</?(?:p|li|td|th|tr|h\d)[^>]*>")


def page_text(raw_html: str) -> str:
    """Readable text of a page, columns kept as `Name` (scripts and styles removed)."""
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", raw_html, flags=re.DOTALL)
    raw = _CODE.sub(lambda m: "`" + _TAG.sub("", m[1]) + "`", raw)
    raw = re.sub(r"</?(?:p|li|td|th|tr|h\d|br)[^>]*>", "\n", raw)
    return html.unescape(_TAG.sub("", raw))


def _columns(text: str, known: Iterable[str]) -> list[tuple[int, str]]:
    names = set(known)
    return [(m.start(), m[1]) for m in re.finditer(r"`([A-Za-z]+)`", text) if m[1] in names]


def claim_problems(text: str, contract: Any, where: str = "") -> list[str]:
    """Claims in ``text`` that contradict ``contract`` (one line each, naming the page)."""
    problems = []
    known = contract.BY_NAME
    for segment in _SEGMENT.split(text):
        if not segment or "`" not in segment:
            continue
        lower = segment.lower()
        for rule in rules():
            for phrase in rule.phrases:
                for hit in re.finditer(re.escape(phrase), lower):
                    after = segment[hit.end() :]
                    colon = after.find(":")
                    if colon != -1 and not _columns(after[:colon], known):
                        subjects = [n for _, n in _columns(after[colon:], known)]
                    else:
                        before = segment[: hit.start()]
                        chunks = before.split(",")
                        subjects = []
                        for chunk in reversed(chunks):
                            cols = _columns(chunk, known)
                            if cols:
                                subjects = [cols[-1][1]]
                                break
                    for name in subjects:
                        if not rule.holds(contract, name):
                            problems.append(
                                f"{where}: claims `{name}` is {rule.name} ({phrase!r}), but "
                                f"bankchurn.contract says otherwise: {segment.strip()[:160]!r}"
                            )
    return problems


def site_pages(site: Path, skip: Iterable[str] = ("search", "assets")) -> Iterator[tuple[str, str]]:
    """``(path, readable text)`` of every page of a built site, in path order.

    Args:
        site: The built site's folder.
        skip: Top-level folders whose pages are left out (the search index and the theme's
            assets by default).
    """
    left_out = set(skip)
    for page in sorted(site.rglob("*.html")):
        rel = page.relative_to(site)
        if rel.parts[0] not in left_out:
            yield rel.as_posix(), page_text(page.read_text("utf-8"))


def site_claim_problems(site: Path, contract: Any) -> list[str]:
    """``claim_problems`` of every page of a built site, except notebooks and code reference."""
    pages = site_pages(site, skip=("notebooks", "reference", "search", "assets"))
    return [p for where, text in pages for p in claim_problems(text, contract, where)]


#: Currencies other than the declared one that a page or a declaration might name.
_CURRENCY = re.compile(r"\b(EUR|GBP|CHF|JPY|USD)\b|[€£¥]|\beuros?\b", re.IGNORECASE)


def currency_problems(text: str, declared: str, where: str = "") -> list[str]:
    """Every mention of a currency other than ``declared`` (one currency, declared once)."""
    out = []
    for m in _CURRENCY.finditer(text):
        if m[0].upper() != declared.upper():
            start = max(0, m.start() - 40)
            out.append(
                f"{where}: names {m[0]!r} but the one currency is {declared}: "
                f"{text[start : m.end() + 40]!r}"
            )
    return out


def site_currency_problems(site: Path, declared: str) -> list[str]:
    """``currency_problems`` of every page of a built site (notebooks included)."""
    return [p for where, text in site_pages(site) for p in currency_problems(text, declared, where)]


#: A key as code spells it (``peak_rss_mib``): lowercase words joined by underscores.
_RAW_KEY = re.compile(r"(?<![\w./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/.-])")
_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.DOTALL)
_CELL = re.compile(r"<(th|td)\b[^>]*>(.*?)</t[hd]>", re.DOTALL)


def declared_titles() -> dict[str, str]:
    """Every key the package declares a title for: what a page must show instead of the key.

    The fields of the report models (`bankchurn.report_schemas`), the hyperparameters of the
    candidates and the columns of the gains table.
    """
    import inspect

    from bankchurn import candidates
    from bankchurn.plots import GAINS_TITLES
    from bankchurn.report_schemas import canvas, data_profile, metrics, selection
    from bankchurn.report_schemas.base import StrictModel

    out: dict[str, str] = {}
    for module in (data_profile, metrics, selection, canvas):
        for _, model in inspect.getmembers(module, inspect.isclass):
            if issubclass(model, StrictModel) and model.__module__ == module.__name__:
                out |= model.titles()
    return out | candidates.HYPERPARAMETER_TITLES | GAINS_TITLES


def _names(title: str, key: str) -> bool:
    """Whether ``title`` contains ``key`` as a word (``mean`` in ``mean drop in ROC-AUC``).

    Such a key is a word already, which its title only qualifies; a key its title replaces
    (``n``, ``fpr``, ``lo``) is code to a reader.
    """
    return re.search(rf"(?<!\w){re.escape(key)}(?!\w)", title, re.IGNORECASE) is not None


def header_problems(raw_html: str, where: str = "", titled: Mapping[str, str] = {}) -> list[str]:
    """Table headers (and row labels: a row's first cell) that show a key instead of its title.

    A header reads ``peak memory (MiB)``, not ``peak_rss_mib``: the title is declared once where
    the key is (the report's schema) and pages render it. A header may be neither a snake_case
    key nor exactly a key of ``titled`` that its title replaces (``n`` for ``customers``). A key
    shown as code
    (``<code>``) is an identifier on purpose and is left alone.

    Args:
        raw_html: A page (or a fragment with tables).
        where: The page, named in each problem.
        titled: Key -> declared title (`declared_titles`).
    """
    out = []
    for row in _ROW.findall(raw_html):
        for i, (tag, cell) in enumerate(_CELL.findall(row)):
            text = " ".join(html.unescape(_TAG.sub(" ", _CODE.sub(" ", cell))).split())
            if tag != "th" and i > 0:
                continue
            kind = "header" if tag == "th" else "row label"
            if text in titled and not _names(titled[text], text):
                out.append(
                    f"{where}: table {kind} {text!r} shows the raw key: its title is "
                    f"{titled[text]!r}"
                )
                continue
            out += [
                f"{where}: table {kind} {text[:60]!r} shows the raw key {key!r}: give it a "
                "title where it is declared"
                for key in _RAW_KEY.findall(text)
            ]
    return out


def site_header_problems(site: Path, titled: Mapping[str, str] | None = None) -> list[str]:
    """``header_problems`` of every page of a built site, notebooks included.

    Args:
        site: The built site's folder.
        titled: Key -> title (`declared_titles` when not given).
    """
    titled = declared_titles() if titled is None else titled
    pages = sorted(site.rglob("*.html"))
    skip = {"search", "assets"}
    return [
        p
        for page in pages
        if page.relative_to(site).parts[0] not in skip
        for p in header_problems(page.read_text("utf-8"), page.relative_to(site).as_posix(), titled)
    ]


def column_problems(
    raw_html: str, header: str, allowed: Iterable[str], where: str = ""
) -> list[str]:
    """Cells of the column headed ``header`` that hold none of the ``allowed`` words.

    The Data contract page shows each column's role in words (`bankchurn.contract.ROLE_TITLES`),
    not the code (``customer_id``).
    """
    words = set(allowed)
    out = []
    column = None
    for row in _ROW.findall(raw_html):
        cells = [
            (tag, " ".join(html.unescape(_TAG.sub(" ", cell)).split()))
            for tag, cell in _CELL.findall(row)
        ]
        if cells and all(tag == "th" for tag, _ in cells):
            names = [text for _, text in cells]
            column = names.index(header) if header in names else None
        elif column is not None and column < len(cells) and cells[column][1] not in words:
            out.append(f"{where}: column {header!r} shows {cells[column][1]!r}, not its words")
    return out


#: The hover provenance of a value (``title="provenance: ..."``), as the site writes it.
_PROVENANCE = re.compile(r'title="(provenance: [^"]*)"')
#: "synthetic" as a word, not inside a module path (``bankchurn.synthetic``).
_SYNTHETIC = re.compile(r"(?<![\w.])synthetic(?![\w.])", re.IGNORECASE)


def provenance_problems(raw_html: str, where: str = "") -> list[str]:
    """Provenance texts that say "synthetic" more than once (the data's origin, said once)."""
    out = []
    for text in dict.fromkeys(html.unescape(t) for t in _PROVENANCE.findall(raw_html)):
        n = len(_SYNTHETIC.findall(text))
        if n > 1:
            out.append(f"{where}: a provenance says 'synthetic' {n} times: {text[:160]!r}")
    return out


def site_provenance_problems(site: Path) -> list[str]:
    """``provenance_problems`` of every page of a built site."""
    return [
        p
        for page in sorted(site.rglob("*.html"))
        if page.relative_to(site).parts[0] not in ("search", "assets")
        for p in provenance_problems(page.read_text("utf-8"), page.relative_to(site).as_posix())
    ]


#: An amount of money as a page may print it: ``$189,175``, ``-$27K``, ``$1.2M``, ``$500``.
_AMOUNT = re.compile(r"-?\$(\d{1,3}(?:,\d{3})*(?:\.\d+)?)([KM]?)(?![\w.,]\d)")


def money_problems(text: str, where: str = "") -> list[str]:
    """Every amount that `designdocs.site.format.money` (the one rule for money) would not print.

    ``$189,175`` beside ``$190K`` reads as two figures; each amount is parsed and printed again
    by the rule, and any difference is reported.
    """
    from designdocs.site.format import money

    out = []
    for m in _AMOUNT.finditer(text):
        value = float(m[1].replace(",", "")) * {"": 1, "K": 1e3, "M": 1e6}[m[2]]
        expected = money(-value if m[0].startswith("-") else value)
        if m[0] != expected:
            start = max(0, m.start() - 40)
            out.append(
                f"{where}: {m[0]!r} is not written as the one money rule writes it "
                f"({expected!r}): {text[start : m.end() + 30]!r}"
            )
    return out


def site_money_problems(site: Path) -> list[str]:
    """``money_problems`` of every page of a built site (notebooks included)."""
    return [p for where, text in site_pages(site) for p in money_problems(text, where)]
