"""``designdocs-mermaid``: which pages it hands to mermaid2 (ADR 0035).

The pages it hands over get mermaid2's script (checked on the built site by
tests/site/test_build.py); any other page must come back exactly as MkDocs rendered it.
"""

from __future__ import annotations

import pytest
from mermaid2 import fence_mermaid_custom

from designdocs.site.mermaid import DIAGRAM_CLASS, MermaidPlugin

#: What the superfences fence of mkdocs.yml writes for a diagram.
FENCE = fence_mermaid_custom("flowchart LR\n  a --> b", "mermaid", "mermaid", {}, None)


@pytest.mark.parametrize(
    ("html", "has_diagram"),
    [
        (FENCE, True),
        ("<pre class='mermaid extra'><code>graph TD</code></pre>", True),
        ("<div class=mermaid>graph TD</div>", True),
        # every page's navigation links to ADR 0025, whose slug says "mermaid"
        ('<a class="md-nav__link" href="../0025-one-mermaid-settings-script/">x</a>', False),
        ('<script src="../js/mermaid.min.js"></script>', False),
        ('<p class="admonition">Mermaid diagrams are drawn in the browser.</p>', False),
    ],
)
def test_a_diagram_is_an_element_of_class_mermaid(html: str, has_diagram: bool) -> None:
    assert bool(DIAGRAM_CLASS.search(html)) is has_diagram


def test_a_page_without_a_diagram_comes_back_unchanged() -> None:
    page = (
        "<!doctype html>\n<html><body><a href='../0025-one-mermaid-settings-script/'>"
        "Mermaid settings</a>&nbsp;<br></body></html>"
    )
    assert MermaidPlugin().on_post_page(page, config=None, page=None) is page
