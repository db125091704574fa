"""Tables of the notebooks: report keys shown under the titles their schemas declare.

A key of a report (``churn_rate``, ``n``) is declared once in `bankchurn.report_schemas`, with
the title a reader sees (``Field(title=...)``, read by
[`StrictModel.titles`][bankchurn.report_schemas.base.StrictModel.titles]); a notebook renames
a frame's labels through `titled` instead of typing its own words
(``plots.titled(frame, GroupRate.titles())``), so a notebook table and a page of the site say
the same thing.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import pandas as pd


def titled(frame: pd.DataFrame, *titles: Mapping[str, str]) -> pd.DataFrame:
    """``frame`` with every key among its labels shown by its title.

    Column labels, row labels and the names of both axes (every level of a multi-index) are
    renamed; a label without a title (a customer group such as ``France``) is kept.

    Args:
        frame: A table built from report records.
        titles: Key -> title mappings, merged in order (a later one wins on a shared key).

    Returns:
        A renamed copy; the values are untouched.
    """
    names: dict[str, str] = {}
    for mapping in titles:
        names |= mapping

    def title(label: Hashable) -> Hashable:
        return names.get(label, label) if isinstance(label, str) else label

    out = frame.rename(index=title, columns=title)
    out.index = out.index.set_names([title(n) for n in out.index.names])
    out.columns = out.columns.set_names([title(n) for n in out.columns.names])
    return out
