"""Plain data passed between retrieval, answering and the API (no FastAPI here)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Filters:
    """Restrict retrieval to some documents; every field optional."""

    doc_ids: list[str] | None = None
    kinds: list[str] | None = None
    places: list[str] | None = None
    issuers: list[str] | None = None  # issuing bodies, as /api/documents names them (case-insensitive)
    numbers: list[str] | None = None  # documents by their own number, in any typed form ("NQ 57", "57-NQ/TW")
    date_from: str | None = None
    date_to: str | None = None

    def is_empty(self) -> bool:
        return not any(asdict(self).values())


@dataclass
class Passage:
    """A retrieved chunk with its document metadata and score, numbered for citation."""

    n: int
    chunk_id: str
    doc_id: str
    title: str
    source: str
    text: str
    score: float
    date: str | None
    kind: str
    section: str
    numbers: list[str]
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    """An answer with its numbered sources; `refused` when the documents do not support one."""

    answer: str
    sources: list[Passage]
    refused: bool
    mode: str = "extractive"
    timings_ms: dict[str, float] = field(default_factory=dict)
    standalone_question: str | None = None
    degraded: bool = False  # an LLM was configured but failed: a fallback wrote this answer
    warnings: list[str] = field(default_factory=list)  # what the checks repaired or why they replaced the answer
    note: str | None = None  # for the user, Vietnamese (e.g. "Mô hình ngôn ngữ không phản hồi…")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["sources"] = [p.to_dict() for p in self.sources]
        return d
