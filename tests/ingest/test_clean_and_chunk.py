from pathlib import Path

import pytest

from service.ingest.chunking import chunk_article, make_splitter
from service.ingest.clean import clean
from service.ingest.loaders import load_file
from tests.conftest import SEEDS

SEED_FILES = sorted(SEEDS.glob("*.txt"))


@pytest.fixture(params=SEED_FILES, ids=lambda p: p.name)
def seed_article(request: pytest.FixtureRequest):
    return clean(load_file(request.param, 10**7)[0])


def test_seed_boilerplate_is_stripped(seed_article) -> None:
    for junk in ("Subscribe", "Copyright", "Picture source", "All rights reserved", "editorial charter"):
        assert junk not in seed_article.text


def test_outlet_found_in_banners() -> None:
    outlets = [clean(load_file(f, 10**7)[0]).outlet for f in SEED_FILES]
    assert outlets == ["Minute Mirror", "The New Daily"]


def test_chunks_round_trip_offsets_and_end_on_sentences(seed_article) -> None:
    chunks = chunk_article(seed_article, make_splitter(700, 100))
    assert len(chunks) >= 3
    for c in chunks:
        assert seed_article.text[c.start : c.end] == c.text
        assert len(c.text) <= 700
        assert c.text.rstrip()[-1] in '.!?”"’'


def test_article_id_is_content_hash(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("Title\n\nSame body.")
    first = clean(load_file(f, 100)[0]).id
    assert first == clean(load_file(f, 100)[0]).id
    f.write_text("Title\n\nChanged body.")
    assert clean(load_file(f, 100)[0]).id != first
