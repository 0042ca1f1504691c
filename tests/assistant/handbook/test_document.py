"""One document in the handbook: table of contents and anchors from the chunks, related documents, timeline."""

from __future__ import annotations

import pytest

from assistant.handbook.catalog import Catalog
from assistant.handbook.document import (
    chunk_anchor,
    chunk_anchors,
    document_view,
    related_view,
    section_anchor,
    sections,
)
from core.errors import DocumentNotFoundError
from tests.assistant.handbook.conftest import KH3260, NQ57, QD15, QD80, RecordsIndex


@pytest.fixture(scope="module")
def catalog(records_index: RecordsIndex) -> Catalog:
    return Catalog(records_index)


@pytest.mark.parametrize(
    ("path", "anchor"),
    [
        (["Chương II. TUYỂN DỤNG CÔNG CHỨC", "Điều 3. Căn cứ tuyển dụng công chức", "Khoản 2", "Điểm a"],
         "chuong-ii--dieu-3--khoan-2--diem-a"),
        (["III- NHIỆM VỤ, GIẢI PHÁP", "2. Khẩn trương, quyết liệt hoàn thiện thể chế"], "iii--2"),
        (["PHỤ LỤC II. DANH MỤC CÁC NHIỆM VỤ", "1.2. Tổ chức"], "phu-luc-ii--1-2"),
        (["QUAN ĐIỂM CHỈ ĐẠO"], "quan-diem-chi-dao"),
        (["Phần thứ nhất"], "phan-thu-nhat"),
    ],
)  # fmt: skip
def test_section_anchor_short_ascii_readable(path: list[str], anchor: str) -> None:
    assert section_anchor(path) == anchor


def test_sections_start_where_their_first_passage_starts_anchors_unique(records_index: RecordsIndex) -> None:
    record = records_index.documents[NQ57]
    toc, anchors = sections(record)
    starts = {c.start for c in record.chunks}
    assert toc and all(s.start in starts for s in toc)
    assert len({s.anchor for s in toc}) == len(toc)
    labels = [s.label for s in toc if s.depth == 1]
    assert "I- QUAN ĐIỂM CHỈ ĐẠO" in labels and "III- NHIỆM VỤ, GIẢI PHÁP" in labels
    # each chunk's anchor is its own section's, and that section starts at or before the chunk
    by_anchor = {s.anchor: s for s in toc}
    for chunk in record.chunks:
        if chunk.section:
            section = by_anchor[anchors[chunk.chunk_id]]
            assert section.path.endswith(chunk.section) and section.start <= chunk.start


def test_chunk_anchor_of_a_cited_passage(records_index: RecordsIndex) -> None:
    record = records_index.documents[NQ57]
    chunk = next(c for c in record.chunks if c.section.startswith("III- NHIỆM VỤ, GIẢI PHÁP › 2."))
    anchors = chunk_anchors(records_index, NQ57)
    assert chunk_anchor(anchors, chunk.chunk_id) == "iii--2"
    assert chunk_anchor(anchors, "unknown:0001", "Điều 3. Phạm vi › Khoản 2") == "dieu-3--khoan-2"
    assert chunk_anchors(records_index, "khong-co") == {}


def test_document_view_passages_are_exact_spans_of_the_text(records_index: RecordsIndex, catalog: Catalog) -> None:
    view = document_view(records_index, catalog, KH3260)
    text = view["text"]
    assert view["number"] == "3260-KH/ĐĐQH15" and view["kind"] == "kế hoạch"
    for passage, chunk in zip(view["passages"], records_index.documents[KH3260].chunks, strict=True):
        assert text[passage["start"] : passage["end"]] == chunk.text


def groups(view: dict) -> dict[tuple[str, str], list]:
    return {(g["relation"], g["direction"]): g["items"] for g in view["related"]}


def test_related_resolution_shows_its_plan_report_and_citing_news(records_index: RecordsIndex, catalog: Catalog):
    related = groups(related_view(records_index, catalog, NQ57))
    assert [i["doc_id"] for i in related["implements", "in"]] == [KH3260]
    assert [i["doc_id"] for i in related["reports", "in"]] == ["003_b436451e5e958d0f"]
    assert {i["doc_id"] for i in related["cites", "in"]} == {
        "000_8e8149a4b1cb9313", "001_fbc9771f2d710e29", "004_538540773102b57e"
    }  # fmt: skip
    assert list(related)[:2] == [("implements", "in"), ("reports", "in")]


def test_related_plan_points_at_the_resolution_it_implements(records_index: RecordsIndex, catalog: Catalog) -> None:
    related = groups(related_view(records_index, catalog, KH3260))
    (item,) = related["implements", "out"]
    assert item["doc_id"] == NQ57 and item["number"] == "57-NQ/TW" and item["in_collection"] is True


def test_related_repealed_decision_shows_what_repealed_it(records_index: RecordsIndex, catalog: Catalog) -> None:
    related = groups(related_view(records_index, catalog, QD15))
    assert [i["doc_id"] for i in related["replaces", "in"]] == [QD80]
    assert related_view(records_index, catalog, QD15)["related"][0]["label"] == "Bị thay thế bởi"


def test_related_cited_documents_not_held_are_listed_as_missing(records_index: RecordsIndex, catalog: Catalog) -> None:
    related = groups(related_view(records_index, catalog, QD80))
    assert [i["doc_id"] for i in related["replaces", "out"]] == [QD15]
    based_on = related["based_on", "out"]
    assert {i["number"] for i in based_on} >= {"72/2025/QH15", "78/2025/NĐ-CP"}
    missing = [i for i in based_on if not i["in_collection"]]
    assert missing and all(i["doc_id"] is None and i["note"] == "chưa có trong kho" for i in missing)
    assert any(i["title"] == "Nghị định 78/2025/NĐ-CP" for i in missing)


def test_timeline_family_of_the_resolution_by_date(records_index: RecordsIndex, catalog: Catalog) -> None:
    timeline = related_view(records_index, catalog, KH3260)["timeline"]  # from the plan, its head is the resolution
    assert timeline[0]["doc_id"] == NQ57 and timeline[0]["relation"] == "head"
    dates = [e["date"] for e in timeline]
    assert dates == sorted(dates) and len(timeline) == 6
    assert {e["relation"] for e in timeline} == {"head", "implements", "reports", "cites"}


def test_timeline_empty_without_family(records_index: RecordsIndex, catalog: Catalog) -> None:
    assert related_view(records_index, catalog, "002_f6b2abf78aec154f")["timeline"] == []


def test_unknown_document_404_vi_en(records_index: RecordsIndex, catalog: Catalog) -> None:
    with pytest.raises(DocumentNotFoundError) as caught:
        related_view(records_index, catalog, "khong-co")
    assert caught.value.status == 404 and "khong-co" in caught.value.message_vi
