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
from collections.abc import Callable, Iterable, Iterator
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


def header_problems(raw_html: str, where: str = "") -> list[str]:
    """Table headers (and row labels: a row's first cell) that show a key as code spells it.

    A header reads ``peak memory (MiB)``, not ``peak_rss_mib``: the title is declared once where
    the key is (the report's schema) and pages render it. A key shown as code (``<code>``) is
    an identifier on purpose and is left alone.
    """
    out = []
    for row in _ROW.findall(raw_html):
        for i, (tag, cell) in enumerate(_CELL.findall(row)):
            if tag != "th" and i > 0:
                continue
            text = " ".join(html.unescape(_TAG.sub(" ", _CODE.sub(" ", cell))).split())
            out += [
                f"{where}: table {'header' if tag == 'th' else 'row label'} {text[:60]!r} shows "
                f"the raw key {key!r}: give it a title where it is declared"
                for key in _RAW_KEY.findall(text)
            ]
    return out


def site_header_problems(site: Path) -> list[str]:
    """``header_problems`` of every page of a built site, except the notebooks (see the test)."""
    pages = sorted(site.rglob("*.html"))
    skip = {"notebooks", "search", "assets"}
    return [
        p
        for page in pages
        if page.relative_to(site).parts[0] not in skip
        for p in header_problems(page.read_text("utf-8"), page.relative_to(site).as_posix())
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
