"""The lesson pack: what the builder produces and every renderer (Markdown, DOCX, JSON, the web page) reads.

Citations are numbers n that refer to `LessonPack.sources[n - 1]` (the same [n] convention as answers).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Audience = Literal["can-bo-xa", "dang-vien", "nguoi-dan"]
AUDIENCES: dict[str, str] = {
    "can-bo-xa": "cán bộ cấp xã",
    "dang-vien": "đảng viên",
    "nguoi-dan": "người dân",
}
# What a request may ask for (the builder, the CLI and the HTTP schema share these bounds).
MAX_TOPIC_CHARS = 300
POINTS_RANGE = (3, 12)
QUESTIONS_RANGE = (4, 30)


@dataclass
class SourceRef:
    """A cited passage with its document's metadata."""

    n: int
    doc_id: str
    title: str
    date: str | None
    numbers: list[str]
    source: str
    chunk_id: str
    text: str


@dataclass
class KeyPoint:
    """One main idea: one or two sentences ending with [n] markers."""

    text: str
    citations: list[int]


@dataclass
class FAQItem:
    """A question and the assistant's own cited answer to it."""

    question: str
    answer: str
    citations: list[int]


@dataclass
class QuizItem:
    """A multiple-choice question (4 options, one correct) or a true/false statement (options Đúng / Sai)."""

    kind: Literal["mcq", "true_false"]
    question: str
    options: list[str]
    correct: int  # index into options
    explanation: str  # one line, with [n]
    citations: list[int]
    verified: bool  # the correct answer was found in its cited passage


@dataclass
class GlossaryItem:
    term: str  # "NQ", "CĐS", "BCĐ"…
    meaning: str  # "nghị quyết", "chuyển đổi số"…


@dataclass
class LessonPack:
    topic: str
    audience: Audience
    created: str  # UTC ISO 8601
    mode: str  # "extractive" or "llm"
    key_points: list[KeyPoint] = field(default_factory=list)
    faq: list[FAQItem] = field(default_factory=list)
    quiz: list[QuizItem] = field(default_factory=list)
    glossary: list[GlossaryItem] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def audience_label(self) -> str:
        return AUDIENCES[self.audience]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "audience_label": self.audience_label}
