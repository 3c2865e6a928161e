"""docker-compose.yml's `replicas` profile, as Docker Compose v2's own `config` resolves it: a second
api with the first one's settings and data volume, on its own host port, only when asked for."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from service.settings import PROJECT_ROOT
from tests.deploy.compose import COMPOSE_FILE
from tests.deploy.test_compose import _docker_compose


def resolved_services(*profiles: str) -> dict[str, Any]:
    command = _docker_compose()
    if command is None:
        pytest.skip("`docker compose` is not installed")
    flags = [arg for p in profiles for arg in ("--profile", p)]
    result = subprocess.run(
        [*command, "-f", str(COMPOSE_FILE), *flags, "config", "--format", "json"],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["services"]


def test_replicas_profile_adds_a_second_api_sharing_settings_and_data() -> None:
    services = resolved_services("local-llm", "replicas")
    api, second = services["api"], services["api-2"]
    assert second["environment"] == api["environment"]
    assert second["volumes"] == api["volumes"] and any(v["target"] == "/data" for v in api["volumes"])
    assert second["image"] == api["image"] and second["healthcheck"] == api["healthcheck"]
    assert [p["published"] for p in api["ports"]] == ["8000"] and [p["published"] for p in second["ports"]] == ["8001"]
    assert {"chroma", "llm"} <= second["depends_on"].keys()


def test_without_the_profile_there_is_one_api() -> None:
    assert "api-2" not in resolved_services("local-llm")
