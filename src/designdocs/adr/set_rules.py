"""ADR lint rules across the records: ids 1..N without gaps or repeats, supersede links both ways."""

from __future__ import annotations

from designdocs.adr.model import (
    _NUMBERED_RE,
    LintError,
)
from designdocs.adr.parse import _Parsed
from designdocs.adr.reference_rules import link_targets


def check_set(files: list[_Parsed]) -> list[LintError]:
    """The rules across the records: ids 1..N without gaps or repeats, supersede links both ways."""
    errors: list[LintError] = []
    valid = [p for p in files if p.meta is not None]
    # A file whose front matter is broken still holds its number: no spurious gap for it.
    taken = {p.meta.id for p in valid if p.meta is not None} | {
        int(m.group("number"))
        for p in files
        if p.meta is None and (m := _NUMBERED_RE.match(p.path.name))
    }
    by_id: dict[int, _Parsed] = {}
    for p in valid:
        assert p.meta is not None
        if p.meta.id in by_id:
            errors.append(
                p.error(
                    p.key_line("id"),
                    "id",
                    f"id {p.meta.id} is also used by {by_id[p.meta.id].shown}",
                )
            )
        else:
            by_id[p.meta.id] = p
    if by_id:
        missing = sorted(set(range(1, max(by_id) + 1)) - taken)
        if missing:
            after = by_id[min(i for i in by_id if i > missing[0])]
            errors.append(
                after.error(
                    after.key_line("id"),
                    "sequence",
                    "ids must run 1..N without gaps; missing: "
                    + ", ".join(f"{i:04d}" for i in missing),
                )
            )

    for p in valid:
        meta = p.meta
        assert meta is not None
        if meta.status == "superseded" and not meta.superseded_by:
            errors.append(
                p.error(
                    p.key_line("superseded_by"),
                    "supersede",
                    "status is superseded but superseded_by is empty",
                )
            )
        if meta.superseded_by and meta.status != "superseded":
            errors.append(
                p.error(
                    p.key_line("status"),
                    "supersede",
                    f"superseded_by is set but status is {meta.status}, not superseded",
                )
            )
        links = link_targets(p)
        for field, back, verb in (
            ("supersedes", "superseded_by", "supersedes"),
            ("superseded_by", "supersedes", "is superseded by"),
        ):
            for other_id in getattr(meta, field):
                line = p.key_line(field)
                if other_id == meta.id:
                    errors.append(p.error(line, "supersede", f"{field} lists itself"))
                    continue
                other = by_id.get(other_id)
                if other is None or other.meta is None:
                    errors.append(p.error(line, "supersede", f"{field}: no ADR {other_id:04d}"))
                    continue
                if meta.id not in getattr(other.meta, back):
                    errors.append(
                        p.error(
                            line,
                            "supersede",
                            f"{verb} {other_id:04d} but {other.path.name} lacks {meta.id} in {back}",
                        )
                    )
                if other.path.name not in links:
                    errors.append(
                        p.error(
                            line,
                            "supersede",
                            f"{verb} {other_id:04d} but the body has no link to {other.path.name}",
                        )
                    )
    return errors
