"""Report files: the same content gives the same bytes, and only a model's shape is written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bankchurn.report_files import json_ready, to_json, write_json, write_report
from bankchurn.report_schemas.base import Number, StrictModel


class Point(StrictModel):
    x: Number
    label: str


def test_json_ready_makes_numpy_plain_rounds_and_drops_non_finite() -> None:
    ready = json_ready(
        {
            1: np.float32(0.1234567891),
            "n": np.int64(3),
            "ok": np.bool_(True),
            "gone": [float("nan"), np.inf],
            "where": Path("a/b"),
            "t": (1, 2),
        }
    )
    assert ready == {
        "1": 0.123457,
        "n": 3,
        "ok": True,
        "gone": [None, None],
        "where": "a/b",
        "t": [1, 2],
    }
    assert type(ready["n"]) is int
    assert type(ready["ok"]) is bool


def test_to_json_is_the_same_text_whatever_the_key_order() -> None:
    a, b = {"b": 1, "a": [0.5, 2]}, {"a": [0.5, 2], "b": 1}
    assert to_json(a) == to_json(b) == '{\n  "a": [\n    0.5,\n    2\n  ],\n  "b": 1\n}\n'


def test_write_json_replaces_the_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text("old", encoding="utf-8")
    assert write_json(path, {"x": np.float64(1 / 3)}) == path
    assert json.loads(path.read_text(encoding="utf-8")) == {"x": 0.333333}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_write_report_rounds_before_the_model_checks(tmp_path: Path) -> None:
    path = write_report(tmp_path / "p.json", Point, {"x": np.float64(2 / 3), "label": "a"})
    assert path.read_text(encoding="utf-8") == to_json({"label": "a", "x": 0.666667})
    with pytest.raises(ValueError, match="label"):
        write_report(tmp_path / "q.json", Point, {"x": 1})
    assert not (tmp_path / "q.json").exists()
