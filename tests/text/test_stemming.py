"""Stems taken from several threads at once (the API verifies concurrent answers in threads)."""

from concurrent.futures import ThreadPoolExecutor

from service.text.stemming import stem, stem_words

WORDS = "negotiations postponed relationship communicating ambassadors administration spokeswoman".split() * 3000


def test_threads_get_the_same_stems_as_one_thread() -> None:
    expected = [stem(w) for w in WORDS]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: stem_words(WORDS), range(8)))
    assert all(r == expected for r in results)
