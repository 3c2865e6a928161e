"""Two API replicas (the compose `replicas` profile) as two `newsdesk serve` processes on loopback,
sharing one `chroma run` server, one OpenAI-compatible model server and one DATA_DIR: what is
uploaded on one is listed, searched, answered and deleted on the other; the model server's queue
is theirs together (the request past it gets 429 on either); a Slack event delivered to both is
answered once; each replica's metrics count what it served (and its own queue)."""

from __future__ import annotations

import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import SEEDS, free_port, wait_ready
from tests.deploy.processes import chroma_run, llama_server, newsdesk_serve, side_by_side, tail
from tests.deploy.test_topology import QUESTION, loopback_environment
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET, event_body, mention, poster
from tests.slack.fake_slack import FakeSlack

pytestmark = [pytest.mark.server, pytest.mark.llm]

MIRROR, DAILY = sorted(SEEDS.glob("*.txt"))  # Minute Mirror; The New Daily (the one that names Qin Gang)


def upload(url: str, seed: Path) -> str:
    with seed.open("rb") as f:
        response = httpx.post(f"{url}/v1/articles", files={"file": (seed.name, f)}, timeout=120)
    assert response.status_code == 200, response.text
    [added] = response.json()["added"]
    return added["id"]


def metric(url: str, name: str, **labels: str) -> float:
    """The value of one sample on the replica's /metrics (0 when it has not been counted yet)."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and labels.items() <= sample.labels.items():
                return sample.value
    return 0.0


def wait_until(check: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_two_replicas_share_articles_queue_slack_and_report_metrics(tmp_path: Path, local_gguf: Path) -> None:
    chroma_port, llm_port, ports = free_port(), free_port(), {"a": free_port(), "b": free_port()}
    logs = {name: tmp_path / f"{name}.log" for name in ("chroma", "llm", "a", "b")}
    with ExitStack() as stack:
        fake_slack = FakeSlack().start()
        stack.callback(fake_slack.stop)
        replica = {
            "NEWSDESK_QUEUE_SIZE": "0",  # one request at the model server, from either replica
            "NEWSDESK_SLACK_BOT_TOKEN": BOT_TOKEN,
            "NEWSDESK_SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "NEWSDESK_SLACK_API_URL": fake_slack.api_url,
        }
        # One DATA_DIR for both, as the compose replicas share the /data volume.
        envs = {
            name: loopback_environment(tmp_path / "data", port, chroma_port, llm_port) | replica for name, port in ports.items()
        }
        try:
            stack.enter_context(
                side_by_side(
                    chroma_run(tmp_path / "chroma", chroma_port, logs["chroma"]),
                    llama_server(local_gguf, llm_port, envs["a"]["NEWSDESK_CHAT_MODEL"], logs["llm"]),
                    *(newsdesk_serve(envs[name], logs[name]) for name in ports),
                )
            )
            a, b = (f"http://127.0.0.1:{ports[name]}" for name in ports)
            for url in (a, b):
                wait_ready(url)
            check_replicas(a, b, fake_slack)
        except Exception:
            print(*(f"--- {name}.log\n{tail(log)}" for name, log in logs.items()), sep="\n")
            raise


def check_replicas(a: str, b: str, fake_slack: FakeSlack) -> None:
    mirror, daily = upload(a, MIRROR), upload(b, DAILY)
    for url in (a, b):
        assert {x["id"] for x in httpx.get(f"{url}/v1/articles", timeout=30).json()} == {mirror, daily}

    # Uploaded on b, found on a by both searches.
    hits = httpx.post(f"{a}/v1/search", json={"query": "Qin Gang greeted Blinken", "k": 3}, timeout=30).json()["hits"]
    assert hits[0]["article"]["id"] == daily and hits[0]["scores"]["sparse"] is not None, hits[0]

    # One request holds the model server's only slot (on a); b refuses the next one at once.
    chat: dict[str, httpx.Response] = {}
    body = {"messages": [{"role": "user", "content": QUESTION}]}
    holder = threading.Thread(target=lambda: chat.update(a=httpx.post(f"{a}/v1/chat", json=body, timeout=300)))
    holder.start()
    wait_until(lambda: metric(a, "newsdesk_model_queue") == 1 or not holder.is_alive())
    assert metric(b, "newsdesk_model_queue") == 0  # b holds nothing itself...
    refused = httpx.post(f"{b}/v1/chat", json=body, timeout=30)
    holder.join(300)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1, refused.text  # ...yet refuses
    # ...and a answers from the article uploaded on b.
    assert chat["a"].status_code == 200, chat["a"].text
    answer = chat["a"].json()
    assert "Qin Gang" in answer["answer"] and daily in {c["article_id"] for c in answer["citations"]}, answer
    assert metric(a, "newsdesk_model_queue") == metric(b, "newsdesk_model_queue") == 0

    # The same Slack event delivered to both replicas: answered once (a question the articles can't answer: no model call).
    event = event_body(mention("What is the recipe for banana bread?", ts="1700000300.000100"), event_id="EvReplicas")
    deliveries: dict[str, httpx.Response] = {}
    threads = [threading.Thread(target=lambda u=u: deliveries.update({u: poster(u)(event)})) for u in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert [r.status_code for r in deliveries.values()] == [200, 200]
    assert sum("x-slack-no-retry" in r.headers for r in deliveries.values()) == 1  # one was dropped unanswered
    fake_slack.wait_for("reactions.remove", timeout=120)  # the answering replica is done
    [posted] = fake_slack.called("chat.postMessage")
    assert posted["thread_ts"] == "1700000300.000100" and len(fake_slack.called("reactions.add")) == 1

    # Deleted on a: gone from b's listing and from both of b's searches.
    assert httpx.delete(f"{a}/v1/articles/{daily}", timeout=30).status_code == 204
    assert [x["id"] for x in httpx.get(f"{b}/v1/articles", timeout=30).json()] == [mirror]
    hits = httpx.post(f"{b}/v1/search", json={"query": "Qin Gang greeted Blinken", "k": 10}, timeout=30).json()["hits"]
    assert {h["article"]["id"] for h in hits} == {mirror}

    # Each replica counted what it served; together, every request sent.
    def served(route: str, status: str, method: str = "POST") -> tuple[float, float]:
        return tuple(metric(u, "newsdesk_http_requests_total", method=method, route=route, status=status) for u in (a, b))

    assert served("/v1/articles", "200") == (1, 1)
    assert served("/v1/chat", "200") == (1, 0) and served("/v1/chat", "429") == (0, 1)
    assert sum(served("/v1/search", "200")) == 2
