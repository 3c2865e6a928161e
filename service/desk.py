"""``Newsdesk``: the Python API that the CLI, the HTTP API and the Slack bot all call."""

from __future__ import annotations

from functools import cached_property

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel

from service.chains.answer import Answerer
from service.chains.summarize import Summarizer
from service.citations.judge import ModelJudge
from service.citations.support import SupportChecker
from service.ingest.pipeline import Ingestor
from service.prompts import load_prompt
from service.settings import Settings
from service.store.chroma import ArticleStore
from service.store.embeddings import make_embeddings


class Newsdesk:
    """Everything is built on first use, so listing articles never loads the chat model."""

    def __init__(self, settings: Settings, llm: BaseChatModel | None = None) -> None:
        """``llm``: a chat model to use instead of the one the settings name (tests, benchmarks)."""
        self.settings = settings
        self._llm = llm

    @cached_property
    def embeddings(self) -> Embeddings:
        return make_embeddings(self.settings)

    @cached_property
    def store(self) -> ArticleStore:
        return ArticleStore.from_settings(self.settings, self.embeddings)

    @cached_property
    def ingestor(self) -> Ingestor:
        return Ingestor(self.store, self.settings)

    @cached_property
    def llm(self) -> BaseChatModel:
        from service.models.factory import make_chat_model

        return self._llm or make_chat_model(self.settings)

    @cached_property
    def checker(self) -> SupportChecker:
        """The citation support check: rules, embeddings for paraphrases, and (when on) the model as judge."""
        s = self.settings
        judge = ModelJudge(self.llm, load_prompt(s.support_prompt, s.prompts_dir), s) if s.support_judge else None
        return SupportChecker(embed=self.embeddings.embed_documents, judge=judge)

    def answerer(self, prompt_ref: str | None = None) -> Answerer:
        s = self.settings
        return Answerer(
            self.store,
            self.llm,
            s,
            load_prompt(prompt_ref or s.answer_prompt, s.prompts_dir),
            load_prompt(s.rewrite_prompt, s.prompts_dir),
            checker=self.checker,
        )

    def summarizer(self, prompt_ref: str | None = None) -> Summarizer:
        s = self.settings
        return Summarizer(self.store, self.llm, self.embeddings, s, load_prompt(prompt_ref or s.summary_prompt, s.prompts_dir))
