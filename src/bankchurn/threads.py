"""Thread limits of fitting and scoring, and the threads large scoring calls are split over.

Each fit and each scoring call runs its boosting library on one OpenMP thread: nested OpenMP
threads on a busy 2-core machine slow boosting down by an order of magnitude (spinning workers),
for a batch as for a single row, and one thread per fit makes the result independent of the
core count. Parallelism comes from running `N_JOBS` fits (CV folds) or scoring blocks at once
in threads instead (both libraries release the GIL).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import sklearn
from threadpoolctl import ThreadpoolController, threadpool_limits

#: CV folds fitted at once, and blocks one large scoring call is split into (threads).
N_JOBS = 2


def single_threaded() -> threadpool_limits:
    """Context limiting OpenMP/BLAS pools to one thread (see `N_JOBS`)."""
    return threadpool_limits(limits=1)


_CONTROLLER: ThreadpoolController | None = None


def _one_openmp_thread() -> Any:
    """Cheap context limiting OpenMP to one thread while scoring.

    The controller scans the loaded libraries once, so entering the context per call costs
    microseconds (`single_threaded` scans them on every call).
    """
    global _CONTROLLER
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="openmp")


@contextlib.contextmanager
def scoring_context() -> Iterator[None]:
    """Context of every scoring call: one OpenMP thread, no sklearn parameter re-validation.

    ``skip_parameter_validation`` only skips re-checking hyperparameters already checked at
    fit; inputs are still checked (NaN allowed where imputed, infinities rejected). Both
    settings are thread-local, so concurrent scoring threads do not interfere.
    """
    with _one_openmp_thread(), sklearn.config_context(skip_parameter_validation=True):
        yield


_POOL: ThreadPoolExecutor | None = None


def scoring_pool() -> ThreadPoolExecutor:
    """The `N_JOBS` threads large scoring calls are split over (created on first use)."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(N_JOBS, thread_name_prefix="bankchurn-score")
    return _POOL
