"""bankchurn.targets is the one declaration of every target, and its readers use it."""

from __future__ import annotations

import ast
import dataclasses
import importlib.util
import json

import pytest

from bankchurn import report_stage, targets
from bankchurn.settings import settings

ROOT = settings().root


def test_ids_are_unique_and_tiered() -> None:
    ids = [t.id for t in targets.TARGETS]
    assert len(ids) == len(set(ids))
    for t in targets.TARGETS:
        assert t.id.split(".")[0] == t.tier
        assert t.tier in targets.TIERS
        assert t.comparison in (">", ">=", "<", "<=", "==")
        assert t.description
        assert t.origin
    assert {t.tier for t in targets.TARGETS} == set(targets.TIERS)


@pytest.mark.parametrize(
    ("comparison", "value", "measured", "met"),
    [
        (">", 0.85, 0.86, True),
        (">", 0.85, 0.85, False),
        (">=", 0.85, 0.85, True),
        ("<", 100.0, 99.0, True),
        ("<=", 0.01, 0.011, False),
        ("==", 0.0, 0.0, True),
        ("==", 0.0, 1.0, False),
        (">", 0.85, None, None),
    ],
)
def test_met(comparison: str, value: float, measured: float | None, met: bool | None) -> None:
    t = targets.Target("model.x", "model", "x", comparison, value, "", "test")  # type: ignore[arg-type]
    assert t.met(measured) is met


def test_unknown_id_names_the_declared_ones() -> None:
    with pytest.raises(KeyError, match="model.roc_auc"):
        targets.get("model.roc_acu")


def _metrics() -> tuple[dict, dict]:
    def load(rel: str) -> dict:
        return json.loads((ROOT / "reports" / rel).read_text(encoding="utf-8"))

    return load("baseline/metrics.json"), load("target/metrics.json")


def test_canvas_status_reads_every_canvas_target_from_the_declaration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    baseline, target = _metrics()
    canvas = report_stage.canvas_status(baseline, target)
    rows = {
        f"{tier}.{k}": v
        for tier in ("business", "model", "system")
        for k, v in canvas[tier].items()
    }
    assert set(rows) == {t.id for t in targets.TARGETS if t.tier != "engineering"}
    for tid, row in rows.items():
        t = targets.get(tid)
        assert (row["target"], row["comparison"], row["unit"]) == (t.value, t.comparison, t.unit)
    # a changed declaration changes the report (no second copy in reporting)
    moved = dataclasses.replace(targets.get("model.roc_auc"), value=0.99)
    monkeypatch.setitem(targets.BY_ID, "model.roc_auc", moved)
    again = report_stage.canvas_status(baseline, target)["model"]["roc_auc"]
    assert again["target"] == 0.99
    assert again["status"] == "miss"


def _load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_scripts_read_their_targets_from_the_declaration() -> None:
    bench, load = _load_script("benchmark"), _load_script("loadtest")
    assert all(isinstance(t, targets.Target) for t in bench.TARGETS.values())
    assert all(bench.TARGETS[k] is targets.BY_ID[bench.TARGETS[k].id] for k in bench.TARGETS)
    assert load.CANVAS == {
        "p99_ms": targets.get("system.latency_p99_ms").value,
        "rps": targets.get("system.throughput_rps").value,
    }
    assert load.GOAL["p99_ms"] == targets.get("engineering.api_p99_ms").value
    assert load.GOAL["rps"] == targets.get("engineering.api_rps").value


def typed_targets(source: str) -> list[str]:
    """Numeric literals in a target row (dict with ``target``) or a table of target values."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            if "target" in keys or {"p99_ms", "rps"} <= keys or "gap_to_bayes" in keys:
                found += [
                    f"line {v.lineno}: {v.value}"
                    for v in node.values
                    if isinstance(v, ast.Constant) and isinstance(v.value, int | float)
                ]
    return found


@pytest.mark.parametrize("script", ["benchmark", "loadtest", "bench_image", "bench_batch"])
def test_scripts_type_no_target_value(script: str) -> None:
    assert typed_targets((ROOT / "scripts" / f"{script}.py").read_text(encoding="utf-8")) == []


def test_the_script_check_fails_on_a_typed_target() -> None:
    """The scripts as they were before bankchurn.targets: both kinds of second copy are found."""
    old = (
        'CANVAS = {"p99_ms": 100.0, "rps": 100.0}\n'
        'TARGETS = {"gap_to_bayes": 0.01, "train_s": 30.0}\n'
        'rows = [{"name": "x", "unit": "ms", "op": "<", "target": 5.0, "measured": m}]\n'
    )
    assert len(typed_targets(old)) == 5
