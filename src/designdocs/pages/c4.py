"""C4 diagrams readable in both palettes (light and dark)."""

from __future__ import annotations

import re

# --------------------------------------------------------------------------- C4 in both palettes

#: Mermaid's C4 renderer hard-codes dark grey relationship labels and black boundary titles,
#: unreadable on Material's dark palette; this mid-grey reads on both.
C4_NEUTRAL = "#808080"
_FENCE = re.compile(r"^(```+|~~~+)mermaid[ \t]*\n(.*?)^\1[ \t]*$", re.MULTILINE | re.DOTALL)
_C4_REL = re.compile(r"^\s*(?:Rel|BiRel|Rel_[A-Za-z]+)\(\s*([\w-]+)\s*,\s*([\w-]+)", re.MULTILINE)
_C4_BOUNDARY = re.compile(r"^\s*\w*Boundary\(\s*([\w-]+)", re.MULTILINE)
_C4_UPDATE = re.compile(r"^\s*Update\w+\(", re.MULTILINE)


def c4_palette_neutral(markdown: str) -> str:
    """Give every C4 relationship and boundary a colour readable in light and dark palettes.

    Styles are inserted before the author's own ``Update...`` lines, so those still win.
    """

    def fix(match: re.Match[str]) -> str:
        body = match[2]
        if not body.lstrip().startswith("C4"):
            return match[0]
        styles = [
            f'  UpdateRelStyle({a}, {b}, $textColor="{C4_NEUTRAL}", $lineColor="{C4_NEUTRAL}")'
            for a, b in dict.fromkeys(_C4_REL.findall(body))
        ]
        styles += [
            f'  UpdateElementStyle({b}, $fontColor="{C4_NEUTRAL}", $borderColor="{C4_NEUTRAL}")'
            for b in dict.fromkeys(_C4_BOUNDARY.findall(body))
        ]
        first_update = _C4_UPDATE.search(body)
        at = first_update.start() if first_update else len(body)
        body = body[:at].rstrip("\n") + "\n" + "\n".join(styles) + "\n" + body[at:]
        return f"{match[1]}mermaid\n{body}{match[1]}"

    return _FENCE.sub(fix, markdown)
