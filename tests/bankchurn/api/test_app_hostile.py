"""Hostile requests against the API (issue 11): no false 500, bounded echoes, one-line serve.

Each test names the defect of issue 11 it pins; each was seen failing before its fix.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bankchurn.deploy.ports import port_taken

JSON = {"content-type": "application/json"}


def _count(client: TestClient, status: str) -> float:
    total = 0.0
    for line in client.get("/metrics").text.splitlines():
        if line.startswith("bankchurn_http_requests_total{") and f'status="{status}"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


@pytest.mark.parametrize("how", ["declared", "streamed"])
def test_oversized_body_is_a_json_413_with_request_id_counted_as_413(
    client: TestClient, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Defect 8: plain-text 413 without X-Request-ID, logged with a traceback, counted as 500."""
    limit = client.app.state.settings.max_body_bytes  # type: ignore[attr-defined]
    body = b'{"customers": [' + b" " * (limit + 10) + b"]}"
    headers = {**JSON, "X-Request-ID": "big-body-1"}
    with caplog.at_level(logging.INFO, logger="bankchurn.api"):
        if how == "declared":
            # only the header is over the limit: refused before a byte is read
            r = client.post("/predict/batch", content=b"{}", headers={**headers,
                            "content-length": str(limit + 1)})  # fmt: skip
        else:
            r = client.post("/predict/batch", content=iter([body[:1000], body[1000:]]),
                            headers=headers)  # fmt: skip
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/json"
    assert r.headers["x-request-id"] == "big-body-1"
    assert r.json() == {
        "detail": f"request body larger than {limit} bytes",
        "request_id": "big-body-1",
    }
    assert _count(client, "413") == 1
    assert _count(client, "500") == 0
    assert not [rec for rec in caplog.records if rec.name == "bankchurn.api.error"]
    statuses = [getattr(rec, "fields", {}).get("status") for rec in caplog.records]
    assert 413 in statuses
    assert 500 not in statuses


@pytest.mark.parametrize(
    "body",
    [
        b'{"Geography": "\\ud800", "Age": 30, "NumOfProducts": 1}',
        b'{"\\ud800": 1, "Geography": "Spain", "Age": 30, "NumOfProducts": 1}',
        b'{"customers": [{"Geography": "\\udfff", "Age": 30, "NumOfProducts": 1}]}',
    ],
)
def test_lone_surrogate_is_a_422_not_a_500(client: TestClient, body: bytes) -> None:
    """Defect 9: a lone surrogate in a JSON string crashed the error response (500)."""
    path = "/predict/batch" if b"customers" in body else "/predict"
    r = client.post(path, content=body, headers=JSON)
    assert r.status_code == 422, r.text
    assert "\\ud800" in r.text or "\\udfff" in r.text  # shown escaped
    assert _count(client, "500") == 0


def test_echoed_input_is_capped(client: TestClient, customer: dict[str, Any]) -> None:
    """Defect 9: errors echoed whole inputs back (a 100 kB value gave a 100 kB error)."""
    r = client.post("/predict", json={**customer, "Geography": "G" * 100_000})
    assert r.status_code == 422
    assert len(r.content) < 2_000
    many = {f"field{i}": i for i in range(500)}
    r = client.post("/predict", json={**customer, **many})
    assert r.status_code == 422
    assert len(r.content) < 20_000


def test_serve_on_a_busy_port_is_one_line_exit_2(artifact_path: Path) -> None:
    """Also expected: a busy port gave several uvicorn lines and exit 3."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = "import sys; from bankchurn.cli import main; sys.exit(main(sys.argv[1:]))"
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                code,
                "serve",
                "--model",
                str(artifact_path),
                "--port",
                str(port),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert f"--port {port}" in lines[0], lines
    assert "in use" in lines[0], lines
    assert port_taken(lines[0])  # what the tests' port helper reads to start again elsewhere
