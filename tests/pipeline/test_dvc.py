"""The DVC pipeline (dvc.yaml, params.yaml, dvc.lock), run for real in fresh copies of the repository.

The full-size run (``fresh_pipeline``, tests/conftest.py) is shared with tests/site/test_reports_fresh.py,
which compares its reports with the committed ones byte for byte. A second, small copy (a few
hundred rows, one tuning trial) shows which stages a parameter change reruns and what the CI job
summary says about it.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
import yaml

from bankchurn import params
from designdocs.checks.drift import stale_lock

pytestmark = pytest.mark.xdist_group("pipeline")  # one worker runs the pipeline copies

STAGES = ("extract", "validate", "train_baseline", "train_target", "report", "monitor")


def _ran(output: str) -> list[str]:
    return re.findall(r"Running stage '(\w+)'", output)


def test_every_stage_ran_once_in_order(fresh_pipeline) -> None:
    _, output = fresh_pipeline
    assert _ran(output) == list(STAGES)


def test_a_second_repro_does_nothing(fresh_pipeline) -> None:
    copy, _ = fresh_pipeline
    output = copy.run("dvc", "repro").stdout
    assert _ran(output) == []
    assert "Data and pipelines are up to date." in output


def test_push_then_pull_restores_data_and_models_from_the_local_remote(fresh_pipeline) -> None:
    copy, _ = fresh_pipeline
    cached = [
        copy.root / "data/generated/crm_extract.csv",
        copy.root / "models/baseline.joblib",
        copy.root / "models/target.joblib",
        copy.root / "models/target.joblib.sha256",
        copy.root / "models/target.training.json",
    ]
    before = {path: path.read_bytes() for path in cached}
    copy.run("dvc", "push")
    storage = copy.root / ".dvc-storage"
    assert sum(1 for p in storage.rglob("*") if p.is_file()) >= len(cached)
    for path in cached:
        path.unlink()
    copy.run("rm", "-rf", ".dvc/cache")
    copy.run("dvc", "pull")
    assert {path: path.read_bytes() for path in cached} == before
    assert "Data and pipelines are up to date." in copy.run("dvc", "status").stdout
    # What was pulled loads (its recorded hash came with it).
    copy.run(
        "python",
        "-c",
        "from bankchurn.artifacts import load_artifact; load_artifact('models/target.joblib')",
    )


def _lock_problems(copy) -> list[str]:
    """`stale_lock` of a copy: what changed in its committed files since its dvc.lock."""
    status = json.loads(copy.run("dvc", "status", "--json").stdout)
    return stale_lock(status, set(copy.run("git", "ls-files").stdout.splitlines()))


def test_dvc_lock_matches_the_committed_code_parameters_and_reports(pipeline_copy) -> None:
    """dvc.lock records the hashes of the code, parameters and reports committed with it.

    A fresh clone has no DVC cache (no extract, no models): only the committed files count.
    """
    problems = _lock_problems(pipeline_copy("lock-check"))
    assert not problems, "\n".join(problems)


def test_the_lock_check_names_a_changed_file_and_the_fix(pipeline_copy) -> None:
    """Planted: a code change, a parameter change, an edited report; each is named."""
    copy = pipeline_copy("lock-planted")
    with (copy.root / "src/bankchurn/contract.py").open("a") as fh:
        fh.write("# planted\n")
    problems = _lock_problems(copy)
    assert len(problems) == 1, problems
    assert problems[0].startswith(
        "dvc.lock is stale: src/bankchurn/contract.py (modified) since it was"
    )
    assert problems[0].endswith("run `make reports` and commit dvc.lock and reports/")
    copy.run("git", "checkout", "--", ".")
    _set_params(copy, seed=7)
    (copy.root / "reports/monitoring.json").write_text("{}\n")
    assert sorted(p.split(" since")[0] for p in _lock_problems(copy)) == [
        "dvc.lock is stale: params.yaml (seed modified)",
        "dvc.lock is stale: reports/monitoring.json (modified)",
    ]


def test_the_package_reads_the_parameters_dvc_tracks() -> None:
    """dvc.yaml's stages name params.yaml keys; the package's values are that file's."""
    stages = yaml.safe_load(Path(params.PARAMS_FILE).with_name("dvc.yaml").read_text())["stages"]
    declared = {key.split(".")[0] for stage in stages.values() for key in stage.get("params", [])}
    assert declared == {f.name for f in dataclasses.fields(params.Params)}
    from bankchurn import business, split, tuning

    p = params.load()
    assert business.BusinessParameters().model_dump() == p.business
    assert tuning.DEFAULT_BUDGET.__dict__ == p.tuning
    assert split.DEFAULT_TEST_MONTHS == p.split.test_months


#: Options of a stage's command that name a file the stage reads.
READ_OPTIONS = ("--bench", "--data")


def _paths(entries: list) -> set[str]:
    return {next(iter(e)) if isinstance(e, dict) else e for e in entries}


def test_the_pipeline_is_a_dag_whose_stages_name_what_they_read() -> None:
    """Each file a stage reads by option is one of its deps; a dep is an earlier stage's output.

    The canvas status once read ``benchmarks.json`` from the folder it writes (ADR 0013).
    """
    stages = yaml.safe_load(Path(params.PARAMS_FILE).with_name("dvc.yaml").read_text())["stages"]
    outputs = {
        name: _paths(stage.get("outs", []) + stage.get("metrics", []))
        for name, stage in stages.items()
    }
    earlier: set[str] = set()
    for name, stage in stages.items():  # in the order dvc.yaml lists them
        cmd = stage["cmd"].split()
        read = {cmd[i + 1] for i, arg in enumerate(cmd[:-1]) if arg in READ_OPTIONS}
        deps = _paths(stage.get("deps", []))
        assert read <= deps, f"stage {name}: reads {sorted(read - deps)} without listing it"
        later = set().union(*(outs for other, outs in outputs.items() if other not in earlier))
        assert not deps & later, f"stage {name}: depends on {sorted(deps & later)}, not yet made"
        earlier.add(name)
    assert "--bench" in stages["report"]["cmd"]


def _set_params(copy, **changes: object) -> None:
    """Edit the copy's params.yaml (dotted keys), keeping it otherwise as it is."""
    path = copy.root / "params.yaml"
    data = yaml.safe_load(path.read_text())
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = data
        for name in parents:
            node = node[name]
        node[last] = value
    path.write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.fixture(scope="module")
def small_pipeline(pipeline_copy):
    """A fresh copy with a small extract and budget, its pipeline run and committed ("base")."""
    copy = pipeline_copy("small-clone")
    _set_params(
        copy,
        data__n_rows=720,
        tuning__n_trials=1,
        tuning__n_folds=2,
        tuning__max_trees=30,
    )
    assert _ran(copy.run("dvc", "repro").stdout) == list(STAGES)
    copy.commit("base: small pipeline")
    return copy


def test_one_parameter_reruns_only_its_stages_and_the_ci_summary_shows_what_moved(
    small_pipeline,
) -> None:
    copy = small_pipeline
    baseline_before = (copy.root / "reports/baseline/metrics.json").read_bytes()
    _set_params(copy, tuning__max_trees=60)  # the target's search space: its model changes
    assert any("params.yaml (tuning modified)" in p for p in _lock_problems(copy))
    assert _ran(copy.run("dvc", "repro").stdout) == ["train_target", "report", "monitor"]
    assert (
        _lock_problems(copy) == []
    )  # `make reports` (dvc repro) is what brings dvc.lock up to date
    assert (copy.root / "reports/baseline/metrics.json").read_bytes() == baseline_before
    copy.commit("head: larger forests")

    summary = copy.run("scripts/pipeline_diff.sh", "HEAD~1").stdout
    assert "## Pipeline changes against `HEAD~1`" in summary
    assert re.search(r"\| params\.yaml\s*\| tuning\.max_trees\s*\| 30\s*\| 60\s*\|", summary), (
        summary
    )
    assert "reports/target/metrics.json" in summary, summary
    assert "reports/baseline/metrics.json" not in summary, summary

    unchanged = copy.run("scripts/pipeline_diff.sh", "HEAD").stdout
    assert "No parameter changed." in unchanged
    assert "No metric changed." in unchanged


def test_the_site_draws_the_training_flow_from_the_pipeline_itself() -> None:
    """The Architecture page's training flow is `dvc dag --mermaid`, not a drawing."""
    from bankchurn.settings import settings
    from designdocs.pages import pipeline as pipeline_page

    root = settings().root
    section = (root / "docs" / "ARCHITECTURE.md").read_text().split("## Data flow: training")[1]
    section = section.split("\n## ")[0]
    assert "{{ pipeline_dag() }}" in section
    assert "flowchart" not in section  # no hand-drawn copy beside it
    drawn = pipeline_page.dag_mermaid(root)
    stages = yaml.safe_load((root / "dvc.yaml").read_text())["stages"]
    for name in stages:
        assert f'["{name}"]' in drawn, name
    assert "extract" in pipeline_page.stages_table(root)
