"""``/v1/articles`` on a real server: ingest JSON and files, list, delete."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from service.desk import Newsdesk
from service.settings import Settings
from tests.api.conftest import newsdesk_serve
from tests.conftest import SEEDS, free_port

pytestmark = [pytest.mark.server]

STORY = {
    "title": "Harbour bridge reopens after repairs",
    "text": "The harbour bridge in Portmouth reopened on Tuesday after six months of repairs. "
    "The city council said the work cost 12 million euros.",
    "outlet": "Portmouth Post",
    "published": "2024-05-07",
}


def _ids(url: str) -> set[str]:
    return {a["id"] for a in httpx.get(f"{url}/v1/articles").json()}


def test_ingest_json_list_delete(api_server: str) -> None:
    added = httpx.post(f"{api_server}/v1/articles", json={"articles": [STORY]}, timeout=60)
    assert added.status_code == 200, added.text
    body = added.json()
    assert [a["title"] for a in body["added"]] == [STORY["title"]] and body["chunks_written"] >= 1
    article_id = body["added"][0]["id"]
    listed = {a["id"]: a for a in httpx.get(f"{api_server}/v1/articles").json()}
    assert listed[article_id]["outlet"] == "Portmouth Post" and listed[article_id]["chunk_count"] >= 1

    again = httpx.post(f"{api_server}/v1/articles", json={"articles": [STORY]}, timeout=60).json()
    assert again["added"] == [] and [a["id"] for a in again["unchanged"]] == [article_id]

    assert httpx.delete(f"{api_server}/v1/articles/{article_id}").status_code == 204
    assert article_id not in _ids(api_server)
    gone = httpx.delete(f"{api_server}/v1/articles/{article_id}")
    assert gone.status_code == 404
    assert gone.json() == {"error": {"code": "not_found", "message": f"no article with id {article_id!r}"}}


def test_upload_files(api_server: str) -> None:
    records = json.dumps([{**STORY, "title": "Upload one"}, {**STORY, "title": "Upload two", "text": STORY["text"] + " More."}])
    response = httpx.post(
        f"{api_server}/v1/articles", files={"file": ("batch.json", records.encode(), "application/json")}, timeout=60
    )
    assert response.status_code == 200, response.text
    ids = [a["id"] for a in response.json()["added"]]
    assert len(ids) == 2 and set(ids) <= _ids(api_server)
    for article_id in ids:
        httpx.delete(f"{api_server}/v1/articles/{article_id}")

    markdown = b"---\ntitle: Markdown story\noutlet: Wire\n---\nThe ferry to Lindholm was cancelled on Friday because of storms."
    response = httpx.post(f"{api_server}/v1/articles", files={"file": ("story.md", markdown)}, timeout=60)
    assert response.status_code == 200 and response.json()["added"][0]["outlet"] == "Wire"
    httpx.delete(f"{api_server}/v1/articles/{response.json()['added'][0]['id']}")


@pytest.mark.parametrize(
    ("kwargs", "status", "message"),
    [
        ({"files": {"file": ("virus.exe", b"MZ")}}, 422, "virus.exe: unsupported extension '.exe'"),
        ({"files": {"file": ("empty.txt", b"  ")}}, 422, "empty.txt: empty file"),
        ({"files": {"other": ("a.txt", b"text")}}, 422, "form field 'file'"),
        ({"json": {"articles": [{"title": "No text"}]}}, 422, "articles.0.text: Field required"),
        ({"content": b"hello", "headers": {"content-type": "text/plain"}}, 415, "send application/json"),
    ],
)
def test_bad_ingests_are_clear_json_errors(api_server: str, kwargs: dict, status: int, message: str) -> None:
    response = httpx.post(f"{api_server}/v1/articles", timeout=60, **kwargs)
    assert response.status_code == status
    assert message in response.json()["error"]["message"]


# --- identity, replace, durability: a server without a chat model (ingestion never needs one) ---


@pytest.fixture(scope="module")
def ingest_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`newsdesk serve` on a store holding the seeds (ingested by the CLI path), a 3 s limit per ingest call."""
    data_dir = tmp_path_factory.mktemp("identity")
    settings = Settings(data_dir=data_dir, embedding_batch_size=8)
    assert len(Newsdesk(settings).ingestor.ingest_paths([SEEDS]).added) == 2
    unreachable = f"http://127.0.0.1:{free_port()}/v1"
    with newsdesk_serve(
        data_dir, ready=False, chat_provider="openai_compatible", openai_base_url=unreachable,
        ingest_timeout_s="3", embedding_batch_size="8",
    ) as url:  # fmt: skip
        yield url, data_dir


def test_delete_then_upload_again_stores_it_again(ingest_server: tuple[str, Path]) -> None:
    url, _ = ingest_server
    story = ("bridge.md", b"---\ntitle: Bridge\n---\nThe harbour bridge reopened on Tuesday.")
    first = httpx.post(f"{url}/v1/articles", files={"file": story}, timeout=60).json()
    [added] = first["added"]
    assert httpx.delete(f"{url}/v1/articles/{added['id']}").status_code == 204
    again = httpx.post(f"{url}/v1/articles", files={"file": story}, timeout=60).json()
    assert [a["id"] for a in again["added"]] == [added["id"]] and again["unchanged"] == []
    assert added["id"] in _ids(url)


def test_same_file_name_with_other_content_is_a_new_article(ingest_server: tuple[str, Path]) -> None:
    url, _ = ingest_server
    one = httpx.post(f"{url}/v1/articles", files={"file": ("notes.txt", b"Ferry\n\nThe ferry sailed.")}, timeout=60)
    two = httpx.post(f"{url}/v1/articles", files={"file": ("notes.txt", b"Tram\n\nThe tram stopped.")}, timeout=60)
    assert one.json()["replaced"] == two.json()["replaced"] == []
    assert {one.json()["added"][0]["id"], two.json()["added"][0]["id"]} <= _ids(url)


def test_a_url_equal_to_a_seed_source_does_not_touch_the_seed(ingest_server: tuple[str, Path]) -> None:
    url, _ = ingest_server
    seed = next(a for a in httpx.get(f"{url}/v1/articles").json() if a["source"].startswith(str(SEEDS)))
    posted = {"title": "Impostor", "text": "Not the seed at all.", "url": seed["source"]}
    for replace in ("false", "true"):
        body = httpx.post(f"{url}/v1/articles?replace={replace}", json={"articles": [posted]}, timeout=60).json()
        assert body["replaced"] == []
    assert seed["id"] in _ids(url)


def test_replacing_a_url_is_explicit_and_reported(ingest_server: tuple[str, Path]) -> None:
    url, _ = ingest_server
    old = {"title": "Storm", "text": "A storm hit the coast.", "url": "https://news.test/storm"}
    new = {**old, "text": "A storm hit the coast on Monday; 900 homes lost power."}
    old_id = httpx.post(f"{url}/v1/articles", json={"articles": [old]}, timeout=60).json()["added"][0]["id"]
    refused = httpx.post(f"{url}/v1/articles", json={"articles": [new]}, timeout=60)
    assert refused.status_code == 422 and f"already stored as article {old_id}" in refused.json()["error"]["message"]
    replaced = httpx.post(f"{url}/v1/articles?replace=true", json={"articles": [new]}, timeout=60).json()
    assert replaced["replaced"] == [old_id]
    stored = [a for a in httpx.get(f"{url}/v1/articles").json() if a["url"] == old["url"]]
    assert [a["id"] for a in stored] == [replaced["added"][0]["id"]]


def _many(prefix: str, count: int) -> list[dict[str, str]]:
    return [{"title": f"{prefix} {i}", "text": f"Report {i} about the {prefix} in the harbour district."} for i in range(count)]


def _complete(url: str) -> list[dict]:
    """Every listed article has all of its chunks (the record is written last)."""
    listed = httpx.get(f"{url}/v1/articles").json()
    assert all(a["chunk_count"] >= 1 for a in listed)
    return listed


def test_an_ingest_over_its_time_limit_stops_and_reports_what_it_stored(ingest_server: tuple[str, Path]) -> None:
    url, _ = ingest_server
    body = httpx.post(f"{url}/v1/articles", json={"articles": _many("deadline", 1000)}, timeout=120).json()
    assert 0 < len(body["added"]) < 1000
    assert body["errors"][-1].startswith("stopped: the 3s limit per call was reached")
    stored = {a["id"] for a in _complete(url) if a["title"].startswith("deadline ")}
    assert stored == {a["id"] for a in body["added"]}


def test_ingestion_stops_when_the_client_goes_away(ingest_server: tuple[str, Path]) -> None:
    url, data_dir = ingest_server
    log = data_dir / "server.log"
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{url}/v1/articles", json={"articles": _many("gone", 1000)}, timeout=1.0)
    deadline = time.monotonic() + 30
    while "ingest stopped (the client disconnected)" not in log.read_text():
        assert time.monotonic() < deadline, log.read_text()[-2000:]
        time.sleep(0.1)
    stored = [a for a in _complete(url) if a["title"].startswith("gone ")]
    assert len(stored) < 1000
