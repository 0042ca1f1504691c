"""What ingestion learns about a document and its passages: the records stored in the index."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DocumentMeta:
    """What ingestion learns about one document.

    The header fields (number … amends) follow the form of Nghị định 30/2020/NĐ-CP and Hướng dẫn 36-HD/VPTW;
    they stay empty for news and for texts whose header does not state them.
    """

    doc_id: str
    source: str  # path relative to the documents directory
    title: str
    date: str | None = None  # ISO "YYYY-MM-DD" (or "YYYY-MM" when the day is unknown): date of issue
    kind: str = "khác"  # nghị quyết, kế hoạch, quyết định, chương trình, báo cáo, tin hội nghị, ...
    numbers: list[str] = field(default_factory=list)  # normalised document numbers it names
    places: list[str] = field(default_factory=list)  # "tỉnh Gia Lai", "xã Ia Ko", ...
    number: str | None = None  # its own number and symbol as printed, normalised ("57-NQ/TW", "170/2025/NĐ-CP")
    issuer: str | None = None  # issuing body ("Bộ Chính trị", "Ủy ban Thường vụ Quốc hội", "Chính phủ")
    place: str | None = None  # place of issue ("Hà Nội")
    subject: str | None = None  # trích yếu ("về đột phá phát triển khoa học, công nghệ, …")
    signer: str | None = None  # "Tô Lâm"
    signer_title: str | None = None  # "TỔNG BÍ THƯ", "KT. THỦ TƯỚNG / PHÓ THỦ TƯỚNG"
    effective: str | None = None  # ISO date the text says it takes effect ("có hiệu lực từ ngày …")
    based_on: list[str] = field(default_factory=list)  # numbers of the documents in its "Căn cứ …" lines
    replaces: list[str] = field(default_factory=list)  # numbers it replaces or repeals ("thay thế", "bãi bỏ")
    amends: list[str] = field(default_factory=list)  # numbers it amends ("sửa đổi, bổ sung")
    recipients: list[str] = field(default_factory=list)  # a letter's "Kính gửi: …", one per addressee
    parts: list[str] = field(default_factory=list)  # titles of the documents a file holds, when more than one
    # What each of those documents' own header states, in the same order (the first is this record's own); its
    # numbers, places and references stay empty. Records written before it load with [].
    part_headers: list[DocumentMeta] = field(default_factory=list)
    # The documents it refers to and how, in order of weight (ingest.relations; resolved by core.index.graph):
    # {"key": "nq:57", "number": "57-NQ/TW", "relation": "implements"}. Records written before it load with [].
    references: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Chunk:
    """One passage of a document, with its place in the cleaned text."""

    chunk_id: str
    doc_id: str
    position: int
    text: str
    start: int  # character span in the document's cleaned text
    end: int
    section: str = ""  # heading path, e.g. "Điều 3 › Khoản 2 › Điểm a"
    numbers: list[str] = field(default_factory=list)
    part: str = ""  # in a file holding several documents, the one this chunk belongs to ("Kết luận số 69-KL/TW")
