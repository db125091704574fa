"""Shared pytest configuration and the fixtures every test folder may use.

Each tests/<area>/ folder keeps its own fixtures; the real servers the integration tests share
live here: ``postgres_server`` (a throwaway PostgreSQL cluster on 127.0.0.1),
``trained_model_dir`` (a small trained target model, for the image and the database batch), and
the one valid customer every API test sends (``customer``: in-process in tests/bankchurn/api, to
the container in tests/bankchurn/deploy).
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bankchurn.deploy.postgres import PostgresServer, ServerUnavailable, throwaway_server
from bankchurn.settings import settings

# Deterministic hashing and single-threaded BLAS so repeated runs give identical numbers.
os.environ.setdefault("PYTHONHASHSEED", "0")
os.environ.setdefault("OMP_NUM_THREADS", "1")
# Training commands log to MLflow by default; the suite tracks only in the tests that start their
# own MLflow server (tests/bankchurn/tracking), so no test writes a store into the working directory.
os.environ["BANKCHURN_TRACKING"] = "false"
# Every file the tests feed the commands is synthetic: the public demo pseudonymisation key is
# allowed for them (a real file needs BANKCHURN_PSEUDONYM_KEY; tests/bankchurn/test_io_hostile.py
# removes this opt-in to check the refusal).
os.environ.setdefault("BANKCHURN_ALLOW_DEMO_KEY", "1")


#: Helper modules the tests share (not tests themselves), importable by their plain name.
SUPPORT = Path(__file__).with_name("support")


def _register_support_modules() -> None:
    """Import each ``tests/support/*.py`` helper under its own name (``import tiny_model``).

    Test folders are not packages (importlib import mode) and nothing edits ``sys.path``: each
    helper is put in ``sys.modules`` here, before pytest imports the test modules.
    """
    for path in sorted(SUPPORT.glob("*.py")):
        if path.name.startswith("test_") or path.stem in sys.modules:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec
        assert spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module  # before exec: a dataclass looks its module up
        spec.loader.exec_module(module)


_register_support_modules()


#: Shared fixtures that train models, run the whole pipeline, build the user-data site or the
#: container image: every test using one is marked ``slow`` (``pytest -m "not slow"`` skips them).
SLOW_FIXTURES = frozenset(
    {
        "fresh_pipeline",  # dvc repro in a fresh copy
        "pipeline_copy",  # further dvc repro runs
        "small_report",  # tests/bankchurn: both models and every report on a small extract
        "trained",  # tests/model, tests/tracking: `bankchurn train`
        "trained_model_dir",  # tests/deploy: a trained target
        "api_image",  # tests/deploy: the container image
        "user_site",  # tests/site: `bankchurn report` and a site build on a user's file
    }
)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups into the node ids
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep the browser tests on one xdist worker (``--dist loadgroup``, see ``make test``).

    They share one served site and one crawl. The notebooks' own rule is in notebooks/conftest.py.
    A test that uses one of `SLOW_FIXTURES` is marked ``slow``.
    """
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


# --- PostgreSQL -------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL cluster on 127.0.0.1 (`bankchurn.deploy.postgres`).

    One cluster per xdist worker that asks for it. Skips with one line when the server
    binaries are missing.
    """
    try:
        with throwaway_server() as server:
            yield server
    except ServerUnavailable as exc:
        if "not installed" in str(exc):
            pytest.skip(str(exc))
        pytest.fail(str(exc))


# --- DVC pipeline -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PipelineCopy:
    """A fresh copy of the repository: its tracked files, as in the working tree.

    It has its own git history and DVC cache; commands run against the copy's own code.

    Attributes:
        root: The copy.
        env: Environment of its commands: the venv's tools on PATH, the copy's ``src`` first on
            ``PYTHONPATH`` (so its ``params.yaml`` and code are the ones used).
    """

    root: Path
    env: dict[str, str]

    def run(self, *args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
        """Run a command in the copy; fails the test with its output when it fails."""
        proc = subprocess.run(
            list(args),
            check=False,
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if proc.returncode != 0:
            pytest.fail(
                f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
            )
        return proc

    def commit(self, message: str) -> None:
        """Commit every change of the copy (its own git history)."""
        self.run("git", "add", "-A")
        self.run("git", "commit", "-q", "--no-verify", "-m", message)


def make_pipeline_copy(dest: Path) -> PipelineCopy:
    """Copy the files git would commit (tracked and new, not ignored) to ``dest`` and commit them."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=settings().root,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for rel in filter(None, listed):
        src = settings().root / rel
        if src.is_file():  # a deleted, not yet committed file is still listed
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    venv_bin = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(dest / "src"),
        "PYTHONHASHSEED": "0",
        "GIT_AUTHOR_NAME": "test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
    }
    for name in [
        k for k in env if k.startswith(("BANKCHURN_", "GIT_DIR", "GIT_WORK_TREE", "MLFLOW_"))
    ]:
        env.pop(name)
    # MLflow tracking of the stages is tested with the tracking server (tests/bankchurn/tracking); here it
    # would only add its import to every stage.
    env["BANKCHURN_TRACKING"] = "false"
    copy = PipelineCopy(dest, env)
    copy.run("git", "init", "-q", "-b", "main")
    copy.commit("fresh copy")
    return copy


@pytest.fixture(scope="session")
def fresh_pipeline(tmp_path_factory: pytest.TempPathFactory) -> tuple[PipelineCopy, str]:
    """A fresh copy of the repository in which ``dvc repro`` ran once, from a clean state.

    The full pipeline with the default parameters, as ``make reports``. The generated reports
    are deleted first (``benchmarks.json``, measured by ``make bench``, stays), so every stage
    runs. Returns the copy and the output of that run.
    """
    copy = make_pipeline_copy(tmp_path_factory.mktemp("fresh-clone"))
    for path in (copy.root / "reports").rglob("*.json"):
        if path.name != "benchmarks.json":
            path.unlink()
    return copy, copy.run("dvc", "repro").stdout


@pytest.fixture(scope="session")
def pipeline_copy(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], PipelineCopy]:
    """Factory of fresh repository copies (see ``PipelineCopy``): ``pipeline_copy("name")``."""
    return lambda name: make_pipeline_copy(tmp_path_factory.mktemp(name))


# --- made once per session, shared by the xdist workers ----------------------------------------
#: Makes a folder's content (the folder exists and is empty when it is called).
MakeFolder = Callable[[Path], None]


@pytest.fixture(scope="session")
def made_once(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, MakeFolder], Path]:
    """``made_once(name, make)``: a folder ``make`` fills once per test session.

    A session fixture runs once per xdist worker: a folder that takes a training run to make
    would be made by each worker whose tests ask for it. The first worker makes it (under a file
    lock) in the session's shared temporary folder; the others wait and read the same files.
    A folder whose making failed is made again by the next worker that asks (the error repeats).
    """
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):  # popen-gwN/: the session's folder is its parent
        base = base.parent

    def made(name: str, make: MakeFolder) -> Path:
        folder, done = base / name, base / f"{name}.done"
        with (base / f"{name}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not done.is_file():
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                make(folder)
                done.touch()
        return folder

    return made


# --- a trained model ---------------------------------------------------------------------------
@pytest.fixture(scope="session")
def trained_model_dir(made_once: Callable[[str, MakeFolder], Path]) -> Path:
    """A folder holding ``target.joblib``, trained on a small synthetic extract.

    The fast budget, but the real training code and artifact format, not a stand-in. Read only
    (shared by the workers).
    """

    def train(folder: Path) -> None:
        from bankchurn.ingest import load_extract
        from bankchurn.training import save_model, train_and_evaluate
        from bankchurn.tuning import FAST_BUDGET

        extract = load_extract(None, seed=7, n_rows=1200)
        result = train_and_evaluate(
            extract, "target", 7, budget=FAST_BUDGET, n_bootstrap=20, artifact_name="target.joblib"
        )
        path = save_model(result, folder / "target.joblib")
        # The container runs as an unprivileged user: folder and artifact readable by others.
        folder.chmod(0o755)
        path.chmod(0o644)

    return made_once("trained-model", train)


@pytest.fixture
def customer() -> dict[str, Any]:
    """One valid customer of the API (a fresh dict: tests may change it)."""
    return {
        "CreditScore": 619,
        "Geography": "France",
        "Age": 42,
        "Tenure": 2,
        "Balance": 0.0,
        "NumOfProducts": 1,
        "HasCrCard": 1,
        "IsActiveMember": 1,
        "EstimatedSalary": 101348.88,
    }
