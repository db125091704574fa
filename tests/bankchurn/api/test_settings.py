"""Settings from BANKCHURN_API_* and the refusal to start without a usable artifact."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bankchurn.api.app import create_app
from bankchurn.api.settings import ApiSettings, load_settings
from bankchurn.artifacts import save_artifact
from bankchurn.deploy.ports import PortTaken, free_port, on_free_port, port_taken
from bankchurn.errors import UserError


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("BANKCHURN_API_"):
            monkeypatch.delenv(key)
    s = load_settings()
    assert (s.host, s.port, s.batch_limit, s.log_level) == ("127.0.0.1", 8080, 1000, "INFO")


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BANKCHURN_API_MODEL_PATH", str(tmp_path / "m.joblib"))
    monkeypatch.setenv("BANKCHURN_API_PORT", "9090")
    monkeypatch.setenv("BANKCHURN_API_BATCH_LIMIT", "7")
    monkeypatch.setenv("BANKCHURN_API_LOG_LEVEL", "debug")
    s = load_settings()
    assert s.model_path == tmp_path / "m.joblib"
    assert (s.port, s.batch_limit, s.log_level) == (9090, 7, "DEBUG")
    # Explicit values (CLI options) win over the environment; None means "not given".
    assert load_settings(port=1234, host=None).port == 1234


@pytest.mark.parametrize(
    ("var", "value", "field"),
    [
        ("PORT", "abc", "port"),
        ("PORT", "70000", "port"),
        ("BATCH_LIMIT", "0", "batch_limit"),
        ("LOG_LEVEL", "LOUD", "log_level"),
        ("HOST", "", "host"),
    ],
)
def test_invalid_settings_are_one_line_user_errors(
    monkeypatch: pytest.MonkeyPatch, var: str, value: str, field: str
) -> None:
    monkeypatch.setenv(f"BANKCHURN_API_{var}", value)
    with pytest.raises(UserError) as err:
        load_settings()
    msg = str(err.value)
    assert "\n" not in msg
    assert field in msg
    assert f"BANKCHURN_API_{var}" in msg


def _refusal(path: Path) -> str:
    with pytest.raises(UserError) as err:
        create_app(ApiSettings(model_path=path, log_level="WARNING"))
    msg = str(err.value)
    assert "\n" not in msg
    assert str(path) in msg
    return msg


def test_refuses_to_start_without_artifact(tmp_path: Path) -> None:
    assert "not found" in _refusal(tmp_path / "missing.joblib")


def test_refuses_to_start_on_corrupt_artifact(tmp_path: Path, artifact_path: Path) -> None:
    garbage = tmp_path / "garbage.joblib"
    garbage.write_bytes(b"this is not a pickle")
    _refusal(garbage)
    truncated = tmp_path / "truncated.joblib"
    truncated.write_bytes(artifact_path.read_bytes()[:200])
    _refusal(truncated)
    empty = tmp_path / "empty.joblib"
    empty.write_bytes(b"")
    _refusal(empty)


def test_refuses_an_artifact_that_cannot_score(tmp_path: Path) -> None:
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    # Unpickles fine, but was fitted on other columns: must fail at start, not per request.
    wrong = LogisticRegression().fit(pd.DataFrame({"x": [0.0, 1.0]}), [0, 1])
    path = save_artifact(tmp_path / "wrong.joblib", wrong, {"model_version": "x"})
    assert "cannot score" in _refusal(path)


def _bankchurn(*args: str, env: dict[str, str] | None = None, **kw: object) -> subprocess.Popen:
    code = "import sys; from bankchurn.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        **kw,  # type: ignore[arg-type]
    )


def test_cli_serve_exits_2_on_missing_or_corrupt_artifact(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.joblib"
    corrupt.write_bytes(b"\x80\x04garbage")
    for path in (tmp_path / "missing.joblib", corrupt):
        proc = _bankchurn("serve", "--model", str(path), "--port", str(free_port()))
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 2, err
        assert len(err.strip().splitlines()) == 1, err
        assert str(path) in err
        assert "Traceback" not in err


def test_cli_serve_answers_on_loopback(artifact_path: Path) -> None:
    def start(port: int) -> subprocess.Popen:
        proc = _bankchurn(
            "serve",
            "--model",
            str(artifact_path),
            "--port",
            str(port),
            env={"BANKCHURN_API_LOG_LEVEL": "WARNING"},
        )
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                err = proc.communicate()[1]
                if port_taken(err):
                    raise PortTaken(err)
                pytest.fail(err)
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                    return proc
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                proc.terminate()
                proc.communicate(timeout=30)
                pytest.fail("server did not become ready")
            time.sleep(0.2)

    port, proc = on_free_port(start)
    try:
        r = httpx.post(
            f"http://127.0.0.1:{port}/predict",
            json={"Geography": "Spain", "Age": 30, "NumOfProducts": 2},
        )
        assert r.status_code == 200
        assert r.json()["model_version"] == "test-tiny-1"
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def test_refuses_a_foreign_pickle(tmp_path: Path) -> None:
    import joblib

    path = tmp_path / "foreign.joblib"
    joblib.dump({"weights": [1, 2, 3]}, path)  # readable, but not a bankchurn model
    _refusal(path)


def test_refuses_metadata_without_model_version(tmp_path: Path, artifact_path: Path) -> None:
    from bankchurn.artifacts import load_artifact

    art = load_artifact(artifact_path)
    meta = {"feature_columns": art.metadata["feature_columns"]}  # everything but the version
    path = save_artifact(tmp_path / "nover.joblib", art.pipeline, meta)
    assert "model_version" in _refusal(path)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["--port", "70000"],
            "bankchurn: error: --port 70000: input should be less than or equal to 65535",
        ),
        (["--log-level", "LOUD"], "bankchurn: error: --log-level LOUD: input should be"),
        (
            ["--host", "no-such-host.invalid"],
            "bankchurn: error: --host no-such-host.invalid: cannot listen on",
        ),
        (
            ["--host", "192.0.2.1"],
            "bankchurn: error: --host 192.0.2.1: cannot listen on 192.0.2.1:",
        ),
    ],
)
def test_serve_names_the_option_given_and_the_real_cause(
    args: list[str], says: str, tmp_path: Path, trained_model_dir: Path
) -> None:
    """An invalid option is named as given; a wrong host is not called a busy port.

    Before, --port 70000 blamed BANKCHURN_API_PORT, and a host that is not this machine's was
    reported as a busy port ("another server may be using it").
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANKCHURN_API_")}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bankchurn",
            "serve",
            "--model",
            str(trained_model_dir / "target.joblib"),
            "--port",
            "18999",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert proc.stderr.lower().startswith(says.lower()), proc.stderr
    assert "another server" not in proc.stderr
