"""The MkDocs plugin ``designdocs-mermaid``: mermaid2, without parsing pages that have no diagram.

mermaid2 adds the vendored Mermaid script to each page holding a diagram. To find them it parses
every page whose HTML contains the word "mermaid" with BeautifulSoup and writes the whole page
back out; here every page has that word, in the navigation's link to the record on diagram
legibility (ADR 0025), so the site build parsed and re-wrote each of its pages for nothing. This
subclass hands mermaid2 only the pages with an element whose class is ``mermaid`` (what
``fence_mermaid_custom`` writes, the only marking mermaid2 looks for with superfences), and
returns any other page as MkDocs rendered it (ADR 0035). Its options are mermaid2's.

Registered as the ``designdocs-mermaid`` entry point of ``mkdocs.plugins`` (``pyproject.toml``).
"""

from __future__ import annotations

import re
from typing import Any

from mermaid2.plugin import MarkdownMermaidPlugin

#: An element whose class list has the word ``mermaid``, however the attribute is quoted.
DIAGRAM_CLASS = re.compile(r"""\bclass\s*=\s*["']?[^"'>]*\bmermaid\b""")


class MermaidPlugin(MarkdownMermaidPlugin):
    """mermaid2 on the pages that hold a diagram; any other page is returned unchanged."""

    def on_post_page(self, output_content: str, config: Any, page: Any, **kwargs: Any) -> str:
        """Add the Mermaid script to a page with diagrams (mermaid2); leave other pages alone."""
        if not DIAGRAM_CLASS.search(output_content):
            return output_content
        return str(super().on_post_page(output_content, config, page, **kwargs))
