"""The OpenAI-compatible provider against a real server on loopback (llama-cpp-python's server)."""

import pytest

from service.desk import Newsdesk
from service.errors import Unavailable
from service.settings import Settings
from tests.conftest import free_port

pytestmark = [pytest.mark.llm, pytest.mark.server]


def remote_settings(seeded: Settings, base_url: str) -> Settings:
    return seeded.model_copy(
        update={
            "chat_provider": "openai_compatible",
            "openai_base_url": base_url,
            "chat_model": "local-qwen",
            "json_dialect": "json_object",
        }
    )


def test_cited_answer_through_openai_compatible_server(seeded_settings: Settings, openai_compatible_server: str) -> None:
    desk = Newsdesk(remote_settings(seeded_settings, openai_compatible_server))
    answer = desk.answerer().answer([{"role": "user", "content": "Who greeted Blinken when he arrived in Beijing?"}])
    assert not answer.abstained and answer.citations and "Qin" in answer.citations[0].quote
    # Answers stream on every surface; llama-cpp-python's server sends no usage in a stream
    # (OpenAI does, with stream_options), so token counts are not asserted here.
    assert answer.model == "local-qwen" and answer.draft.startswith("{")


def test_server_down_is_unavailable(seeded_settings: Settings) -> None:
    desk = Newsdesk(remote_settings(seeded_settings, f"http://127.0.0.1:{free_port()}/v1"))
    with pytest.raises(Unavailable, match="unreachable"):
        desk.answerer().answer([{"role": "user", "content": "Who greeted Blinken in Beijing?"}])
