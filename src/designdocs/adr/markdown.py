"""Markdown structure of a record (markdown-it-py tokens): headings, anchors, links, tables."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token

_CONTENT_TOKENS = {
    "paragraph_open",
    "bullet_list_open",
    "ordered_list_open",
    "table_open",
    "fence",
    "code_block",
    "blockquote_open",
    "html_block",
}
_MD = MarkdownIt("commonmark").enable("table")


# --------------------------------------------------------------------------------------------
# Markdown helpers
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Heading:
    level: int
    text: str
    index: int  # index of heading_open in the token list
    end: int  # index of the next heading of the same or a higher level (exclusive)
    token: Token


def _headings(tokens: list[Token]) -> list[_Heading]:
    found: list[tuple[int, str, int, Token]] = []
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            found.append((int(tok.tag[1]), tokens[i + 1].content.strip(), i, tok))
    out: list[_Heading] = []
    for k, (level, text, index, tok) in enumerate(found):
        end = next((f[2] for f in found[k + 1 :] if f[0] <= level), len(tokens))
        out.append(_Heading(level, text, index, end, tok))
    return out


def _has_content(tokens: list[Token], start: int, end: int) -> bool:
    for tok in tokens[start:end]:
        if tok.type not in _CONTENT_TOKENS:
            continue
        if tok.type == "html_block" and re.fullmatch(r"\s*<!--.*?-->\s*", tok.content, re.DOTALL):
            continue  # a comment is guidance, not content
        return True
    return False


def _slug_toc(text: str) -> str:
    """Anchor id as Python-Markdown's toc extension (MkDocs) makes it."""
    value = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^\w\s-]", "", value).strip().lower()
    return re.sub(r"[-\s]+", "-", value)


def _slug_github(text: str) -> str:
    """Anchor id as GitHub makes it."""
    value = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return value.replace(" ", "-")


def _anchors(tokens: list[Token]) -> set[str]:
    out: set[str] = set()
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            text = "".join(c.content for c in tokens[i + 1].children or [] if c.type != "softbreak")
            out.update({_slug_toc(text), _slug_github(text)})
    return out


def _links(tokens: list[Token]) -> list[tuple[Token, str]]:
    """``(block token, target)`` of every link and image of the body."""
    out: list[tuple[Token, str]] = []
    for tok in tokens:
        for child in tok.children or []:
            if child.type == "link_open":
                out.append((tok, str(child.attrs.get("href", ""))))
            elif child.type == "image":
                out.append((tok, str(child.attrs.get("src", ""))))
    return out


def _table(
    tokens: list[Token], start: int, end: int
) -> tuple[Token, list[str], list[list[str]]] | None:
    """First table in ``tokens[start:end]``: (table token, header cells, body rows)."""
    for i in range(start, end):
        if tokens[i].type != "table_open":
            continue
        header: list[str] = []
        rows: list[list[str]] = []
        section = "thead"
        for tok in tokens[i:end]:
            if tok.type == "table_close":
                break
            if tok.type == "tbody_open":
                section = "tbody"
            elif tok.type == "tr_open" and section == "tbody":
                rows.append([])
            elif tok.type == "inline":
                (header if section == "thead" else rows[-1]).append(tok.content.strip())
        return tokens[i], header, rows
    return None
