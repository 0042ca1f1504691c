"""LLM answers: prompt the model with the numbered passages, check what it wrote, fall back when it fails.

What the extractive mode guarantees holds here too: every claim cited, numbers faithful, a refusal when the
documents do not support an answer. Defence against prompt injection comes in layers: a question that gives
orders is refused without calling the model; history turns that do are dropped; passage sentences that do are
blanked before the model, the checks and the extractive fallback see them; and every sentence the model writes
must stand on the passages it cites (`answer.checks`), so an order obeyed anyway does not reach the user.

When streaming, only checked text leaves: whole sentences, released as they pass, renumbered as the final answer
numbers them, so the deltas add up to the final answer exactly. An answer with no sentence left is replaced by
the extractive answer (with `warnings` saying why); a model that times out, refuses the connection or breaks its
stream before any text was released gives the extractive answer with `degraded: true`, after some was released
the checked part with `degraded: true` — never an error to the user. FastAPI-free.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from dataclasses import replace

from assistant.answer.checks import SUPPORT, AnswerCheck, CheckResult, support
from assistant.answer.citations import numbers_in, numbers_missing
from assistant.answer.extractive import extractive_answer
from assistant.answer.injection import looks_like_injection, question_for_model, screen, screen_history
from assistant.answer.prompts import build_messages, rewrite_messages
from assistant.answer.refusal import refusal
from assistant.deps import Deps
from assistant.types import Answer, Passage
from assistant.understand.query import Query
from core.errors import UpstreamError

logger = logging.getLogger(__name__)

NOTE_DEGRADED = "Mô hình ngôn ngữ hiện không phản hồi; câu trả lời dưới đây được trích trực tiếp từ tài liệu."
NOTE_CUT = "Mô hình ngôn ngữ ngừng giữa chừng; câu trả lời dưới đây có thể chưa đầy đủ."
INJECTION_VI = (
    "Trợ lý chỉ trả lời dựa trên các văn bản đã được nạp và không thay đổi quy tắc trả lời theo yêu cầu trong câu "
    "hỏi. Vui lòng đặt câu hỏi về nội dung các nghị quyết, kế hoạch, báo cáo."
)
REWRITE_SECONDS = 8.0


def generate(
    deps: Deps, query: Query, passages: list[Passage], history: list[dict[str, str]] | None, stream: bool
) -> Iterator[str | Answer]:
    """Checked text deltas (when `stream`), then the checked Answer."""
    model = deps.chat_model
    assert model is not None
    question = question_for_model(query)
    if question is None:
        logger.info("refused a question that asks to override the rules")
        yield Answer(answer=INJECTION_VI, sources=passages, refused=True, mode="llm", warnings=["prompt injection"])
        return
    carried = question != query.text
    if carried:  # an earlier turn carried into the question gives orders: refusals and fallbacks quote this turn only
        query = replace(query, text=question)
    if not passages:
        yield refusal(query, passages, mode="llm")
        return
    kept, dropped = screen_history(history)
    screened = screen(passages)
    warnings = _screening_warnings(carried, dropped, len(screened.flagged))
    messages = build_messages(question, screened.passages, kept, query.language, screened.flagged)
    check = AnswerCheck(screened.passages, question)
    deadline = time.monotonic() + deps.settings.llm_timeout
    try:
        if stream:
            for delta in model.stream(messages, deadline=deadline):
                if shown := check.feed(delta):
                    yield shown
        else:
            check.feed(model.complete(messages, deadline=deadline))
    except UpstreamError as exc:
        logger.warning("LLM failed: %s", exc.message_en)
        yield from _after_failure(deps, query, screened.passages, check, stream, [*warnings, _llm_warning(exc)])
        return
    before = len(check.released)
    result = check.finish()
    if stream and check.released[before:]:
        yield check.released[before:]
    yield _answer(result, deps, query, screened.passages, warnings)


def _after_failure(
    deps: Deps, query: Query, passages: list[Passage], check: AnswerCheck, stream: bool, warnings: list[str]
) -> Iterator[str | Answer]:
    """The model broke off: the checked sentences already shown stand (degraded), else the extractive answer."""
    if not check.released:
        yield _extractive(deps, query, passages, degraded=True, warnings=warnings)
        return
    before = len(check.released)
    result = check.finish(complete=False)  # its unfinished sentence is dropped
    if stream and check.released[before:]:
        yield check.released[before:]
    answer = Answer(result.shown, result.sources, refused=False, mode="llm", degraded=True, note=NOTE_CUT)
    answer.warnings = [*warnings, *result.warnings, "answer cut short"]
    yield answer


def _answer(result: CheckResult, deps: Deps, query: Query, passages: list[Passage], warnings: list[str]) -> Answer:
    if result.refused:
        return refusal(query, passages, mode="llm", warnings=[*warnings, *result.warnings])
    if not result.ok:
        logger.info("LLM answer replaced by the extractive one: %s", result.reason)
        return _extractive(deps, query, passages, degraded=False, warnings=[*warnings, f"replaced: {result.reason}"])
    return Answer(result.shown, result.sources, refused=False, mode="llm", warnings=[*warnings, *result.warnings])


def _extractive(deps: Deps, query: Query, passages: list[Passage], degraded: bool, warnings: list[str]) -> Answer:
    answer = extractive_answer(query, passages, deps.index, deps.settings.refuse_threshold)
    answer.degraded, answer.warnings = degraded, warnings
    answer.note = NOTE_DEGRADED if degraded else None
    return answer


def _screening_warnings(history_in_question: bool, dropped: int, flagged: int) -> list[str]:
    warnings = []
    if history_in_question or dropped:
        warnings.append(f"prompt injection in history: {max(dropped, 1)} turn(s) not given to the model")
    if flagged:
        warnings.append(f"prompt injection in documents: {flagged} passage(s) screened")
    return warnings


def _llm_warning(exc: UpstreamError) -> str:
    """What failed, for `warnings`: the error's kind and cause, never the model server's address."""
    reason = getattr(exc, "reason", None) or exc.code
    return "llm: " + re.sub(r"\b(?:https?://|www\.)\S+|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\S*", "<server>", reason)


def rewrite_question(deps: Deps, question: str, history: list[dict[str, str]]) -> str | None:
    """A follow-up rewritten by the model into one standalone question; None when it cannot."""
    model = deps.chat_model
    if model is None or looks_like_injection(question):
        return None
    kept, _ = screen_history(history)
    if not kept:
        return None
    deadline = time.monotonic() + min(REWRITE_SECONDS, deps.settings.llm_timeout)
    try:
        rewritten = model.complete(rewrite_messages(question, kept), deadline=deadline).strip().strip('"“”')
    except UpstreamError as exc:
        logger.warning("LLM could not rewrite the follow-up: %s", exc.message_en)
        return None
    if not rewritten or len(rewritten) > 4 * len(question) + 400 or "\n" in rewritten.strip():
        return None  # not a single question: do not trust it
    if looks_like_injection(rewritten) or not _grounded(rewritten, question, _contents(kept)):
        logger.info("the rewritten follow-up gives orders or says what the conversation did not: not used")
        return None
    return rewritten


def _contents(history: list[dict[str, str]]) -> list[str]:
    return [t["content"] for t in history if isinstance(t, dict) and isinstance(t.get("content"), str)]


def _grounded(rewritten: str, question: str, said: list[str]) -> bool:
    """A rewrite keeps the follow-up's words and takes the rest from the conversation (it is shown to the user as
    the question understood): not a sentence of its own, nor a history turn in place of the question."""
    scores = [support(rewritten, [question, *said]), support(question, [rewritten])]
    if any(score is not None and score < SUPPORT for score in scores):
        return False
    return not numbers_missing(numbers_in(rewritten), [question, *said])
