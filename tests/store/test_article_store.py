"""Ingestion into a real Chroma: embedded (PersistentClient) and a real `chroma run` server."""

from pathlib import Path

import pytest

from service.desk import Newsdesk
from service.settings import Settings
from tests.conftest import SEEDS, make_settings


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.server)])
def desk(request: pytest.FixtureRequest, tmp_path: Path) -> Newsdesk:
    overrides: dict = {"collection": f"t{abs(hash(str(tmp_path))) % 10**8}"}
    if request.param == "server":
        host, port = request.getfixturevalue("chroma_server")
        overrides |= {"chroma_host": host, "chroma_port": port}
    return Newsdesk(make_settings(tmp_path, **overrides))


def test_ingest_seeds_then_reingest_changes_nothing(desk: Newsdesk) -> None:
    first = desk.ingestor.ingest_paths([SEEDS])
    assert len(first.added) == 2 and first.chunks_written == desk.store.count_chunks() > 0
    listed = desk.store.list_articles()
    assert {a.outlet for a in listed} == {"Minute Mirror", "The New Daily"}
    assert sum(a.chunk_count for a in listed) == first.chunks_written

    again = desk.ingestor.ingest_paths([SEEDS])
    assert again.added == [] and len(again.unchanged) == 2 and again.chunks_written == 0
    assert desk.store.count_chunks() == first.chunks_written


def test_stored_chunks_have_no_boilerplate_and_offsets_round_trip(desk: Newsdesk) -> None:
    desk.ingestor.ingest_paths([SEEDS])
    for doc in desk.store.chunk_documents():
        assert "Subscribe" not in doc.page_content and "Copyright" not in doc.page_content
        article = desk.store.get_article(doc.metadata["article_id"])
        assert article.text[doc.metadata["start"] : doc.metadata["end"]] == doc.page_content


def test_changed_file_is_a_new_article_unless_replace_is_asked(desk: Newsdesk, tmp_path: Path) -> None:
    f = tmp_path / "story.txt"
    f.write_text("Storm hits coast\n\nA storm hit the coast on Monday. Power was cut to 200 homes.")
    old = desk.ingestor.ingest_paths([f]).added[0]
    f.write_text("Storm hits coast\n\nA storm hit the coast on Monday. Power was cut to 900 homes.")
    kept = desk.ingestor.ingest_paths([f])
    assert len(kept.added) == 1 and kept.replaced == []
    assert len(desk.store.list_articles()) == 2

    f.write_text("Storm hits coast\n\nA storm hit the coast on Monday. Power was cut to 950 homes.")
    report = desk.ingestor.ingest_paths([f], replace=True)
    assert sorted(report.replaced) == sorted([old.id, kept.added[0].id])
    [article] = desk.store.list_articles()
    assert article.id == report.added[0].id
    texts = [d.page_content for d in desk.store.chunk_documents()]
    assert any("950" in t for t in texts) and not any("200 homes" in t or "900 homes" in t for t in texts)


def test_two_spellings_of_one_path_are_one_source(desk: Newsdesk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "story.txt"
    f.write_text("Storm hits coast\n\nA storm hit the coast on Monday.")
    monkeypatch.chdir(tmp_path)
    desk.ingestor.ingest_paths([Path("story.txt")])
    again = desk.ingestor.ingest_paths([Path("./../") / tmp_path.name / "story.txt"])
    assert len(again.unchanged) == 1
    [article] = desk.store.list_articles()
    assert article.source == str(f.resolve())


def test_same_url_with_other_content_is_refused_without_replace(desk: Newsdesk, tmp_path: Path) -> None:
    first, second = tmp_path / "a.md", tmp_path / "b.md"
    first.write_text("---\ntitle: Storm\nurl: https://news.test/storm\n---\nA storm hit the coast.")
    second.write_text("---\ntitle: Storm\nurl: https://news.test/storm\n---\nA storm hit the coast on Monday.")
    old = desk.ingestor.ingest_paths([first]).added[0]
    refused = desk.ingestor.ingest_paths([second])
    assert refused.added == [] and len(refused.errors) == 1
    assert str(second) in refused.errors[0] and f"already stored as article {old.id}" in refused.errors[0]
    replaced = desk.ingestor.ingest_paths([second], replace=True)
    assert replaced.replaced == [old.id] and [a.id for a in desk.store.list_articles()] == [replaced.added[0].id]


def test_delete_removes_article_and_chunks(desk: Newsdesk) -> None:
    report = desk.ingestor.ingest_paths([SEEDS])
    victim = report.added[0].id
    assert desk.store.delete(victim) is True
    assert desk.store.get_article(victim) is None
    assert all(d.metadata["article_id"] != victim for d in desk.store.chunk_documents())
    assert desk.store.delete(victim) is False


def test_bad_files_do_not_stop_good_ones_or_leave_anything(desk: Newsdesk, tmp_path: Path, copy_seeds: Path) -> None:
    (copy_seeds / "empty.txt").write_text("")
    (copy_seeds / "binary.txt").write_bytes(b"\x00\xff\x00")
    (copy_seeds / "bad.json").write_text("{oops")
    report = desk.ingestor.ingest_paths([copy_seeds, tmp_path / "missing.md"])
    assert len(report.added) == 2
    assert len(report.errors) == 4 and all(" " in e and "\n" not in e for e in report.errors)
    assert {a.id for a in desk.store.list_articles()} == {a.id for a in report.added}


def test_unreachable_chroma_server_is_a_clear_error(tmp_path: Path) -> None:
    from service.store.chroma import StoreUnavailable
    from tests.conftest import free_port

    with pytest.raises(StoreUnavailable, match="unreachable"):
        Newsdesk(Settings(data_dir=tmp_path, chroma_host="127.0.0.1", chroma_port=free_port())).store.list_articles()
