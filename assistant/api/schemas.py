"""Request and response models of the HTTP API (the domain itself uses the dataclasses in assistant.types)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from assistant.material.types import MAX_TOPIC_CHARS, POINTS_RANGE, QUESTIONS_RANGE, Audience
from assistant.types import Filters


class HistoryTurn(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class FiltersModel(BaseModel):
    """Restrict retrieval; every field optional. Unknown values are rejected with the allowed ones."""

    doc_ids: list[str] | None = None
    kinds: list[str] | None = None
    places: list[str] | None = None
    issuers: list[str] | None = Field(default=None, description="issuing bodies, e.g. 'Chính phủ'")
    numbers: list[str] | None = Field(default=None, description="own document numbers, e.g. '57-NQ/TW' or 'NQ 57'")
    date_from: str | None = Field(default=None, description="YYYY, YYYY-MM or YYYY-MM-DD")
    date_to: str | None = Field(default=None, description="YYYY, YYYY-MM or YYYY-MM-DD")

    def to_domain(self) -> Filters:
        return Filters(**self.model_dump())


class ChatRequest(BaseModel):
    # No length constraints here: the domain's validate_question answers in Vietnamese and English.
    question: str = Field(examples=["Nghị quyết 57-NQ/TW được ban hành ngày nào?"])
    history: list[HistoryTurn] = Field(default_factory=list)
    filters: FiltersModel | None = None
    k: int | None = Field(default=None, ge=1, le=20, description="number of passages (default: settings)")


class PassageModel(BaseModel):
    n: int = Field(description="citation number: [n] in the answer")
    doc_id: str
    title: str
    source: str = Field(description="path relative to the documents directory")
    text: str
    score: float
    date: str | None
    kind: str
    section: str
    numbers: list[str]
    chunk_id: str
    start: int = Field(description="character span in the document's cleaned text")
    end: int


class ChatResponse(BaseModel):
    answer: str = Field(description="text with [n] markers that refer to `sources`")
    sources: list[PassageModel]
    refused: bool
    mode: str = Field(description='"extractive" or "llm"')
    timings_ms: dict[str, float] = Field(default_factory=dict)
    standalone_question: str | None = None
    degraded: bool = Field(default=False, description="true when a fallback wrote the answer (e.g. the LLM failed)")
    warnings: list[str] = Field(default_factory=list, description="what the answer checks repaired or replaced")
    note: str | None = Field(default=None, description="for the user, in Vietnamese: why the answer is extractive")


class ChatStreamFinal(ChatResponse):
    """The `final` event of POST /api/chat/stream: exactly what /api/chat returns."""


class SearchResponse(BaseModel):
    query: str
    results: list[PassageModel]


class DocumentSummary(BaseModel):
    id: str
    title: str
    source: str
    date: str | None
    kind: str
    numbers: list[str]
    places: list[str]
    chunks: int


class DocumentDetail(DocumentSummary):
    text: str


class DocumentList(BaseModel):
    documents: list[DocumentSummary]


class LLMHealth(BaseModel):
    model: str
    base_url: str
    ok: bool = Field(description="the endpoint answered a model listing (checked at most every 30 s)")
    error: str | None = None


class Health(BaseModel):
    status: Literal["ok", "no_index", "stale", "error"]
    mode: Literal["extractive", "llm"] = "extractive"
    llm: LLMHealth | None = Field(default=None, description="in LLM mode: whether the model answers")
    documents: int = 0
    chunks: int = 0
    embedder: str | None = None
    index_dir: str
    message: str | None = Field(default=None, description="what to do when status is not ok")


class FeedbackSource(BaseModel):
    """A cited source as the widget shows it; other passage fields are accepted and dropped."""

    n: int
    doc_id: str = Field(max_length=500)
    chunk_id: str = Field(default="", max_length=500)
    title: str = Field(default="", max_length=1000)


class FeedbackTurn(BaseModel):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=20000)


class FeedbackRequest(BaseModel):
    # The question's upper bound is settings.max_question_chars, checked in the route.
    question: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] = Field(
        examples=["Nghị quyết 57-NQ/TW được ban hành ngày nào?"]
    )
    answer: str = Field(default="", max_length=20000)
    rating: Literal["up", "down"]
    comment: str = Field(default="", max_length=2000)
    sources: list[FeedbackSource] = Field(default_factory=list, max_length=50)
    mode: str | None = Field(default=None, max_length=50)
    history: list[FeedbackTurn] = Field(default_factory=list, max_length=20)


class FeedbackCreated(BaseModel):
    id: int
    created: str = Field(description="UTC, ISO 8601")


class FeedbackItem(BaseModel):
    id: int
    created: str
    rating: Literal["up", "down"]
    comment: str
    question: str
    answer: str
    sources: list[FeedbackSource]
    mode: str | None
    history: list[FeedbackTurn]


class FeedbackList(BaseModel):
    items: list[FeedbackItem]
    total: int


class ErrorBody(BaseModel):
    error: str
    message: str = Field(description="Vietnamese, says what to fix")
    message_en: str


# ---------------------------------------------------------------- lesson packs (POST /api/material)


class MaterialRequest(BaseModel):
    topic: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TOPIC_CHARS)] = Field(
        examples=["Phong trào Bình dân học vụ số"]
    )
    audience: Audience = Field(
        default="can-bo-xa", description="cán bộ cấp xã, đảng viên or người dân: sets the wording"
    )
    points: int = Field(default=6, ge=POINTS_RANGE[0], le=POINTS_RANGE[1], description="key points wanted")
    questions: int = Field(
        default=10, ge=QUESTIONS_RANGE[0], le=QUESTIONS_RANGE[1], description="quiz questions wanted"
    )


class MaterialSource(BaseModel):
    n: int = Field(description="citation number: [n] in the pack's texts")
    doc_id: str
    title: str
    date: str | None
    numbers: list[str]
    source: str = Field(description="path relative to the documents directory")
    chunk_id: str
    text: str = Field(description="the cited passage")


class MaterialKeyPoint(BaseModel):
    text: str = Field(description="one or two sentences ending with [n] markers")
    citations: list[int]


class MaterialFAQ(BaseModel):
    question: str
    answer: str
    citations: list[int]


class MaterialQuizItem(BaseModel):
    kind: Literal["mcq", "true_false"]
    question: str
    options: list[str] = Field(description="4 options (mcq) or Đúng / Sai (true_false)")
    correct: int = Field(description="index into options")
    explanation: str = Field(description="one line, with [n]")
    citations: list[int]
    verified: bool = Field(description="the correct answer was found in its cited passage")


class MaterialGlossaryItem(BaseModel):
    term: str
    meaning: str


class MaterialResponse(BaseModel):
    """A lesson pack: every item cites `sources` by number."""

    note: str = Field(description="the draft notice the trainer must read (Vietnamese)")
    topic: str
    audience: Audience
    audience_label: str
    created: str = Field(description="UTC, ISO 8601")
    mode: str = Field(description='"extractive" or "llm"')
    key_points: list[MaterialKeyPoint]
    faq: list[MaterialFAQ]
    quiz: list[MaterialQuizItem]
    glossary: list[MaterialGlossaryItem]
    sources: list[MaterialSource]
    warnings: list[str]
