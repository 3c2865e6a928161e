"""llama.cpp's own server from the xllamacpp wheel (`python -m service.models.batching_server`, extra
[batching]) behind `newsdesk serve` with MODEL_PARALLEL=2: two questions at once are both answered
(with one slot, the second would have been refused: the queue is 0), each with verified citations
or a refusal that gives its reason."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import httpx
import pytest

from tests.conftest import SEEDS, free_port, wait_ready
from tests.deploy.processes import newsdesk_serve, running, side_by_side, tail

pytest.importorskip("xllamacpp")
pytestmark = [pytest.mark.server, pytest.mark.llm]

QUESTIONS = ["Who greeted Blinken when he arrived in Beijing?", "Where did Qin Gang greet Blinken?"]


def test_two_questions_share_the_batching_server(tmp_path: Path, local_gguf: Path) -> None:
    llm_port, api_port = free_port(), free_port()
    logs = {name: tmp_path / f"{name}.log" for name in ("llm", "api")}
    alias = "qwen2.5-coder-0.5b-instruct"
    llm = [sys.executable, "-m", "service.models.batching_server", "--model", str(local_gguf), "--alias", alias]
    llm += ["--port", str(llm_port), "--parallel", "2", "--ctx-per-slot", "4096"]
    env = {
        "NEWSDESK_DATA_DIR": str(tmp_path / "data"),
        "NEWSDESK_HOST": "127.0.0.1",
        "NEWSDESK_PORT": str(api_port),
        "NEWSDESK_CHAT_PROVIDER": "openai_compatible",
        "NEWSDESK_OPENAI_BASE_URL": f"http://127.0.0.1:{llm_port}/v1",
        "NEWSDESK_CHAT_MODEL": alias,
        "NEWSDESK_MODEL_PARALLEL": "2",
        "NEWSDESK_QUEUE_SIZE": "0",  # two at once, or 429: the second is answered only if both run together
    }
    url = f"http://127.0.0.1:{api_port}"
    with side_by_side(running(llm, logs["llm"], f"http://127.0.0.1:{llm_port}/v1/models"), newsdesk_serve(env, logs["api"])):
        try:
            wait_ready(url)
            for seed in sorted(SEEDS.glob("*.txt")):
                with seed.open("rb") as f:
                    assert httpx.post(f"{url}/v1/articles", files={"file": (seed.name, f)}, timeout=120).status_code == 200
            answers: dict[str, httpx.Response] = {}

            def ask(question: str) -> None:
                body = {"messages": [{"role": "user", "content": question}]}
                answers[question] = httpx.post(f"{url}/v1/chat", json=body, timeout=300)

            threads = [threading.Thread(target=ask, args=(q,)) for q in QUESTIONS]
            for t in threads:
                t.start()
            for t in threads:
                t.join(300)
            props = httpx.get(f"http://127.0.0.1:{llm_port}/props", timeout=10).json()
        except Exception:
            print(*(f"--- {name}.log\n{tail(log)}" for name, log in logs.items()), sep="\n")
            raise
    assert [answers[q].status_code for q in QUESTIONS] == [200, 200], [answers[q].text for q in QUESTIONS]
    bodies = [answers[q].json() for q in QUESTIONS]
    # Batched decoding is not bit-identical to one sequence at a time, so under load the 0.5B
    # sometimes drafts "Antony Blinken" for who greeted him; the check must then refuse it.
    for body in bodies:
        assert body["abstained"] or "Qin Gang" in body["answer"] + " ".join(c["quote"] for c in body["citations"]), body
        assert not body["abstained"] or all(s["unsupported"] and s["reason"] for s in body["sentences"]), body
    assert any(not body["abstained"] for body in bodies), [body["sentences"] for body in bodies]
    assert props["total_slots"] == 2
