"""Hostile article files (YAML alias bomb, huge fields, deep JSON, 100k records, ...) are refused
fast and in little memory: one line naming the file from the CLI, a 4xx JSON error from a real
`newsdesk serve` in under a second each, its peak RSS under 1 GB, the good file still ingested."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import BIN, free_port
from tests.deploy.processes import running
from tests.reliability.hostile import HOSTILE_FILES
from tests.reliability.test_malformed_inputs import assert_clean_failure, newsdesk

pytestmark = [pytest.mark.server]

GOOD = b"A good story\n\nThe council approved the new bridge on Monday.\n"


def test_cli_refuses_each_hostile_file_in_one_line_and_ingests_the_good_one(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, (content, _) in HOSTILE_FILES.items():
        (folder / name).write_bytes(content)
    (folder / "good.txt").write_bytes(GOOD)
    result = newsdesk(tmp_path / "data", "ingest", str(folder))
    assert_clean_failure(result)
    errors = result.stderr.strip().splitlines()
    assert len(errors) == len(HOSTILE_FILES), result.stderr
    for name, (_, fragment) in HOSTILE_FILES.items():
        assert any(line.startswith(f"error: {folder / name}: ") and fragment in line for line in errors), (name, errors)
    assert "1 article(s) added" in result.stdout


def peak_rss_bytes(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """`newsdesk serve` on an empty store; the chat model is never needed (nothing listens on its port)."""
    data = tmp_path_factory.mktemp("hostile")
    port = free_port()
    env = {
        "NEWSDESK_DATA_DIR": str(data),
        "NEWSDESK_CHAT_PROVIDER": "openai_compatible",
        "NEWSDESK_OPENAI_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
    }
    args = [str(BIN / "newsdesk"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with running(args, data / "server.log", f"http://127.0.0.1:{port}/healthz", env=env) as proc:
        yield f"http://127.0.0.1:{port}", proc.pid


@pytest.mark.parametrize("name", HOSTILE_FILES)
def test_api_refuses_each_hostile_upload_fast_with_a_4xx(server: tuple[str, int], name: str) -> None:
    url, pid = server
    content, fragment = HOSTILE_FILES[name]
    started = time.perf_counter()
    response = httpx.post(f"{url}/v1/articles", files={"file": (name, content)}, timeout=30)
    elapsed = time.perf_counter() - started
    assert response.status_code == 422, response.text
    message = response.json()["error"]["message"]
    assert message.startswith(f"{name}: ") and fragment in message, message
    assert elapsed < 1.0, f"{name} took {elapsed:.2f}s"
    assert peak_rss_bytes(pid) < 2**30


def test_api_article_over_a_cap_is_refused_alone(server: tuple[str, int]) -> None:
    url, _ = server
    articles = [
        {"title": "Bridge", "text": "The council approved the new bridge on Monday."},
        {"title": "T" * 501, "text": "A story."},
        {"title": "Ferry", "text": "A story.", "url": "https://x.test/" + "a" * 3000},
    ]
    body = httpx.post(f"{url}/v1/articles", json={"articles": articles}, timeout=120).json()
    assert [a["title"] for a in body["added"]] == ["Bridge"]
    assert len(body["errors"]) == 2
    assert "title is 501 characters; the limit is 500" in body["errors"][0]
    assert body["errors"][1].startswith("Ferry: url is 3015 characters")
    too_many = httpx.post(f"{url}/v1/articles", json={"articles": articles[:1] * 1001}, timeout=30)
    assert too_many.status_code == 422 and "1001 articles; the limit is 1000" in too_many.json()["error"]["message"]
