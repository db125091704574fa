"""A real Prometheus scrapes the real API on loopback; PromQL answers what the burst implies.

One test (one xdist group): ``bankchurn serve`` on a free port with a small model, one warm-up
request, then Debian's ``prometheus`` with the repository's config and rules (scrape and rule
evaluation every second), a known burst of requests, and queries:

* request rate: ``rate()`` over a window aligned on the stored samples (no extrapolation)
  is the burst's size over the window;
* ``histogram_quantile`` p99 of ``/predict`` equals the quantile interpolated from the bucket
  deltas read directly from ``/metrics`` before and after the burst;
* score shift: the rule's PSI equals :func:`bankchurn.drift.psi` of the burst's risk bands
  against the reference shares the model artifact carries, and the shifted burst turns the
  score-shift alert pending;
* every expression of the Grafana dashboard runs and returns data; every rule is healthy.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from bankchurn import drift
from bankchurn.artifacts import save_artifact
from bankchurn.contract import BY_NAME, FEATURES
from bankchurn.deploy.ports import PortTaken, on_free_port, port_taken
from bankchurn.settings import settings

import tiny_model

ROOT = settings().root
OPS = ROOT / "ops"
PROMETHEUS = shutil.which("prometheus")
BURST = 240
TIMEOUT_S = 60

pytestmark = [
    pytest.mark.xdist_group("prometheus"),
    pytest.mark.skipif(
        PROMETHEUS is None, reason="prometheus not installed (make system-packages: prometheus)"
    ),
]


def _wait(
    check: Callable[[], bool],
    what: str,
    timeout: float = TIMEOUT_S,
    server: tuple[subprocess.Popen[bytes], Path] | None = None,
) -> None:
    """Poll ``check``; a ``server`` (process, log) that died of a taken port raises `PortTaken`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server is not None and server[0].poll() is not None:
            log = server[1].read_text(errors="replace")
            if port_taken(log):
                raise PortTaken(log[-300:])
            pytest.fail(f"{what} exited with {server[0].returncode}: {log[-2000:]}")
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _customers(n: int) -> list[dict[str, Any]]:
    frame = tiny_model.random_customers(n, seed=11)
    rows = frame.to_dict(orient="records")
    for row in rows:
        for name in FEATURES:
            if BY_NAME[name].kind in ("int", "binary"):
                row[name] = int(row[name])
    return rows


class Stack:
    """The running API and Prometheus, and what the test sent."""

    def __init__(self, api: str, prom: str, reference: list[float]) -> None:
        self.api, self.prom, self.reference = api, prom, reference

    def query(self, expr: str, at: float | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        r = httpx.get(f"{self.prom}/api/v1/query", params=params, timeout=10)
        body = r.json()
        assert r.status_code == 200, (expr, body)
        assert body["status"] == "success", (expr, body)
        return list(body["data"]["result"])

    def scalar(self, expr: str, at: float | None = None) -> float:
        result = self.query(expr, at)
        assert len(result) == 1, (expr, result)
        return float(result[0]["value"][1])


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    work = tmp_path_factory.mktemp("prometheus")
    pipeline = tiny_model.fit_tiny_pipeline()
    ref_p = pipeline.predict_proba(tiny_model.random_customers(2000, seed=5))[:, 1]
    reference = drift.score_reference(ref_p, "tiny model, random customers")
    model = save_artifact(
        work / "model.joblib",
        pipeline,
        {
            "model_version": "ops-test-1",
            "feature_columns": list(FEATURES),
            "score_reference": reference,
        },
    )
    code = "import sys; from bankchurn.cli import main; sys.exit(main(sys.argv[1:]))"
    started: list[subprocess.Popen[bytes]] = []  # every process, stopped at the end

    def start_api(port: int) -> subprocess.Popen[bytes]:
        log = work / f"api-{port}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-c", code, "serve", "--model", str(model), "--port", str(port)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "BANKCHURN_API_LOG_LEVEL": "WARNING"},
            )
        started.append(proc)
        ready = f"http://127.0.0.1:{port}/ready"
        _wait(lambda: httpx.get(ready, timeout=1).status_code == 200, "the API", server=(proc, log))
        return proc

    def start_prometheus(port: int) -> subprocess.Popen[bytes]:
        log = work / f"prometheus-{port}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [
                    str(PROMETHEUS),
                    f"--config.file={work / 'prometheus.yml'}",
                    f"--storage.tsdb.path={work / 'data'}",
                    f"--web.listen-address=127.0.0.1:{port}",
                    "--storage.tsdb.retention.time=1h",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        started.append(proc)
        ready = f"http://127.0.0.1:{port}/-/ready"
        _wait(
            lambda: httpx.get(ready, timeout=1).status_code == 200, "Prometheus", server=(proc, log)
        )
        return proc

    try:
        api_port, _ = on_free_port(start_api)
        base = f"http://127.0.0.1:{api_port}"
        # Before the first scrape: creates the /predict series, so the burst is all increase.
        assert httpx.post(f"{base}/predict", json=_customers(1)[0]).status_code == 200
        config = yaml.safe_load((OPS / "prometheus" / "prometheus.yml").read_text())
        config["global"] = {"scrape_interval": "1s", "evaluation_interval": "1s"}
        config["rule_files"] = [str(OPS / "prometheus" / "alerts.yml")]
        config["scrape_configs"][0]["static_configs"] = [{"targets": [f"127.0.0.1:{api_port}"]}]
        (work / "prometheus.yml").write_text(yaml.safe_dump(config))
        prom_port, _ = on_free_port(start_prometheus)
        prom = f"http://127.0.0.1:{prom_port}"
        result = Stack(base, prom, reference["shares"])
        _wait(lambda: bool(result.query("bankchurn_model_ready == 1")), "a first scrape")
        yield result
    except BaseException:
        for log in sorted(work.glob("*.log")):
            sys.stderr.write(log.read_text(errors="replace")[-2000:])
        raise
    finally:
        for proc in reversed(started):
            _stop(proc)


def _buckets(api: str) -> dict[float, float]:
    """Cumulative /predict latency bucket counts, read straight from /metrics."""
    text = httpx.get(f"{api}/metrics", timeout=5).text
    out: dict[float, float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name.endswith("_duration_seconds_bucket") and s.labels.get("route") == "/predict":
                le = float(s.labels["le"])
                out[le] = out.get(le, 0.0) + s.value
    return out


def _bucket_quantile(q: float, cumulative: dict[float, float]) -> float:
    """Prometheus' histogram_quantile on cumulative bucket counts (linear in the bucket)."""
    return _value_at_rank(q * cumulative[math.inf], cumulative)


def _value_at_rank(rank: float, cumulative: dict[float, float]) -> float:
    """Where the piecewise-linear cumulative count reaches ``rank`` (histogram_quantile's rule).

    It falls when any count rises and rises with the rank: bounds on both bound the result.
    """
    bounds = sorted(cumulative)
    below, lower = 0.0, 0.0
    for upper in bounds:
        count = cumulative[upper]
        if count >= rank:
            if upper == math.inf:
                return lower
            return lower + (upper - lower) * (rank - below) / (count - below)
        below, lower = count, upper
    raise AssertionError("no bucket reached the rank")


def test_promql_answers_what_the_burst_implies(stack: Stack) -> None:
    before = _buckets(stack.api)
    bands: dict[str, int] = {name: 0 for name in drift.SCORE_BIN_NAMES}
    with httpx.Client(base_url=stack.api, timeout=10) as client:
        for i, row in enumerate(_customers(BURST)):
            r = client.post("/predict", json={**row, "Age": 75} if i % 2 else row)
            assert r.status_code == 200, r.text
            bands[r.json()["risk_band"]] += 1
    after = _buckets(stack.api)
    total = 'sum(bankchurn_http_requests_total{route="/predict",status="200"})'
    _wait(lambda: stack.scalar(total) == BURST + 1, "the scrape after the burst")
    # The burst's last scrape is stored now: a rule evaluation stamped later has read it (an
    # evaluation's timestamp is when it was due, never after it ran). Waiting for that, not for
    # a fixed sleep, holds on a loaded machine too.
    stored = time.time()
    recorded_after = " and ".join(
        f"timestamp({rule}) > {stored:.3f}"
        for rule in ("bankchurn:predict_latency_p99:5m", "bankchurn:score_psi:1h")
    )
    _wait(lambda: bool(stack.query(recorded_after)), "rule evaluations after the burst")

    # Evaluate at the last sample, over a range starting exactly at the first one (pre-burst):
    # Prometheus then extrapolates nothing, so rate and increase are exact.
    raw = stack.query(f"{total.removeprefix('sum(').removesuffix(')')}[10m]")
    times = [float(t) for t, _ in raw[0]["values"]]
    values = [float(v) for _, v in raw[0]["values"]]
    assert values[0] == 1, values
    assert values[-1] == BURST + 1, values
    at = times[-1]
    window = f"[{round((times[-1] - times[0]) * 1000)}ms]"
    seconds = times[-1] - times[0]

    rate = stack.scalar(f'sum(rate(bankchurn_http_requests_total{{route="/predict"}}{window}))', at)
    # Sample times are milliseconds printed as float seconds: exact up to that rounding (an
    # extrapolated rate would be off by percents, not parts per billion).
    assert rate == pytest.approx(BURST / seconds, rel=1e-6)

    # p99 of POST /predict: the quantile of the bucket increments read from /metrics.
    delta = {le: after[le] - before.get(le, 0.0) for le in after}
    assert delta[math.inf] == BURST
    expected_p99 = _bucket_quantile(0.99, delta)
    p99 = stack.scalar(
        "histogram_quantile(0.99, sum by (le) "
        f'(rate(bankchurn_http_request_duration_seconds_bucket{{route="/predict"}}{window})))',
        at,
    )
    assert p99 == pytest.approx(expected_p99, rel=1e-6)
    # The recording rule, as the live server evaluated it after the burst (waited for above).
    # Its fixed 5m window extrapolates: every bucket by the same factor at the end, and at the
    # start a bucket holding the warm-up request (before the first scrape) towards zero, i.e.
    # by at most that one request. Scaled back, each bucket's count is between its burst-only
    # count (delta) and its total (after), the total between 240 and 241: the rule's p99 is
    # between the quantile of the highest counts at the lowest rank and the reverse. Exact values
    # of the rule's expression are tested on fixed series by `promtool test rules`.
    value = stack.scalar("bankchurn:predict_latency_p99:5m")
    lowest = _value_at_rank(0.99 * delta[math.inf], after)
    highest = _value_at_rank(0.99 * after[math.inf], delta)
    assert lowest * (1 - 1e-9) <= value <= highest * (1 + 1e-9), (lowest, value, highest)

    # Score shift: the rule's PSI expression over the same exact window equals
    # bankchurn.drift.psi of the burst's risk bands against the artifact's reference shares.
    shares = np.array([bands[b] for b in drift.SCORE_BIN_NAMES], dtype=float) / BURST
    expected_psi = drift.psi(stack.reference, shares)
    rules = {
        r.get("record"): " ".join(r["expr"].split())
        for g in yaml.safe_load((OPS / "prometheus" / "alerts.yml").read_text())["groups"]
        for r in g["rules"]
    }
    share_expr = rules["bankchurn:risk_band_share:rate1h"].replace("[1h]", window)
    psi_expr = rules["bankchurn:score_psi:1h"].replace(
        "bankchurn:risk_band_share:rate1h", f"({share_expr})"
    )
    assert stack.scalar(psi_expr, at) == pytest.approx(expected_psi, rel=1e-9, abs=1e-12)
    # The burst is shifted (every other customer aged 75), so the shift alert's condition holds.
    assert expected_psi > drift.PSI_THRESHOLD
    assert stack.scalar("bankchurn:score_psi:1h") > drift.PSI_THRESHOLD
    pending = 'ALERTS{alertname="BankChurnScoreShift", alertstate="pending"}'
    _wait(lambda: bool(stack.query(pending)), "the score-shift alert to be pending")
    assert stack.scalar("sum(bankchurn_churn_probability_count)") == BURST + 1


def test_every_dashboard_expression_runs_and_every_rule_is_healthy(stack: Stack) -> None:
    dashboard = json.loads((OPS / "grafana" / "dashboards" / "bankchurn-api.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    assert len(exprs) == len(dashboard["panels"])
    for expr in exprs:
        result = stack.query(expr)
        assert result, f"dashboard expression returned no data: {expr}"
        for series in result:
            assert math.isfinite(float(series["value"][1])), (expr, series)
    groups = httpx.get(f"{stack.prom}/api/v1/rules", timeout=10).json()["data"]["groups"]
    rules = [r for g in groups for r in g["rules"]]
    assert len(rules) == 9
    assert all(r["health"] == "ok" for r in rules), [(r["name"], r.get("lastError")) for r in rules]
