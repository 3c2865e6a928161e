from __future__ import annotations

import json
from pathlib import Path

from service.settings import Settings
from service.slack.feedback import VALUE_LIMIT, FeedbackLog, FeedbackRef, feedback_path


def test_a_long_question_is_cut_to_fit_a_button_value() -> None:
    ref = FeedbackRef("answer", 'a "quoted" question ' * 300, "answer@v1", "m")
    value = ref.to_value()
    assert len(value) <= VALUE_LIMIT
    back = FeedbackRef.from_value(value)
    assert back.question.endswith("…") and back.prompt_version == "answer@v1"


def test_records_append_json_lines(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "sub" / "feedback.jsonl")
    ref = FeedbackRef("summary", "summarize a1", "summary@v1", "m")
    log.record(ref, "helpful", "- a bullet [1].", user="U1")
    log.record(ref, "not_helpful", "- a bullet [1].", user="U2")
    lines = [json.loads(x) for x in log.path.read_text().splitlines()]
    assert [x["rating"] for x in lines] == ["helpful", "not_helpful"]
    assert (lines[0]["question"], lines[0]["answer"], lines[0]["user"]) == ("summarize a1", "- a bullet [1].", "U1")


def test_the_feedback_file_defaults_to_the_data_dir(tmp_path: Path) -> None:
    assert feedback_path(Settings(data_dir=tmp_path)) == tmp_path / "feedback.jsonl"
    assert feedback_path(Settings(data_dir=tmp_path, feedback_path=tmp_path / "f.jsonl")) == tmp_path / "f.jsonl"
