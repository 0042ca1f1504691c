"""One document in the handbook: its table of contents with an anchor per section, its related documents, and the
timeline of the family it belongs to.

Sections come from the chunks' section paths (ingest.chunking: "Chương I › Điều 3. … › Khoản 2"), each chunk being
an exact span of the stored text: a section starts where the first chunk under it starts, so the page can put the
anchor there, and a citation of a chunk lands on the anchor of its own path (`chunk_anchor`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from assistant.documents import summarise
from assistant.handbook.catalog import Catalog, DocumentIndex
from core.docnumbers import describe_key
from core.errors import DocumentNotFoundError
from core.index.graph import RELATIONS, Edge
from core.index.layout import DocRecord
from core.index.types import Chunk
from core.vntext import fold

SECTION_SEPARATOR = " › "  # as ingest.chunking writes section paths
ANCHOR_JOIN = "--"
_STRUCTURAL_RE = re.compile(r"(phu luc|phan|chuong|muc|dieu|khoan|diem)\s+(?:so\s+)?(thu\s+[a-z]+|[0-9ivxlc]+[a-z]?)\b")
_NUMBERED_RE = re.compile(r"(\d{1,3}(?:\.\d{1,3})*|[ivxlc]{1,6}|[a-z])\s*[.\-–)/]")
_ANCHOR_WORDS = 4  # an unnumbered heading ("QUAN ĐIỂM CHỈ ĐẠO") is named by its first words

# How a relation reads from the document that states it, and from the document it points at (Vietnamese, for
# the page); "copies" are other documents with the same own number.
OUT_LABELS = {
    "replaces": "Thay thế văn bản",
    "amends": "Sửa đổi, bổ sung văn bản",
    "implements": "Thực hiện văn bản",
    "reports": "Báo cáo về việc thực hiện",
    "based_on": "Căn cứ ban hành",
    "cites": "Văn bản được dẫn chiếu",
}
IN_LABELS = {
    "replaces": "Bị thay thế bởi",
    "amends": "Được sửa đổi, bổ sung bởi",
    "implements": "Văn bản thực hiện",
    "reports": "Báo cáo, tin về việc thực hiện",
    "based_on": "Là căn cứ ban hành của",
    "cites": "Được dẫn chiếu trong",
}
COPIES_LABEL = "Bản khác của cùng văn bản"
MISSING_LABEL = "chưa có trong kho"


@dataclass(frozen=True)
class Section:
    anchor: str
    label: str  # the heading as the text writes it ("Điều 3. Căn cứ tuyển dụng công chức")
    path: str  # the chain of headings down to it
    depth: int  # 1 for a top heading
    start: int  # where it starts in the cleaned text


def section_anchor(elements: list[str]) -> str:
    """A short, readable fragment id for a section path: ["Chương II. …", "Điều 3. …", "Khoản 2"] ->
    "chuong-ii--dieu-3--khoan-2"; ["III- NHIỆM VỤ, GIẢI PHÁP", "2. Khẩn trương …"] -> "iii--2"."""
    return ANCHOR_JOIN.join(slug for slug in (_element_slug(e) for e in elements) if slug)


def _element_slug(label: str) -> str:
    folded = fold(label).lower().strip()
    if m := _STRUCTURAL_RE.match(folded):
        return f"{m[1]}-{m[2]}".replace(" ", "-")
    if m := _NUMBERED_RE.match(folded):
        return m[1].replace(".", "-")
    return "-".join(re.findall(r"[a-z0-9]+", folded)[:_ANCHOR_WORDS])


def _elements(chunk: Chunk) -> list[str]:
    """The headings a chunk sits under, the document it belongs to first in a file holding several."""
    return [*([chunk.part] if chunk.part else []), *(chunk.section.split(SECTION_SEPARATOR) if chunk.section else [])]


def sections(record: DocRecord) -> tuple[list[Section], dict[str, str]]:
    """The table of contents in text order, and each chunk's anchor (chunk id -> the anchor of its own path)."""
    found: list[Section] = []
    by_path: dict[tuple[str, ...], str] = {}
    used: set[str] = set()
    anchors: dict[str, str] = {}
    for chunk in sorted(record.chunks, key=lambda c: c.start):
        elements = _elements(chunk)
        for depth in range(1, len(elements) + 1):
            path = tuple(elements[:depth])
            if path in by_path:
                continue
            anchor = _unique(section_anchor(list(path)) or "muc", used)
            by_path[path] = anchor
            found.append(Section(anchor, path[-1], SECTION_SEPARATOR.join(path), depth, chunk.start))
        anchors[chunk.chunk_id] = by_path[tuple(elements)] if elements else ""
    return found, anchors


def _unique(anchor: str, used: set[str]) -> str:
    """The anchor, or anchor-2, -3 … when another section took it (two headings numbered alike)."""
    candidate, n = anchor, 1
    while candidate in used:
        n += 1
        candidate = f"{anchor}-{n}"
    used.add(candidate)
    return candidate


def chunk_anchors(index: DocumentIndex, doc_id: str) -> dict[str, str]:
    """Chunk id -> the anchor of the section it stands in, for one document (empty for one not held)."""
    record = index.documents.get(doc_id)
    return sections(record)[1] if record is not None else {}


def chunk_anchor(anchors: dict[str, str], chunk_id: str, section: str = "") -> str:
    """The anchor a cited passage lands on: its chunk's, else one made from its section path."""
    if chunk_id in anchors:
        return anchors[chunk_id]
    return section_anchor(section.split(SECTION_SEPARATOR)) if section else ""


def document_view(index: DocumentIndex, catalog: Catalog, doc_id: str) -> dict[str, Any]:
    """A document as the handbook shows it: metadata, text, table of contents, passages and related documents."""
    record = _record(index, doc_id)
    toc, anchors = sections(record)
    passages = [
        {"position": c.position, "start": c.start, "end": c.end, "section": c.section, "anchor": anchors[c.chunk_id]}
        for c in sorted(record.chunks, key=lambda c: c.start)
    ]
    return {
        **summarise(doc_id, record),
        "text": record.text,
        "sections": [asdict(s) for s in toc],
        "passages": passages,
        "related": related_groups(index, catalog, doc_id),
    }


def related_view(index: DocumentIndex, catalog: Catalog, doc_id: str) -> dict[str, Any]:
    """The documents related to one, grouped by relation, and the timeline of its family."""
    _record(index, doc_id)
    related = related_groups(index, catalog, doc_id)
    return {"id": doc_id, "related": related, "timeline": timeline(index, catalog, doc_id)}


def _record(index: DocumentIndex, doc_id: str) -> DocRecord:
    record = index.documents.get(doc_id)
    if record is None:
        raise DocumentNotFoundError(
            f"No document {doc_id!r} in the index; GET /api/documents lists them.",
            f"Không có tài liệu {doc_id!r} trong chỉ mục.",
        )
    return record


def related_groups(index: DocumentIndex, catalog: Catalog, doc_id: str) -> list[dict[str, Any]]:
    """Groups of related documents, the strongest links first: copies, what it replaces … rests on, what replaces
    … cites it, and last what it merely cites. A cited document the collection lacks is listed as such."""
    graph = catalog.graph
    groups = []
    if copies := graph.copies_of(doc_id):
        groups.append(_group("copies", "both", COPIES_LABEL, [_held(index, d, None) for d in copies]))
    out, into = graph.out_of(doc_id), graph.into(doc_id)
    for relation in RELATIONS[:-1]:
        groups.append(_group(relation, "out", OUT_LABELS[relation], _targets(index, out, relation)))
    for relation in RELATIONS:
        sources = [_held(index, e.source, None) for e in into if e.relation == relation]
        groups.append(_group(relation, "in", IN_LABELS[relation], sources))
    groups.append(_group("cites", "out", OUT_LABELS["cites"], _targets(index, out, "cites")))
    return [g for g in groups if g["items"]]


def _group(relation: str, direction: str, label: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    unique = list({(i["doc_id"] or i["number"]): i for i in items}.values())
    return {"relation": relation, "direction": direction, "label": label, "items": unique}


def _targets(index: DocumentIndex, edges: list[Edge], relation: str) -> list[dict[str, Any]]:
    return [_held(index, e.target, e.number) if e.target else _missing(e) for e in edges if e.relation == relation]


def _held(index: DocumentIndex, doc_id: str, number: str | None) -> dict[str, Any]:
    meta = index.documents[doc_id].meta
    return {
        "doc_id": doc_id,
        "number": meta.number or number,
        "title": meta.title,
        "kind": meta.kind,
        "date": meta.date,
        "source": meta.source,
        "in_collection": True,
        "note": None,
    }


def _missing(edge: Edge) -> dict[str, Any]:
    title = describe_key(edge.key, edge.number)
    return {"doc_id": None, "number": edge.number, "title": title, "kind": None, "date": None, "source": None,
            "in_collection": False, "note": MISSING_LABEL}  # fmt: skip


def timeline(index: DocumentIndex, catalog: Catalog, doc_id: str) -> list[dict[str, Any]]:
    """The family of a document by date: the text at its head (the one it implements or reports on, else itself)
    and every document of the collection that links to that text. Empty when it has no family."""
    graph = catalog.graph
    heads = [e.target for e in graph.out_of(doc_id) if e.relation in ("implements", "reports") and e.target]
    head = heads[0] if heads else doc_id
    members = {head: "head", **dict.fromkeys(graph.copies_of(head), "copies")}
    for edge in graph.into(head):
        members.setdefault(edge.source, edge.relation)
    if len(members) < 2:
        return []
    entries = [{**_held(index, d, None), "relation": relation} for d, relation in members.items()]
    return sorted(entries, key=lambda e: (not e["date"], str(e["date"] or ""), str(e["doc_id"])))
