"""Every ADR number or record link in the repository names a record that exists."""

from __future__ import annotations

import shutil
from pathlib import Path

from bankchurn.settings import settings
from designdocs.checks.adr_citations import citation_problems, cited, tracked_text_files

ROOT = settings().root
ADR_DIR = ROOT / "adr"
#: Numbers cited on purpose although no record has them, by file: each plants a missing record.
DELIBERATE = {
    # the lint's "supersedes a record that does not exist" rule, and `adr supersede 99`
    "tests/designdocs/adr/test_lint.py": frozenset({"0042", "0099"}),
}


def test_every_cited_adr_exists() -> None:
    problems = citation_problems(ROOT, ADR_DIR, tracked_text_files(ROOT), DELIBERATE)
    assert not problems, "\n".join(problems)


def test_the_deliberate_citations_are_still_there() -> None:
    """An exemption whose citation is gone must go too, or it would hide a real one later."""
    for path, numbers in DELIBERATE.items():
        found = {n for line in (ROOT / path).read_text().splitlines() for n, _ in cited(line)}
        assert numbers <= found, f"{path} no longer cites {sorted(numbers - found)}"


def test_citation_forms() -> None:
    line = "ADR 0006; ADR-0016, ADRs 0005, 0008 and 0021 (see decisions/0003-fully-offline-site/)"
    assert [n for n, _ in cited(line)] == ["0006", "0016", "0005", "0008", "0021", "0003"]
    assert not list(cited("madr-0001 and MADR 2.1, a 2026 ADR"))


#: Planted links are assembled, so this file does not cite them itself.
MLFLOW_LINK, STALE_LINK = "decisions/" + "0016-mlflow.md", "decisions/" + "0016-mlflow-tracking.md"


def test_fails_on_a_renumbered_record(tmp_path: Path) -> None:
    """Planted: MLflow's record renumbered from 0016 to 0024; its citations must be named."""
    shutil.copytree(ADR_DIR, tmp_path / "adr")
    old = next((tmp_path / "adr").glob("0016-*.md"))
    old.rename(old.with_name("0024" + old.name[4:]))
    problems = citation_problems(ROOT, tmp_path / "adr", tracked_text_files(ROOT), DELIBERATE)
    assert any(
        p.startswith("src/bankchurn/tracking/log_run.py line 3: cites 'ADR-0016'") for p in problems
    )
    assert any("README.md" in p and "adr/" + "0016-mlflow-for" in p for p in problems)


def test_fails_on_a_missing_number_a_listed_number_and_a_stale_link(tmp_path: Path) -> None:
    (tmp_path / "adr").mkdir()
    for name in ("0001-record-decisions.md", "0016-mlflow.md"):
        (tmp_path / "adr" / name).write_text("# x\n")
    (tmp_path / "code.py").write_text(
        '"""Tracking (ADR-0016), see ADR 0013."""\n'
        "# ADRs 0001 and 0014\n"
        f"# [MLflow]({STALE_LINK}) [ok]({MLFLOW_LINK})\n"
    )
    problems = citation_problems(tmp_path, tmp_path / "adr", ["code.py"])
    assert problems == [
        "code.py line 1: cites 'ADR 0013' but adr/ has no 0013-*.md (cite the number of the "
        "record you mean)",
        "code.py line 2: cites 'ADRs 0001 and 0014' but adr/ has no 0014-*.md (cite the number "
        "of the record you mean)",
        f"code.py line 3: links '{STALE_LINK[:-3]}' but the record 0016 is adr/{MLFLOW_LINK[10:]}",
    ]
