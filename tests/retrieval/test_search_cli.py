"""``newsdesk search`` as a user runs it, on a copy of the seeded store."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from service.settings import Settings
from tests.conftest import BIN, suite_env


@pytest.fixture(scope="module")
def data_dir(seeded_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("search-cli") / "data"
    shutil.copytree(seeded_settings.data_dir, target, symlinks=True)
    return target


def newsdesk(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = suite_env() | {"NEWSDESK_DATA_DIR": str(data_dir)}
    return subprocess.run([str(BIN / "newsdesk"), *args], env=env, capture_output=True, text=True, timeout=120)


def test_json_has_scores_articles_and_offsets_and_filters_apply(data_dir: Path) -> None:
    done = newsdesk(data_dir, "search", "Qin Gang greeted Blinken", "-k", "3", "--json", "--outlet", "The New Daily")
    assert done.returncode == 0, done.stderr
    hits = json.loads(done.stdout)["hits"]
    assert len(hits) == 3 and {h["article"]["outlet"] for h in hits} == {"The New Daily"}
    assert "Qin Gang" in hits[0]["text"] and hits[0]["scores"]["sparse_rank"] == 1
    assert all(h["end"] > h["start"] for h in hits)


def test_text_output_and_date_filters(data_dir: Path) -> None:
    done = newsdesk(data_dir, "search", "Qin Gang", "-k", "2")
    assert done.returncode == 0, done.stderr
    assert " 1. " in done.stdout and "BM25" in done.stdout and "2 chunk(s)" in done.stdout
    # The seeds carry no publication date: a date range leaves nothing, as it would for `ask`.
    assert "0 chunk(s)" in newsdesk(data_dir, "search", "Qin Gang", "--since", "2020-01-01").stdout
