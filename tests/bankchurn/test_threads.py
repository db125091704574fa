"""Thread limits of fitting and scoring."""

from __future__ import annotations

import threading
import time

import sklearn
from threadpoolctl import threadpool_info

from bankchurn.threads import N_JOBS, scoring_context, scoring_pool, single_threaded


def _openmp_threads() -> set[int]:
    return {p["num_threads"] for p in threadpool_info() if p["user_api"] == "openmp"}


def test_fits_and_scoring_run_on_one_openmp_thread() -> None:
    import xgboost  # noqa: F401  (loads an OpenMP runtime to limit)

    with single_threaded():
        assert _openmp_threads() == {1}
    with scoring_context():
        assert _openmp_threads() == {1}


def test_scoring_skips_parameter_revalidation_in_its_own_thread_only() -> None:
    seen: list[bool] = []
    other = threading.Thread(
        target=lambda: seen.append(sklearn.get_config()["skip_parameter_validation"])
    )
    with scoring_context():
        assert sklearn.get_config()["skip_parameter_validation"] is True
        other.start()
        other.join()
    assert seen == [False]
    assert sklearn.get_config()["skip_parameter_validation"] is False


def test_one_scoring_pool_of_n_jobs_threads() -> None:
    pool = scoring_pool()
    assert pool is scoring_pool()
    # Tasks meet N_JOBS at a time (fewer threads: the barrier times out) and never more run
    # at once (more threads: the peak exceeds N_JOBS).
    barrier = threading.Barrier(N_JOBS, timeout=30)
    lock = threading.Lock()
    running, peak, names = 0, 0, set()

    def task(_: int) -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
            names.add(threading.current_thread().name)
        barrier.wait()
        time.sleep(0.05)
        with lock:
            running -= 1

    list(pool.map(task, range(3 * N_JOBS)))
    assert peak == N_JOBS
    assert all(name.startswith("bankchurn-score") for name in names)
