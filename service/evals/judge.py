"""Optional LLM judge (off by default): the same chat model and provider settings grade each answer.

Its verdicts are model-judged, so reports show them apart from the deterministic scores and the
gate never uses them unless the config names ``judge_accuracy``.
"""

from __future__ import annotations

import json

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import Runnable

from service.evals.dataset import Item
from service.models.errors import model_errors
from service.models.factory import response_format
from service.prompts import PromptSpec
from service.settings import Settings


class Judge:
    def __init__(self, llm: BaseChatModel, settings: Settings, prompt: PromptSpec) -> None:
        self.prompt = prompt
        self.model_name = settings.chat_model_name
        schema = prompt.output_schema
        self.llm: Runnable = llm.bind(response_format=response_format(settings, schema)) if schema else llm

    def grade(self, item: Item, answer_text: str) -> bool:
        """True when the judge says ``answer_text`` states the entry's gold facts."""
        facts = "\n".join(f"- {f.label}" for f in item.facts)
        messages = self.prompt.template.invoke({"question": item.prompt, "facts": facts, "answer": answer_text})
        with model_errors(self.model_name):
            raw = str(self.llm.invoke(messages).content)
        try:
            return bool(json.loads(raw[raw.index("{") : raw.rindex("}") + 1]).get("correct"))
        except (ValueError, AttributeError):
            return False
