#!/usr/bin/env python
"""Load test of the inference API against the real server on 127.0.0.1.

Starts ``bankchurn serve`` (uvicorn, one process) on a free loopback port, drives it with a
bounded request loop (fixed request counts AND a wall-clock cap per phase), stops it, and
merges the results into the ``api`` and ``api_targets`` sections of ``reports/benchmarks.json``
(read-modify-write: other sections are kept).

Phases, all with single-customer ``POST /predict`` unless said otherwise:

1. warm-up (not recorded);
2. ``single``: one request at a time: service latency p50/p95/p99 without queueing;
3. ``max``: closed loop, ``--concurrency`` clients sending back to back: sustained req/s;
4. ``at_<R>rps``: open loop at a fixed offered rate R (the canvas's 100 req/s and the goal's
   500 req/s): latency measured from each request's SCHEDULED send time, so a server that
   falls behind shows it (no coordinated omission);
5. ``explain_at_<R>rps``: the same at the canvas's rate, with ``explain=true`` (TreeSHAP);
6. ``batch``: ``POST /predict/batch`` with ``--batch-size`` customers: rows/s.

Every non-200 answer or transport error is counted. The client is the standard library's
``http.client`` on keep-alive connections, one per thread, to keep client CPU low: client and
server share this machine's cores, which the results record. So that a tail can be told apart,
each phase also records the client's own lateness (``send_lag_p99_ms``: how long after its
due time a request left the client) and the server's own time for the same requests
(``server_p99_ms``: the ``latency_ms`` of its JSON access log, from the request reaching the
app to its answer leaving it). A client-side P99 far above both is time spent between them:
in the socket queues, waiting for the event loop, or waiting for a core.

Usage::

    python scripts/loadtest.py --model models/target.joblib --out reports/benchmarks.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bankchurn import targets  # declared once; this script only reads them
from bankchurn.benchmarks import API_PHASE_FIGURES, merge_into  # one read-modify-write, one shape
from bankchurn.deploy.ports import PortTaken, on_free_port, port_taken
from bankchurn.settings import settings

ROOT = settings().root
#: ML Canvas section 6, system tier; and the issue's goal on this 2-core machine.
T_CANVAS_P99 = targets.get("system.latency_p99_ms")
T_CANVAS_RPS = targets.get("system.throughput_rps")
T_GOAL_P99 = targets.get("engineering.api_p99_ms")
T_GOAL_RPS = targets.get("engineering.api_rps")
T_GOAL_ERRORS = targets.get("engineering.api_errors")
T_GOAL_EXPLAIN_P99 = targets.get("engineering.api_explain_p99_ms")
CANVAS = {"p99_ms": T_CANVAS_P99.value, "rps": T_CANVAS_RPS.value}
GOAL = {"p99_ms": T_GOAL_P99.value, "rps": T_GOAL_RPS.value, "errors": int(T_GOAL_ERRORS.value)}
#: Offered rate at which the goal's p99 is read (issue 13: "p99 < 5 ms at 500 requests/s
#: offered"); the closed-loop throughput goal is a separate figure.
GOAL_OFFERED_RPS = 500.0
#: Offered rate of the ``explain=true`` phase: the canvas's rate.
EXPLAIN_OFFERED_RPS = CANVAS["rps"]


# ----------------------------------------------------------------------------- requests


def customers(n: int, seed: int) -> list[dict[str, Any]]:
    """Varied customers inside the data contract (ranges and categories read from it)."""
    from bankchurn.contract import BY_NAME, FEATURES

    rng = random.Random(seed)
    out = []
    for _ in range(n):
        row: dict[str, Any] = {}
        for name in FEATURES:
            spec = BY_NAME[name]
            if spec.allowed:
                row[name] = rng.choice(spec.allowed)
            elif spec.kind == "int":
                row[name] = rng.randint(int(spec.minimum), int(spec.maximum))
            else:
                row[name] = round(rng.uniform(spec.minimum, min(spec.maximum, 250_000.0)), 2)
        out.append(row)
    return out


class Client:
    """One keep-alive HTTP/1.1 connection (reconnects after an error)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def post(self, path: str, body: bytes) -> int:
        """POST ``body`` (JSON) to ``path`` on the kept-alive connection; return the status."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            self.conn.request("POST", path, body, {"Content-Type": "application/json"})
            resp = self.conn.getresponse()
            resp.read()
            return resp.status
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            return -1


def percentiles(lat_s: list[float]) -> dict[str, float | None]:
    """p50/p95/p99/max/mean in milliseconds (nearest-rank)."""
    if not lat_s:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None, "mean_ms": None}
    xs = sorted(lat_s)

    def rank(q: float) -> float:
        return xs[min(len(xs) - 1, max(0, int(q * len(xs) + 0.999999) - 1))] * 1000.0

    return {
        "p50_ms": round(rank(0.50), 3),
        "p95_ms": round(rank(0.95), 3),
        "p99_ms": round(rank(0.99), 3),
        "max_ms": round(xs[-1] * 1000.0, 3),
        "mean_ms": round(sum(xs) / len(xs) * 1000.0, 3),
    }


def run_phase(
    port: int,
    path: str,
    bodies: list[bytes],
    *,
    count: int,
    concurrency: int,
    time_cap: float,
    rate: float | None = None,
) -> dict[str, Any]:
    """Send ``count`` requests (or stop at ``time_cap`` seconds) and measure them.

    With ``rate`` the load is open-loop: request i is due at ``start + i / rate`` and its
    latency counts from that due time.
    """
    lock = threading.Lock()
    next_i = 0
    latencies: list[float] = []
    lags: list[float] = []
    errors = 0
    start = time.perf_counter()
    deadline = start + time_cap

    def worker() -> None:
        nonlocal next_i, errors
        client = Client(port)
        local_lat: list[float] = []
        local_lag: list[float] = []
        local_err = 0
        while True:
            with lock:
                i = next_i
                next_i += 1
            if i >= count:
                break
            due = start + i / rate if rate else None
            if due is not None:
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
            if time.perf_counter() > deadline:
                break
            t0 = time.perf_counter()
            status = client.post(path, bodies[i % len(bodies)])
            t1 = time.perf_counter()
            local_lat.append(t1 - (due if due is not None else t0))
            local_lag.append(t0 - due if due is not None else 0.0)
            if status != 200:
                local_err += 1
        with lock:
            latencies.extend(local_lat)
            lags.extend(local_lag)
            errors += local_err

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(time_cap + 60)
    elapsed = time.perf_counter() - start
    done = len(latencies)
    return {
        "requests": done,
        "errors": errors,
        "concurrency": concurrency,
        "duration_s": round(elapsed, 3),
        "req_per_s": round(done / elapsed, 1) if elapsed > 0 else None,
        "capped": done < count,
        **percentiles(latencies),
        "send_lag_p99_ms": percentiles(lags)["p99_ms"] if rate else None,
    }


# ----------------------------------------------------------------------------- server


def server_p99_ms(log_file: Path, offset: int) -> float | None:
    """P99 of the server's own ``latency_ms`` over the access-log lines after byte ``offset``."""
    time.sleep(0.2)  # the server logs a request just after its answer has left
    with log_file.open("rb") as f:
        f.seek(offset)
        lines = f.read().decode(errors="replace").splitlines()
    docs = [json.loads(line) for line in lines if line.startswith("{")]
    return percentiles([d["latency_ms"] / 1000.0 for d in docs if d.get("event") == "request"])[
        "p99_ms"
    ]


def start_server(model: Path, port: int, log_level: str, log_file: Path) -> subprocess.Popen:
    """Start ``bankchurn serve`` on ``port`` in a subprocess; return it once it is ready.

    Raises:
        PortTaken: Another process took ``port`` first (`bankchurn.deploy.ports.on_free_port`
            starts it again on another).
    """
    code = "import sys; from bankchurn.cli import main; sys.exit(main(sys.argv[1:]))"
    cmd = [
        sys.executable,
        "-c",
        code,
        "serve",
        "--model",
        str(model),
        "--port",
        str(port),
        "--host",
        "127.0.0.1",
        "--log-level",
        log_level,
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1"}
    with log_file.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log = log_file.read_text(errors="replace").strip()
            if port_taken(log):
                raise PortTaken(log[-500:])
            raise SystemExit(f"loadtest: server exited ({proc.returncode}): {log[-500:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/ready")
            if conn.getresponse().status == 200:
                conn.close()
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("loadtest: server did not become ready within 120 s")


def get_json(port: int, path: str) -> Any:
    """GET ``path`` from the local server and parse its JSON body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    return json.loads(conn.getresponse().read())


# ----------------------------------------------------------------------------- report


def target_rows(api: dict[str, Any]) -> list[dict[str, Any]]:
    """One record per target: the site renders target, op, measured and pass/miss."""
    c, g = f"at_{int(CANVAS['rps'])}rps", f"at_{int(GOAL_OFFERED_RPS)}rps"
    e = f"explain_at_{int(EXPLAIN_OFFERED_RPS)}rps"

    def row(t: targets.Target, name: str, source: str, measured: Any) -> dict[str, Any]:
        return {
            "id": t.id,
            "name": name,
            "source": source,
            "unit": t.unit,
            "op": t.comparison,
            "target": int(t.value) if t.unit == "requests" else t.value,
            "measured": measured,
        }

    return [
        row(
            T_CANVAS_P99,
            f"P99 latency at {CANVAS['rps']:.0f} req/s offered",
            "ML Canvas",
            api[f"{c}_p99_ms"],
        ),
        row(T_CANVAS_RPS, "Sustained throughput (closed loop)", "ML Canvas", api["throughput_rps"]),
        row(
            T_GOAL_P99,
            f"P99 latency at {GOAL_OFFERED_RPS:.0f} req/s offered",
            "issue goal",
            api[f"{g}_p99_ms"],
        ),
        row(
            T_GOAL_EXPLAIN_P99,
            f"P99 latency with explain=true at {EXPLAIN_OFFERED_RPS:.0f} req/s offered",
            "issue goal",
            api.get(f"{e}_p99_ms"),
        ),
        row(T_GOAL_RPS, "Sustained throughput (closed loop)", "issue goal", api["throughput_rps"]),
        row(T_GOAL_ERRORS, "Errors over all phases", "issue goal", api["errors"]),
    ]


def main(argv: list[str] | None = None) -> int:
    """Run the load test phases and merge the ``api`` sections into the benchmark report."""
    from bankchurn.api.settings import default_model_path

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--model",
        type=Path,
        default=default_model_path(),
        help="model artifact to serve (default: %(default)s)",
    )
    ap.add_argument("--out", type=Path, default=settings().reports_dir / "benchmarks.json")
    ap.add_argument("--requests", type=int, default=3000, help="requests per single-row phase")
    ap.add_argument("--concurrency", type=int, default=8, help="clients in the closed loop")
    ap.add_argument("--batch-size", type=int, default=1000)
    ap.add_argument("--batches", type=int, default=20)
    ap.add_argument("--phase-cap", type=float, default=20.0, help="seconds per phase, at most")
    ap.add_argument("--log-level", default="INFO", help="server log level (INFO = access log on)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    if not args.model.is_file():
        print(
            f"loadtest: error: {args.model}: model artifact not found; train it first "
            "(bankchurn report --out reports --models models)",
            file=sys.stderr,
        )
        return 2

    rows = customers(500, args.seed)
    singles = [json.dumps(r).encode() for r in rows]
    batch_rows = customers(args.batch_size, args.seed + 1)
    batch_body = [json.dumps({"customers": batch_rows}).encode()]
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        log_file = Path(tmp) / "server.log"
        port, proc = on_free_port(lambda p: start_server(args.model, p, args.log_level, log_file))
        try:
            ready = get_json(port, "/ready")
            cap = args.phase_cap

            def timed_phase(*a: Any, **kw: Any) -> dict[str, Any]:
                # The access log is on at INFO (the default): the server's own time per phase.
                offset = log_file.stat().st_size
                result = run_phase(*a, **kw)
                return {**result, "server_p99_ms": server_p99_ms(log_file, offset)}

            timed_phase(port, "/predict", singles, count=300, concurrency=2, time_cap=cap)  # warm
            single = timed_phase(
                port, "/predict", singles, count=args.requests, concurrency=1, time_cap=cap
            )
            peak = timed_phase(
                port,
                "/predict",
                singles,
                count=args.requests * 3,
                concurrency=args.concurrency,
                time_cap=cap,
            )
            rated = {}
            for rate in (CANVAS["rps"], GOAL_OFFERED_RPS):
                n = int(min(args.requests, rate * cap * 0.75))
                rated[f"at_{int(rate)}rps"] = timed_phase(
                    port, "/predict", singles, count=n, concurrency=32, time_cap=cap, rate=rate
                )
            rate = EXPLAIN_OFFERED_RPS
            n = int(min(args.requests, rate * cap * 0.75))
            rated[f"explain_at_{int(rate)}rps"] = timed_phase(
                port,
                "/predict?explain=true",
                singles,
                count=n,
                concurrency=32,
                time_cap=cap,
                rate=rate,
            )
            batch = timed_phase(
                port, "/predict/batch", batch_body, count=args.batches, concurrency=1, time_cap=cap
            )
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    load_after = os.getloadavg()

    from bankchurn import __version__

    api: dict[str, Any] = {
        "model_version": ready["model_version"],
        "package_version": __version__,
        "server": "bankchurn serve: uvicorn, 1 process, 127.0.0.1",
        "server_log_level": args.log_level.upper(),
        "client": "http.client keep-alive, threads, same machine",
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "load_avg_1m_before": round(load_before[0], 2),
        "load_avg_1m_after": round(load_after[0], 2),
        # Headline figures read by summary.canvas_status (bench.api.*).
        "latency_p99_ms": rated[f"at_{int(CANVAS['rps'])}rps"]["p99_ms"],
        "throughput_rps": peak["req_per_s"],
        "errors": sum(p["errors"] for p in (single, peak, batch, *rated.values())),
    }
    for prefix, phase in [
        ("single", single),
        ("max", peak),
        *rated.items(),
        ("batch", batch),
    ]:
        for key in API_PHASE_FIGURES:
            api[f"{prefix}_{key}"] = phase[key]
    api["batch_size"] = args.batch_size
    api["batch_rows_per_s"] = (
        round(batch["req_per_s"] * args.batch_size, 1) if batch["req_per_s"] else None
    )
    targets = target_rows(api)
    api["measured_at"] = dt.date.today().isoformat()
    merge_into(args.out, {"api": api, "api_targets": targets})

    print(
        f"single-row (1 client): p50 {single['p50_ms']} ms, p95 {single['p95_ms']} ms, "
        f"p99 {single['p99_ms']} ms"
    )
    print(
        f"sustained ({args.concurrency} clients): {peak['req_per_s']} req/s, "
        f"p99 {peak['p99_ms']} ms"
    )
    for r, p in rated.items():
        print(
            f"{r}: achieved {p['req_per_s']} req/s, p50 {p['p50_ms']} ms, "
            f"p99 {p['p99_ms']} ms, errors {p['errors']}"
        )
    print(
        f"batch of {args.batch_size}: {api['batch_rows_per_s']} rows/s, "
        f"p50 {batch['p50_ms']} ms per batch"
    )
    print(f"errors: {api['errors']}; load average {load_before[0]:.2f} -> {load_after[0]:.2f}")
    for t in targets:
        print(
            f"  {t['source']}: {t['name']} {t['op']} {t['target']} {t['unit']}: "
            f"measured {t['measured']}"
        )
    print(f"wrote api, api_targets -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
