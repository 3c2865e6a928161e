"""The `newsdesk` command as a user runs it: a real process."""

import json
import os
import subprocess
from pathlib import Path

from tests.conftest import BIN, SEEDS


def run(tmp: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "newsdesk"), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "NEWSDESK_DATA_DIR": str(tmp), "COLUMNS": "200", **env},
        timeout=300,
    )


def test_help_lists_commands(tmp_path: Path) -> None:
    out = run(tmp_path, "--help").stdout
    for command in ("ingest", "articles", "delete", "ask", "summarize", "config", "demo"):
        assert command in out


def test_ingest_lists_articles_and_is_idempotent(tmp_path: Path) -> None:
    first = run(tmp_path, "ingest", str(SEEDS))
    assert first.returncode == 0, first.stderr
    assert "2 article(s) added" in first.stdout and "Minute Mirror" in first.stdout and "The New Daily" in first.stdout
    second = run(tmp_path, "ingest", str(SEEDS))
    assert "0 article(s) added, 2 unchanged" in second.stdout


def test_bad_file_is_one_line_error_and_exit_1_but_others_ingested(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x00")
    result = run(tmp_path / "data", "ingest", str(bad), str(SEEDS))
    assert result.returncode == 1
    assert f"error: {bad}: binary file" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr
    assert "2 article(s) added" in result.stdout


def test_delete_unknown_id_fails_clearly(tmp_path: Path) -> None:
    result = run(tmp_path, "delete", "nope")
    assert result.returncode == 1 and "no article with id 'nope'" in result.stderr


def test_config_prints_masked_json(tmp_path: Path) -> None:
    result = run(tmp_path, "config", NEWSDESK_OPENAI_API_KEY="sk-live-123")
    data = json.loads(result.stdout)
    assert data["openai_api_key"] == "**********" and "sk-live-123" not in result.stdout


def test_chroma_down_is_a_clear_error(tmp_path: Path) -> None:
    result = run(tmp_path, "articles", NEWSDESK_CHROMA_HOST="127.0.0.1", NEWSDESK_CHROMA_PORT="9")
    assert result.returncode == 1 and "unreachable" in result.stderr and "Traceback" not in result.stderr


def test_empty_and_oversized_questions_are_refused(tmp_path: Path) -> None:
    empty = run(tmp_path, "ask", "  ")
    assert empty.returncode == 1 and "the question is empty" in empty.stderr
    huge = run(tmp_path, "ask", "why " * 600)
    assert huge.returncode == 1 and "the limit is 2000" in huge.stderr and "Traceback" not in huge.stderr
