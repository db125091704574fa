"""params.yaml: read and checked once, a misspelt or out-of-range value refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from bankchurn.params import PARAMS, PARAMS_FILE, TUNING_KEYS, load, training_parameters


def _copy(tmp_path: Path, edit: dict[str, object]) -> Path:
    raw = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))
    for dotted, value in edit.items():
        *parents, last = dotted.split(".")
        node = raw
        for key in parents:
            node = node[key]
        node[last] = value
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def test_the_checkouts_parameters_are_the_files() -> None:
    raw = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))
    assert PARAMS.seed == raw["seed"]
    assert PARAMS.data.n_rows == raw["data"]["n_rows"]
    assert PARAMS.split.test_months == raw["split"]["test_months"]
    assert PARAMS.tuning == raw["tuning"]
    assert load() is PARAMS  # read once per process


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        ({"data.n_rows": 0}, "n_rows"),
        ({"split.test_months": -1}, "test_months"),
        ({"data.n_row": 10}, "n_row"),  # a misspelt key is not ignored
        ({"seed": "forty-two"}, "seed"),
    ],
)
def test_a_bad_value_or_key_is_refused(tmp_path: Path, edit: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        load(_copy(tmp_path, edit))


@pytest.mark.parametrize("model", sorted(TUNING_KEYS))
def test_a_training_records_exactly_the_keys_its_model_uses(model: str) -> None:
    recorded = training_parameters(
        model,
        seed=1,
        test_months=6,
        tuning={"n_trials": 3, "n_folds": 2, "max_trees": 9},
        business={"b": 2.0, "a": 1},
    )
    assert list(recorded) == [
        "seed",
        "split.test_months",
        *(f"tuning.{k}" for k in TUNING_KEYS[model]),
        "business.a",
        "business.b",
    ]
    assert recorded["seed"] == 1
