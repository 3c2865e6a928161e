"""Feedback on answers, appended as JSON lines that later become eval datasets.

The button carries what the answer was for (question, prompt version, model) in its value, and
the click payload carries the message itself, so a click is recorded without any server state:
it works after a restart and with several workers.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from service.settings import Settings

VALUE_LIMIT = 2000  # Slack's limit on a button value
Rating = Literal["helpful", "not_helpful"]


@dataclass(frozen=True)
class FeedbackRef:
    kind: Literal["answer", "summary"]
    question: str
    prompt_version: str
    model: str

    def to_value(self) -> str:
        """Compact JSON for the button value; a long question is cut to fit."""
        data = asdict(self)
        while len(value := json.dumps(data, ensure_ascii=False)) > VALUE_LIMIT:
            data["question"] = data["question"][: -(len(value) - VALUE_LIMIT) - 1] + "…"
        return value

    @classmethod
    def from_value(cls, value: str) -> FeedbackRef:
        data = json.loads(value)
        fields = ("kind", "question", "prompt_version", "model")
        return cls(**{k: str(data.get(k, "")) for k in fields})  # type: ignore[arg-type]


def feedback_path(settings: Settings) -> Path:
    return settings.feedback_path or settings.data_dir / "feedback.jsonl"


class FeedbackLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(self, ref: FeedbackRef, rating: Rating, answer: str, **where: Any) -> dict[str, Any]:
        """Append one line: rating, the question, the answer as posted, prompt version, model, where."""
        entry = {
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "rating": rating,
            **asdict(ref),
            "answer": answer,
            "source": "slack",
            **where,
        }
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line)
        return entry
