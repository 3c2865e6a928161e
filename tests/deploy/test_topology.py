"""The compose topology without Docker: `chroma run`, an OpenAI-compatible llama server and
`newsdesk serve` as three processes on loopback, the api configured only by the environment
docker-compose.yml gives it (service host names and ports swapped for loopback ones)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import chromadb
import httpx
import pytest

from tests.conftest import SEEDS, free_port, wait_ready
from tests.deploy.compose import api_environment
from tests.deploy.processes import chroma_run, llama_server, newsdesk_serve, tail

pytestmark = [pytest.mark.server, pytest.mark.llm]

QUESTION = "Who greeted Blinken when he arrived in Beijing?"


def loopback_environment(data_dir: Path, api_port: int, chroma_port: int, llm_port: int) -> dict[str, str]:
    """The compose api environment with only the container paths, hosts and ports replaced."""
    env = api_environment()
    base = urlsplit(env["NEWSDESK_OPENAI_BASE_URL"])
    assert (env["NEWSDESK_CHROMA_HOST"], base.hostname) == ("chroma", "llm")
    return env | {
        "NEWSDESK_DATA_DIR": str(data_dir),
        "NEWSDESK_HOST": "127.0.0.1",
        "NEWSDESK_PORT": str(api_port),
        "NEWSDESK_CHROMA_HOST": "127.0.0.1",
        "NEWSDESK_CHROMA_PORT": str(chroma_port),
        "NEWSDESK_OPENAI_BASE_URL": base._replace(netloc=f"127.0.0.1:{llm_port}").geturl(),
        # llama-cpp-python's server stands in for llama.cpp's C++ server: it wants the other dialect,
        # and it writes one answer at a time where compose's has 4 slots.
        "NEWSDESK_JSON_DIALECT": "json_object",
        "NEWSDESK_MODEL_PARALLEL": "1",
    }


def test_cited_answer_through_three_services(tmp_path: Path, local_gguf: Path) -> None:
    api_port, chroma_port, llm_port = free_port(), free_port(), free_port()
    env = loopback_environment(tmp_path / "data", api_port, chroma_port, llm_port)
    logs = {name: tmp_path / f"{name}.log" for name in ("chroma", "llm", "api")}
    url = f"http://127.0.0.1:{api_port}"
    with (
        chroma_run(tmp_path / "chroma", chroma_port, logs["chroma"]),
        llama_server(local_gguf, llm_port, env["NEWSDESK_CHAT_MODEL"], logs["llm"]),
        newsdesk_serve(env, logs["api"]),
    ):
        try:
            assert wait_ready(url)["model"] == env["NEWSDESK_CHAT_MODEL"]
            for seed in sorted(SEEDS.glob("*.txt")):
                with seed.open("rb") as f:
                    added = httpx.post(f"{url}/v1/articles", files={"file": (seed.name, f)}, timeout=120)
                assert added.status_code == 200 and len(added.json()["added"]) == 1, added.text

            response = httpx.post(f"{url}/v1/chat", json={"messages": [{"role": "user", "content": QUESTION}]}, timeout=300)
            assert response.status_code == 200, response.text
            answer = response.json()
        except Exception:
            print(*(f"--- {name}.log\n{tail(log)}" for name, log in logs.items()), sep="\n")
            raise

        assert not answer["abstained"], answer
        assert answer["citations"] and "[1]" in answer["answer"]
        assert "Qin Gang" in answer["answer"]
        assert answer["model"] == env["NEWSDESK_CHAT_MODEL"] and answer["prompt_version"] == "answer@v3"
        # The quotes are verbatim in the articles as the Chroma server stores them.
        articles = chromadb.HttpClient(host="127.0.0.1", port=chroma_port).get_collection("newsdesk_articles")
        for c in answer["citations"]:
            text = articles.get(ids=[c["article_id"]], include=["documents"])["documents"][0]
            assert text[c["start"] : c["end"]] == c["quote"]
