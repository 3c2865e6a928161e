"""Probes, metrics, docs, limits and dependency failures on real servers."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import ask

pytestmark = [pytest.mark.server]


def test_probes_docs_and_page(api_server: str) -> None:
    assert httpx.get(f"{api_server}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{api_server}/readyz").json()
    assert ready == {"status": "ready", "model": "qwen2.5-coder-0.5b-instruct-q4", "checks": {"model": "ok", "store": "ok"}}
    assert "swagger" in httpx.get(f"{api_server}/docs").text.lower()
    assert "/v1/chat/completions" in httpx.get(f"{api_server}/openapi.json").json()["paths"]
    page = httpx.get(f"{api_server}/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")


def test_metrics(api_server: str) -> None:
    httpx.get(f"{api_server}/v1/articles")
    text = httpx.get(f"{api_server}/metrics").text
    assert 'newsdesk_http_requests_total{method="GET",route="/v1/articles",status="200"}' in text
    assert 'newsdesk_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/v1/articles"}' in text
    for name in ("newsdesk_model_queue", "newsdesk_model_tokens", "newsdesk_model_duration_seconds"):
        assert f"# TYPE {name}" in text


def test_limits_are_json_errors(api_server: str) -> None:
    long = httpx.post(f"{api_server}/v1/chat", json=ask("why " * 600))
    assert long.status_code == 422
    assert long.json()["error"] == {"code": "invalid_input", "message": "the question is 2399 characters; the limit is 2000"}
    history = [{"role": "user", "content": "tell me more " * 500}, {"role": "assistant", "content": "ok " * 1000}]
    chatty = httpx.post(f"{api_server}/v1/chat", json={"messages": [*history, {"role": "user", "content": "and then?"}]})
    assert chatty.status_code == 422
    assert chatty.json()["error"]["message"] == ("the conversation is 9509 characters; the limit is 8000: send fewer earlier turns")
    huge = httpx.post(f"{api_server}/v1/articles", content=b"x" * 6_000_001, headers={"content-type": "application/json"})
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "too_large"
    broken = httpx.post(f"{api_server}/v1/chat", content=b"{not json", headers={"content-type": "application/json"})
    assert broken.status_code == 422 and "not valid JSON" in broken.json()["error"]["message"]
    assert httpx.get(f"{api_server}/nowhere").json()["error"]["code"] == "not_found"


def test_dependencies_down_give_503(broken_server: str) -> None:
    ready = httpx.get(f"{broken_server}/readyz", timeout=60)
    assert ready.status_code == 503
    body = ready.json()
    assert body["error"]["code"] == "not_ready"
    assert "Chroma server at 127.0.0.1" in body["checks"]["store"]
    assert body["checks"]["model"].startswith(("loading", "failed: unknown local model 'no-such-model'"))
    for response in (
        httpx.post(f"{broken_server}/v1/chat", json=ask(), timeout=60),
        httpx.get(f"{broken_server}/v1/articles", timeout=60),
    ):
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "unavailable"
    assert httpx.get(f"{broken_server}/healthz").status_code == 200
