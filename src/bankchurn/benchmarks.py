"""The benchmark report ``reports/benchmarks.json``: the one read-modify-write of its sections.

Several scripts measure (``scripts/benchmark.py``, ``scripts/loadtest.py``,
``scripts/time_commands.py``); each replaces only its own sections of the one file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_args

from pydantic import Field, ValidationError, create_model

from bankchurn.atomic import atomic_write_text
from bankchurn.report_schemas.base import Number, StrictModel, conform, one_line
from bankchurn.targets import Comparison


# --- the shape of each section ----------------------------------------------------------------
class TargetRow(StrictModel):
    """One declared target with what a script measured (the Benchmarks page renders the verdict)."""

    id: str = Field(title="target id")
    name: str = Field(title="what")
    unit: str = Field(title="unit")
    op: Comparison = Field(title="comparison")
    target: Number = Field(title="target")
    measured: Number | None = Field(title="measured")
    source: str | None = Field(None, title="declared by")


class Machine(StrictModel):
    """The machine ``scripts/benchmark.py`` measured on."""

    cpu_count: int | None = Field(title="CPU cores")
    python: str = Field(title="Python")
    platform: str = Field(title="platform")
    load_avg_1m_before: Number = Field(title="load average (1 min) before")
    load_avg_1m_after: Number = Field(title="load average (1 min) after")
    note: str = Field(title="note")


class Provenance(StrictModel):
    """When, by which script and package version, on which data ``scripts/benchmark.py`` ran."""

    measured_at: str = Field(title="measured on")
    script: str = Field(title="script")
    package_version: str = Field(title="package version")
    data: str = Field(title="data")


class TrainedModelBench(StrictModel):
    """One model trained with its production budget: time and test score."""

    candidate: str = Field(title="model family")
    train_wall_s: Number = Field(title="training wall time (s)")
    train_cpu_s: Number = Field(title="training CPU time (s)")
    test_roc_auc: Number = Field(title="ROC AUC on the test rows")
    bayes_optimal_roc_auc: Number | None = Field(title="best reachable ROC AUC (test rows)")
    bayes_optimal_roc_auc_without_gender: Number | None = Field(
        title="best reachable ROC AUC without Gender (test rows)"
    )
    gap_to_bayes: Number | None = Field(title="gap to the best reachable (without Gender)")
    gap_to_bayes_all_columns: Number | None = Field(title="gap to the best reachable (all columns)")
    n_trials_per_candidate: int = Field(title="search trials per candidate")
    minus_reference_roc_auc: Number | None = Field(None, title="ROC AUC minus the reference's")


class ReferenceBench(StrictModel):
    """The hand-tuned XGBoost reference, fitted on the same split."""

    model: str = Field(title="model family")
    params: str = Field(title="parameters")
    train_wall_s: Number = Field(title="training wall time (s)")
    test_roc_auc: Number = Field(title="ROC AUC on the test rows")


class Training(StrictModel):
    """Training times and test scores of both models beside the reference."""

    baseline: TrainedModelBench
    target: TrainedModelBench
    reference: ReferenceBench


class Scoring(StrictModel):
    """In-process scoring speed and latency of the target model."""

    batch_rows: int = Field(title="rows in the batch")
    batch_seconds_best_of_3: Number = Field(title="batch time, best of 3 (s)")
    batch_rows_per_s: Number = Field(title="batch rows/s")
    single_row_calls: int = Field(title="single-row calls")
    single_row_p50_ms: Number = Field(title="single row P50 (ms)")
    single_row_p99_ms: Number = Field(title="single row P99 (ms)")
    single_row_max_ms: Number = Field(title="single row max (ms)")
    explain_row_calls: int = Field(title="explained-row calls")
    explain_row_p99_ms: Number = Field(title="explained row P99 (ms)")
    what: str = Field(title="what was measured")


class Startup(StrictModel):
    """Start of the CLI and the API, and the import of MLflow (``scripts/time_commands.py``)."""

    measured_at: str = Field(title="measured on")
    runs: int = Field(title="runs")
    load_avg_1m_before: Number = Field(title="load average (1 min) before")
    load_avg_1m_after: Number = Field(title="load average (1 min) after")
    cli_help_wall_s: Number = Field(title="`bankchurn --help` wall time (s)")
    cli_help_cpu_s: Number = Field(title="`bankchurn --help` CPU time (s)")
    api_start_wall_s: Number = Field(title="API start to ready, wall time (s)")
    api_start_cpu_s: Number = Field(title="API start to ready, CPU time (s)")
    import_mlflow_wall_s: Number = Field(title="`import mlflow` wall time (s)")
    import_mlflow_cpu_s: Number = Field(title="`import mlflow` CPU time (s)")
    note: str = Field(title="note")


class Commands(StrictModel):
    """When and under which load the repository's commands were timed (rows: targets)."""

    measured_at: str = Field(title="measured on")
    load_avg_1m_before: Number = Field(title="load average (1 min) before")
    load_avg_1m_after: Number = Field(title="load average (1 min) after")
    cpu_count: int | None = Field(title="CPU cores")
    #: ``bash .ci/run`` in a fresh clone (absent when a run skipped it): the commit, wall and
    #: CPU minutes (user + system, every process), and pytest's closing line.
    fresh_clone_commit: str | None = Field(None, title="fresh-clone run: commit")
    fresh_clone_wall_min: Number | None = Field(None, title="fresh-clone run: wall time (min)")
    fresh_clone_cpu_min: Number | None = Field(None, title="fresh-clone run: CPU time (min)")
    fresh_clone_pytest_summary: str | None = Field(None, title="fresh-clone run: pytest summary")


class Tracking(StrictModel):
    """The CPU one fast training adds when it logs its run to MLflow."""

    measured_at: str = Field(title="measured on")
    runs: int = Field(title="runs")
    train_fast_baseline_cpu_s_untracked: Number = Field(
        title="fast baseline training, untracked: CPU (s)"
    )
    train_fast_baseline_cpu_s_tracked: Number = Field(
        title="fast baseline training, tracked: CPU (s)"
    )
    tracking_cpu_s_per_run: Number = Field(title="tracking CPU per run (s)")
    store: str = Field(title="tracking store")


#: Load phases of ``scripts/loadtest.py``; the offered rates are those of its declared targets.
API_PHASES = ("single", "max", "at_100rps", "at_500rps", "explain_at_100rps", "batch")
#: What ``scripts/loadtest.py`` records of each phase, as ``<phase>_<figure>``: type and title.
API_PHASE_FIGURES: dict[str, tuple[Any, str]] = {
    "requests": (int, "requests"),
    "errors": (int, "errors"),
    "concurrency": (int, "clients at once"),
    "req_per_s": (Number, "req/s"),
    "p50_ms": (Number | None, "P50 (ms)"),
    "p95_ms": (Number | None, "P95 (ms)"),
    "p99_ms": (Number | None, "P99 (ms)"),
    "max_ms": (Number | None, "max (ms)"),
    "capped": (bool, "hit its time cap"),
    "send_lag_p99_ms": (Number | None, "client send lag P99 (ms)"),
    "server_p99_ms": (Number | None, "server's own P99 (ms)"),
}


def _required(kind: Any, title: str) -> tuple[Any, Any]:
    return (kind, Field(title=title))


#: ``api``: the API on 127.0.0.1 under load (``scripts/loadtest.py``), one field per phase figure.
Api = create_model(  # type: ignore[call-overload]
    "Api",
    __base__=StrictModel,
    __doc__="The API on 127.0.0.1 under load: every phase's figures and the headline figures.",
    model_version=_required(str, "model version"),
    package_version=_required(str, "package version"),
    server=_required(str, "server"),
    server_log_level=_required(str, "server log level"),
    client=_required(str, "load generator"),
    cpu_count=_required(int | None, "CPU cores"),
    python=_required(str, "Python"),
    load_avg_1m_before=_required(Number, "load average (1 min) before"),
    load_avg_1m_after=_required(Number, "load average (1 min) after"),
    latency_p99_ms=_required(Number | None, "headline P99 at the target rate (ms)"),
    throughput_rps=_required(Number, "headline throughput, closed loop (req/s)"),
    errors=_required(int, "errors, all phases"),
    batch_size=_required(int, "customers per batch request"),
    batch_rows_per_s=_required(Number | None, "batch phase: customers scored per second"),
    measured_at=_required(str, "measured on"),
    **{
        f"{p}_{k}": _required(kind, f"phase {p}: {title}")
        for p in API_PHASES
        for k, (kind, title) in API_PHASE_FIGURES.items()
    },
)


class ApiSoak(StrictModel):
    """A minute of hostile and valid traffic on the API (``scripts/soak.py``)."""

    model_version: str = Field(title="model version")
    seconds: Number = Field(title="duration (s)")
    clients: int = Field(title="clients")
    requests: int = Field(title="requests")
    req_per_s: Number = Field(title="req/s")
    responses_5xx: int = Field(title="5xx responses")
    transport_errors: int = Field(title="transport errors")
    unexpected_status: int = Field(title="unexpected status codes")
    tracebacks_in_server_log: int = Field(title="tracebacks in the server log")
    rss_start_mib: Number = Field(title="memory at start (MiB)")
    rss_end_mib: Number = Field(title="memory at end (MiB)")
    rss_max_mib: Number = Field(title="peak memory (MiB)")
    rss_growth_mib: Number = Field(title="memory growth (MiB)")
    mix: str = Field(title="traffic mix")


class RequestStage(StrictModel):
    """Time of one stage of a request (``scripts/profile_request.py``)."""

    median_us: Number = Field(title="median (µs)")
    p99_us: Number | None = Field(title="P99 (µs)")
    share_of_request: Number | None = Field(title="share of the request")


class RequestProfileRun(StrictModel):
    """How the request profile was measured."""

    calls_per_stage: int = Field(title="calls per stage")
    load_avg_1m: Number = Field(title="load average (1 min)")
    model_version: str = Field(title="model version")
    what: str = Field(title="what was measured")


class Image(StrictModel):
    """The API container image: size and cold start to ``/ready`` (``scripts/bench_image.py``)."""

    engine: str = Field(title="container engine")
    cold_build_s: Number | None = Field(None, title="cold build (s)")
    cold_build_from_an_earlier_run: bool | None = Field(
        None, title="cold build from an earlier run"
    )
    image: str = Field(title="image")
    size_mb: Number = Field(title="size (MB)")
    ready_s_runs: list[Number] = Field(title="start to ready, each run (s)")
    ready_s_median: Number = Field(title="start to ready, median (s)")
    ready_s_max: Number = Field(title="start to ready, max (s)")
    ready_server_cpu_s_median: Number = Field(title="server CPU to ready, median (s)")
    load_avg_1m_before: Number = Field(title="load average (1 min) before")
    load_avg_1m_after: Number = Field(title="load average (1 min) after")
    platform: str = Field(title="platform")
    what: str = Field(title="what was measured")


class StartStep(StrictModel):
    """CPU and wall time of one step of the container's start."""

    cpu_s: Number = Field(title="CPU (s)")
    wall_s: Number = Field(title="wall time (s)")


class BatchRun(StrictModel):
    """One batch scoring path over many customers (``scripts/bench_batch.py``)."""

    path: str = Field(title="scoring path")
    rows: int = Field(title="rows")
    chunk_size: int = Field(title="chunk size (rows)")
    wall_s: Number = Field(title="wall time (s)")
    rows_per_s_end_to_end: Number = Field(title="rows/s end to end")
    peak_rss_mib: Number = Field(title="peak memory (MiB)")
    load_avg_1m_before: Number = Field(title="load average (1 min) before")
    what: str = Field(title="what was measured")


class Benchmarks(StrictModel):
    """``reports/benchmarks.json``: each measuring script's sections, typed to their leaves.

    Timings are not reproducible, so the file is measured by ``make bench`` on a machine and
    committed; each script replaces only its own sections (`merge_into`).
    """

    provenance: Provenance | None = Field(None, title="Provenance")
    machine: Machine | None = Field(None, title="Machine")
    training: Training | None = Field(None, title="Training")
    scoring: Scoring | None = Field(None, title="Scoring in process")
    startup: Startup | None = Field(None, title="Start-up times")
    targets: list[TargetRow] | None = Field(None, title="Model and pipeline targets")
    api: Api | None = Field(None, title="API load test")
    api_targets: list[TargetRow] | None = Field(None, title="API targets")
    api_soak: ApiSoak | None = Field(None, title="API soak")
    api_soak_targets: list[TargetRow] | None = Field(None, title="API soak targets")
    request_profile: dict[str, RequestStage] | None = Field(None, title="Request profile")
    request_profile_run: RequestProfileRun | None = Field(None, title="Request profile run")
    image: Image | None = Field(None, title="Container image")
    image_targets: list[TargetRow] | None = Field(None, title="Container image targets")
    image_start_profile: dict[str, StartStep] | None = Field(None, title="Container start profile")
    batch: list[BatchRun] | None = Field(None, title="Daily batch")
    batch_targets: list[TargetRow] | None = Field(None, title="Daily batch targets")
    commands: Commands | None = Field(None, title="Repository commands")
    command_targets: list[TargetRow] | None = Field(None, title="Repository command targets")
    tracking: Tracking | None = Field(None, title="Experiment tracking")


def field_titles(section: str) -> dict[str, str]:
    """Titles of the fields of one section's records: the labels every page shows for its keys.

    Args:
        section: A field of `Benchmarks` (``"api"``, ``"batch"``, ``"training"``...).

    Returns:
        Field name -> title, for the record model of that section (the items of a list or of a
        mapping section); empty when the section holds no records.
    """
    model = _record_model(Benchmarks.model_fields[section].annotation)
    if model is None:
        return {}
    titles: dict[str, str] = {}
    for name, field in model.model_fields.items():
        part = _record_model(field.annotation)
        if part is not None:  # a record of records (``training``): its parts' fields are columns
            titles |= part.titles()
        elif field.title:
            titles[name] = field.title
    return titles


def _record_model(kind: Any) -> type[StrictModel] | None:
    """The model of the records a field holds (through ``Optional``, ``list`` and ``dict``)."""
    while get_args(kind):
        kind = next(a for a in reversed(get_args(kind)) if a is not type(None))
    return kind if isinstance(kind, type) and issubclass(kind, StrictModel) else None


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
