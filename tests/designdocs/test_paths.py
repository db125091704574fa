"""A path is shown relative to its folder when inside it, and as given otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from designdocs.paths import shown


def test_inside_the_working_directory_relative_or_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert shown(tmp_path / "docs" / "decisions") == "docs/decisions"
    assert shown(Path("docs") / "decisions") == "docs/decisions"
    assert shown(tmp_path) == "."


def test_outside_its_folder_a_path_is_shown_as_given(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere" / "x.json"
    assert shown(elsewhere, tmp_path / "repo") == elsewhere.as_posix()


def test_through_a_symlinked_folder(tmp_path: Path) -> None:
    (tmp_path / "real" / "reports").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert shown(tmp_path / "link" / "reports" / "a.json", tmp_path / "real") == "reports/a.json"
