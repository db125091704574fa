#!/usr/bin/env bash
# What a pull request moves in the pipeline: `dvc params diff` and `dvc metrics diff` against a
# base revision, as Markdown (the CI job appends it to its summary: $GITHUB_STEP_SUMMARY).
# Usage: scripts/pipeline_diff.sh BASE_REV   (run from the repository root, dvc on PATH)
set -euo pipefail
base="${1:?usage: $0 BASE_REV}"
# A Markdown table without rows (header and rule only) means nothing moved.
rows() { [ "$(printf '%s\n' "$1" | grep -c '^|')" -gt 2 ] && printf '%s\n' "$1" || true; }
params="$(rows "$(dvc params diff "$base" --md)")"
metrics="$(rows "$(dvc metrics diff "$base" --md)")"
echo "## Pipeline changes against \`$base\`"
echo
echo "### Parameters (params.yaml)"
echo
echo "${params:-No parameter changed.}"
echo
echo "### Metrics (reports/*/metrics.json)"
echo
echo "${metrics:-No metric changed.}"
