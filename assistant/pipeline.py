"""The answering pipeline, named: understand → retrieve → answer, with a timing per stage.

`run(deps, turn)` gives the whole `Trace`; `events(deps, turn)` gives the same as typed events (the LLM's text
deltas as they come, then `Done` with the trace). The HTTP API, the CLI, the evaluation runner and the lesson
builder all call these; none of them rebuilds the pipeline. FastAPI-free.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Literal

from assistant.answer.card import answers_whole, card_answer, card_evidence
from assistant.answer.citations import cited_first
from assistant.answer.compose import compose
from assistant.answer.extractive import evidence_order, extractive_answer
from assistant.answer.generative import generate, rewrite_question
from assistant.answer.injection import screen, screen_history
from assistant.answer.refusal import absent_documents, missing_document_refusal
from assistant.deps import Deps
from assistant.retrieve.filters import validate_filters
from assistant.types import Answer, Filters, Passage
from assistant.understand.parts import question_parts
from assistant.understand.query import Query, understand
from core.config import Settings
from core.errors import UserInputError

Answerer = Literal["auto", "extractive"]


@dataclass
class Turn:
    """One question as a user asks it: the conversation so far, filters, how many passages to cite."""

    question: str
    history: list[dict[str, str]] | None = None
    filters: Filters | None = None
    k: int | None = None  # passages given to the answerer (default: settings.top_k)
    method: str = "hybrid"  # retrieval: hybrid | bm25 | dense (evaluation compares them)
    keep: int = 0  # passages kept in the trace beyond k (evaluation scores the first ten)
    answerer: Answerer = "auto"  # "auto": the chat model when one is configured; "extractive": never


@dataclass
class Trace:
    """What each stage made of a turn: the query, the fused ranking, the passages, the answer, the timings."""

    query: Query
    ranking: list[tuple[str, float]]
    candidates: list[Passage]  # the first max(k, keep) passages, numbered
    passages: list[Passage]  # the k the answerer read
    answer: Answer
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage, and "total"


@dataclass(frozen=True)
class Delta:
    """A piece of the answer as the model writes it."""

    text: str


@dataclass(frozen=True)
class Done:
    """The end of a turn: its checked answer and everything behind it."""

    trace: Trace


Event = Delta | Done


# Characters a user never means to type: C0/C1 controls (newline and tab kept), soft hyphen, zero-width spaces and
# joiners, bidi overrides, the word joiner and invisible operators, the byte-order mark. They split or glue words
# invisibly, so "Nghị\u200bquyết" would otherwise retrieve and answer differently from what the user sees.
INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def clean_text(text: str) -> str:
    """NFC, line ends as "\\n", invisible and control characters removed (newline and tab kept)."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return INVISIBLE.sub("", text)


def check_encodable(text: str, what_en: str, what_vi: str) -> None:
    """422 when `text` holds a lone surrogate (or anything else UTF-8 cannot encode): never a 500 later on."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise UserInputError(
            f"The {what_en} has an invalid character at position {exc.start} (a lone UTF-16 surrogate): "
            "retype or paste the text again.",
            f"{what_vi} có ký tự không hợp lệ ở vị trí {exc.start} (không mã hoá được UTF-8) — hãy gõ hoặc dán lại.",
        ) from None


def validate_question(question: str, settings: Settings) -> str:
    """The question cleaned (NFC, no invisible characters) and stripped; 422 for empty, too long or broken text."""
    check_encodable(question or "", "question", "Câu hỏi")
    text = clean_text(question or "").strip()
    if not text:
        raise UserInputError(
            "The question is empty: type a question.", "Câu hỏi đang để trống — vui lòng nhập câu hỏi."
        )
    if len(text) > settings.max_question_chars:
        raise UserInputError(
            f"The question has {len(text)} characters; the limit is {settings.max_question_chars}. Shorten it.",
            f"Câu hỏi dài {len(text)} ký tự, vượt giới hạn {settings.max_question_chars} ký tự — hãy rút gọn.",
        )
    return text


def validate_history(history: list[dict[str, str]] | None, settings: Settings) -> list[dict[str, str]]:
    """The conversation cleaned like a question; 422 beyond the settings' turns, characters per turn and in all.

    Cheap checks first (turn count, total length) so a pasted novel is refused in microseconds, before any
    cleaning, retrieval or embedding. A user turn was a question once: it obeys `max_question_chars`.
    """
    turns = history or []
    if len(turns) > settings.max_history_turns:
        raise UserInputError(
            f"`history` has {len(turns)} turns; the limit is {settings.max_history_turns}: send only the latest "
            "turns or start a new conversation.",
            f"Lịch sử hội thoại (`history`) có {len(turns)} lượt, vượt giới hạn {settings.max_history_turns} lượt — "
            "hãy chỉ gửi các lượt gần nhất hoặc bắt đầu cuộc trò chuyện mới.",
        )
    total = sum(len(turn.get("content") or "") for turn in turns)
    if total > settings.max_history_chars:
        raise UserInputError(
            f"`history` has {total} characters in all; the limit is {settings.max_history_chars}: send fewer or "
            "shorter turns, or start a new conversation.",
            f"Lịch sử hội thoại (`history`) dài {total} ký tự, vượt giới hạn {settings.max_history_chars} ký tự — "
            "hãy gửi ít lượt hơn hoặc bắt đầu cuộc trò chuyện mới.",
        )
    return [_checked_turn(i, turn, settings) for i, turn in enumerate(turns)]


def _checked_turn(i: int, turn: dict[str, str], settings: Settings) -> dict[str, str]:
    content = turn.get("content") or ""
    check_encodable(content, f"history turn {i}", f"Lượt {i} của lịch sử hội thoại (`history.{i}.content`)")
    limit = settings.max_question_chars if turn.get("role") == "user" else settings.max_history_turn_chars
    if len(content) > limit:
        raise UserInputError(
            f"`history.{i}.content` has {len(content)} characters; the limit for a {turn.get('role')} turn is "
            f"{limit}: shorten it.",
            f"Lượt {i} của lịch sử hội thoại (`history.{i}.content`) dài {len(content)} ký tự, vượt giới hạn "
            f"{limit} ký tự — hãy rút gọn.",
        )
    return {**turn, "content": clean_text(content)}


def events(deps: Deps, turn: Turn, stream: bool = True) -> Iterator[Event]:
    """Validate now (bad input raises before anything is streamed), then the turn's events."""
    question = validate_question(turn.question, deps.settings)
    history = validate_history(turn.history, deps.settings) if turn.history else turn.history
    filters = validate_filters(turn.filters, deps.index.documents)
    checked = replace(turn, question=question, history=history, filters=filters)
    return _events(deps, checked, stream)


def run(deps: Deps, turn: Turn) -> Trace:
    """The whole turn at once."""
    for event in events(deps, turn, stream=False):
        if isinstance(event, Done):
            return event.trace
    raise AssertionError("the pipeline ended without an answer")


def chat(
    deps: Deps,
    question: str,
    history: list[dict[str, str]] | None = None,
    filters: Filters | None = None,
    k: int | None = None,
) -> Answer:
    """Answer a question with numbered, cited sources (by the LLM when one is configured, else extractively)."""
    return run(deps, Turn(question, history, filters, k)).answer


def search(deps: Deps, question: str, k: int | None = None, filters: Filters | None = None) -> list[Passage]:
    """Ranked passages for a question (understand → retrieve, no answer)."""
    text = validate_question(question, deps.settings)
    query = understand(text)
    found = deps.retriever.search(query, k or deps.settings.top_k, validate_filters(filters, deps.index.documents))
    return reading_order(deps, query, found)  # in the order a chat answer reads them


def reading_order(deps: Deps, query: Query, passages: list[Passage]) -> list[Passage]:
    """The passages in the order an answer reads them, renumbered, as many as given.

    First the chunks of a named document's own text stating the header fact asked (who signed it, when, on what
    grounds; of a question asking several things, the first), then the rest by how well their best sentence
    answers (`evidence_order`).
    """
    return _read(deps, query, passages)[0]


def _read(deps: Deps, query: Query, passages: list[Passage]) -> tuple[list[Passage], Answer | None]:
    """The passages in reading order, and the header answer read on the way when it answers the question whole
    (numbered over those passages, as `write_answer` would give it)."""
    ordered = evidence_order(query, passages, deps.index)
    # of "Luật Dữ liệu có hiệu lực từ ngày nào, và …?", the first thing asked
    parts = [] if answers_whole(query) else question_parts(query)
    card = card_answer(parts[0] if parts else query, ordered, deps.index, deps.retriever.passage)
    lead = card_evidence(card)
    shown = ordered
    if lead:
        led = {p.chunk_id for p in lead}
        kept = [*lead, *(p for p in ordered if p.chunk_id not in led)][: len(passages)]
        shown = [replace(p, n=n) for n, p in enumerate(kept, start=1)]
    if parts or card is None:
        return shown, None
    return shown, replace(card, sources=cited_first(shown, lead)[0]) if lead else card


def _events(deps: Deps, turn: Turn, stream: bool) -> Iterator[Event]:
    k = turn.k or deps.settings.top_k
    t0 = time.perf_counter()
    query = understand_turn(deps, turn)
    t1 = time.perf_counter()
    ranking = deps.retriever.rank(query, turn.filters, turn.method, deps.settings.fusion)
    retrieved = deps.retriever.select(ranking, max(k, turn.keep))
    # The k passages the answer reads, in the order their best sentence's evidence gives (as /api/search shows
    # them); the extractive answer still weighs each by its retrieval score.
    shown, card = _read(deps, query, retrieved[:k])
    candidates = [*shown, *(p for p in retrieved[k:] if p.chunk_id not in {s.chunk_id for s in shown})]
    passages = candidates[:k]
    t2 = time.perf_counter()
    answer: Answer | None = None
    for item in write_answer(deps, turn, query, passages, stream, card):
        if isinstance(item, Answer):
            answer = item
        else:
            yield Delta(item)
    assert answer is not None
    t3 = time.perf_counter()
    timings = {"understand": t1 - t0, "retrieve": t2 - t1, "answer": t3 - t2, "total": t3 - t0}
    answer.timings_ms = {key: round(value * 1e3, 2) for key, value in timings.items()}
    if query.text != turn.question:
        answer.standalone_question = query.text
    yield Done(Trace(query, ranking, candidates, passages, answer, timings))


def understand_turn(deps: Deps, turn: Turn) -> Query:
    """The question as retrieval needs it; with an LLM a follow-up is rewritten by the model first."""
    history = screen_history(turn.history)[0] if turn.history else turn.history  # a turn giving orders is dropped
    if _uses_model(deps, turn) and history:
        rewritten = rewrite_question(deps, turn.question, history)  # None: carry the context ourselves
        if rewritten:
            return understand(rewritten)
    return understand(turn.question, history)


def write_answer(
    deps: Deps, turn: Turn, query: Query, passages: list[Passage], stream: bool, card: Answer | None = None
) -> Iterator[str | Answer]:
    """The LLM's deltas (when `stream`) then its checked Answer; the extractive Answer without a model.

    A question about a document the collection does not hold is refused first, naming the document: any answer
    would come from other texts that merely share its topic. A question about a document's own header (signer,
    issuing body, dates, subject, what it replaces) is answered from the header ingestion read, cited, with no
    model: these facts are exact or absent (`card`: that answer when the reading order already read it).
    """
    missing = absent_documents(query, deps.index.serial_numbers, deps.index.named_keys, deps.index.mentioned_keys)
    if missing:
        yield missing_document_refusal(query, missing, "llm" if _uses_model(deps, turn) else "extractive")
        return
    parts = [] if _uses_model(deps, turn) or answers_whole(query) else question_parts(query)
    if parts:  # "… do cơ quan nào ban hành và ban hành ngày nào?": each thing asked, answered on its own
        yield compose(query, [(part, _part_answer(deps, turn, part)) for part in parts], passages)
        return
    card = card or card_answer(query, passages, deps.index, deps.retriever.passage)
    if card is not None:
        yield card
        return
    if not _uses_model(deps, turn):
        # Instruction paragraphs planted in a document are blanked: the answer never quotes an order.
        yield extractive_answer(query, screen(passages).passages, deps.index, deps.settings.refuse_threshold)
        return
    yield from generate(deps, query, passages, turn.history, stream)


def _part_answer(deps: Deps, turn: Turn, part: Query) -> Answer:
    """One part of a question asking several things: its own passages, then the card or the extractive answer."""
    ranking = deps.retriever.rank(part, turn.filters, turn.method, deps.settings.fusion)
    passages = deps.retriever.select(ranking, turn.k or deps.settings.top_k)
    card = card_answer(part, passages, deps.index, deps.retriever.passage)
    if card is not None:
        return card
    return extractive_answer(part, screen(passages).passages, deps.index, deps.settings.refuse_threshold)


def _uses_model(deps: Deps, turn: Turn) -> bool:
    return deps.chat_model is not None and turn.answerer == "auto"
