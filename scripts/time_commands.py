"""Time the repository's own commands and merge them into ``reports/benchmarks.json``.

Measures, on this machine: the start of ``bankchurn --help`` and of the API on a model file
(process start until ``/ready`` answers; MLflow must not slow either, ADR-0016), the CPU one fast
training adds when it logs its run to MLflow, a warm ``make site`` (second of two runs), the
browser suite alone (``pytest tests/browser``), a whole ``make test`` and ``bash .ci/run`` in a
fresh clone of the committed ``HEAD`` (what CI runs: set-up from the uv and npm caches, the
pipeline, the site and every test). Rows of a partial run (``--only-startup``) replace only their
own rows. The targets come from their one declaration in
`bankchurn.targets`; the Benchmarks page renders them with pass / miss. Timings are recorded,
never asserted by a test (see the Benchmarks page).

Usage::

    .venv/bin/python scripts/time_commands.py --out reports/benchmarks.json [--skip-make-test]
        [--skip-fresh-clone] [--only-startup]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bankchurn import targets
from bankchurn.artifacts import artifact_path
from bankchurn.benchmarks import merge_into
from bankchurn.deploy.ports import PortTaken, on_free_port, port_taken
from bankchurn.settings import settings

ROOT = settings().root
BIN = ROOT / ".venv" / "bin"


def timed(cmd: list[str]) -> float:
    """Run ``cmd`` in the repository root; return its wall time in seconds (fail loudly)."""
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or ["(no output)"]
        raise SystemExit(f"time_commands: {' '.join(cmd)} failed ({proc.returncode}): {tail[0]}")
    return wall


def cpu_of_run(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run of ``cmd`` (fail loudly)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = timed(cmd)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def fresh_clone() -> tuple[float, dict[str, Any]]:
    """Wall minutes of ``bash .ci/run`` in a fresh clone of ``HEAD``, and the facts beside them.

    The clone has no venv, node_modules, models/ or site/: everything `make test` sets up comes
    from the package caches, as on a CI machine that ran before. Uncommitted changes are not in it.
    """
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="bankchurn-fresh-clone-") as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        env = {**os.environ, "CI": "true"}
        for name in [k for k in env if k.startswith(("BANKCHURN_", "VIRTUAL_ENV"))]:
            env.pop(name)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(
            ["bash", ".ci/run"],
            cwd=clone,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-3:] or ["(no output)"]
        raise SystemExit(f"time_commands: .ci/run failed in a fresh clone: {' / '.join(tail)}")
    summary = [ln for ln in proc.stdout.splitlines() if " passed" in ln and " in " in ln]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall / 60.0, {
        "commit": commit,
        "wall_min": round(wall / 60.0, 2),
        "cpu_min": round(cpu / 60.0, 2),
        "pytest_summary": summary[-1].strip("= ") if summary else "",
    }


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a running process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def api_start(model: Path) -> tuple[float, float]:
    """Wall and CPU seconds of ``bankchurn serve --model MODEL`` until ``/ready`` answers 200.

    A start whose port another process took first is not timed: it runs again on another port.
    """

    def timed_start(port: int) -> tuple[float, float]:
        cmd = [str(BIN / "bankchurn"), "serve", "--model", str(model), "--port", str(port)]
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            while time.perf_counter() - start < 120:
                if proc.poll() is not None:
                    err = proc.stderr.read() if proc.stderr else ""
                    if port_taken(err):
                        raise PortTaken(err)
                    raise SystemExit(
                        f"time_commands: bankchurn serve exited with {proc.returncode}"
                    )
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=1) as r:
                        if r.status == 200:
                            return time.perf_counter() - start, _process_cpu(proc.pid)
                except OSError:
                    time.sleep(0.02)
            raise SystemExit("time_commands: the API was not ready within 120 s")
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)

    return on_free_port(timed_start)[1]


def _medians(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return (
        statistics.median(w for w, _ in samples),
        statistics.median(c for _, c in samples),
    )


def tracking_cost(runs: int) -> dict[str, Any]:
    """CPU seconds one `bankchurn train` (fast baseline) adds when it logs its run to MLflow.

    Median over ``runs`` pairs (tracking off, then on) after a warm-up that creates a local
    SQLite store in a temporary folder (its schema is made once, not per run).
    """
    train = [str(BIN / "bankchurn"), "train", "--model", "baseline", "--fast", "--out"]
    with tempfile.TemporaryDirectory(prefix="bankchurn-tracking-") as tmp:
        env = {**os.environ, "BANKCHURN_MLRUNS_DIR": f"{tmp}/mlruns"}
        env.pop("MLFLOW_TRACKING_URI", None)

        def cpu(tracking: str) -> float:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            proc = subprocess.run(
                [*train, f"{tmp}/out"],
                cwd=ROOT,
                env={**env, "BANKCHURN_TRACKING": tracking},
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                raise SystemExit(f"time_commands: train failed: {proc.stderr.strip()[-300:]}")
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

        cpu("true")
        off = statistics.median(cpu("false") for _ in range(runs))
        on = statistics.median(cpu("true") for _ in range(runs))
    return {
        "measured_at": dt.date.today().isoformat(),
        "runs": runs,
        "train_fast_baseline_cpu_s_untracked": round(off, 2),
        "train_fast_baseline_cpu_s_tracked": round(on, 2),
        "tracking_cpu_s_per_run": round(on - off, 2),
        "store": "local SQLite (the default); a remote server adds network time instead",
    }


def startup(runs: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """CPU time of the CLI's and the API's start (the verdict rows) and the wall times.

    CPU seconds are the cost a start adds whatever else the shared machine is doing; the wall
    seconds depend on its load (recorded next to them). Medians of ``runs`` after a warm-up.
    """
    model = artifact_path(settings().models_dir, "target")
    if not model.is_file():
        raise SystemExit(f"time_commands: {model} is missing: run `make reports` first")
    help_cmd = [str(BIN / "bankchurn"), "--help"]
    mlflow_cmd = [str(BIN / "python"), "-c", "import mlflow"]
    load_before = os.getloadavg()[0]
    cpu_of_run(help_cmd)
    help_wall, help_cpu = _medians([cpu_of_run(help_cmd) for _ in range(runs)])
    api_start(model)
    api_wall, api_cpu = _medians([api_start(model) for _ in range(runs)])
    cpu_of_run(mlflow_cmd)
    mlflow_wall, mlflow_cpu = _medians([cpu_of_run(mlflow_cmd) for _ in range(runs)])
    rows = [
        record("engineering.cli_help_s", "`bankchurn --help` (CPU)", help_cpu, digits=2),
        record("engineering.api_start_s", "API start until `/ready` (CPU)", api_cpu, digits=2),
    ]
    facts = {
        "measured_at": dt.date.today().isoformat(),
        "runs": runs,
        "load_avg_1m_before": round(load_before, 2),
        "load_avg_1m_after": round(os.getloadavg()[0], 2),
        "cli_help_wall_s": round(help_wall, 2),
        "cli_help_cpu_s": round(help_cpu, 2),
        "api_start_wall_s": round(api_wall, 2),
        "api_start_cpu_s": round(api_cpu, 2),
        "import_mlflow_wall_s": round(mlflow_wall, 2),
        "import_mlflow_cpu_s": round(mlflow_cpu, 2),
        "note": "MLflow is imported only by the commands that track or serve a registered "
        "model; `import_mlflow` is the cost the lazy import keeps out of these starts",
    }
    return rows, facts


def record(target_id: str, name: str, measured: float, digits: int = 1) -> dict[str, Any]:
    """One row for the site: the declared target next to the measured value."""
    t = targets.get(target_id)
    return {
        "id": t.id,
        "name": name,
        "unit": t.unit,
        "op": t.comparison,
        "target": t.value,
        "measured": round(measured, digits),
    }


def _merged(out: Path, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The new rows, plus the earlier rows of ``out`` this run did not measure again."""
    earlier: list[dict[str, Any]] = []
    if out.is_file():
        earlier = json.loads(out.read_text(encoding="utf-8")).get("command_targets") or []
    fresh = {r["id"] for r in rows}
    order = [t.id for t in targets.TARGETS]
    merged = rows + [r for r in earlier if r.get("id") not in fresh]
    return sorted(merged, key=lambda r: order.index(r["id"]) if r["id"] in order else len(order))


def main(argv: list[str] | None = None) -> int:
    """Time the repository commands and merge their rows into the benchmark report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=settings().reports_dir / "benchmarks.json")
    parser.add_argument(
        "--skip-make-test",
        action="store_true",
        help="do not time a whole `make test` (it takes minutes)",
    )
    parser.add_argument(
        "--skip-fresh-clone",
        action="store_true",
        help="do not time `bash .ci/run` in a fresh clone (it takes minutes)",
    )
    parser.add_argument(
        "--only-startup",
        action="store_true",
        help="time only the CLI and API start (seconds, not minutes)",
    )
    parser.add_argument("--runs", type=int, default=5, help="timed runs per start-up figure")
    args = parser.parse_args(argv)

    rows, startup_facts = startup(args.runs)
    tracking = tracking_cost(3)
    if args.only_startup:
        merge_into(
            args.out,
            {
                "startup": startup_facts,
                "tracking": tracking,
                "command_targets": _merged(args.out, rows),
            },
        )
        for r in rows:
            print(f"{r['name']}: {r['measured']} {r['unit']} (target {r['op']} {r['target']})")
        return 0
    load_before = os.getloadavg()[0]
    timed(["make", "site"])  # warm-up: environment, vendored mermaid, caches
    rows.append(record("engineering.site_build_s", "Warm `make site`", timed(["make", "site"])))
    browser = timed(
        [
            str(ROOT / ".venv" / "bin" / "pytest"),
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/browser",
        ]
    )
    rows.append(
        record("engineering.browser_suite_s", "Browser suite (`pytest tests/browser`)", browser)
    )
    if not args.skip_make_test:
        rows.append(
            record("engineering.make_test_min", "Whole `make test`", timed(["make", "test"]) / 60.0)
        )
    clone_facts: dict[str, Any] = {}
    if not args.skip_fresh_clone:
        minutes, clone_facts = fresh_clone()
        rows.append(
            record("engineering.fresh_clone_min", "`bash .ci/run` in a fresh clone", minutes)
        )
    merge_into(
        args.out,
        {
            "commands": {
                "measured_at": dt.date.today().isoformat(),
                "load_avg_1m_before": round(load_before, 2),
                "load_avg_1m_after": round(os.getloadavg()[0], 2),
                "cpu_count": os.cpu_count(),
                **{f"fresh_clone_{k}": v for k, v in clone_facts.items()},
            },
            "command_targets": _merged(args.out, rows),
            "startup": startup_facts,
            "tracking": tracking,
        },
    )
    for r in rows:
        print(f"{r['name']}: {r['measured']} {r['unit']} (target {r['op']} {r['target']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
