"""The answering domain, FastAPI-free: a visible bundle of dependencies and the operations on it."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.types import Answer, Filters, Passage
from core.config import Settings
from core.embedders import Embedder, build_embedder
from core.errors import DocumentNotFoundError, IndexMismatchError, UserInputError
from core.index.reader import IndexReader

if TYPE_CHECKING:
    from assistant.llm import ChatModel
    from assistant.query import Query
    from assistant.retrieval import Retriever

logger = logging.getLogger(__name__)

KNOWN_KINDS = (
    "nghị quyết", "kế hoạch", "quyết định", "chương trình", "báo cáo", "công văn",
    "thông báo", "tin hội nghị", "tin tức", "văn bản pháp luật", "khác",
)  # fmt: skip


@dataclass
class Deps:
    """Everything answering needs, built once by an entry point and passed in."""

    settings: Settings
    embedder: Embedder
    index: IndexReader
    chat_model: ChatModel | None = None  # None: extractive answers
    retriever: Retriever = field(init=False)

    def __post_init__(self) -> None:
        from assistant.retrieval import Retriever

        if self.index.manifest.embedder != self.embedder.name:
            raise IndexMismatchError(
                f"Index built with {self.index.manifest.embedder!r} but {self.embedder.name!r} is configured: "
                "set ASSISTANT_EMBEDDER to match or run `assistant ingest --rebuild`.",
                "Chỉ mục được tạo bằng mô hình nhúng khác với cấu hình hiện tại.",
            )
        self.retriever = Retriever(self.index, self.embedder, self.settings)


def load_deps(settings: Settings, index_dir: Path | None = None) -> Deps:
    """Open the index and the embedder named by the settings."""
    from assistant.llm import build_chat_model

    index = IndexReader(index_dir or settings.index_dir)
    embedder = build_embedder(settings)
    return Deps(settings=settings, embedder=embedder, index=index, chat_model=build_chat_model(settings))


def validate_question(question: str, settings: Settings) -> str:
    """The question stripped; 422 errors for empty or too long ones."""
    text = (question or "").strip()
    if not text:
        raise UserInputError(
            "The question is empty: type a question.",
            "Câu hỏi đang để trống — vui lòng nhập câu hỏi.",
        )
    if len(text) > settings.max_question_chars:
        raise UserInputError(
            f"The question has {len(text)} characters; the limit is {settings.max_question_chars}. Shorten it.",
            f"Câu hỏi dài {len(text)} ký tự, vượt giới hạn {settings.max_question_chars} ký tự — hãy rút gọn.",
        )
    return text


def validate_filters(filters: Filters | None, deps: Deps) -> Filters | None:
    """Reject filter values the index does not know, naming the allowed ones."""
    if filters is None or filters.is_empty():
        return None
    docs = deps.index.documents
    _check_values("doc_ids", filters.doc_ids, sorted(docs))
    _check_values("kinds", filters.kinds, list(KNOWN_KINDS))
    places = sorted({p for r in docs.values() for p in r.meta.places})
    if filters.places:
        known = {p.lower() for p in places}
        # "Ia Ko" matches "xã Ia Ko", as the retriever matches it
        bad = [p for p in filters.places if not any(k == p.lower() or k.endswith(" " + p.lower()) for k in known)]
        if bad:
            _raise_unknown("places", bad, places)
    for name in ("date_from", "date_to"):
        value = getattr(filters, name)
        if value and not _looks_like_date(value):
            raise UserInputError(
                f"filters.{name}={value!r} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD.",
                f"Giá trị lọc {name}={value!r} không phải ngày hợp lệ (dạng YYYY-MM-DD).",
            )
    return filters


def _looks_like_date(value: str) -> bool:
    import re

    return re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value) is not None


def _check_values(name: str, values: list[str] | None, allowed: list[str]) -> None:
    bad = [v for v in values or [] if v not in allowed]
    if bad:
        _raise_unknown(name, bad, allowed)


def _raise_unknown(name: str, bad: list[str], allowed: list[str]) -> None:
    shown = ", ".join(allowed[:50]) or "(none)"
    raise UserInputError(
        f"Unknown filters.{name} value(s) {bad}; allowed: {shown}",
        f"Giá trị lọc {name} không hợp lệ: {', '.join(bad)}. Giá trị cho phép: {shown}",
    )


def search(deps: Deps, query: str, k: int | None = None, filters: Filters | None = None) -> list[Passage]:
    """Ranked passages for a query (no answer)."""
    from assistant.query import understand

    text = validate_question(query, deps.settings)
    understood = understand(text)
    return deps.retriever.search(understood, k or deps.settings.top_k, validate_filters(filters, deps))


def chat(
    deps: Deps,
    question: str,
    history: list[dict[str, str]] | None = None,
    filters: Filters | None = None,
    k: int | None = None,
) -> Answer:
    """Answer a question with numbered, cited sources (by the LLM when one is configured, else extractively)."""
    answer = None
    for item in answer_events(deps, question, history, filters, k, stream=False):
        if isinstance(item, Answer):
            answer = item
    assert answer is not None
    return answer


def answer_events(
    deps: Deps,
    question: str,
    history: list[dict[str, str]] | None = None,
    filters: Filters | None = None,
    k: int | None = None,
    stream: bool = True,
) -> Iterator[str | Answer]:
    """Text deltas as the LLM writes them (when `stream`), then the checked Answer.

    Validation happens before the first item, so bad input raises before anything is streamed.
    """
    text = validate_question(question, deps.settings)
    filters = validate_filters(filters, deps)
    return _answer_events(deps, text, history, filters, k, stream)


def _answer_events(
    deps: Deps, text: str, history: list[dict[str, str]] | None, filters: Filters | None, k: int | None, stream: bool
) -> Iterator[str | Answer]:
    t0 = time.perf_counter()
    understood = understand_turn(deps, text, history)
    t1 = time.perf_counter()
    passages = deps.retriever.search(understood, k or deps.settings.top_k, filters)
    t2 = time.perf_counter()
    answer: Answer | None = None
    for item in write_answer(deps, understood, passages, history, stream):
        if isinstance(item, Answer):
            answer = item
        else:
            yield item
    assert answer is not None
    t3 = time.perf_counter()
    timings = {"understand": t1 - t0, "retrieve": t2 - t1, "answer": t3 - t2, "total": t3 - t0}
    answer.timings_ms = {key: round(value * 1e3, 2) for key, value in timings.items()}
    if understood.text != text:
        answer.standalone_question = understood.text
    yield answer


def understand_turn(deps: Deps, text: str, history: list[dict[str, str]] | None) -> Query:
    """The question as retrieval needs it; with an LLM a follow-up is rewritten by the model first."""
    from assistant.query import understand

    if deps.chat_model is not None and history:
        from assistant.generate import rewrite_question

        rewritten = rewrite_question(deps, text, history)  # None when the model fails: carry context ourselves
        if rewritten:
            return understand(rewritten)
    return understand(text, history)


def write_answer(
    deps: Deps, query: Query, passages: list[Passage], history: list[dict[str, str]] | None, stream: bool
) -> Iterator[str | Answer]:
    """The LLM's deltas (when `stream`) then its checked Answer; the extractive Answer when no model is set."""
    if deps.chat_model is None:
        from assistant.answer import extractive_answer

        yield extractive_answer(query, passages, deps.index, deps.settings.refuse_threshold)
        return
    from assistant.generate import generate

    yield from generate(deps, query, passages, history, stream)


def get_document(deps: Deps, doc_id: str) -> dict[str, object]:
    """Cleaned text and metadata of one document."""
    record = deps.index.documents.get(doc_id)
    if record is None:
        raise DocumentNotFoundError(
            f"No document {doc_id!r} in the index; GET /api/documents lists them.",
            f"Không có tài liệu {doc_id!r} trong chỉ mục.",
        )
    return {**document_summary(deps, doc_id), "text": record.text}


def document_summary(deps: Deps, doc_id: str) -> dict[str, object]:
    record = deps.index.documents[doc_id]
    meta = record.meta
    return {
        "id": doc_id,
        "title": meta.title,
        "source": meta.source,
        "date": meta.date,
        "kind": meta.kind,
        "numbers": meta.numbers,
        "places": meta.places,
        "chunks": len(record.chunks),
    }


def list_documents(deps: Deps) -> list[dict[str, object]]:
    return [document_summary(deps, doc_id) for doc_id in sorted(deps.index.documents)]
