"""Tests mirror the code: each rule of `designdocs.checks.mirror` fails on a planted departure."""

from __future__ import annotations

from pathlib import Path

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
