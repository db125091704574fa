#!/usr/bin/env python
"""Bounded soak of the inference API on 127.0.0.1: hostile traffic, no 5xx, bounded memory.

Starts the real server (``bankchurn serve``, one process) on a free loopback port and sends,
for ``--seconds`` (default 60) from ``--clients`` threads, a fixed mix of requests:

* valid single customers (``POST /predict``), expected 200;
* invalid ones (out of range, unknown field, wrong type), expected 422;
* a lone surrogate in a JSON string, expected 422;
* bodies declared larger than the limit, expected 413, and bodies actually sent larger than
  it, expected 413;
* a valid batch, expected 200.

It records every status, counts 5xx answers and transport errors, samples the server's resident
memory (``VmRSS``) every second, and merges the ``api_soak`` and ``api_soak_targets`` sections
into ``reports/benchmarks.json`` (the Benchmarks page shows them). It is a benchmark, not a
test: its duration and memory depend on the machine.

Usage::

    python scripts/soak.py --model models/target.joblib --out reports/benchmarks.json
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from loadtest import customers, get_json, start_server

from bankchurn import targets
from bankchurn.benchmarks import merge_into
from bankchurn.deploy.ports import on_free_port
from bankchurn.settings import settings

T_5XX = targets.get("engineering.soak_5xx")
T_RSS = targets.get("engineering.soak_rss_growth_mib")


def _rss_mib(pid: int) -> float:
    """Resident memory of a process, from ``/proc/PID/status`` (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def _mix(
    rows: list[dict[str, Any]], limit: int
) -> list[tuple[str, str, bytes, dict[str, str], int]]:
    """The request mix: (kind, path, body, extra headers, expected status)."""
    json_h = {"Content-Type": "application/json"}
    good = [json.dumps(r).encode() for r in rows[:50]]
    out: list[tuple[str, str, bytes, dict[str, str], int]] = []
    for body in good:
        out.append(("valid", "/predict", body, json_h, 200))
    bad_values = [
        {**rows[0], "Age": 7},
        {**rows[0], "Planet": "Mars"},
        {**rows[0], "NumOfProducts": "many"},
    ]
    for bad in bad_values:
        out.append(("invalid", "/predict", json.dumps(bad).encode(), json_h, 422))
    surrogate = (
        json.dumps(rows[0])
        .replace('"France"', '"\\ud800"')
        .replace('"Spain"', '"\\ud800"')
        .replace('"Germany"', '"\\ud800"')
        .encode()
    )
    out.append(("surrogate", "/predict", surrogate, json_h, 422))
    out.append(("oversize_declared", "/predict/batch", b"{}", {**json_h, "X-Declared": "1"}, 413))
    out.append(("oversize_sent", "/predict/batch", b" " * (limit + 1024), json_h, 413))
    batch = json.dumps({"customers": rows[:100]}).encode()
    out.append(("batch", "/predict/batch", batch, json_h, 200))
    return out


#: What each kind of request of the mix is, for the Benchmarks page.
KIND_WORDS = {
    "valid": "valid customers",
    "invalid": "invalid customers",
    "surrogate": "bodies with a lone surrogate",
    "oversize_declared": "bodies declared over the size limit",
    "oversize_sent": "bodies sent over the size limit",
    "batch": "valid batches",
}


def mix_in_words(by_kind: dict[str, dict[str, int]]) -> str:
    """The answers to each kind of request, as a sentence (``7,167 valid customers: all 200``)."""
    parts = []
    order = list(KIND_WORDS)
    for kind in sorted(by_kind, key=lambda k: order.index(k) if k in order else len(order)):
        statuses = by_kind[kind]
        total = sum(statuses.values())
        if len(statuses) == 1:
            answers = f"all {next(iter(statuses))}"
        else:
            answers = ", ".join(f"{n:,} {status}" for status, n in statuses.items())
        parts.append(f"{total:,} {KIND_WORDS.get(kind, kind)}: {answers}")
    return "; ".join(parts)


def _client(
    port: int,
    mix: list[tuple[str, str, bytes, dict[str, str], int]],
    stop_at: float,
    limit: int,
    offset: int,
    results: Counter[tuple[str, int]],
    lock: threading.Lock,
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    i = offset
    local: Counter[tuple[str, int]] = Counter()
    while time.monotonic() < stop_at:
        kind, path, body, headers, _ = mix[i % len(mix)]
        i += 1
        try:
            if "X-Declared" in headers:  # a Content-Length above the limit, short body
                conn.putrequest("POST", path)
                conn.putheader("Content-Type", "application/json")
                conn.putheader("Content-Length", str(limit + 1))
                conn.endheaders()
                conn.send(body)
            else:
                conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            local[(kind, response.status)] += 1
            if response.getheader("connection", "").lower() == "close" or kind.startswith(
                "oversize"
            ):
                conn.close()  # the server may not read the rest of a refused body
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        except (OSError, http.client.HTTPException):
            local[(kind, -1)] += 1  # transport error
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.close()
    with lock:
        results.update(local)


def main(argv: list[str] | None = None) -> int:
    """Run the soak and merge its sections into the benchmark report; 2 without a model."""
    from bankchurn.api.settings import default_model_path, load_settings

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, default=default_model_path())
    ap.add_argument("--out", type=Path, default=settings().reports_dir / "benchmarks.json")
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the soak")
    ap.add_argument("--clients", type=int, default=4, help="client threads")
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args(argv)
    if not args.model.is_file():
        print(f"soak: error: {args.model}: model artifact not found", file=sys.stderr)
        return 2
    limit = load_settings(model_path=args.model).max_body_bytes
    mix = _mix(customers(100, args.seed), limit)
    results: Counter[tuple[str, int]] = Counter()
    lock = threading.Lock()
    rss: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        log_file = Path(tmp) / "server.log"
        port, proc = on_free_port(lambda p: start_server(args.model, p, "WARNING", log_file))
        try:
            ready = get_json(port, "/ready")
            warm = Counter[tuple[str, int]]()
            _client(port, mix, time.monotonic() + 3, limit, 0, warm, lock)  # warm-up
            rss.append(_rss_mib(proc.pid))
            start = time.monotonic()
            stop_at = start + args.seconds
            threads = [
                threading.Thread(
                    target=_client, args=(port, mix, stop_at, limit, k * 7, results, lock)
                )
                for k in range(args.clients)
            ]
            for t in threads:
                t.start()
            while any(t.is_alive() for t in threads):
                time.sleep(1.0)
                rss.append(_rss_mib(proc.pid))
            for t in threads:
                t.join()
            elapsed = time.monotonic() - start
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except Exception:  # noqa: BLE001
                proc.kill()
        server_log = log_file.read_text(errors="replace")

    by_kind: dict[str, dict[str, int]] = {}
    for (kind, status), n in sorted(results.items()):
        by_kind.setdefault(kind, {})[str(status) if status >= 0 else "transport_error"] = n
    expected = {kind: status for kind, _, _, _, status in mix}
    unexpected = sum(n for (kind, status), n in results.items() if status != expected[kind])
    n_5xx = sum(n for (_, status), n in results.items() if status >= 500)
    transport = sum(n for (_, status), n in results.items() if status < 0)
    soak: dict[str, Any] = {
        "model_version": ready["model_version"],
        "seconds": round(elapsed, 1),
        "clients": args.clients,
        "requests": sum(results.values()),
        "req_per_s": round(sum(results.values()) / elapsed, 1),
        "responses_5xx": n_5xx,
        "transport_errors": transport,
        "unexpected_status": unexpected,
        "tracebacks_in_server_log": server_log.count("Traceback"),
        "rss_start_mib": round(rss[0], 1),
        "rss_end_mib": round(rss[-1], 1),
        "rss_max_mib": round(max(rss), 1),
        "rss_growth_mib": round(rss[-1] - rss[0], 1),
        "mix": mix_in_words(by_kind),
    }

    def row(t: targets.Target, measured: Any) -> dict[str, Any]:
        return {
            "id": t.id,
            "name": t.description,
            "op": t.comparison,
            "target": t.value,
            "unit": t.unit,
            "measured": measured,
        }

    rows = [row(T_5XX, n_5xx), row(T_RSS, soak["rss_growth_mib"])]
    merge_into(args.out, {"api_soak": soak, "api_soak_targets": rows})
    for key, value in soak.items():
        print(f"{key}: {value}")
    print(f"wrote api_soak, api_soak_targets -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
