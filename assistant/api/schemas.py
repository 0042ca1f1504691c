"""Request and response models of the HTTP API (the domain itself uses the dataclasses in assistant.types)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints
from pydantic_core import PydanticCustomError

from assistant.material.types import MAX_TOPIC_CHARS, POINTS_RANGE, QUESTIONS_RANGE, Audience
from assistant.retrieve.filters import MAX_FILTER_VALUE_CHARS, MAX_FILTER_VALUES
from assistant.types import Filters


def _encodable(value: str) -> str:
    """A lone surrogate ("\\ud800" in JSON) is valid JSON but no text: refuse it here, not with a 500 later."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise PydanticCustomError(
            "invalid_text",
            "Text has a character that cannot be encoded as UTF-8 at position {position}: retype it",
            {"position": exc.start},
        ) from None
    return value


# Every string a client sends is encodable as UTF-8 (lengths set by the settings are checked where those are
# known). Constraints come before the check: on an Annotated validator pydantic would not enforce them.
Text = Annotated[str, AfterValidator(_encodable)]
Question = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_encodable)]
Topic = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TOPIC_CHARS), AfterValidator(_encodable)
]
FilterValue = Annotated[str, StringConstraints(max_length=MAX_FILTER_VALUE_CHARS), AfterValidator(_encodable)]
FilterValues = Annotated[list[FilterValue], Field(max_length=MAX_FILTER_VALUES)]
DateText = Annotated[str, StringConstraints(max_length=10), AfterValidator(_encodable)]
ShortText = Annotated[str, StringConstraints(max_length=50), AfterValidator(_encodable)]
IdText = Annotated[str, StringConstraints(max_length=500), AfterValidator(_encodable)]
TitleText = Annotated[str, StringConstraints(max_length=1000), AfterValidator(_encodable)]


class HistoryTurn(BaseModel):
    role: Literal["user", "assistant"]
    content: Text


class FiltersModel(BaseModel):
    """Restrict retrieval; every field optional. Unknown values are rejected with the allowed ones."""

    doc_ids: FilterValues | None = None
    kinds: FilterValues | None = None
    places: FilterValues | None = None
    issuers: FilterValues | None = Field(default=None, description="issuing bodies, e.g. 'Chính phủ'")
    numbers: FilterValues | None = Field(default=None, description="own document numbers, e.g. '57-NQ/TW' or 'NQ 57'")
    date_from: DateText | None = Field(default=None, description="YYYY, YYYY-MM or YYYY-MM-DD")
    date_to: DateText | None = Field(default=None, description="YYYY, YYYY-MM or YYYY-MM-DD")

    def to_domain(self) -> Filters:
        return Filters(**self.model_dump())


class ChatRequest(BaseModel):
    # No length constraints here: the domain's validate_question and validate_history answer in Vietnamese and
    # English, with the limits of the settings (max_question_chars, max_history_*).
    question: Text = Field(examples=["Nghị quyết 57-NQ/TW được ban hành ngày nào?"])
    history: list[HistoryTurn] = Field(default_factory=list)
    filters: FiltersModel | None = None
    k: int | None = Field(default=None, ge=1, le=20, strict=True, description="number of passages (default: settings)")


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
    handbook_url: str | None = Field(
        default=None,
        description="the passage in the document handbook: /so-tay/{doc_id}?doan={start}-{end}#{section anchor}, "
        "absolute when ASSISTANT_PUBLIC_BASE_URL is set",
    )


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
    # The standard header, where the text states it (null or [] where it does not).
    number: str | None = None
    issuer: str | None = None
    place: str | None = None
    subject: str | None = None
    signer: str | None = None
    signer_title: str | None = None
    effective: str | None = None
    based_on: list[str] = Field(default_factory=list)
    replaces: list[str] = Field(default_factory=list)
    amends: list[str] = Field(default_factory=list)
    recipients: list[str] = Field(default_factory=list)  # a letter's "Kính gửi: …"
    parts: list[str] = Field(default_factory=list)
    handbook_url: str | None = Field(default=None, description="its page in the document handbook (/so-tay/{id})")


class DocumentSection(BaseModel):
    anchor: str = Field(description="fragment id of the section on the handbook page")
    label: str = Field(description="the heading as the text writes it")
    path: str = Field(description="the chain of headings down to it, joined by ' › '")
    depth: int = Field(description="1 for a top heading")
    start: int = Field(description="where it starts in the cleaned text")


class DocumentPassage(BaseModel):
    """A chunk of the document: an exact span of its text, as retrieval cites it."""

    position: int
    start: int
    end: int
    section: str
    anchor: str = Field(description="the anchor of its section")


class RelatedDocument(BaseModel):
    doc_id: str | None = Field(description="null when the collection does not hold it")
    number: str | None
    title: str
    kind: str | None
    date: str | None
    source: str | None = Field(default=None, description="its file, for a document the collection holds")
    in_collection: bool
    note: str | None = Field(default=None, description='"chưa có trong kho" for a document the collection lacks')
    handbook_url: str | None = None


class RelatedGroup(BaseModel):
    relation: Literal["copies", "replaces", "amends", "implements", "reports", "based_on", "cites"]
    direction: Literal["out", "in", "both"] = Field(
        description="out: this document refers to them; in: they refer to it; both: copies of the same document"
    )
    label: str = Field(description="Vietnamese, as the handbook shows it")
    items: list[RelatedDocument]


class TimelineEntry(RelatedDocument):
    relation: str = Field(description="head (the text the family is about), copies, or how it links to the head")


class DocumentRelations(BaseModel):
    id: str
    related: list[RelatedGroup]
    timeline: list[TimelineEntry] = Field(description="the document's family by date; empty when it has none")


class DocumentDetail(DocumentSummary):
    text: str
    sections: list[DocumentSection] = Field(default_factory=list, description="table of contents, in text order")
    passages: list[DocumentPassage] = Field(default_factory=list)
    related: list[RelatedGroup] = Field(default_factory=list)


class FacetValue(BaseModel):
    value: str
    count: int = Field(description="documents with it among those the search and the other facets leave")
    selected: bool = False


class DocumentFacets(BaseModel):
    kind: list[FacetValue] = Field(default_factory=list)
    issuer: list[FacetValue] = Field(default_factory=list)
    year: list[FacetValue] = Field(default_factory=list)
    place: list[FacetValue] = Field(default_factory=list, description="provinces and cities the documents name")


class DocumentList(BaseModel):
    documents: list[DocumentSummary]
    total: int | None = Field(default=None, description="documents matching, over all pages")
    offset: int = 0
    limit: int | None = Field(default=None, description="null: every matching document is listed")
    sort: str | None = None
    facets: DocumentFacets = Field(default_factory=DocumentFacets)


class LLMHealth(BaseModel):
    model: str
    base_url: str
    ok: bool = Field(description="the endpoint answered a model listing (checked at most every 30 s)")
    error: str | None = None


class Health(BaseModel):
    status: Literal["ok", "no_index", "stale", "rebuilding", "error"] = Field(
        description="ok; no_index (run `assistant ingest`); stale (a newer commit could not be opened: the previous "
        "one is served); rebuilding (`ingest --rebuild` under way: lexical answers until it commits); error"
    )
    mode: Literal["extractive", "llm"] = "extractive"
    llm: LLMHealth | None = Field(default=None, description="in LLM mode: whether the model answers")
    documents: int = 0
    chunks: int = 0
    generation: int | None = Field(default=None, description="the index generation served (manifest.json)")
    committed: str | None = Field(default=None, description="when the served generation was committed (UTC)")
    embedder: str | None = None
    index_dir: str
    message: str | None = Field(default=None, description="what to do when status is not ok")


class FeedbackSource(BaseModel):
    """A cited source as the widget shows it; other passage fields are accepted and dropped."""

    n: int
    doc_id: IdText
    chunk_id: IdText = ""
    title: TitleText = ""


class FeedbackTurn(BaseModel):
    role: Literal["user", "assistant"]
    content: Text


class FeedbackRequest(BaseModel):
    # Upper bounds come from the settings (max_question_chars, feedback_max_*, max_history_*), checked in the
    # route; a body over max_body_bytes never gets this far.
    question: Question = Field(examples=["Nghị quyết 57-NQ/TW được ban hành ngày nào?"])
    answer: Text = ""
    rating: Literal["up", "down"]
    comment: Text = ""
    sources: list[FeedbackSource] = Field(default_factory=list)
    mode: ShortText | None = None
    history: list[FeedbackTurn] = Field(default_factory=list)


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
    topic: Topic = Field(examples=["Phong trào Bình dân học vụ số"])
    audience: Audience = Field(
        default="can-bo-xa", description="cán bộ cấp xã, đảng viên or người dân: sets the wording"
    )
    points: int = Field(default=6, ge=POINTS_RANGE[0], le=POINTS_RANGE[1], strict=True, description="key points wanted")
    questions: int = Field(
        default=10, ge=QUESTIONS_RANGE[0], le=QUESTIONS_RANGE[1], strict=True, description="quiz questions wanted"
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
