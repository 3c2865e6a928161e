"""``/v1/articles`` on a real server: ingest JSON and files, list, delete."""

from __future__ import annotations

import json

import httpx
import pytest

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
