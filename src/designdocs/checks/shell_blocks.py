"""The shell commands a page documents, so a test can run them as a reader would.

A README or site page that shows commands makes a claim: "type these and it works". The tests
read the blocks from the page itself (never a copy of them) and run them.
"""

from __future__ import annotations

import re

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
_FENCE = re.compile(r"^```(\w*)\s*$")


def shell_blocks(markdown: str, heading: str) -> list[str]:
    """The ```bash blocks of one section of a Markdown page.

    Args:
        markdown: The page's source.
        heading: The section's heading text (without the ``#`` marks); the section runs to the
            next heading of the same or a higher level.

    Returns:
        Each block's text, in page order.

    Raises:
        LookupError: The page has no such heading, or the section holds no bash block (a test
            that runs the commands of a renamed section must fail, not run nothing).
    """
    blocks: list[str] = []
    level = 0  # the section's heading level while inside it, else 0
    found = False
    fence: list[str] | None = None  # the lines of the block being read
    in_fence = False  # any fenced block: a "#" line inside one is not a heading
    for line in markdown.splitlines():
        if in_fence:
            if line.rstrip() == "```":
                if fence is not None:
                    blocks.append("\n".join(fence) + "\n")
                fence, in_fence = None, False
            elif fence is not None:
                fence.append(line)
            continue
        opening = _FENCE.match(line)
        if opening:
            in_fence = True
            fence = [] if level and opening.group(1) in ("bash", "sh", "shell") else None
            continue
        marks = _HEADING.match(line)
        if marks:
            if level and len(marks.group(1)) <= level:
                level = 0
            if marks.group(2) == heading:
                level, found = len(marks.group(1)), True
    if not found:
        raise LookupError(f"no heading {heading!r}")
    if not blocks:
        raise LookupError(f"no bash block under {heading!r}")
    return blocks
