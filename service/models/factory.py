"""Build the chat model the settings name, and the ``response_format`` it understands."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel

from service.settings import Settings


def make_chat_model(settings: Settings) -> BaseChatModel:
    if settings.chat_provider == "local":
        from service.extras import require_extra
        from service.models.local_chat import ChatLocalLlama
        from service.models.shipped import MODELS, gguf_path

        model_path = gguf_path(settings.local_model, settings.data_dir / "models")
        require_extra(MODELS[settings.local_model].extra, "llama_cpp", "the local chat model (NEWSDESK_CHAT_PROVIDER=local)")
        return ChatLocalLlama(
            model_path=model_path,
            model_name=settings.local_model,
            n_ctx=settings.local_n_ctx,
            threads=settings.local_threads,
            temperature=settings.temperature,
            max_tokens=settings.max_answer_tokens,
            timeout_s=settings.llm_timeout_s,
        )
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=settings.chat_model_name,
        api_key=settings.openai_api_key or "not-needed",  # type: ignore[arg-type]
        base_url=settings.openai_base_url,
        timeout=settings.llm_timeout_s,
        max_retries=1,
        temperature=settings.temperature,
        max_tokens=settings.max_answer_tokens,
        stream_usage=True,
    )


def response_format(settings: Settings, schema: dict[str, Any]) -> dict[str, Any]:
    """JSON-schema output in the dialect of the provider.

    llama.cpp (in-process, and llama-cpp-python's server) takes ``json_object`` plus ``schema``;
    OpenAI, vLLM and llama.cpp's C++ server take ``json_schema``.
    """
    if settings.chat_provider == "local" or settings.json_dialect == "json_object":
        return {"type": "json_object", "schema": schema}
    return {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}
