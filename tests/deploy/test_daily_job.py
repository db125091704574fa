"""The daily batch is declared once, runs as declared, and the site draws it so.

The systemd units and the Kubernetes CronJob are rendered from `bankchurn.deploy.daily_job`;
here the committed files are compared with it, parsed to check that both schedulers run the
same command at the same time, the CronJob is validated against the Kubernetes API schema, and
the service's command is run, as written, against a real PostgreSQL server (the container part is
replaced by the CLI the image runs; the image itself is tested in test_image.py).
"""

from __future__ import annotations

import configparser
import datetime as dt
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from bankchurn import crm_db, privacy, scores_db
from bankchurn.cli import main
from bankchurn.deploy import daily_job
from bankchurn.deploy.engine import API_REPO, CONTAINER_MODELS
from bankchurn.settings import settings
from bankchurn.synthetic import generate_extract

pytestmark = pytest.mark.xdist_group("postgres")

ROOT = settings().root
SERVICE, TIMER, CRONJOB = daily_job.SERVICE, daily_job.TIMER, daily_job.CRONJOB
ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"
#: The Kubernetes release whose API schema the CronJob must satisfy (CronJob.timeZone: >= 1.27).
KUBERNETES = "1.37"


def _unit(path: Path) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.optionxform = str  # type: ignore[assignment,method-assign]  (keys are case-sensitive)
    unit.read(path, encoding="utf-8")
    return unit


def _job_command() -> tuple[list[str], list[str]]:
    """The engine part and the ``bankchurn ...`` part of the service's ExecStart."""
    argv = shlex.split(_unit(SERVICE)["Service"]["ExecStart"])
    at = argv.index(API_REPO)
    return argv[: at + 1], argv[at + 1 :]


def _schedule() -> str:
    """``HH:MM`` (UTC) of the timer's daily ``OnCalendar``."""
    on_calendar = _unit(TIMER)["Timer"]["OnCalendar"]
    found = re.fullmatch(r"\*-\*-\* (\d\d:\d\d):00 UTC", on_calendar)
    assert found, f"OnCalendar={on_calendar} is not a daily UTC time"
    return found.group(1)


def _cronjob() -> dict[str, Any]:
    loaded = yaml.safe_load(CRONJOB.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_the_committed_files_are_the_declaration() -> None:
    assert daily_job.stale() == [], "run `python -m bankchurn.deploy.daily_job write`"


def test_the_cronjob_is_a_valid_kubernetes_object() -> None:
    import kubernetes_validate

    kubernetes_validate.validate(_cronjob(), KUBERNETES, strict=True)
    broken = _cronjob()
    broken["spec"]["jobTemplate"]["spec"]["template"]["spec"]["restartPolicy"] = ["Never"]
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES, strict=True)


def test_both_schedulers_run_the_same_command_at_the_same_time() -> None:
    job = _cronjob()
    spec = job["spec"]
    hour, minute = _schedule().split(":")
    assert spec["schedule"] == f"{int(minute)} {int(hour)} * * *"
    assert spec["timeZone"] == "Etc/UTC"
    assert spec["concurrencyPolicy"] == "Forbid"
    pod = spec["jobTemplate"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    engine, command = _job_command()
    url = "postgresql://scorer@crm:5432/crm"
    assert [a.replace("$(CRM_URL)", url) for a in container["command"]] == [
        a.replace("${CRM_URL}", url) for a in command
    ]
    assert container["image"] == engine[-1] == API_REPO
    # the model: read-only at the same path; the URL and password: from a secret
    (mount,) = container["volumeMounts"]
    assert (mount["mountPath"], mount["readOnly"]) == (CONTAINER_MODELS, True)
    assert [e["name"] for e in container["env"]] == list(daily_job.SECRET_VARS)
    assert all("secretKeyRef" in e["valueFrom"] for e in container["env"])
    assert pod["securityContext"]["runAsNonRoot"] is True


def test_the_timer_starts_the_service_daily_and_catches_up() -> None:
    _schedule()
    assert _unit(TIMER)["Timer"]["Persistent"] == "true"
    assert _unit(SERVICE)["Service"]["Type"] == "oneshot"


def test_the_service_runs_the_api_image_with_the_model_read_only() -> None:
    engine, _ = _job_command()
    assert engine[:3] == ["/usr/bin/podman", "run", "--rm"]
    mounts = [engine[i + 1] for i, a in enumerate(engine) if a == "-v"]
    assert mounts
    assert all(m.endswith(f":{CONTAINER_MODELS}:ro") for m in mounts)


def test_the_declared_command_scores_the_crm_into_todays_rows(
    postgres_server: Any,
    trained_model_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = postgres_server.create_database("crm_daily")
    extract = generate_extract(n_rows=500, n_snapshots=5, seed=13).frame
    crm_db.load_frame(url, extract)
    # The job's environment is what its secret declares, nothing more: no demo-key opt-in.
    monkeypatch.delenv(privacy.DEMO_OPT_IN_ENV_VAR, raising=False)
    secret = {"CRM_URL": url, "PGPASSWORD": "", privacy.KEY_ENV_VAR: "the-bank's-secret"}
    assert sorted(secret) == sorted(daily_job.SECRET_VARS)
    for var in daily_job.SECRET_VARS:
        monkeypatch.setenv(var, secret[var])
    _, command = _job_command()
    assert command[:2] == ["bankchurn", "predict"]
    model = trained_model_dir / "target.joblib"
    args = [
        a.replace("${CRM_URL}", url).replace(f"{CONTAINER_MODELS}/", f"{model.parent}/")
        for a in command[1:]
    ]
    assert "--run-date" not in args  # the job's date is the day it runs
    assert main(args) == 0
    capsys.readouterr()
    today = dt.date.today().isoformat()
    rows = postgres_server.execute(
        f"SELECT customer_key FROM {scores_db.QUALIFIED_VIEW} WHERE run_date = '{today}'",
        dbname="crm_daily",
    )
    key = secret[privacy.KEY_ENV_VAR].encode()
    assert sorted(k for (k,) in rows) == sorted(
        privacy.customer_key(i, key) for i in extract["CustomerId"]
    )


def test_the_site_draws_the_job_as_declared() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text[text.index("## Data flow: inference") :]
    section = section[: section.index("\n## ", 3)]
    prose = section[: section.index("```mermaid")]
    for declared in (TIMER, SERVICE):
        assert f"`{declared.name}`" in prose, declared
    assert f"`{CRONJOB.relative_to(ROOT)}`" in prose
    _, command = _job_command()
    assert f"`{' '.join(command[:2])}`" in prose
    start = section.index('subgraph Batch["')
    batch = section[start : section.index("  end", start)]
    assert f"{_schedule()} UTC" in batch
    for relation in (crm_db.QUALIFIED_TABLE, scores_db.QUALIFIED_TABLE, scores_db.QUALIFIED_VIEW):
        assert relation in batch, relation
