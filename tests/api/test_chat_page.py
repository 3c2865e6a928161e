"""The chat page in headless Chromium against the real server: streams, then shows hoverable citations."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.api.cdp import chromium, open_page

pytestmark = [pytest.mark.server, pytest.mark.llm]
BROWSER = chromium()


@pytest.mark.skipif(BROWSER is None, reason="chromium is not installed (make test installs it where apt is available)")
def test_page_streams_and_shows_citations(api_server: str, tmp_path: Path) -> None:
    assert BROWSER is not None
    with open_page(BROWSER, f"{api_server}/", tmp_path / "profile") as page:
        page.eval(
            "document.getElementById('question').value = 'Who greeted Blinken when he arrived in Beijing?';"
            "document.getElementById('ask').requestSubmit()"
        )
        # While it streams, the bubble fills with text before the sources arrive.
        page.wait_for("document.querySelector('.msg.assistant[data-state=streaming]') !== null", timeout=30)
        bubble = "document.querySelector('.msg.assistant')"
        streamed_before_done = 0
        deadline = time.monotonic() + 600
        while (state := page.eval(f"{bubble}.dataset.state")) == "streaming":
            assert time.monotonic() < deadline, "no answer in time"
            streamed_before_done = max(streamed_before_done, int(page.eval(f"{bubble}.dataset.tokens")))
            time.sleep(0.1)
        assert state == "done", page.eval(f"{bubble}.textContent")
        assert streamed_before_done > 0, "the text did not stream"

        cites = page.eval(
            "[...document.querySelectorAll('.msg.assistant .cite')].map(c => "
            "({id: c.dataset.id, title: c.title, quote: c.querySelector('.quote').textContent}))"
        )
        assert cites, page.eval(f"{bubble}.innerHTML")
        assert all(c["title"].startswith("“") and len(c["quote"]) > 20 for c in cites)
        assert page.eval(f"{bubble}.querySelectorAll('.sources li').length") >= 1

        # Hovering a marker shows its quote.
        hidden = "getComputedStyle(document.querySelector('.cite .quote')).visibility"
        assert page.eval(hidden) == "hidden"
        rect = page.eval(
            "(({x, y, width, height}) => [x, y, width, height])(document.querySelector('.cite').getBoundingClientRect())"
        )
        page.hover(rect[0] + rect[2] / 2, rect[1] + rect[3] / 2)
        page.wait_for(f"{hidden} === 'visible'", timeout=5)
