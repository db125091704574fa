"""Property-based fuzzing of the OpenAPI spec with schemathesis: no input yields a 500.

Both schema-conforming (positive) and schema-violating (negative) requests are generated from
the app's own /openapi.json and sent to the ASGI app in-process. Examples are bounded and
derandomised so the run is reproducible and stays well under 30 s.

The schema is loaded eagerly at import (schemathesis' lazy ``from_fixture`` loader does not
work with this pytest version), so the tiny artifact (`tests/support/tiny_model.py`, as the API's
fixtures use) is written to a temporary folder here.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation import GenerationMode

from bankchurn.api.app import create_app
from bankchurn.api.settings import ApiSettings

from tiny_model import save_tiny_booster_artifact

MAX_EXAMPLES = 25
FUZZ_BATCH_LIMIT = 20


def _tiny_artifact() -> Path:
    # The small calibrated booster: explain=true is part of the schema, so it is fuzzed too.
    folder = Path(tempfile.mkdtemp(prefix="bankchurn-fuzz-"))
    return save_tiny_booster_artifact(folder / "m.joblib")


APP = create_app(
    ApiSettings(model_path=_tiny_artifact(), batch_limit=FUZZ_BATCH_LIMIT, log_level="WARNING")
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=MAX_EXAMPLES,
    deterministic=True,
)


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_input_crashes_the_api(case) -> None:  # type: ignore[no-untyped-def]
    response = case.call()
    assert response.status_code < 500, (case.as_curl_command(), response.text)
    if response.status_code == 200:
        case.validate_response(response)  # a 200 body matches its declared schema


def test_fuzz_covers_every_route() -> None:
    paths = {op.ok().path for op in schema.get_all_operations()}
    assert {"/predict", "/predict/batch", "/health", "/ready", "/metrics"} <= paths


@given(case=schema["/predict"]["POST"].as_strategy(GenerationMode.POSITIVE))
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_what_the_schema_allows_is_scored(case) -> None:  # type: ignore[no-untyped-def]
    # The published schema is exact: any customer it allows gets a 200 and a valid body.
    response = case.call()
    assert response.status_code == 200, (case.body, response.text)
    case.validate_response(response)
