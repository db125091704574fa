"""The one settings module: folders anchored at the root, environment overrides, frozen."""

from __future__ import annotations

from pathlib import Path

import pytest

from bankchurn.settings import Settings, settings


def test_folders_default_to_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BANKCHURN_REPORTS_DIR", raising=False)
    s = settings()
    assert (s.root / "pyproject.toml").is_file()
    assert s.reports_dir == s.root / "reports"
    assert s.models_dir == s.root / "models"
    assert s.data is None
    assert s.pseudonym_key is None


def test_environment_overrides_and_relative_folders_follow_the_root(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BANKCHURN_ROOT", str(tmp_path))
    monkeypatch.setenv("BANKCHURN_REPORTS_DIR", "elsewhere")
    monkeypatch.setenv("BANKCHURN_MODELS_DIR", "/abs/models")
    monkeypatch.setenv("BANKCHURN_DATA", "")  # empty means unset
    s = settings()
    assert s.reports_dir == tmp_path / "elsewhere"
    assert s.models_dir == Path("/abs/models")
    assert s.adr_dir == tmp_path / "adr"
    assert s.data is None


def test_settings_are_frozen_and_refuse_unknown_fields() -> None:
    s = settings()
    with pytest.raises(ValueError, match="frozen"):
        s.root = Path("/")  # type: ignore[misc]
    with pytest.raises(ValueError, match="extra"):
        Settings(reports=Path("x"))  # type: ignore[call-arg]
