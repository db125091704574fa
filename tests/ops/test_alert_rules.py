"""The alert rules: promtool checks and unit-tests them; their thresholds are the declared ones."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bankchurn import drift, targets
from bankchurn.settings import settings

ROOT = settings().root
RULES_DIR = ROOT / "ops" / "prometheus"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not installed (make system-packages: prometheus)"
)


def _promtool(*args: str, cwd: Path = RULES_DIR) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run(
        [PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def _rules() -> dict[str, str]:
    """Expression of every alert and recording rule, by name."""
    doc = yaml.safe_load((RULES_DIR / "alerts.yml").read_text(encoding="utf-8"))
    return {
        r.get("alert") or r["record"]: " ".join(r["expr"].split())
        for g in doc["groups"]
        for r in g["rules"]
    }


def _threshold(expr: str) -> float:
    match = re.search(r"> ([0-9.]+)", expr)
    assert match, expr
    return float(match.group(1))


@needs_promtool
def test_promtool_checks_the_rules_and_the_config() -> None:
    proc = _promtool("check", "rules", "alerts.yml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = _promtool("check", "config", "prometheus.yml")
    assert proc.returncode == 0, proc.stdout + proc.stderr


@needs_promtool
def test_promtool_unit_tests_of_the_alerts_pass() -> None:
    proc = _promtool("test", "rules", "alerts_test.yml")
    assert proc.returncode == 0, proc.stdout + proc.stderr


@needs_promtool
def test_the_unit_tests_fail_when_a_threshold_moves(tmp_path: Path) -> None:
    """Planted defect: the latency alert at 250 ms instead of 100 ms no longer fires."""
    for name in ("alerts.yml", "alerts_test.yml"):
        shutil.copy2(RULES_DIR / name, tmp_path / name)
    rules = tmp_path / "alerts.yml"
    text = rules.read_text(encoding="utf-8")
    assert "bankchurn:predict_latency_p99:5m > 0.1" in text
    rules.write_text(text.replace("p99:5m > 0.1", "p99:5m > 0.25"), encoding="utf-8")
    proc = _promtool("test", "rules", "alerts_test.yml", cwd=tmp_path)
    assert proc.returncode != 0
    assert "BankChurnLatencyP99High" in proc.stdout + proc.stderr


def test_alert_thresholds_are_the_declared_targets() -> None:
    rules = _rules()
    latency = targets.get("system.latency_p99_ms")
    assert _threshold(rules["BankChurnLatencyP99High"]) == pytest.approx(latency.value / 1000)
    uptime = targets.get("system.uptime")
    assert _threshold(rules["BankChurnErrorRatioHigh"]) == pytest.approx(1.0 - uptime.value)
    assert _threshold(rules["BankChurnScoreShift"]) == drift.PSI_THRESHOLD
    floors = re.findall(r"clamp_min\([^,]+, ([0-9.e-]+)\)", rules["bankchurn:score_psi:1h"])
    assert floors
    assert {float(f) for f in floors} == {drift.PSI_EPSILON}
    assert 'route="/predict"' in rules["bankchurn:predict_latency_p99:5m"]


def test_the_promql_psi_of_the_unit_test_is_bankchurn_drift_psi() -> None:
    """alerts_test.yml serves bands 40/30/30 % against a 70/20/10 % reference."""
    doc = yaml.safe_load((RULES_DIR / "alerts_test.yml").read_text(encoding="utf-8"))
    expected = [
        float(m.group(1))
        for t in doc["tests"]
        for e in t.get("promql_expr_test", [])
        if (m := re.fullmatch(r"abs\(bankchurn:score_psi:1h - ([0-9.]+)\) < bool 1e-12", e["expr"]))
    ]
    assert expected == [pytest.approx(drift.psi([0.7, 0.2, 0.1], [0.4, 0.3, 0.3]), abs=1e-12)]
    assert math.isfinite(expected[0])
