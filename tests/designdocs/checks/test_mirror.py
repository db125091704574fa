"""Tests mirror the code: the repository follows the rule, and each rule fails on a planted departure."""

from __future__ import annotations

from pathlib import Path

from bankchurn.settings import settings
from designdocs.checks.mirror import mirror_problems, mirrored_test, source_modules


def _tree(tmp_path: Path, files: list[str]) -> tuple[Path, Path]:
    for name in files:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    return tmp_path / "src", tmp_path / "tests"


GOOD = [
    "src/pkg/__init__.py",
    "src/pkg/__main__.py",
    "src/pkg/io.py",
    "src/pkg/api/__init__.py",
    "src/pkg/api/app.py",
    "src/pkg/api/schemas.py",
    "tests/pkg/test_io.py",
    "tests/pkg/test_io_hostile.py",
    "tests/pkg/api/test_app.py",
    "tests/pkg/api/conftest.py",
    "tests/site/test_build.py",
    "tests/old/__pycache__/test_gone.cpython-311.pyc",
]
PLANTED_UNTESTED = {"pkg/api/schemas.py": "through tests/pkg/api/test_app.py"}
PLANTED_SYSTEM = {"site": "the built site"}


def test_the_mapping() -> None:
    assert mirrored_test("bankchurn/features.py") == "bankchurn/test_features.py"
    assert mirrored_test("designdocs/adr/lint.py") == "designdocs/adr/test_lint.py"


def test_a_tree_that_follows_the_rule(tmp_path: Path) -> None:
    src, tests = _tree(tmp_path, GOOD)
    assert source_modules(src) == ["pkg/api/app.py", "pkg/api/schemas.py", "pkg/io.py"]
    assert mirror_problems(src, tests, PLANTED_UNTESTED, PLANTED_SYSTEM) == []


def test_planted_a_module_without_its_test(tmp_path: Path) -> None:
    src, tests = _tree(tmp_path, [*GOOD, "src/pkg/api/middleware.py"])
    assert mirror_problems(src, tests, PLANTED_UNTESTED, PLANTED_SYSTEM) == [
        "src/pkg/api/middleware.py: no tests/pkg/api/test_middleware.py (write it, or list the "
        "module with the reason it has none)"
    ]


def test_planted_a_test_whose_module_is_gone_or_elsewhere(tmp_path: Path) -> None:
    src, tests = _tree(tmp_path, [*GOOD, "tests/pkg/test_features.py", "tests/pkg/test_app.py"])
    assert mirror_problems(src, tests, PLANTED_UNTESTED, PLANTED_SYSTEM) == [
        "tests/pkg/test_app.py: names no module of src/pkg/ (test_<module>.py or "
        "test_<module>_<aspect>.py)",
        "tests/pkg/test_features.py: names no module of src/pkg/ (test_<module>.py or "
        "test_<module>_<aspect>.py)",
    ]


def test_planted_an_unlisted_folder_and_stale_lists(tmp_path: Path) -> None:
    src, tests = _tree(
        tmp_path, [*GOOD, "tests/model/test_models.py", "tests/pkg/api/test_schemas.py"]
    )
    untested = {**PLANTED_UNTESTED, "pkg/gone.py": "it was tested elsewhere"}
    assert mirror_problems(src, tests, untested, {**PLANTED_SYSTEM, "ops": "ops/"}) == [
        "src/pkg/api/schemas.py: has tests/pkg/api/test_schemas.py; drop it from the untested list",
        "src/pkg/gone.py: listed as untested but no such module; drop it",
        "tests/model/: neither a package's mirror nor a listed system-test folder",
        "tests/ops/: listed as a system-test folder but missing; drop it",
    ]


# --- the repository itself ---------------------------------------------------------------------
ROOT = settings().root
#: Folders of tests/ that test the system as a whole, not one module.
SYSTEM = {
    "browser": "the built site in headless Chromium (layout, reading, every page)",
    "code": "the repository's gates: ruff, format, mypy, import contracts",
    "deploy": "the deployment files under deploy/ (systemd units) and the image's runtime lock",
    "ops": "the Prometheus configuration and alert rules under ops/, on a real Prometheus",
    "pipeline": "the DVC pipeline (dvc.yaml, params.yaml, dvc.lock) in fresh copies",
    "site": "the built site: pages, macros, claims, published figures, notebooks, fresh reports",
    "support": "helpers the tests share (tiny_model.py), with their own tests",
}
_SITE = (
    "through the built site (tests/site/test_build.py, test_macros.py, test_published_figures.py)"
)
#: Modules without a test file of their own, and where they are tested instead.
UNTESTED = {
    "bankchurn/api/middleware.py": "through the routes: tests/bankchurn/api/test_app.py (logs, ids)",
    "bankchurn/cli/registry.py": "model promote: tests/bankchurn/tracking/test_log_run.py, test_registry.py",
    "bankchurn/cli/serve.py": "bankchurn serve: tests/bankchurn/api/test_settings.py, test_app_hostile.py",
    "bankchurn/deploy/daily_job.py": "tests/deploy/test_daily_job.py (the job as deploy/ declares it)",
    "bankchurn/deploy/postgres.py": "the postgres_server fixture of tests/conftest.py, used by every database test",
    "bankchurn/scoring.py": "bankchurn predict: tests/bankchurn/cli/test_model.py, tests/bankchurn/test_scores_db.py",
    "bankchurn/tracking/pyfunc_model.py": "run by MLflow serving a model: tests/bankchurn/tracking/test_log_run.py",
    "designdocs/adr/author.py": "adr new / supersede: tests/designdocs/adr/test_lint.py",
    "designdocs/adr/markdown.py": "every lint rule: tests/designdocs/adr/test_lint.py",
    "designdocs/adr/model.py": "every lint rule: tests/designdocs/adr/test_lint.py",
    "designdocs/adr/parse.py": "every lint rule: tests/designdocs/adr/test_lint.py",
    "designdocs/adr/record_rules.py": "its rules, planted: tests/designdocs/adr/test_lint.py",
    "designdocs/adr/reference_rules.py": "its rules, planted: tests/designdocs/adr/test_lint.py",
    "designdocs/adr/set_rules.py": "its rules, planted: tests/designdocs/adr/test_lint.py",
    "designdocs/adr/render.py": "the ADR pages: tests/designdocs/adr/test_lint.py, tests/site/test_build.py",
    "designdocs/browser/chromium.py": "the browser tests (tests/browser)",
    "designdocs/browser/crawl.py": "the browser tests (tests/browser)",
    "designdocs/browser/diagram_facts.py": "the browser tests (tests/browser/test_diagrams.py)",
    "designdocs/browser/legibility.py": "the browser tests (tests/browser/test_diagrams.py)",
    "designdocs/browser/locate.py": "the browser tests (tests/browser)",
    "designdocs/browser/site_files.py": "the browser tests (tests/browser)",
    "designdocs/browser/server.py": "the browser tests (tests/browser)",
    "designdocs/checks/claims.py": "tests/site/test_claims.py, on the built site and doctored pages",
    "designdocs/checks/drift.py": "tests/site/test_published_figures.py, test_reports_fresh.py; tests/pipeline",
    "designdocs/pages/benchmarks.py": _SITE,
    "designdocs/pages/canvas.py": _SITE,
    "designdocs/pages/cells.py": _SITE,
    "designdocs/pages/contract.py": _SITE,
    "designdocs/pages/monitoring.py": _SITE,
    "designdocs/pages/pipeline.py": f"{_SITE}; tests/pipeline/test_dvc.py",
    "designdocs/pages/report_tables.py": _SITE,
    "designdocs/pages/data_profile.py": _SITE,
    "designdocs/pages/verdict.py": _SITE,
    "designdocs/site/build.py": _SITE,
    "designdocs/site/format.py": _SITE,
    "designdocs/site/macros.py": _SITE,
    "designdocs/site/plugin.py": _SITE,
}


def test_the_repository_follows_the_rule() -> None:
    problems = mirror_problems(ROOT / "src", ROOT / "tests", UNTESTED, SYSTEM)
    assert not problems, "\n".join(problems)


def test_the_contributing_page_names_every_system_folder() -> None:
    page = (ROOT / "docs" / "contributing.md").read_text()
    assert [f for f in SYSTEM if f"`tests/{f}`" not in page] == []
