"""The assistant as an OpenAI "model", FastAPI-free: chat messages → `Turn`, an answer → an assistant message.

The last user message is the question; earlier user and assistant messages are the history; system (and
developer) messages are ignored: the assistant's behaviour is fixed, a prompt cannot change what it cites. The
assistant message carries the answer with its [n] markers and a Markdown "Nguồn" list of the sources it cites, so
a plain chat UI shows them; the structured answer (every source read) travels beside it (`extension`). Tokens are
counted as whitespace-separated words (`count_tokens`): an honest, documented unit, not a model tokenizer's.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.answer.citations import markers
from assistant.pipeline import Answerer, Turn
from core.config import Settings
from core.errors import NotFoundError, UserInputError

MODEL = "tro-ly-nghi-quyet"
MODELS: dict[str, Answerer] = {MODEL: "auto", f"{MODEL}-extractive": "extractive"}
IGNORED_ROLES = {"system", "developer"}
SOURCES_HEADING = "Nguồn:"
# The block `assistant_content` appends; taken off an assistant turn sent back as history.
SOURCES_BLOCK = re.compile(r"\n\n" + SOURCES_HEADING + r"\n(?:\[\d+\][^\n]*(?:\n|$))+\s*$")


class UnsupportedRequestError(UserInputError):
    """A request this face cannot honour (n > 1, tools, images…): 400, naming the parameter."""

    status = 400
    code = "unsupported_parameter"

    def __init__(self, param: str, message_en: str, message_vi: str) -> None:
        super().__init__(message_en, message_vi)
        self.param = param


class ModelNotFoundError(NotFoundError):
    code = "model_not_found"

    def __init__(self, model: str) -> None:
        model, names = shown(model), ", ".join(MODELS)
        super().__init__(
            f"The model `{model}` does not exist: use one of {names} (GET /v1/models).",
            f"Không có mô hình `{model}` — hãy dùng một trong các mô hình: {names} (GET /v1/models).",
        )
        self.param = "model"


def shown(text: object, limit: int = 80) -> str:
    """Client text echoed in an error: shortened, and encodable (a lone surrogate would break the response)."""
    value = str(text)
    value = value if len(value) <= limit else value[:limit] + "…"
    return value.encode("utf-8", "replace").decode("utf-8")


def answerer_of(model: str) -> Answerer:
    """The answerer a model id stands for; 404 `model_not_found` for any other id."""
    if model not in MODELS:
        raise ModelNotFoundError(model)
    return MODELS[model]


def message_text(content: str | list[dict[str, Any]] | None, where: str) -> str:
    """A message's text: a string, or its text parts joined; an image (or any non-text part) is refused."""
    if content is None or isinstance(content, str):
        return content or ""
    texts = []
    for part in content:
        if part.get("type") != "text":
            kind = shown(part.get("type"))
            raise UnsupportedRequestError(
                where,
                f"Content parts of type `{kind}` are not supported: send text only.",
                f"Trợ lý chỉ đọc văn bản — không hỗ trợ nội dung loại `{kind}` (ví dụ hình ảnh).",
            )
        texts.append(str(part.get("text") or ""))
    return "\n".join(texts)


def to_turn(messages: list[dict[str, Any]], model: str, settings: Settings) -> Turn:
    """The turn the messages ask: the last user message, the user/assistant messages before it as history."""
    conversation = []
    for i, message in enumerate(messages):
        role = message.get("role")
        if role in IGNORED_ROLES:
            continue
        if role not in {"user", "assistant"}:
            role = shown(role)
            raise UnsupportedRequestError(
                f"messages.{i}.role",
                f"Messages with role `{role}` are not supported (no tools): send user and assistant messages.",
                f"Không hỗ trợ tin nhắn vai trò `{role}` (trợ lý không gọi công cụ) — chỉ gửi tin nhắn user/assistant.",
            )
        text = message_text(message.get("content"), f"messages.{i}.content")
        if role == "assistant":
            text = strip_sources(text)
        conversation.append({"role": role, "content": text})
    if not conversation or conversation[-1]["role"] != "user":
        raise UnsupportedRequestError(
            "messages",
            "The last message (system messages aside) must be the user's question.",
            "Tin nhắn cuối cùng phải là câu hỏi của người dùng (vai trò `user`).",
        )
    history = recent_history(conversation[:-1], settings)
    return Turn(conversation[-1]["content"], history or None, answerer=answerer_of(model))


def recent_history(turns: list[dict[str, str]], settings: Settings) -> list[dict[str, str]]:
    """The latest turns within max_history_turns and max_history_chars: chat UIs send the whole conversation."""
    kept: list[dict[str, str]] = []
    total = 0
    for turn in reversed(turns):
        total += len(turn["content"])
        if len(kept) >= settings.max_history_turns or total > settings.max_history_chars:
            break
        kept.append(turn)
    return kept[::-1]


def strip_sources(text: str) -> str:
    """An assistant message without the "Nguồn" list this face appended to it."""
    return SOURCES_BLOCK.sub("", text)


def assistant_content(answer: dict[str, Any]) -> str:
    """The answer with its [n] markers, then "Nguồn:" and one line per source (none for a refusal)."""
    return answer["answer"] + sources_markdown(answer)


def sources_markdown(answer: dict[str, Any]) -> str:
    """The "Nguồn" block of the sources the answer cites: "[1] title — number, date, section" lines; or ""."""
    cited = set(markers(answer["answer"]))
    sources = [s for s in answer.get("sources") or [] if s["n"] in cited]
    if not sources:
        return ""
    lines = [f"[{s['n']}] {source_line(s)}" for s in sources]
    return "\n\n" + SOURCES_HEADING + "\n" + "\n".join(lines)


def source_line(source: dict[str, Any]) -> str:
    details = [*(source.get("numbers") or [])[:1], vietnamese_date(source.get("date")), source.get("section") or ""]
    details = [d for d in details if d]
    title = " ".join(str(source.get("title") or source.get("source") or "").split())
    if source.get("handbook_url"):  # the passage in the handbook (Sổ tay), for chat UIs that render Markdown links
        title = f"[{title}]({source['handbook_url']})"
    return f"{title} — {', '.join(details)}" if details else title


def vietnamese_date(date: str | None) -> str:
    """An ISO date as Vietnamese readers write it: 22/12/2024 (12/2024 for a month); anything else as it is."""
    parts = (date or "").split("-")
    if all(p.isdigit() for p in parts) and 1 <= len(parts) <= 3:
        return "/".join(reversed(parts))
    return date or ""


def extension(answer: dict[str, Any]) -> dict[str, Any]:
    """What a plain chat message cannot carry: structured sources, refused, mode, degraded and the rest."""
    keys = ("sources", "refused", "mode", "degraded", "warnings", "note", "standalone_question")
    return {key: answer.get(key) for key in keys}


def count_tokens(text: str) -> int:
    """Tokens for `usage`: whitespace-separated words (documented in docs/OPENAI.md)."""
    return len(text.split())


def prompt_tokens(turn: Turn) -> int:
    """The words the pipeline read: the question and the history kept (system messages are not read)."""
    return count_tokens(turn.question) + sum(count_tokens(t["content"]) for t in turn.history or [])
