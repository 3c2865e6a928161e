"""The default profile (`quality`, Qwen2.5-Coder 1.5B) end to end: the rest of the suite runs `fast`."""

from pathlib import Path

import pytest

from service.cli import DEMO_QUESTION
from service.desk import Newsdesk
from service.models.shipped import gguf_path
from service.settings import PROFILES
from tests.conftest import MODELS_CACHE, SEEDS, make_settings

pytestmark = pytest.mark.llm


def test_the_default_profile_answers_the_demo_question_with_checked_citations(tmp_path: Path) -> None:
    model = PROFILES["quality"]["local_model"]
    gguf_path(model, MODELS_CACHE / "models")  # joined once per machine, like the fast model's
    desk = Newsdesk(make_settings(tmp_path, profile="quality"))
    assert not desk.ingestor.ingest_paths([SEEDS]).errors
    answer = desk.answerer().answer([{"role": "user", "content": DEMO_QUESTION}])
    assert answer.model == model == "qwen2.5-coder-1.5b-instruct-q4" and answer.prompt_version == "answer@v3"
    assert not answer.abstained and "Qin Gang" in answer.text
    for c in answer.citations:
        assert desk.store.get_article(c.article_id).text[c.start : c.end] == c.quote
