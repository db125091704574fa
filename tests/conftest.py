"""Shared pytest configuration. Each tests/<area>/ folder keeps its own fixtures."""

import os

# Deterministic hashing and single-threaded BLAS so repeated runs give identical numbers.
os.environ.setdefault("PYTHONHASHSEED", "0")
os.environ.setdefault("OMP_NUM_THREADS", "1")
