"""The API image (``make image``): built or reused, run with podman or docker on 127.0.0.1.

One xdist group: the image is built once (cached between runs under a key of its inputs) and
these tests share it (``engine`` and ``api_image`` in conftest.py). Skipped with one line where
no container engine runs.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from bankchurn.deploy import engine as containers
from bankchurn.deploy import image as builder

pytestmark = pytest.mark.xdist_group("image")

READY_TIMEOUT_S = 120.0  # a hang guard for a loaded machine, not a target (Benchmarks page)


def _engine(engine: Any, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        engine.command(*args), capture_output=True, text=True, timeout=timeout, check=False
    )


def test_serves_on_loopback_as_non_root_and_stops_cleanly(
    engine: Any, api_image: str, trained_model_dir: Path, customer: dict[str, Any]
) -> None:
    with containers.serving_on_free_port(engine, api_image, trained_model_dir) as (cid, port):
        try:
            containers.wait_ready(engine, cid, port, READY_TIMEOUT_S)
        except containers.ImageError as exc:
            pytest.fail(str(exc))
        base = f"http://127.0.0.1:{port}"
        ok = httpx.post(f"{base}/predict", json=customer, timeout=10)
        assert ok.status_code == 200, ok.text
        body = ok.json()
        assert 0.0 <= body["churn_probability"] <= 1.0
        assert body["model_version"].startswith("target-")

        bad = httpx.post(f"{base}/predict", json={**customer, "Age": -3}, timeout=10)
        assert bad.status_code == 422, bad.text
        assert "Age" in bad.text

        uid = _engine(engine, "exec", cid, "id", "-u")
        assert uid.returncode == 0, uid
        assert uid.stdout.strip() not in ("", "0"), uid

        write = _engine(engine, "exec", cid, "touch", f"{containers.CONTAINER_MODELS}/x")
        assert write.returncode != 0, "the model folder must be mounted read-only"

        _engine(engine, "kill", "--signal", "TERM", cid)
        waited = _engine(engine, "wait", cid, timeout=60)
        logs = _engine(engine, "logs", cid)
        text = logs.stdout + logs.stderr
        # Graceful: uvicorn finishes its shutdown, then the CLI reports the signal (128 + 15).
        assert waited.stdout.strip() == "143", f"exit code after SIGTERM: {waited.stdout}"
        assert "Application shutdown complete" in text, text[-1000:]
        assert text.rstrip().endswith("interrupted by SIGTERM; no output was written or replaced")
        assert "Traceback" not in text


def test_exits_at_once_with_one_line_without_a_model(
    engine: Any, api_image: str, tmp_path: Path
) -> None:
    tmp_path.chmod(0o755)  # an empty but readable folder: the artifact is simply absent
    run = _engine(
        engine, "run", "--rm", "-v", f"{tmp_path}:{containers.CONTAINER_MODELS}:ro", api_image
    )
    lines = [line for line in (run.stdout + run.stderr).splitlines() if line.strip()]
    assert run.returncode == 2, run
    assert len(lines) == 1, lines
    assert "target.joblib" in lines[0]
    assert "not found" in lines[0]


def test_holds_exactly_the_runtime_lock(engine: Any, api_image: str) -> None:
    """No dev, doc or training tool inside.

    The installed distributions are the runtime lock's pins plus the package itself, and nothing
    else.
    """
    listing = (
        "import json, importlib.metadata as m; "
        "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"
    )
    run = _engine(engine, "run", "--rm", api_image, "python", "-c", listing)
    assert run.returncode == 0, run.stderr
    installed = {k.lower().replace("_", "-"): v for k, v in json.loads(run.stdout).items()}
    assert installed.pop("bankchurn", None) is not None
    lock = {}
    for line in builder.RUNTIME_LOCK.read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.startswith(" "):
            name, version = line.split("==")
            lock[name.lower().replace("_", "-")] = version.strip()
    assert installed == lock


def test_a_build_untags_only_the_older_images_this_checkout_built(
    engine: Any, tmp_path: Path
) -> None:
    """Worktrees and clones share one image store: another checkout's images are not stale."""
    repo = "localhost/bankchurn-stale-test"
    empty = tmp_path / "empty.tar"
    subprocess.run(["tar", "cf", str(empty), "--files-from", "/dev/null"], check=True)
    ours, other = builder.checkout_id(), "0" * len(builder.checkout_id())
    made = {
        f"{repo}:ours-old": f"LABEL {builder.CHECKOUT_LABEL}={ours}",
        f"{repo}:ours-current": f"LABEL {builder.CHECKOUT_LABEL}={ours}",
        f"{repo}:other-checkout": f"LABEL {builder.CHECKOUT_LABEL}={other}",
        f"{repo}:unlabelled": "LABEL unrelated=1",
    }
    for tag, change in made.items():
        done = _engine(engine, "import", "--change", change, str(empty), tag)
        assert done.returncode == 0, done.stderr
    try:
        builder._remove_stale(engine, repo, keep=(f"{repo}:ours-current",))
        assert sorted(containers.tags(engine, repo)) == sorted(
            [f"{repo}:ours-current", f"{repo}:other-checkout", f"{repo}:unlabelled"]
        )
    finally:
        _engine(engine, "rmi", "--force", *containers.tags(engine, repo))
