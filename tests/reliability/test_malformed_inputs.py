"""Malformed input (empty, huge, binary, wrong encodings, broken settings) is refused with a clear
error: a 4xx JSON body from the API, one line on stderr and exit 1 from the CLI; never a traceback."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import fake_app, scripted
from tests.conftest import BIN, make_settings, serve_in_thread, suite_env

# --- CLI ------------------------------------------------------------------------------------

BAD_FILES: dict[str, tuple[bytes, str]] = {
    "empty.txt": (b"", "empty file"),
    "blank.md": (b" \n\t\n", "empty file"),
    "binary.txt": (bytes(range(256)) * 8, "binary file"),
    "latin1.txt": ("Café crème\nLe café était fermé.".encode("latin-1"), "not UTF-8 text"),
    "utf16.txt": ("Title\nA story in UTF-16.".encode("utf-16"), "binary file"),
    "huge.txt": (b"word " * 1_000_001, "over the 5000000-byte limit"),
    "broken.json": (b'{"title": "x", "text": ', "invalid JSON"),
    "list.json": (b"[1, 2]", "not an object"),
}


def newsdesk(data_dir: Path, *args: str | bytes, **env: str) -> subprocess.CompletedProcess[str]:
    base = suite_env()
    return subprocess.run(
        [str(BIN / "newsdesk"), *args], capture_output=True, text=True, timeout=300,
        env=base | {"NEWSDESK_DATA_DIR": str(data_dir), "COLUMNS": "300", **env},
    )  # fmt: skip


def assert_clean_failure(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_cli_bad_files_each_one_line_and_the_good_one_ingested(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, (content, _) in BAD_FILES.items():
        (folder / name).write_bytes(content)
    (folder / "good.txt").write_text("A good story\n\nThe council approved the new bridge on Monday.\n")
    program = tmp_path / "program.exe"  # named directly: a folder scan skips unsupported extensions
    program.write_bytes(b"MZ\x90\x00")
    result = newsdesk(tmp_path / "data", "ingest", str(folder), str(program), str(tmp_path / "missing.txt"))
    assert_clean_failure(result)
    errors = result.stderr.strip().splitlines()
    expected = {folder / name: reason for name, (_, reason) in BAD_FILES.items()}
    expected |= {program: "unsupported extension", tmp_path / "missing.txt": "no such file"}
    assert len(errors) == len(expected), result.stderr
    for path, reason in expected.items():
        assert any(line.startswith(f"error: {path}: ") and reason in line for line in errors), (path, errors)
    assert f"1 article(s) added, 0 unchanged, 0 replaced, 1 chunks written, {len(errors)} error(s)" in result.stdout


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["ask", ""], {}, "error: the question is empty"),
        (["ask", "   "], {}, "error: the question is empty"),
        (["ask", "why " * 600], {}, "error: the question is 2399 characters; the limit is 2000"),
        (["ask", b"caf\xe9 \xff\xfe?"], {}, "error: the question is not valid UTF-8 text"),
        (["ask", "Who?", "--outlet", b"\xff"], {}, "error: the outlet is not valid UTF-8 text"),
        (["articles"], {"NEWSDESK_TOP_K": "many"}, "error: invalid settings: NEWSDESK_TOP_K: Input should be a valid integer"),
        (["articles"], {"NEWSDESK_CHUNK_OVERLAP": "900"}, "chunk_overlap must be smaller than chunk_size"),
        (
            ["articles"],
            {"NEWSDESK_CONFIG": "/no/such/newsdesk.yaml"},
            "error: NEWSDESK_CONFIG names /no/such/newsdesk.yaml, which is not a file",
        ),
        (["articles"], {"NEWSDESK_CONFIG": "BAD_YAML"}, "error: NEWSDESK_CONFIG is not valid YAML or TOML"),
        (["delete", ""], {}, "error: no article with id ''"),
    ],
    ids=[
        "empty",
        "blank",
        "huge",
        "invalid-utf8",
        "invalid-utf8-outlet",
        "bad-int",
        "bad-overlap",
        "no-config",
        "bad-yaml",
        "empty-id",
    ],
)
def test_cli_bad_arguments_and_settings(tmp_path: Path, args: list[str | bytes], env: dict[str, str], message: str) -> None:
    if env.get("NEWSDESK_CONFIG") == "BAD_YAML":
        (tmp_path / "bad.yaml").write_text("top_k: [5\n")
        env = {"NEWSDESK_CONFIG": str(tmp_path / "bad.yaml")}
    result = newsdesk(tmp_path / "data", *args, **env)
    assert_clean_failure(result, message)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


# --- HTTP API -------------------------------------------------------------------------------

JSON = {"content-type": "application/json"}


def chat(content: Any) -> dict[str, Any]:
    return {"json": {"messages": [{"role": "user", "content": content}]}}


def raw(body: bytes, content_type: str = "application/json") -> dict[str, Any]:
    return {"content": body, "headers": {"content-type": content_type}}


def upload(name: str, content: bytes) -> dict[str, Any]:
    return {"files": {"file": (name, content)}}


API_CASES: dict[str, tuple[str, dict[str, Any], int, str]] = {
    # POST /v1/chat
    "chat-empty-body": ("/v1/chat", raw(b""), 422, "body: Field required"),
    "chat-not-json": ("/v1/chat", raw(b"{messages: nope"), 422, "not valid JSON"),
    "chat-binary": ("/v1/chat", raw(bytes(range(256)) * 16), 422, "not valid JSON"),
    "chat-invalid-utf8": ("/v1/chat", raw(b'{"messages":[{"role":"user","content":"caf\xe9 \xff"}]}'), 400, ""),
    "chat-lone-surrogate": ("/v1/chat", raw(b'{"messages":[{"role":"user","content":"who \\udcff?"}]}'), 422, "valid string"),
    "chat-text-plain": ("/v1/chat", raw(b"Who greeted Blinken?", "text/plain"), 422, "invalid request"),
    "chat-no-messages": ("/v1/chat", {"json": {"messages": []}}, 422, "at least 1 item"),
    "chat-empty-question": ("/v1/chat", chat(""), 422, "the question is empty"),
    "chat-blank-question": ("/v1/chat", chat(" \n\t"), 422, "the question is empty"),
    "chat-long-question": ("/v1/chat", chat("why " * 600), 422, "the limit is 2000"),
    "chat-huge-message": ("/v1/chat", chat("a" * 30_000), 422, "at most 20000 characters"),
    "chat-huge-body": ("/v1/chat", raw(b'{"messages": [' + b'{"role":"user","content":"a"},' * 250_000 + b"]}"), 413, "limit"),
    "chat-content-not-text": ("/v1/chat", chat(["a", 1]), 422, "valid string"),
    "chat-bad-role": ("/v1/chat", {"json": {"messages": [{"role": "robot", "content": "hi"}]}}, 422, "role"),
    "chat-bad-date": ("/v1/chat", {"json": {**chat("Who?")["json"], "filters": {"date_from": "last week"}}}, 422, "date_from"),
    # POST /v1/chat/completions (OpenAI-compatible)
    "completions-empty-body": ("/v1/chat/completions", raw(b""), 422, "Field required"),
    "completions-binary": ("/v1/chat/completions", raw(b"\x00\x01\x02\xff"), 422, "not valid JSON"),
    "completions-empty-question": ("/v1/chat/completions", chat(""), 422, "the question is empty"),
    # POST /v1/articles
    "articles-wrong-type": ("/v1/articles", raw(b"just text", "text/plain"), 415, "application/json"),
    "articles-empty-text": ("/v1/articles", {"json": {"articles": [{"title": "t", "text": ""}]}}, 422, "at least 1 character"),
    "articles-no-articles": ("/v1/articles", {"json": {"articles": []}}, 422, "at least 1 item"),
    "upload-empty": ("/v1/articles", upload("a.txt", b""), 422, "a.txt: empty file"),
    "upload-binary": ("/v1/articles", upload("a.txt", bytes(range(256))), 422, "a.txt: binary file"),
    "upload-latin1": ("/v1/articles", upload("a.txt", "Café\nLe café était fermé.".encode("latin-1")), 422, "not UTF-8 text"),
    "upload-utf16": ("/v1/articles", upload("a.txt", "Title\nBody.".encode("utf-16")), 422, "binary file"),
    "upload-exe": ("/v1/articles", upload("setup.exe", b"MZ"), 422, "unsupported extension"),
    "upload-bad-json": ("/v1/articles", upload("a.json", b'{"text": '), 422, "invalid JSON"),
    "upload-huge": ("/v1/articles", upload("big.txt", b"a" * 7_000_000), 413, "limit"),
    "upload-no-file": ("/v1/articles", {"files": {"other": ("a.txt", b"x")}}, 422, "form field 'file'"),
    "upload-broken-multipart": (
        "/v1/articles",
        raw(b"--xx\r\nbroken", "multipart/form-data; boundary=xx"),
        422,
        "form field 'file'",
    ),
}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app on uvicorn over an empty store; bad input never reaches the (scripted) model."""
    data_dir = make_settings(tmp_path_factory.mktemp("malformed")).data_dir
    with serve_in_thread(fake_app(data_dir, scripted())) as url:
        yield url


@pytest.mark.parametrize("case", API_CASES, ids=list(API_CASES))
def test_api_bad_input_is_a_4xx_json_error(api: str, case: str) -> None:
    path, request, status, fragment = API_CASES[case]
    response = httpx.post(f"{api}{path}", timeout=60, **request)
    assert response.status_code == status, response.text
    error = json.loads(response.content)["error"]
    assert error["code"] and error["message"] and fragment in error["message"], error
    assert "Traceback" not in response.text


def test_api_upload_name_cannot_escape(api: str) -> None:
    """A path or NUL in the upload's file name is neutralised; the article is still ingested."""
    for name in ("../../etc/story.txt", "st\x00ory.txt"):
        response = httpx.post(f"{api}/v1/articles", timeout=60, **upload(name, b"A title\n\nA story about a bridge.\n"))
        assert response.status_code == 200, response.text
    sources = {a["source"] for a in httpx.get(f"{api}/v1/articles").json()}
    assert all(s.startswith("upload:") and "/" not in s.removeprefix("upload:") for s in sources), sources
