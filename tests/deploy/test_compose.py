"""docker-compose.yml: parses with Docker Compose v2's own `config` (the Docker plugin, or the
`docker-compose` binary the dev extra installs), and its api service is configured only through
real settings, pointing at the other services by name."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from service.settings import PROJECT_ROOT, Settings
from tests.conftest import BIN
from tests.deploy.compose import COMPOSE_FILE, api_environment, load_compose


def _docker_compose() -> list[str] | None:
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    standalone = shutil.which("docker-compose", path=str(BIN)) or shutil.which("docker-compose")
    return [standalone] if standalone else None


@pytest.mark.parametrize("profile", ["local-llm", "vllm"])
def test_docker_compose_config_parses(profile: str) -> None:
    command = _docker_compose()
    if command is None:
        pytest.skip("`docker compose` is not installed")
    result = subprocess.run(
        [*command, "-f", str(COMPOSE_FILE), "--profile", profile, "config", "--format", "json"],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    assert {"api", "chroma"} <= services.keys()
    assert ("llm" if profile == "local-llm" else "vllm") in services


def test_services_and_images() -> None:
    services = load_compose()["services"]
    assert services["api"]["build"] == "." and (PROJECT_ROOT / "Dockerfile").is_file()
    assert services["chroma"]["image"] == "chromadb/chroma:1.5.9"
    assert services["llm"]["image"].startswith("ghcr.io/ggml-org/llama.cpp:server")
    assert services["llm"]["profiles"] == ["local-llm"]
    assert services["vllm"]["image"].startswith("vllm/vllm-openai:")
    assert services["vllm"]["profiles"] == ["vllm"]
    for name in ("api", "chroma", "llm", "vllm"):
        assert "healthcheck" in services[name], name


def test_api_environment_is_real_settings_pointing_at_services() -> None:
    env = api_environment()
    assert {k for k in env if not k.startswith("NEWSDESK_")} == set()
    settings = Settings(**{k.removeprefix("NEWSDESK_").lower(): v for k, v in env.items()})  # validates every value
    assert settings.chroma_host == "chroma" and settings.chroma_port == 8000
    assert settings.chat_provider == "openai_compatible"
    assert settings.openai_base_url == "http://llm:8080/v1"
    assert settings.json_dialect == "json_schema"  # llama.cpp's C++ server and vLLM


def test_model_server_serves_the_shipped_gguf_under_the_chat_model_name() -> None:
    compose = load_compose()
    services, env = compose["services"], api_environment()
    model_key = Settings.model_fields["local_model"].default  # the default profile's, whatever profile the suite runs
    assert f"/models/{model_key}.gguf" in services["llm"]["command"]
    assert model_key in services["models"]["command"]
    served = env["NEWSDESK_CHAT_MODEL"]
    assert served in services["llm"]["command"] and served in services["vllm"]["command"]
    # both model servers answer as http://llm:8080
    assert "8080" in services["llm"]["command"] and "8080" in services["vllm"]["command"]
    assert "llm" in services["vllm"]["networks"]["default"]["aliases"]


def test_env_overrides_reach_the_api() -> None:
    env = api_environment({"NEWSDESK_CHAT_PROVIDER": "local", "NEWSDESK_OPENAI_BASE_URL": "http://gpu-box:8000/v1"})
    assert env["NEWSDESK_CHAT_PROVIDER"] == "local"
    assert env["NEWSDESK_OPENAI_BASE_URL"] == "http://gpu-box:8000/v1"


def test_the_api_sends_the_model_server_as_many_requests_as_it_has_slots() -> None:
    for env in ({}, {"LLM_PARALLEL": "8", "NEWSDESK_MODEL_PARALLEL": "8"}):
        command = load_compose(env)["services"]["llm"]["command"]
        slots = str(command[command.index("--parallel") + 1])
        assert slots == api_environment(env)["NEWSDESK_MODEL_PARALLEL"] == env.get("LLM_PARALLEL", "4")
    command = load_compose()["services"]["llm"]["command"]
    assert str(command[command.index("--ctx-size") + 1]) == str(4096 * 4)  # the context is split between the slots
