"""What ingestion learns about a document and its passages: the records stored in the index."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DocumentMeta:
    """What ingestion learns about one document."""

    doc_id: str
    source: str  # path relative to the documents directory
    title: str
    date: str | None = None  # ISO "YYYY-MM-DD" (or "YYYY-MM" when the day is unknown)
    kind: str = "khác"  # nghị quyết, kế hoạch, quyết định, chương trình, báo cáo, tin hội nghị, ...
    numbers: list[str] = field(default_factory=list)  # normalised document numbers it names
    places: list[str] = field(default_factory=list)  # "tỉnh Gia Lai", "xã Ia Ko", ...


@dataclass
class Chunk:
    """One passage of a document, with its place in the cleaned text."""

    chunk_id: str
    doc_id: str
    position: int
    text: str
    start: int  # character span in the document's cleaned text
    end: int
    section: str = ""  # heading path, e.g. "II. Nhiệm vụ > 1. ..."
    numbers: list[str] = field(default_factory=list)
