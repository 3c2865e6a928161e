from pathlib import Path

import pytest

from service.settings import Settings


def test_env_vars_choose_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_CHAT_PROVIDER", "openai_compatible")
    monkeypatch.setenv("NEWSDESK_OPENAI_BASE_URL", "http://127.0.0.1:8080/v1")
    monkeypatch.setenv("NEWSDESK_CHROMA_HOST", "chroma")
    s = Settings()
    assert (s.chat_provider, s.openai_base_url, s.chroma_host) == ("openai_compatible", "http://127.0.0.1:8080/v1", "chroma")


@pytest.mark.parametrize("suffix", [".yaml", ".toml"])
def test_config_file_below_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, suffix: str) -> None:
    f = tmp_path / f"newsdesk{suffix}"
    f.write_text("top_k: 7\nchunk_size: 500\n" if suffix == ".yaml" else "top_k = 7\nchunk_size = 500\n")
    monkeypatch.setenv("NEWSDESK_CONFIG", str(f))
    monkeypatch.setenv("NEWSDESK_TOP_K", "3")
    s = Settings()
    assert (s.top_k, s.chunk_size) == (3, 500)


def test_secrets_are_masked() -> None:
    shown = Settings(openai_api_key="sk-secret", slack_bot_token="xoxb-secret").masked()
    assert "sk-secret" not in str(shown) and "xoxb-secret" not in str(shown)
    assert shown["openai_api_key"] == "**********"


def test_invalid_values_are_rejected() -> None:
    with pytest.raises(ValueError, match="chunk_overlap"):
        Settings(chunk_size=200, chunk_overlap=300)


def test_profile_sets_the_local_model_unless_it_is_set_explicitly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSDESK_PROFILE")  # the suite runs `fast` (tests/conftest.py)
    assert Settings().local_model == "qwen2.5-coder-1.5b-instruct-q4"  # the default profile, quality
    monkeypatch.setenv("NEWSDESK_PROFILE", "fast")
    assert Settings().local_model == "qwen2.5-coder-0.5b-instruct-q4"
    monkeypatch.setenv("NEWSDESK_PROFILE", "quality")
    assert Settings().local_model == "qwen2.5-coder-1.5b-instruct-q4"
    monkeypatch.setenv("NEWSDESK_LOCAL_MODEL", "qwen2.5-coder-0.5b-instruct-q4")
    assert Settings().local_model == "qwen2.5-coder-0.5b-instruct-q4"
