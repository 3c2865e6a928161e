"""The one settings object: env vars ``NEWSDESK_*`` plus an optional YAML or TOML file.

The file is named by ``NEWSDESK_CONFIG``; env vars win over the file, the file over defaults.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
    YamlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# prompts/, evals/ and seeds/: the copy an installed wheel carries in service/_data/, else the
# checkout's, beside service/. NEWSDESK_PROMPTS_DIR and the commands' --dataset/--seeds options override.
_PACKAGED = Path(__file__).resolve().parent / "_data"
RESOURCES_DIR = _PACKAGED if _PACKAGED.is_dir() else PROJECT_ROOT
# Named profiles: defaults for the embedded model, chosen by measurement (README, "Choices").
PROFILES: dict[str, dict[str, Any]] = {
    # The 0.5B as support judge said "no" to every claim tried, true paraphrases included: it only cost calls.
    "fast": {"local_model": "qwen2.5-coder-0.5b-instruct-q4", "support_judge": False},
    "quality": {"local_model": "qwen2.5-coder-1.5b-instruct-q4"},
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSDESK_", extra="ignore")

    # storage
    data_dir: Path = Field(Path(".newsdesk"), description="Where the embedded store and model files live.")
    chroma_host: str | None = Field(None, description="Chroma server host; unset means embedded Chroma.")
    chroma_port: int = 8000
    chroma_path: Path | None = Field(None, description="Embedded Chroma folder; default DATA_DIR/chroma.")
    chroma_timeout_s: float = 10.0
    collection: str = "newsdesk"

    # embeddings
    embedding_provider: Literal["local", "openai"] = "local"
    openai_embedding_model: str = "text-embedding-3-small"
    embedding_batch_size: int = Field(32, ge=1, le=2048)

    # chat model
    chat_provider: Literal["local", "openai", "openai_compatible"] = "local"
    chat_model: str = Field("", description="Model name for openai / openai_compatible providers.")
    profile: Literal["fast", "quality"] = Field(
        "quality",
        description="Local model defaults: quality (Qwen2.5-Coder 1.5B, `newsdesk[local]`) or fast (0.5B, `newsdesk[fast]`).",
    )
    local_model: str = Field("qwen2.5-coder-1.5b-instruct-q4", description="Key of a shipped GGUF model (default: the profile's).")
    local_n_ctx: int = 4096
    local_threads: int | None = Field(
        None, description="CPU threads for the local model; default half the cores (llama.cpp's default)."
    )
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = Field(None, description="OpenAI-compatible server, e.g. http://host:8080/v1.")
    json_dialect: Literal["json_schema", "json_object"] = Field(
        "json_schema", description="How to ask an OpenAI-compatible server for JSON-schema output."
    )
    llm_timeout_s: float = 120.0
    temperature: float = 0.0
    max_answer_tokens: int = 256
    max_summary_tokens: int = 512

    # chunking and retrieval
    chunk_size: int = Field(700, ge=100, le=8000)
    chunk_overlap: int = Field(100, ge=0)
    top_k: int = Field(5, ge=1, le=50)
    evidence_sentences: int = Field(6, ge=1, le=40, description="Evidence sentences (from the top-k chunks) shown to the model.")
    min_evidence_relevance: float = Field(
        0.3, ge=0, le=2, description="Decline without generating when no evidence sentence scores this well against the question."
    )
    max_question_chars: int = Field(2000, ge=1)
    max_file_bytes: int = Field(5_000_000, ge=1)

    # ingestion limits (each refusal names the file and the setting)
    max_records_per_upload: int = Field(1000, ge=1, description="Records in one file or one API call.")
    max_record_chars: int = Field(200_000, ge=1, description="Characters of text in one article (or one HTML page).")
    max_title_chars: int = Field(500, ge=1)
    max_outlet_chars: int = Field(200, ge=1)
    max_author_chars: int = Field(200, ge=1)
    max_url_chars: int = Field(2000, ge=1)
    max_date_chars: int = Field(40, ge=1)
    max_front_matter_bytes: int = Field(16_000, ge=1, description="YAML front matter of a .md/.txt file.")
    max_json_depth: int = Field(20, ge=2, description="Nesting of objects and arrays in a .json/.jsonl file.")
    ingest_timeout_s: float = Field(120.0, gt=0, description="One API ingest call; what is stored by then is reported.")

    # prompts
    prompts_dir: Path = RESOURCES_DIR / "prompts"
    answer_prompt: str = Field("answer@v3", description="name@version of the answering prompt.")
    summary_prompt: str = "summary@v3"
    rewrite_prompt: str = "rewrite@v1"
    support_prompt: str = Field("support@v1", description="name@version of the model's yes/no support judge.")
    support_judge: bool = Field(
        True, description="Let the model judge claims the support rules reject only for their wording (README, Citations)."
    )

    # http api
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    api_keys: list[SecretStr] = Field(default_factory=list, description="Bearer keys; empty means open.")
    queue_size: int = Field(4, ge=0, description="Requests allowed to wait for the local model.")
    model_parallel: int = Field(
        1, ge=1, le=64, description="Generations a model server runs at once (llama.cpp's --parallel); the local model runs one."
    )
    request_timeout_s: float = 180.0
    max_request_bytes: int = Field(6_000_000, ge=1024, description="Largest HTTP request body (uploads included).")
    cors_origins: list[str] = Field(default_factory=list, description="Browser origins allowed cross-origin; empty: none.")
    allowed_hosts: list[str] | None = Field(
        None, description="Host names served; unset: only loopback names on loopback connections, else any."
    )
    max_article_ids: int = Field(1000, ge=1, description="Article ids in one filter or summary request.")

    # slack
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str | None = Field(None, description="Slack Web API base URL (tests point it at a fake).")
    feedback_path: Path | None = Field(None, description="JSONL file for feedback; default DATA_DIR/feedback.jsonl.")

    @model_validator(mode="before")
    @classmethod
    def _profile_defaults(cls, data: Any) -> Any:
        """A profile fills in what is not set explicitly (env, file or arguments win)."""
        if isinstance(data, dict):
            for key, value in PROFILES.get(data.get("profile") or "quality", {}).items():
                data.setdefault(key, value)
        return data

    @model_validator(mode="after")
    def _chunk_overlap_below_size(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError("chunk_overlap must be smaller than chunk_size")
        return self

    @property
    def chroma_dir(self) -> Path:
        return self.chroma_path or self.data_dir / "chroma"

    @property
    def chat_model_name(self) -> str:
        """The model name every answer reports."""
        if self.chat_provider == "local":
            return self.local_model
        return self.chat_model or "gpt-4o-mini"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get("NEWSDESK_CONFIG")
        if config_file:
            path = Path(config_file)
            if not path.is_file():
                raise ValueError(f"NEWSDESK_CONFIG names {path}, which is not a file")
            if path.suffix == ".toml":
                sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
            else:
                sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=path))
        return tuple(sources)

    def masked(self) -> dict[str, Any]:
        """Effective settings for display: secrets shown as ``**********``."""
        return self.model_dump(mode="json")  # SecretStr dumps masked in json mode


@lru_cache
def get_settings() -> Settings:
    return Settings()
