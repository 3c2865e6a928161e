"""An article deleted while an answer is being written is not cited in that answer (real uvicorn, scripted model)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.api.conftest import ask, fake_app, scripted, sse_events
from tests.conftest import serve_in_thread, wait_ready


def test_an_article_deleted_mid_stream_is_not_cited(fake_data_dir: Path) -> None:
    app = fake_app(fake_data_dir, scripted(delay_s=0.3))  # drafts "Antony Blinken arrived in Beijing on Sunday." slowly
    with serve_in_thread(app) as url:
        wait_ready(url, timeout=10)
        before = httpx.post(f"{url}/v1/chat", json=ask(), timeout=60).json()
        cited = {c["article_id"] for c in before["citations"]}
        assert cited, before  # the answer cites an article that can be deleted
        victim = sorted(cited)[0]
        with httpx.stream("POST", f"{url}/v1/chat", json=ask(stream=True), timeout=60) as response:
            events = sse_events(response.iter_lines())
            assert next(events)[0] == "token"  # the model is writing
            assert httpx.delete(f"{url}/v1/articles/{victim}", timeout=30).status_code == 204
            final = json.loads(next(data for event, data in events if event == "answer"))
    assert victim not in {c["article_id"] for c in final["citations"]}
    assert final["abstained"] or final["citations"]  # cited to what is still stored, or declined
