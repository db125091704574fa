"""ADR tooling: the real records lint clean, every lint rule can fail, and the commands work.

Each rule is proved by a deliberately broken copy of the real ``adr/`` folder (in ``tmp_path``)
that the lint must catch with the expected rule and message.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner, Result

from bankchurn.errors import UserError
from bankchurn.settings import settings
from designdocs import adr
from designdocs.cli import app

ROOT = settings().root
ADR_DIR = ROOT / "adr"
REPORTS = ROOT / "reports"
FILES = {p.name[:4]: p.name for p in adr.adr_files(ADR_DIR)}
LAST = max(FILES)  # the newest record: renumbering it past the end leaves a gap
LINE_RE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): (?P<rule>[a-z-]+): (?P<message>.+)$")


def _copy(tmp_path: Path) -> Path:
    """Copy adr/ (and docs/, which ADRs link to) into tmp_path; return the copy of adr/."""
    shutil.copytree(ADR_DIR, tmp_path / "adr")
    if (ROOT / "docs").is_dir():
        # only pages matter for links; skip the vendored JavaScript (megabytes)
        shutil.copytree(ROOT / "docs", tmp_path / "docs", ignore=shutil.ignore_patterns("*.js"))
    # the checks an ADR names are looked up in tests/ beside adr/
    shutil.copytree(
        ROOT / "tests", tmp_path / "tests", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    return tmp_path / "adr"


def _edit(folder: Path, number: str, old: str, new: str, count: int = 1) -> Path:
    path = folder / FILES[number]
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


def _edits(folder: Path, *changes: tuple[str, str, str]) -> Path:
    """Several ``_edit`` calls in order, ``(number, old, new)`` each: a defect of several lines."""
    return [_edit(folder, *change) for change in changes][-1]


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if needle in ln)


# --------------------------------------------------------------------------- the real records


def test_real_adr_folder_lints_clean() -> None:
    errors = adr.lint(ADR_DIR, REPORTS)
    assert errors == [], "\n".join(map(str, errors))


def test_real_adr_set_covers_the_required_decisions() -> None:
    titles = {a.meta.id: a.meta.title.lower() for a in adr.load_adrs(ADR_DIR)}
    expected = {
        1: "record architecture decisions",
        2: "mkdocs",
        3: "offline",
        4: "synthetic",
        5: "pandera",
        6: "gdpr",
        7: "temporal",
        8: "target model",
        9: "fastapi",
        10: "dvc",
        11: "tooling",
    }
    for number, word in expected.items():
        assert word in titles[number], (number, titles[number])


def test_real_adrs_type_no_measured_numbers_in_the_comparison() -> None:
    """The target-model ADR's comparison tables hold macros only (ADR 0021).

    Every cell after the first is a metric(); ADR 0008, which it superseded, keeps no live table.
    """
    text = (ADR_DIR / FILES["0021"]).read_text()
    rows = [ln for ln in text.splitlines() if ln.startswith("| ") and "{{" in ln]
    assert len(rows) >= 4
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")][1:]
        assert all(
            re.fullmatch(r'\{\{ metric\("[a-z_.0-9]+"(, "[^"]+")?\) \}\}', c) for c in cells
        ), row


# --------------------------------------------------------------------------- each rule can fail


def _rename(folder: Path) -> None:
    (folder / FILES["0003"]).rename(folder / "0003_Offline.md")


def _drop_opening(folder: Path) -> None:
    path = folder / FILES["0004"]
    path.write_text(path.read_text().split("\n", 1)[1])


Mutation = Callable[[Path], object]
CASES: list[tuple[str, Mutation, str, str, str]] = [
    # (case id, mutation, file (number or literal name), rule, message fragment)
    ("filename", _rename, "0003_Offline.md", "filename", "NNNN-kebab-title.md"),
    ("no-front-matter", _drop_opening, "0004", "front-matter", "must start with a '---' line"),
    (
        "bad-yaml",
        lambda d: _edit(d, "0005", "title: Data contract", "title: [Data contract"),
        "0005",
        "front-matter",
        "invalid YAML",
    ),
    (
        "missing-field",
        lambda d: _edit(d, "0009", "deciders: [ML engineering lead, Platform engineer]\n", ""),
        "0009",
        "schema",
        "missing field 'deciders'",
    ),
    (
        "unknown-field",
        lambda d: _edit(d, "0009", "tags: [serving, api]", "tags: [serving, api]\nowner: me"),
        "0009",
        "schema",
        "unknown field 'owner'",
    ),
    (
        "id-type",
        lambda d: _edit(d, "0009", "id: 9\n", "id: nine\n"),
        "0009",
        "schema",
        "field 'id'",
    ),
    (
        "status",
        lambda d: _edit(d, "0003", "status: accepted", "status: done"),
        "0003",
        "status",
        "status 'done' is not in the lifecycle",
    ),
    (
        "date-format",
        lambda d: _edit(d, "0003", "date: 2026-11-26", "date: 26/11/2026"),
        "0003",
        "date",
        "date must be written YYYY-MM-DD",
    ),
    (
        "date-calendar",
        lambda d: _edit(d, "0003", "date: 2026-11-26", "date: 2026-02-30"),
        "0003",
        "date",
        "is not a calendar date",
    ),
    (
        "id-mismatch",
        lambda d: _edit(d, "0009", "id: 9\n", "id: 10\n"),
        "0009",
        "id",
        "does not match the file number 0009",
    ),
    (
        "id-duplicate",
        lambda d: _edit(d, "0009", "id: 9\n", "id: 10\n"),
        "0010",
        "id",
        "is also used by",
    ),
    (
        "sequence",
        lambda d: _renumber(d, LAST, int(LAST) + 1),
        FILES[LAST].replace(LAST, f"{int(LAST) + 1:04d}"),
        "sequence",
        f"missing: {LAST}",
    ),
    (
        "title",
        lambda d: _edit(d, "0003", "# ADR-0003: Fully offline site", "# ADR-0003: Offline"),
        "0003",
        "title",
        "heading must be '# ADR-0003: Fully offline site'",
    ),
    (
        "section-missing",
        lambda d: _edit(d, "0003", "## Context\n", "## Background\n"),
        "0003",
        "sections",
        "missing section '## Context'",
    ),
    (
        "section-empty",
        lambda d: (
            _edit(
                d,
                "0003",
                "### Neutral\n\n- Mermaid C4 diagrams are marked experimental upstream",
                "### Neutral\n\n<!-- - Mermaid C4 diagrams are marked experimental upstream",
            )
            and _edit(d, "0003", "in a real browser is needed regardless.\n", "regardless. -->\n")
        ),
        "0003",
        "sections",
        "section '### Neutral' is empty",
    ),
    (
        "section-order",
        lambda d: _edits(
            d,
            ("0003", "## Context\n", "## Decision2\n"),
            ("0003", "## Decision\n", "## Context\n"),
            ("0003", "## Decision2\n", "## Decision\n"),
        ),
        "0003",
        "sections",
        "out of order",
    ),
    (
        "subsection-missing",
        lambda d: _edit(d, "0003", "### Negative\n", "### Drawbacks\n"),
        "0003",
        "sections",
        "lacks '### Negative'",
    ),
    (
        "alternatives-header",
        lambda d: _edit(
            d, "0003", "| Alternative | Pros | Cons | Why rejected |", "| A | B | C | D |"
        ),
        "0003",
        "alternatives",
        "table header must be | Alternative | Pros | Cons | Why rejected |",
    ),
    (
        "alternatives-none-rejected",
        lambda d: _strip_rejections(d, "0003"),
        "0003",
        "alternatives",
        "at least one alternative must be rejected",
    ),
    (
        "alternatives-no-table",
        lambda d: _drop_table(d, "0003"),
        "0003",
        "alternatives",
        "no table",
    ),
    (
        "superseded-without-successor",
        lambda d: _edit(d, "0002", "status: accepted", "status: superseded"),
        "0002",
        "supersede",
        "status is superseded but superseded_by is empty",
    ),
    (
        "successor-without-status",
        lambda d: _edit(d, "0002", "superseded_by: []", "superseded_by: [3]"),
        "0002",
        "supersede",
        "superseded_by is set but status is accepted",
    ),
    (
        "one-way-supersede",
        lambda d: _edit(d, "0003", "supersedes: []", "supersedes: [2]"),
        "0003",
        "supersede",
        "supersedes 0002 but 0002-documentation-system-mkdocs-material-and-nbval.md lacks 3",
    ),
    (
        "supersede-unknown",
        lambda d: _edit(d, "0003", "supersedes: []", "supersedes: [42]"),
        "0003",
        "supersede",
        "supersedes: no ADR 0042",
    ),
    (
        "supersede-without-body-link",
        lambda d: _edits(
            d,
            ("0003", "supersedes: []", "supersedes: [9]"),
            ("0009", "status: accepted", "status: superseded"),
            ("0009", "superseded_by: []", "superseded_by: [3]"),
        ),
        "0003",
        "supersede",
        f"the body has no link to {FILES['0009']}",
    ),
    (
        "link-missing-file",
        lambda d: _edit(d, "0003", "## References\n", "## References\n\n- [gone](0099-gone.md)\n"),
        "0003",
        "links",
        "'0099-gone.md' does not resolve",
    ),
    (
        "link-missing-anchor",
        lambda d: _edit(
            d, "0003", "## References\n", f"## References\n\n- [x]({FILES['0001']}#nowhere)\n"
        ),
        "0003",
        "links",
        "anchor '#nowhere' not found",
    ),
    (
        "link-own-anchor",
        lambda d: _edit(d, "0003", "## References\n", "## References\n\n- [x](#nowhere)\n"),
        "0003",
        "links",
        "anchor '#nowhere' not found",
    ),
    (
        "link-absolute",
        lambda d: _edit(d, "0003", "## References\n", "## References\n\n- [x](/adr/x.md)\n"),
        "0003",
        "links",
        "is absolute",
    ),
    (
        "link-unpublished",
        lambda d: (
            (d.parent / "notes.txt").write_text("x")
            and _edit(d, "0003", "## References\n", "## References\n\n- [x](../notes.txt)\n")
        ),
        "0003",
        "links",
        "leaves adr/ for a file the site does not publish",
    ),
    (
        "placeholder",
        lambda d: _edit(d, "0003", "## Decision\n", "## Decision\n\nTODO(adr): decide.\n"),
        "0003",
        "placeholder",
        "TODO(adr) left in an ADR with status accepted",
    ),
    (
        "check-that-does-not-exist",
        lambda d: _edit(
            d,
            "0014",
            "::test_every_canvas_target_is_judged_at_the_operating_point",
            "::test_every_canvas_target_is_judged_somewhere",
        ),
        "0014",
        "checks",
        "defines no test_every_canvas_target_is_judged_somewhere",
    ),
    (
        "accepted-built-without-checks",
        lambda d: _edit(
            d,
            "0007",
            "checks:\n"
            "  - tests/bankchurn/test_split.py::test_temporal_split_tests_on_the_last_months\n"
            "  - tests/bankchurn/test_split.py::test_time_ordered_folds_never_validate_on_the_past\n"
            "  - tests/bankchurn/test_split.py::test_nothing_is_fitted_on_test_rows\n",
            "",
        ),
        "0007",
        "checks",
        "names no check that enforces it",
    ),
    (
        "no-summary",
        lambda d: _edit(
            d,
            "0003",
            'summary: "The built site works offline: every asset is vendored and no request '
            'leaves its origin."\n',
            "",
        ),
        "0003",
        "summary",
        "no one-line summary",
    ),
    (
        "metric-report-name",
        lambda d: _edit(d, "0003", "## Decision\n", '## Decision\n\n{{ metric("nope.x") }}\n'),
        "0003",
        "metric",
        "first segment must be one of data, baseline, target, selection, canvas, monitoring, bench",
    ),
]


def _renumber(folder: Path, number: str, new_id: int) -> None:
    path = _edit(folder, number, f"id: {int(number)}\n", f"id: {new_id}\n")
    _edit(folder, number, f"# ADR-{number}:", f"# ADR-{new_id:04d}:")
    path.rename(folder / path.name.replace(number, f"{new_id:04d}"))


def _strip_rejections(folder: Path, number: str) -> None:
    path = folder / FILES[number]
    lines = path.read_text().splitlines()
    start = lines.index("## Alternatives considered")
    for i in range(start, len(lines)):
        if lines[i].startswith("| ") and not lines[i].startswith("| Alternative"):
            cells = lines[i].strip().strip("|").split("|")
            lines[i] = "|" + "|".join(cells[:-1]) + "| — |"
    path.write_text("\n".join(lines) + "\n")


def _drop_table(folder: Path, number: str) -> None:
    path = folder / FILES[number]
    lines = [ln for ln in path.read_text().splitlines() if not ln.startswith("|")]
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(
    ("mutate", "where", "rule", "fragment"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_each_rule_catches_a_broken_copy(
    tmp_path: Path, mutate: Mutation, where: str, rule: str, fragment: str
) -> None:
    folder = _copy(tmp_path)
    mutate(folder)
    errors = adr.lint(folder, None)
    name = FILES.get(where, where)
    hits = [e for e in errors if Path(e.path).name == name and e.rule == rule]
    assert any(fragment in e.message or fragment in str(e) for e in hits), "\n".join(
        map(str, errors)
    )
    for error in errors:  # the output format the CLI prints
        assert LINE_RE.match(str(error)), str(error)


def test_an_unbroken_copy_lints_clean(tmp_path: Path) -> None:
    """The baseline of the cases above: the copy fails only because of its mutation."""
    assert adr.lint(_copy(tmp_path), None) == []


def test_links_to_notebooks_and_docs_pages_are_allowed(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "03-target.ipynb").write_text("{}")
    (tmp_path / "docs" / "page.md").write_text("# Page\n\n## Part one\n")
    _edit(
        folder,
        "0003",
        "## References\n",
        "## References\n\n- [nb](../notebooks/03-target.ipynb)\n- [p](../docs/page.md#part-one)\n",
    )
    assert adr.lint(folder, None) == []


def test_every_rule_has_a_failing_case() -> None:
    assert {c[3] for c in CASES} == set(adr.RULES)


def test_errors_point_at_the_offending_line(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    path = _edit(folder, "0003", "status: accepted", "status: done")
    _edit(folder, "0003", "## References\n", "## References\n\n- [gone](0099-gone.md)\n")
    errors = {e.rule: e for e in adr.lint(folder, None)}
    assert errors["status"].line == _line_of(path, "status: done")
    assert errors["links"].line == _line_of(path, "[gone](0099-gone.md)")
    assert errors["status"].path == str(folder / FILES["0003"])


def test_metric_keys_are_checked_against_the_reports(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    reports = tmp_path / "reports"
    reports.mkdir()
    shutil.copy(ROOT / "reports" / "data_profile.json", reports / "data_profile.json")
    _edit(
        folder,
        "0003",
        "## Decision\n",
        '## Decision\n\n{{ metric("data.n_rows") }} {{ metric("data.monthly.0.n") }}\n',
    )

    def metric_errors() -> list[adr.LintError]:
        found = adr.lint(folder, reports)
        return [e for e in found if e.rule == "metric" and e.path.endswith(FILES["0003"])]

    assert metric_errors() == []
    _edit(folder, "0003", '{{ metric("data.n_rows") }}', '{{ metric("data.n_rowz") }}')
    errors = metric_errors()
    assert len(errors) == 1
    assert "key 'n_rowz' not found" in errors[0].message


def test_metric_keys_of_the_real_records_exist_in_the_real_reports(tmp_path: Path) -> None:
    """When the pipeline reports exist, every metric() of the ADRs names a real key."""
    keys = []
    for path in adr.adr_files(ADR_DIR):
        keys += re.findall(r'metric\("([^"]+)"\)', path.read_text())
    assert keys, "the ADRs cite measured values through metric()"
    errors = [e for e in adr.lint(ADR_DIR, REPORTS) if e.rule == "metric"]
    assert errors == [], "\n".join(map(str, errors))


def test_readme_is_not_a_record_but_other_files_are_checked(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "README.md").write_text("# Decisions\n")
    assert adr.lint(folder, None) == []
    (folder / "notes.md").write_text("# notes\n")
    rules = {e.rule for e in adr.lint(folder, None) if e.path.endswith("notes.md")}
    assert {"filename", "front-matter"} <= rules


def test_a_file_that_is_not_utf8_is_reported_not_crashed(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / FILES["0003"]).write_bytes("---\ntitle: caf\xe9\n".encode("latin-1"))
    errors = [e for e in adr.lint(folder, None) if e.path.endswith(FILES["0003"])]
    assert [e.rule for e in errors][:1] == ["front-matter"]
    assert "not UTF-8" in errors[0].message


def test_lint_of_a_missing_folder_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such ADR folder"):
        adr.lint(tmp_path / "nope", None)


# --------------------------------------------------------------------------- schema


def test_front_matter_schema_accepts_the_documented_fields() -> None:
    meta = adr.AdrMeta.model_validate(
        {
            "id": 1,
            "title": "T",
            "status": "accepted",
            "date": "2026-11-26",
            "deciders": ["a"],
            "supersedes": [],
            "superseded_by": [],
        }
    )
    assert meta.tags == []
    assert meta.date.isoformat() == "2026-11-26"
    with pytest.raises(ValueError, match="deciders"):
        adr.AdrMeta.model_validate({**meta.model_dump(), "deciders": []})
    with pytest.raises(ValueError, match="must not repeat"):
        adr.AdrMeta.model_validate({**meta.model_dump(), "supersedes": [2, 2]})
    with pytest.raises(ValueError, match="id"):
        adr.AdrMeta.model_validate({**meta.model_dump(), "id": True})


# --------------------------------------------------------------------------- commands


@pytest.fixture
def repo_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of adr/ and docs/ with the working directory at its root."""
    _copy(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BANKCHURN_ROOT", str(tmp_path))
    return tmp_path


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(app, ["adr", *args])


def test_cli_new_creates_the_next_record_that_lints_clean(repo_copy: Path) -> None:
    n = len(FILES) + 1
    result = _invoke("new", "Use Kafka for CRM events!", "--date", "2026-12-01")
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip())
    assert path == Path("adr") / f"{n:04d}-use-kafka-for-crm-events.md"
    record = adr.read_adr(path)
    assert record.meta.id == n
    assert record.meta.status == "proposed"
    assert record.meta.date.isoformat() == "2026-12-01"
    assert f"# ADR-{n:04d}: Use Kafka for CRM events!" in record.body
    assert adr.lint("adr", None) == []
    assert _invoke("lint", "--reports", "nowhere").exit_code == 0


def test_new_uses_today_by_default(tmp_path: Path) -> None:
    import datetime as dt

    path = adr.new_adr(tmp_path / "fresh", "First decision")
    assert path.name == "0001-first-decision.md"
    assert adr.read_adr(path).meta.date == dt.date.today()


def test_cli_supersede_links_both_ways_and_lints_clean(repo_copy: Path) -> None:
    n = len(FILES) + 1
    result = _invoke("supersede", "3", "Self-hosted CDN mirror", "--date", "2026-12-02")
    assert result.exit_code == 0, result.output
    new = adr.read_adr(result.stdout.strip())
    old = adr.read_adr(Path("adr") / FILES["0003"])
    assert new.meta.id == n
    assert new.meta.supersedes == [3]
    assert new.meta.status == "proposed"
    assert old.meta.status == "superseded"
    assert old.meta.superseded_by == [n]
    assert f"]({FILES['0003']})" in new.body
    assert f"]({new.path.name})" in old.body
    assert adr.lint("adr", None) == []
    assert _invoke("lint", "--reports", "nowhere").exit_code == 0
    index = adr.render_index("adr")
    assert '<span class="adr-status adr-status--superseded">superseded</span>' in index
    banner = adr.render_banner(old)
    assert banner.startswith('!!! warning "Superseded"')
    assert new.path.name in banner
    page = adr.render_page(old)
    after_h1 = page.split("# ADR-0003:", 1)[1].split("## Context", 1)[0]
    assert "**Superseded by** [ADR-" in after_h1
    assert '!!! warning "Superseded"' in after_h1


def test_supersede_refuses_bad_requests_and_writes_nothing(repo_copy: Path) -> None:
    before = sorted(p.name for p in Path("adr").iterdir())
    snapshot = {p.name: p.read_text() for p in Path("adr").iterdir()}
    for args, message in [
        (("supersede", "99", "X"), "no ADR 0099"),
        (("supersede", "3", "   "), "title is empty"),
        (("supersede", "3", "X", "--date", "2026-13-01"), "not a calendar date"),
        (("new", "!!!"), "no letters or digits"),
        (("new", "X", "--date", "tomorrow"), "YYYY-MM-DD"),
    ]:
        result = _invoke(*args)
        assert isinstance(result.exception, UserError), (args, result.output)
        assert message in str(result.exception)
    assert sorted(p.name for p in Path("adr").iterdir()) == before
    assert {p.name: p.read_text() for p in Path("adr").iterdir()} == snapshot
    adr.supersede_adr("adr", 3, "First successor", date="2026-12-02")
    with pytest.raises(UserError, match="already superseded"):
        adr.supersede_adr("adr", 3, "Second successor", date="2026-12-03")


def test_cli_lint_prints_one_line_per_problem_and_exits_2(repo_copy: Path) -> None:
    _edit(Path("adr"), "0003", "status: accepted", "status: done")
    result = _invoke("lint", "--reports", "nowhere")
    assert result.exit_code == 2
    lines = [ln for ln in result.stderr.splitlines() if LINE_RE.match(ln)]
    line = _line_of(Path("adr") / FILES["0003"], "status: done")
    expected = (
        f"adr/{FILES['0003']}:{line}: status: status 'done' is not in the lifecycle "
        "(proposed | accepted | deprecated | superseded)"
    )
    assert lines == [expected]


def test_cli_lint_rules_lists_every_rule() -> None:
    result = _invoke("lint", "--rules")
    assert result.exit_code == 0
    assert [ln.split()[0] for ln in result.stdout.splitlines()] == list(adr.RULES)


def test_cli_index_writes_the_page(repo_copy: Path) -> None:
    result = _invoke("index", "--out", "site-src/decisions/index.md")
    assert result.exit_code == 0, result.output
    assert Path("site-src/decisions/index.md").read_text() == adr.render_index("adr")


def test_template_is_shipped_in_the_package() -> None:
    from importlib import resources

    text = resources.files("designdocs").joinpath("templates", "adr.md").read_text()
    front = yaml.safe_load(text.split("---")[1].replace("${", "x").replace("}", ""))
    assert "status" in front
    assert "## Alternatives considered" in text


# --------------------------------------------------------------------------- site rendering


def test_render_index_lists_every_record_with_its_status() -> None:
    index = adr.render_index(ADR_DIR)
    records = adr.load_adrs(ADR_DIR)
    rows = [ln for ln in index.splitlines() if ln.startswith("| [")]
    assert len(rows) == len(records)
    for record, row in zip(records, rows, strict=True):
        assert row.startswith(f"| [{record.number}]({record.path.name}) ")
        assert f'adr-status--{record.meta.status}">{record.meta.status}</span>' in row
        assert record.meta.date.isoformat() in row
    assert index == adr.render_index(ADR_DIR)  # deterministic


def test_render_index_filter_works_without_javascript() -> None:
    index = adr.render_index(ADR_DIR)
    assert "<script" not in index
    assert "<style" not in index  # one stylesheet: docs/stylesheets/extra.css
    css = (ROOT / "docs" / "stylesheets" / "extra.css").read_text(encoding="utf-8")
    for status in adr.STATUSES:
        assert f'id="adr-filter-{status}"' in index
        assert f".adr-status--{status} {{ background:" in css
        assert (
            f"#adr-filter-{status}:checked) tr:has(.adr-status):not(:has(.adr-status--{status}))"
            in css
        )
    assert 'id="adr-filter-all" checked' in index


def test_render_banner_only_for_superseded_and_deprecated(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    record = adr.read_adr(folder / FILES["0003"])
    assert adr.render_banner(record) == ""
    _edit(folder, "0003", "status: accepted", "status: deprecated")
    banner = adr.render_banner(adr.read_adr(folder / FILES["0003"]))
    assert banner.startswith('!!! warning "Deprecated"')


def test_render_page_rewrites_links_to_docs_pages() -> None:
    record = adr.read_adr(ADR_DIR / FILES["0009"])
    assert "](../docs/benchmarks.md)" in record.body
    page = adr.render_page(record)
    assert "](../benchmarks.md)" in page
    assert "../docs/" not in page


def test_render_page_keeps_status_away_from_material_page_status() -> None:
    """Material reads a top-level ``status`` as a page-status icon: nest the ADR metadata."""
    record = adr.read_adr(ADR_DIR / FILES["0009"])
    page = adr.render_page(record)
    front = yaml.safe_load(page.split("---\n")[1])
    assert set(front) == {"title", "adr"}
    assert front["title"] == f"0009 {record.meta.title}"
    assert front["adr"]["status"] == record.meta.status
    assert front["adr"]["id"] == 9
    body = page.split("---\n", 2)[2]
    assert body.lstrip().startswith(f"# {record.label}\n")
    assert adr.render_status_line(record) in body
    assert f'adr-status--{record.meta.status}">{record.meta.status}</span>' in body


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("FastAPI over Flask for the serving API", "fastapi-over-flask-for-the-serving-api"),
        ("Données: pseudonymisation (GDPR)", "donnees-pseudonymisation-gdpr"),
        ("  Many   spaces  ", "many-spaces"),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert adr.slugify(title) == slug
    assert len(adr.slugify("word " * 40)) <= 60
