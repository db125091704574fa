"""The benchmark report ``reports/benchmarks.json``: the one read-modify-write of its sections.

Several scripts measure (``scripts/benchmark.py``, ``scripts/loadtest.py``,
``scripts/time_commands.py``); each replaces only its own sections of the one file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError, create_model

from bankchurn.atomic import atomic_write_text
from bankchurn.report_schemas.base import Number, StrictModel, conform, one_line
from bankchurn.targets import Comparison


# --- the shape of each section ----------------------------------------------------------------
class TargetRow(StrictModel):
    """One declared target with what a script measured (the Benchmarks page renders the verdict)."""

    id: str
    name: str
    unit: str
    op: Comparison
    target: Number
    measured: Number | None
    source: str | None = None


class Machine(StrictModel):
    """The machine ``scripts/benchmark.py`` measured on."""

    cpu_count: int | None
    python: str
    platform: str
    load_avg_1m_before: Number
    load_avg_1m_after: Number
    note: str


class Provenance(StrictModel):
    """When, by which script and package version, on which data ``scripts/benchmark.py`` ran."""

    measured_at: str
    script: str
    package_version: str
    data: str


class TrainedModelBench(StrictModel):
    """One model trained with its production budget: time and test score."""

    candidate: str
    train_wall_s: Number
    train_cpu_s: Number
    test_roc_auc: Number
    bayes_optimal_roc_auc: Number | None
    bayes_optimal_roc_auc_without_gender: Number | None
    gap_to_bayes: Number | None
    gap_to_bayes_all_columns: Number | None
    n_trials_per_candidate: int
    minus_reference_roc_auc: Number | None = None


class ReferenceBench(StrictModel):
    """The hand-tuned XGBoost reference, fitted on the same split."""

    model: str
    params: str
    train_wall_s: Number
    test_roc_auc: Number


class Training(StrictModel):
    """Training times and test scores of both models beside the reference."""

    baseline: TrainedModelBench
    target: TrainedModelBench
    reference: ReferenceBench


class Scoring(StrictModel):
    """In-process scoring speed and latency of the target model."""

    batch_rows: int
    batch_seconds_best_of_3: Number
    batch_rows_per_s: Number
    single_row_calls: int
    single_row_p50_ms: Number
    single_row_p99_ms: Number
    single_row_max_ms: Number
    explain_row_calls: int
    explain_row_p99_ms: Number
    what: str


class Startup(StrictModel):
    """Start of the CLI and the API, and the import of MLflow (``scripts/time_commands.py``)."""

    measured_at: str
    runs: int
    load_avg_1m_before: Number
    load_avg_1m_after: Number
    cli_help_wall_s: Number
    cli_help_cpu_s: Number
    api_start_wall_s: Number
    api_start_cpu_s: Number
    import_mlflow_wall_s: Number
    import_mlflow_cpu_s: Number
    note: str


class Commands(StrictModel):
    """When and under which load the repository's commands were timed (rows: targets)."""

    measured_at: str
    load_avg_1m_before: Number
    load_avg_1m_after: Number
    cpu_count: int | None
    #: ``bash .ci/run`` in a fresh clone (absent when a run skipped it): the commit, wall and
    #: CPU minutes (user + system, every process), and pytest's closing line.
    fresh_clone_commit: str | None = None
    fresh_clone_wall_min: Number | None = None
    fresh_clone_cpu_min: Number | None = None
    fresh_clone_pytest_summary: str | None = None


class Tracking(StrictModel):
    """The CPU one fast training adds when it logs its run to MLflow."""

    measured_at: str
    runs: int
    train_fast_baseline_cpu_s_untracked: Number
    train_fast_baseline_cpu_s_tracked: Number
    tracking_cpu_s_per_run: Number
    store: str


#: Load phases of ``scripts/loadtest.py``; the offered rates are those of its declared targets.
API_PHASES = ("single", "max", "at_100rps", "at_500rps", "explain_at_100rps", "batch")
#: What ``scripts/loadtest.py`` records of each phase, as ``<phase>_<figure>``.
API_PHASE_FIGURES: dict[str, Any] = {
    "requests": int,
    "errors": int,
    "concurrency": int,
    "req_per_s": Number,
    "p50_ms": Number | None,
    "p95_ms": Number | None,
    "p99_ms": Number | None,
    "max_ms": Number | None,
    "capped": bool,
    "send_lag_p99_ms": Number | None,
    "server_p99_ms": Number | None,
}

#: ``api``: the API on 127.0.0.1 under load (``scripts/loadtest.py``), one field per phase figure.
Api = create_model(  # type: ignore[call-overload]
    "Api",
    __base__=StrictModel,
    __doc__="The API on 127.0.0.1 under load: every phase's figures and the headline figures.",
    model_version=(str, ...),
    package_version=(str, ...),
    server=(str, ...),
    server_log_level=(str, ...),
    client=(str, ...),
    cpu_count=(int | None, ...),
    python=(str, ...),
    load_avg_1m_before=(Number, ...),
    load_avg_1m_after=(Number, ...),
    latency_p99_ms=(Number | None, ...),
    throughput_rps=(Number, ...),
    errors=(int, ...),
    batch_size=(int, ...),
    batch_rows_per_s=(Number | None, ...),
    measured_at=(str, ...),
    **{f"{p}_{k}": (t, ...) for p in API_PHASES for k, t in API_PHASE_FIGURES.items()},
)


class ApiSoak(StrictModel):
    """A minute of hostile and valid traffic on the API (``scripts/soak.py``)."""

    model_version: str
    seconds: Number
    clients: int
    requests: int
    req_per_s: Number
    responses_5xx: int
    transport_errors: int
    unexpected_status: int
    tracebacks_in_server_log: int
    rss_start_mib: Number
    rss_end_mib: Number
    rss_max_mib: Number
    rss_growth_mib: Number
    mix: str


class RequestStage(StrictModel):
    """Time of one stage of a request (``scripts/profile_request.py``)."""

    median_us: Number
    p99_us: Number | None
    share_of_request: Number | None


class RequestProfileRun(StrictModel):
    """How the request profile was measured."""

    calls_per_stage: int
    load_avg_1m: Number
    model_version: str
    what: str


class Image(StrictModel):
    """The API container image: size and cold start to ``/ready`` (``scripts/bench_image.py``)."""

    engine: str
    cold_build_s: Number | None = None
    cold_build_from_an_earlier_run: bool | None = None
    image: str
    size_mb: Number
    ready_s_runs: list[Number]
    ready_s_median: Number
    ready_s_max: Number
    ready_server_cpu_s_median: Number
    load_avg_1m_before: Number
    load_avg_1m_after: Number
    platform: str
    what: str


class StartStep(StrictModel):
    """CPU and wall time of one step of the container's start."""

    cpu_s: Number
    wall_s: Number


class BatchRun(StrictModel):
    """One batch scoring path over many customers (``scripts/bench_batch.py``)."""

    path: str
    rows: int
    chunk_size: int
    wall_s: Number
    rows_per_s_end_to_end: Number
    peak_rss_mib: Number
    load_avg_1m_before: Number
    what: str


class Benchmarks(StrictModel):
    """``reports/benchmarks.json``: each measuring script's sections, typed to their leaves.

    Timings are not reproducible, so the file is measured by ``make bench`` on a machine and
    committed; each script replaces only its own sections (`merge_into`).
    """

    provenance: Provenance | None = None
    machine: Machine | None = None
    training: Training | None = None
    scoring: Scoring | None = None
    startup: Startup | None = None
    targets: list[TargetRow] | None = None
    api: Api | None = None
    api_targets: list[TargetRow] | None = None
    api_soak: ApiSoak | None = None
    api_soak_targets: list[TargetRow] | None = None
    request_profile: dict[str, RequestStage] | None = None
    request_profile_run: RequestProfileRun | None = None
    image: Image | None = None
    image_targets: list[TargetRow] | None = None
    image_start_profile: dict[str, StartStep] | None = None
    batch: list[BatchRun] | None = None
    batch_targets: list[TargetRow] | None = None
    commands: Commands | None = None
    command_targets: list[TargetRow] | None = None
    tracking: Tracking | None = None


def merge_into(out: Path, sections: dict[str, Any], remove: tuple[str, ...] = ()) -> None:
    """Read-modify-write ``out``: replace only the given sections, atomically.

    Args:
        out: The benchmark report (created when missing).
        sections: Top-level keys to replace, with their new values.
        remove: Top-level keys to delete (sections a script no longer writes).

    Raises:
        SystemExit: ``out`` exists but is not a JSON object (it is left untouched).
    """
    data: dict[str, Any] = {}
    if out.is_file():
        data = json.loads(out.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise SystemExit(f"benchmark: {out} is not a JSON object; not overwriting it")
    for key in remove:
        data.pop(key, None)
    data.update(sections)
    try:
        data = conform(Benchmarks, data)
    except ValidationError as exc:
        raise SystemExit(f"benchmark: {out}: {one_line(exc)}; not overwriting it") from None
    atomic_write_text(out, json.dumps(data, indent=2, sort_keys=True) + "\n")


def run_measured(cmd: list[str]) -> dict[str, Any]:
    """Run ``cmd`` in a child process; its wall time and peak resident memory.

    ``ru_maxrss`` survives ``exec``, so a child forked from a large process would report that
    process's footprint: a small wrapper interpreter starts ``cmd`` and reports its children's
    peak instead.

    Args:
        cmd: The command line.

    Returns:
        ``rc`` (exit code), ``err`` (end of stderr), ``wall_s`` and ``peak_rss_mib``.
    """
    import subprocess
    import sys

    wrapper = (
        "import json, resource, subprocess, sys, time\n"
        "t = time.perf_counter(); p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "print(json.dumps({'rc': p.returncode, 'err': p.stderr.strip()[-500:],"
        " 'wall_s': time.perf_counter() - t,"
        " 'maxrss_kib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True, check=True
    )
    res = json.loads(proc.stdout)
    return {
        "rc": int(res["rc"]),
        "err": str(res["err"]),
        "wall_s": float(res["wall_s"]),
        "peak_rss_mib": int(res["maxrss_kib"]) / 1024.0,  # KiB on Linux
    }
