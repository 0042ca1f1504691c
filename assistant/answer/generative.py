"""LLM answers: prompt the model with the numbered passages, check what it wrote, fall back when it fails.

What the extractive mode guarantees holds here too: every claim cited, numbers faithful, a refusal when the
documents do not support an answer. An answer that fails a check is replaced by the extractive answer (with
`warnings` saying why); a model that times out, refuses the connection or breaks its stream gives the
extractive answer with `degraded: true` — never an error to the user. FastAPI-free.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

from assistant.answer.checks import check_answer
from assistant.answer.citations import renumber
from assistant.answer.extractive import extractive_answer
from assistant.answer.injection import looks_like_injection
from assistant.answer.prompts import build_messages, rewrite_messages
from assistant.answer.refusal import refusal
from assistant.deps import Deps
from assistant.types import Answer, Passage
from assistant.understand.query import Query
from core.errors import UpstreamError

logger = logging.getLogger(__name__)

NOTE_DEGRADED = "Mô hình ngôn ngữ hiện không phản hồi; câu trả lời dưới đây được trích trực tiếp từ tài liệu."
INJECTION_VI = (
    "Trợ lý chỉ trả lời dựa trên các văn bản đã được nạp và không thay đổi quy tắc trả lời theo yêu cầu trong câu "
    "hỏi. Vui lòng đặt câu hỏi về nội dung các nghị quyết, kế hoạch, báo cáo."
)
REWRITE_SECONDS = 8.0


def generate(
    deps: Deps, query: Query, passages: list[Passage], history: list[dict[str, str]] | None, stream: bool
) -> Iterator[str | Answer]:
    """Text deltas while the model writes (when `stream`), then the checked Answer."""
    model = deps.chat_model
    assert model is not None
    if looks_like_injection(query.asked):
        logger.info("refused a question that asks to override the rules")
        yield Answer(answer=INJECTION_VI, sources=passages, refused=True, mode="llm", warnings=["prompt injection"])
        return
    if not passages:
        yield refusal(query, passages, mode="llm")
        return
    deadline = time.monotonic() + deps.settings.llm_timeout
    messages = build_messages(query.text, passages, history, query.language)
    parts: list[str] = []
    try:
        if stream:
            for delta in model.stream(messages, deadline=deadline):
                parts.append(delta)
                yield delta
        else:
            parts.append(model.complete(messages, deadline=deadline))
    except UpstreamError as exc:
        logger.warning("LLM failed, answering extractively: %s", exc.message_en)
        yield _extractive(deps, query, passages, degraded=True, warnings=[f"llm: {exc.message_en}"])
        return
    yield _checked("".join(parts), deps, query, passages)


def _checked(text: str, deps: Deps, query: Query, passages: list[Passage]) -> Answer:
    result = check_answer(text, passages)
    if result.refused:
        return refusal(query, passages, mode="llm", warnings=result.warnings)
    if not result.ok:
        logger.info("LLM answer replaced by the extractive one: %s", result.reason)
        return _extractive(deps, query, passages, degraded=False, warnings=[f"replaced: {result.reason}"])
    answer_text, sources = renumber(result.text, passages)
    return Answer(answer=answer_text, sources=sources, refused=False, mode="llm", warnings=result.warnings)


def _extractive(deps: Deps, query: Query, passages: list[Passage], degraded: bool, warnings: list[str]) -> Answer:
    answer = extractive_answer(query, passages, deps.index, deps.settings.refuse_threshold)
    answer.degraded, answer.warnings = degraded, warnings
    answer.note = NOTE_DEGRADED if degraded else None
    return answer


def rewrite_question(deps: Deps, question: str, history: list[dict[str, str]]) -> str | None:
    """A follow-up rewritten by the model into one standalone question; None when it cannot."""
    model = deps.chat_model
    if model is None or looks_like_injection(question):
        return None
    deadline = time.monotonic() + min(REWRITE_SECONDS, deps.settings.llm_timeout)
    try:
        rewritten = model.complete(rewrite_messages(question, history), deadline=deadline).strip().strip('"“”')
    except UpstreamError as exc:
        logger.warning("LLM could not rewrite the follow-up: %s", exc.message_en)
        return None
    if not rewritten or len(rewritten) > 4 * len(question) + 400 or "\n" in rewritten.strip():
        return None  # not a single question: do not trust it
    return rewritten
