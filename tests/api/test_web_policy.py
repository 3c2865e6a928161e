"""CORS and Host policy on a real uvicorn: no foreign origin by default, an allow-list in settings,
and no DNS rebinding of a loopback server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.api.conftest import fake_app, scripted
from tests.conftest import make_settings, serve_in_thread

STORY = ("story.txt", b"Ferry cancelled\n\nThe ferry to Lindholm was cancelled on Friday because of storms.")


@contextmanager
def server(tmp_path: Path, **settings: Any) -> Iterator[str]:
    data_dir = make_settings(tmp_path).data_dir
    with serve_in_thread(fake_app(data_dir, scripted(), **settings)) as url:
        yield url


def test_a_foreign_page_cannot_upload_by_default(tmp_path: Path) -> None:
    with server(tmp_path) as url:
        foreign = httpx.post(f"{url}/v1/articles", files={"file": STORY}, headers={"Origin": "https://evil.test"}, timeout=60)
        assert foreign.status_code == 403, foreign.text
        assert "NEWSDESK_CORS_ORIGINS" in foreign.json()["error"]["message"]
        assert "access-control-allow-origin" not in foreign.headers
        assert httpx.get(f"{url}/v1/articles").json() == []
        # The chat page served by the app itself (same origin), and clients that send no Origin (curl), work.
        same = httpx.get(f"{url}/v1/articles", headers={"Origin": url})
        assert same.status_code == 200
        assert httpx.post(f"{url}/v1/articles", files={"file": STORY}, timeout=60).status_code == 200


def test_allowed_origins_get_cors_headers_others_a_403(tmp_path: Path) -> None:
    with server(tmp_path, cors_origins=["https://desk.example"]) as url:
        preflight = httpx.options(
            f"{url}/v1/chat",
            headers={
                "Origin": "https://desk.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type,authorization",
            },
        )
        assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == "https://desk.example"
        listed = httpx.get(f"{url}/v1/articles", headers={"Origin": "https://desk.example"})
        assert listed.status_code == 200 and listed.headers["access-control-allow-origin"] == "https://desk.example"
        assert httpx.get(f"{url}/v1/articles", headers={"Origin": "https://evil.test"}).status_code == 403


def test_a_loopback_server_answers_only_loopback_host_names(tmp_path: Path) -> None:
    with server(tmp_path) as url:
        port = url.rsplit(":", 1)[1]
        rebound = httpx.get(f"{url}/v1/articles", headers={"Host": f"evil.test:{port}"})
        assert rebound.status_code == 400 and "NEWSDESK_ALLOWED_HOSTS" in rebound.json()["error"]["message"]
        for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}"):
            assert httpx.get(f"{url}/v1/articles", headers={"Host": host}).status_code == 200, host


def test_allowed_hosts_setting_replaces_the_default(tmp_path: Path) -> None:
    with server(tmp_path, allowed_hosts=["news.example.com", "*.desk.example"]) as url:
        assert httpx.get(f"{url}/v1/articles", headers={"Host": "news.example.com"}).status_code == 200
        assert httpx.get(f"{url}/v1/articles", headers={"Host": "eu.desk.example"}).status_code == 200
        assert httpx.get(f"{url}/v1/articles", headers={"Host": "evil.test"}).status_code == 400
        assert httpx.get(f"{url}/v1/articles").status_code == 400  # 127.0.0.1 is not listed
