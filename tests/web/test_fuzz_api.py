"""Fuzz every JSON API operation from the app's own OpenAPI schema: no server error, responses as documented.

Schemathesis generates requests (valid and invalid) for whatever operations exist when the tests run, calls
the app in-process through its ASGI transport, and checks each response against the schema.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from index.embedder import Embedder
from kb.config import Settings
from web.app import create_app

FUZZ = settings(max_examples=100, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))
CHECKS = [schemathesis.checks.not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture(scope="module")
def api_schema(demo_app_settings: Settings, embedder: Embedder) -> schemathesis.BaseSchema:
    """The API's schema, read from the app itself (a private copy of the demo database)."""
    app = create_app(demo_app_settings, embedder=embedder)
    return schemathesis.openapi.from_asgi("/openapi.json", app).include(path_regex=r"^/api/")


def fuzz(operation: schemathesis.APIOperation, mode: schemathesis.GenerationMode) -> int:
    """Run one operation's generated cases in one generation mode; return how many were run."""
    ran = 0

    @FUZZ
    @given(case=operation.as_strategy(generation_mode=mode))
    def call(case: schemathesis.Case) -> None:
        nonlocal ran
        response = case.call()
        assert response.status_code < 500, f"{case.method} {case.formatted_path} {case.query}: {response.text}"
        if mode == schemathesis.GenerationMode.POSITIVE:
            case.validate_response(response, checks=CHECKS)
        else:  # invalid input: refused as documented (422), never a crash
            case.validate_response(response, checks=[schemathesis.checks.not_a_server_error,
                                                     content_type_conformance, response_schema_conformance])
        ran += 1

    try:
        call()
    except Unsatisfiable:
        # No invalid request exists (e.g. a lone string path parameter): nothing to try in this mode.
        assert mode == schemathesis.GenerationMode.NEGATIVE and ran == 0
    return ran


def test_every_api_operation_survives_fuzzing_and_answers_as_documented(api_schema: schemathesis.BaseSchema) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {"GET /api/v1/search", "GET /api/v1/practices/{practice_id}"} <= {o.label for o in operations}
    ran = {(o.label, mode.value): fuzz(o, mode) for o in operations for mode in schemathesis.GenerationMode}
    print(f"fuzz cases run: {sum(ran.values())} over {len(operations)} operations: {ran}")
    assert all(count > 0 for (_, mode), count in ran.items() if mode == "positive")
    assert ran[("GET /api/v1/search", "negative")] > 0
