"""``POST /v1/summarize``: on the real embedded model, against the CLI, and under a deadline."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from service.settings import Settings
from tests.api.conftest import fake_app, scripted
from tests.conftest import BIN, serve_in_thread, suite_env, wait_ready

pytestmark = [pytest.mark.server]


@pytest.mark.llm
def test_summary_of_one_article(api_server: str) -> None:
    story = {
        "title": "Storm closes Lindholm ferry",
        "text": "The ferry to Lindholm was cancelled on Friday because of a storm. "
        "Waves of five metres were measured near the harbour. The service will resume on Monday.",
        "outlet": "Coast News",
    }
    added = httpx.post(f"{api_server}/v1/articles", json={"articles": [story]}, timeout=60).json()
    article_id = added["added"][0]["id"]
    try:
        response = httpx.post(f"{api_server}/v1/summarize", json={"article_ids": [article_id]}, timeout=600)
    finally:
        httpx.delete(f"{api_server}/v1/articles/{article_id}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["prompt_version"].startswith("summary@") and body["model"] == "qwen2.5-coder-0.5b-instruct-q4"
    assert body["article_ids"] == [article_id]
    assert body["citations"] and all(c["article_id"] == article_id for c in body["citations"])
    assert "[1]" in body["text"]


def test_unknown_article_is_404(api_server: str) -> None:
    response = httpx.post(f"{api_server}/v1/summarize", json={"article_ids": ["nope"]}, timeout=60)
    assert response.status_code == 404
    assert response.json()["error"] == {"code": "not_found", "message": "no article with id 'nope'"}


def test_a_timed_out_summary_frees_the_model_within_a_second(fake_data_dir: Path) -> None:
    app = fake_app(fake_data_dir, scripted(delay_s=0.2), request_timeout_s=0.5)  # a whole summary takes ~10 s
    gate = app.state.api.gate
    with serve_in_thread(app) as url:
        wait_ready(url, timeout=10)
        response = httpx.post(f"{url}/v1/summarize", json={}, timeout=30)
        assert response.status_code == 504
        deadline = time.monotonic() + 1.0
        while gate.admitted and time.monotonic() < deadline:
            time.sleep(0.02)
        assert gate.admitted == 0, "the timed-out summary kept the model"


@pytest.mark.llm
def test_cli_and_a_long_lived_server_give_the_same_summary(api_server: str, seeded_settings: Settings) -> None:
    ids = {a["outlet"]: a["id"] for a in httpx.get(f"{api_server}/v1/articles", timeout=30).json()}
    first, second = ids["Minute Mirror"], ids["The New Daily"]
    # The server generates something else first, as a long-lived process would have.
    warm = httpx.post(f"{api_server}/v1/summarize", json={"article_ids": [first], "max_sentences": 1}, timeout=600)
    assert warm.status_code == 200, warm.text
    served = httpx.post(f"{api_server}/v1/summarize", json={"article_ids": [second], "max_sentences": 2}, timeout=600)
    assert served.status_code == 200, served.text
    env = suite_env()
    env["NEWSDESK_DATA_DIR"] = str(seeded_settings.data_dir)
    cli = subprocess.run(
        [str(BIN / "newsdesk"), "summarize", "--article", second, "--sentences", "2", "--json"],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    printed = json.loads(cli.stdout)
    body = served.json()
    assert printed["text"] == body["text"]
    assert [c["quote"] for c in printed["citations"]] == [c["quote"] for c in body["citations"]]
