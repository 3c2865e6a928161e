"""Property-based checks against the OpenAPI spec (schemathesis): no 5xx, responses as documented.

Every operation on the in-process app with a scripted chat model; the operations that need no
model on the real server too. (Hypothesis is driven directly: schemathesis's lazy pytest
fixtures don't work with this pytest.)
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from service.api.app import create_app
from service.settings import Settings
from tests.api.conftest import copy_data_dir, fake_app, scripted

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]
OPERATIONS = [
    (method.upper(), path) for path, item in create_app(Settings(data_dir="unused")).openapi()["paths"].items() for method in item
]
MODEL_FREE = [(m, p) for m, p in OPERATIONS if m in ("GET", "DELETE")]


def _check(schema: schemathesis.BaseSchema, method: str, path: str, examples: int) -> None:
    @given(case=schema[path][method].as_strategy())
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(checks=CHECKS)

    run()


@pytest.fixture(scope="module")
def in_process_schema(seeded_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> schemathesis.BaseSchema:
    app = fake_app(copy_data_dir(seeded_settings, tmp_path_factory.mktemp("schema") / "data"), scripted())
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_in_process_app_conforms(in_process_schema: schemathesis.BaseSchema, method: str, path: str) -> None:
    _check(in_process_schema, method, path, examples=25)


@pytest.mark.server
@pytest.mark.parametrize(("method", "path"), MODEL_FREE)
def test_real_server_conforms(api_server: str, method: str, path: str) -> None:
    _check(schemathesis.openapi.from_url(f"{api_server}/openapi.json"), method, path, examples=10)
