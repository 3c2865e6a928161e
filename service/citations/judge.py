"""The chat model as a yes/no judge: does this passage state this claim?

Used by the support checker only where its rules can't decide from the words (a paraphrase, a
noun the passage words otherwise); the output grammar admits only "yes" or "no".
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from langchain_core.language_models import BaseChatModel

from service.models.errors import model_errors
from service.models.factory import response_format
from service.prompts import PromptSpec
from service.settings import Settings


class ModelJudge:
    def __init__(self, llm: BaseChatModel, prompt: PromptSpec, settings: Settings) -> None:
        self.prompt = prompt
        self.model_name = settings.chat_model_name
        schema = prompt.output_schema or {}
        self.chain = prompt.template | llm.bind(response_format=response_format(settings, schema), max_tokens=12)

    def __call__(self, claim: str, quotes: Sequence[str]) -> bool:
        with model_errors(self.model_name):
            reply = self.chain.invoke({"claim": claim, "quote": " ".join(quotes)})
        try:
            return json.loads(str(reply.content)).get("verdict") == "yes"
        except (ValueError, AttributeError):  # not the JSON asked for: no support shown
            return False
