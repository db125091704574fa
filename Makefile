# Two commands do all set-up on a fresh machine (Python 3.11, node 20):
#   make site   build the site on the embedded synthetic data (make serve: and serve it on 127.0.0.1)
#   make test   run every test: unit, data, model, notebooks (nbval), drift checks, browser
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
HOST ?= 127.0.0.1
PORT ?= 8000
MERMAID_JS := docs/js/mermaid.min.js
# Material prints an end-of-life banner for MkDocs 2 on every build; we pin MkDocs 1.6 (ADR 0002).
export NO_MKDOCS_2_WARNING := 1

.PHONY: help setup lock site serve test notebooks reports bench bench-model bench-api bench-image bench-batch bench-commands api image system-packages screenshots clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# --- environment -----------------------------------------------------------
# --compile-bytecode: the environment may set PYTHONDONTWRITEBYTECODE, and then every process
# (CLI, mkdocs, xdist workers, notebook kernels) would recompile pandas & co. from source; the
# package's own sources (an editable install) are compiled too, and recompiled in memory once edited.
$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(PY) requirements.lock
	$(BIN)/uv pip install --quiet --python $(PY) --no-deps -e .
	$(PY) -m compileall -q src
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

$(MERMAID_JS): node_modules/.installed
	mkdir -p $(dir $@)
	cp node_modules/mermaid/dist/mermaid.min.js $@

# The venv and npm ci run side by side (a fresh machine: npm ci would otherwise wait for uv).
SETUP_FILES := $(VENV)/.installed $(MERMAID_JS)
setup: ## create .venv from requirements.lock and vendor mermaid from npm
	@$(MAKE) -q $(SETUP_FILES) || $(MAKE) --no-print-directory -j2 --output-sync=target $(SETUP_FILES)

# requirements.lock pins everything (dev tools included) for .venv; requirements-runtime.lock is
# its subset without extras, which the container image installs. Existing pins are kept; a test
# fails when the two disagree.
UV_TARGET := --python-version 3.11 --python-platform x86_64-unknown-linux-gnu
lock: $(VENV)/.installed ## re-resolve both locks from pyproject.toml (keeps existing pins)
	$(BIN)/uv pip compile --quiet pyproject.toml --extra dev $(UV_TARGET) -o requirements.lock
	$(BIN)/uv pip compile --quiet pyproject.toml $(UV_TARGET) -c requirements.lock -o requirements-runtime.lock

# --- pipeline outputs the docs read ----------------------------------------
# The training pipeline is dvc.yaml (parameters: params.yaml); `dvc repro` reruns only the stages
# whose code, data or parameters changed, and records what it did in dvc.lock. reports/*.json
# and dvc.lock are committed: the site is built from the reports, and a test reruns the pipeline
# in a fresh copy and fails when they differ from the committed copy (run `make reports`, commit).
reports: setup ## run the DVC pipeline (dvc.yaml); rewrite reports/*.json, dvc.lock, models/
	$(PY) -m designdocs.checks.stage_code --write
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dvc repro

models/target.joblib:
	$(MAKE) reports

# --- site -------------------------------------------------------------------
# The log is kept (only when the strict build passed) so the tests reuse this build instead of
# building again: designdocs.site.build reads it while site/ is newer than every source.
SITE_LOG := .cache/site-build.log
site: setup ## build the site into site/ from the committed reports and notebooks
	@mkdir -p $(dir $(SITE_LOG)) && rm -f $(SITE_LOG)
	$(BIN)/mkdocs build --strict --quiet 2>&1 | tee $(SITE_LOG).part
	@mv $(SITE_LOG).part $(SITE_LOG)
	@# tee opened the log before the build wrote site/: a log older than the site is not reused.
	@touch $(SITE_LOG)

serve: site ## build, then serve the site on http://127.0.0.1:8000
	$(BIN)/mkdocs serve --strict -a $(HOST):$(PORT)

# The notebooks read the saved run (reports/, models/) instead of training again: models/ is not
# committed, so a fresh machine runs the pipeline once first.
notebooks: setup models/target.joblib ## re-execute every notebook in place after a code change
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.record_timing=False notebooks/*.ipynb

# --- tests ------------------------------------------------------------------
# Real components the tests start on 127.0.0.1 (never mocks): Debian's packages, installed best
# effort when missing; a test whose component is absent skips with a one-line reason.
SYSTEM_PACKAGES := chromium postgresql prometheus podman runc mmdebstrap
system-packages: ## install the Debian packages the integration tests start (best effort, needs root)
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	      || echo "could not install: $$missing (their tests will be skipped)"; \
	  else echo "not root, cannot install: $$missing (their tests will be skipped)"; fi; \
	fi

# One session on both cores: each notebook is one xdist group (its cells run in order in one
# kernel), the browser tests another; the largest groups are scheduled first. The compiled
# bytecode and one site build keep it within its budget (docs/contributing.md; measured:
# Benchmarks page). The site is not a prerequisite: the first test that reads it builds it once
# (designdocs.site.build.ensure_site) while the other worker runs tests, where `make site` before
# pytest would leave a core idle; `make site` beforehand is reused. The pipeline that makes
# models/ on a fresh machine tracks nothing: like the tests (tests/conftest.py), it writes no
# MLflow store into the working copy. `setup` first: an edited pyproject.toml (a new mkdocs plugin
# entry point) reinstalls the package, else the site build cannot find the plugin.
test: export BANKCHURN_TRACKING := false
test: setup system-packages models/target.joblib ## run every test (unit, data, model, nbval, drift, browser)
	$(BIN)/pytest -n 2 --dist loadgroup --nbval tests notebooks

# --- extras -----------------------------------------------------------------
# Measurements (outside `make test`: they depend on the machine), each merged into its own
# sections of reports/benchmarks.json; `make bench` runs them all, then `dvc repro` (the report
# stage reads the API figures). Published on the Benchmarks page.
BENCH := $(PY) scripts
bench: bench-model bench-api bench-image bench-batch ## every measurement below, then dvc repro
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dvc repro

bench-model: setup ## training time, in-process scoring speed and latency (scripts/benchmark.py)
	$(BENCH)/benchmark.py --out reports/benchmarks.json

bench-api: setup models/target.joblib ## the API on 127.0.0.1: load test, request profile, 60 s hostile soak
	$(BENCH)/loadtest.py --out reports/benchmarks.json
	$(BENCH)/profile_request.py --out reports/benchmarks.json
	$(BENCH)/soak.py --out reports/benchmarks.json

bench-image: setup system-packages models/target.joblib ## build the image; its size and cold start to /ready
	$(BENCH)/bench_image.py --out reports/benchmarks.json --model models/target.joblib

bench-batch: setup system-packages models/target.joblib ## 1M customers DB->DB, DB->CSV, CSV->CSV: rows/s, peak memory
	$(BENCH)/bench_batch.py --out reports/benchmarks.json --model models/target.joblib

api: setup models/target.joblib ## serve the inference API on http://127.0.0.1:8080 (model: models/target.joblib)
	$(BIN)/bankchurn serve

# The API image, built without any registry (bankchurn.deploy.image, deploy/Dockerfile); cached: a
# rebuild happens only when the Dockerfile, the runtime lock or the package sources change.
image: setup system-packages ## build the API container image localhost/bankchurn-api (podman or docker)
	$(PY) -m bankchurn.deploy.image build

bench-commands: setup models/target.joblib ## time the CLI and API start, a warm make site, the browser suite and a whole make test; merge into reports/benchmarks.json
	$(PY) scripts/time_commands.py --out reports/benchmarks.json

screenshots: site system-packages ## refresh docs/assets/screenshot-home.png (README) and screenshots/
	$(PY) scripts/screenshots.py --all

clean: ## remove generated, git-ignored files
	rm -rf site .cache models data/generated
