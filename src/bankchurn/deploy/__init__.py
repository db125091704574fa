"""Delivery of the ML system, and the real servers its tests and benchmarks start.

* ``image`` and ``engine``: the API container image, built and run with podman or docker;
* ``daily_job``: the daily batch scoring job;
* ``postgres``: a throwaway PostgreSQL cluster on 127.0.0.1;
* ``ports``: the loopback port of every server started there, picked again when taken.
"""
