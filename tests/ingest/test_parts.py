"""Several documents in one file: their spans, titles and numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.clean import clean_text
from ingest.loaders import load_text
from ingest.parts import Part, find_parts


def _body(topic: str, sentences: int = 4) -> str:
    return " ".join(
        f"Câu {topic} số {i} nói về phát triển khoa học, công nghệ và chuyển đổi số quốc gia." for i in range(sentences)
    )


COMPILATION = "\n\n".join(
    [
        "# Nghị quyết số 57-NQ/TW",
        _body("nghị quyết"),
        "I- QUAN ĐIỂM CHỈ ĐẠO",
        _body("quan điểm"),
        "# Kết luận số 69-KL/TW",
        "Kết luận số 69-KL/TW ngày 11/01/2024 của Bộ Chính trị. " + _body("kết luận"),
        "# Nghị quyết 20 \\- 2012",
        "| BAN CHẤP HÀNH TRUNG ƯƠNG | ĐẢNG CỘNG SẢN VIỆT NAM |\n| :---- | :---- |\n"
        "| Số: 20-NQ/TW | *Hà Nội, ngày 01 tháng 11 năm 2012* |",
        "**NGHỊ QUYẾT**",
        _body("nghị quyết 20"),
        "# So sánh Nghị quyết 57 với Nghị quyết 20 và Kết luận 69",
        _body("so sánh"),
    ]
)


def test_find_parts_compilation_titles_numbers_in_order() -> None:
    parts = find_parts(COMPILATION)
    assert [(p.title, p.number) for p in parts] == [
        ("Nghị quyết số 57-NQ/TW", "57-NQ/TW"),
        ("Kết luận số 69-KL/TW", "69-KL/TW"),
        ("Nghị quyết 20-NQ/TW (2012)", "20-NQ/TW"),
        ("So sánh Nghị quyết 57 với Nghị quyết 20 và Kết luận 69", None),
    ]


def test_find_parts_spans_cover_text_at_headings() -> None:
    parts = find_parts(COMPILATION)
    assert parts[0].start == 0 and parts[-1].end == len(COMPILATION)
    for before, after in zip(parts, parts[1:], strict=False):
        assert before.end <= after.start and not COMPILATION[before.end : after.start].strip()
        assert COMPILATION[after.start] == "#"
    assert COMPILATION[parts[1].start :].startswith("# Kết luận số 69-KL/TW")


def test_find_parts_part_is_frozen() -> None:
    part = Part(0, 10, "Kết luận số 69-KL/TW", "69-KL/TW")
    with pytest.raises(AttributeError):
        part.title = "x"  # type: ignore[misc]


OFFICIAL_LAYOUT = "\n".join(
    [
        "ỦY BAN THƯỜNG VỤ QUỐC HỘI | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM |",
        "Số: 1663/NQ-UBTVQH15 |",
        "",
        "**NGHỊ QUYẾT**",
        "",
        "**Về việc sắp xếp các đơn vị hành chính cấp xã**",
        "",
        "**QUYẾT NGHỊ:**",
        "",
        "**Điều 1. Sắp xếp các đơn vị hành chính cấp xã**",
        "",
        _body("điều 1", 6),
    ]
)


def test_find_parts_one_document_none() -> None:
    assert find_parts(OFFICIAL_LAYOUT) == []
    assert find_parts(_body("tin tức", 10)) == []
    assert find_parts("") == []


def test_find_parts_official_layout_second_document_found() -> None:
    second = OFFICIAL_LAYOUT.replace("1663/NQ-UBTVQH15", "1664/NQ-UBTVQH15").replace("điều 1", "văn bản hai")
    text = f"{OFFICIAL_LAYOUT}\n\n{second}"
    parts = find_parts(text)
    assert [(p.title, p.number) for p in parts] == [
        ("Nghị quyết số 1663/NQ-UBTVQH15", "1663/NQ-UBTVQH15"),
        ("Nghị quyết số 1664/NQ-UBTVQH15", "1664/NQ-UBTVQH15"),
    ]
    assert text[parts[1].start :].startswith("ỦY BAN THƯỜNG VỤ QUỐC HỘI")


def test_find_parts_form_in_appendix_not_a_document() -> None:
    form = "\n".join(
        ["**Mẫu số 03**", "Số: /QĐ-…. | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "**QUYẾT ĐỊNH**", _body("mẫu")]
    )
    assert find_parts(f"{OFFICIAL_LAYOUT}\n\n**Phụ lục**\n\n{form}") == []


def test_find_parts_issued_programme_not_a_document() -> None:
    programme = "\n\n".join(
        [
            "# CHƯƠNG TRÌNH HÀNH ĐỘNG CỦA CHÍNH PHỦ",
            "*(Kèm theo Nghị quyết số 03/NQ-CP ngày 09 tháng 01 năm 2025 của Chính phủ)*",
            _body("chương trình"),
        ]
    )
    assert find_parts(f"{OFFICIAL_LAYOUT}\n\n{programme}") == []


def test_find_parts_enacting_formula_not_a_title() -> None:
    text = f"{OFFICIAL_LAYOUT}\n\nQUYẾT ĐỊNH:\n\nSố: 12/QĐ-UBND\n\n{_body('quyết định')}"
    assert find_parts(text) == []


# -- real files (../shared/data) --------------------------------------------------------------------

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
POLICY = SHARED / "nq57_policy_documents"
OFFICIAL = SHARED / "official_documents"
DOCUMENTS = Path(__file__).resolve().parents[2] / "documents"
needs_shared = pytest.mark.skipif(not POLICY.is_dir() or not OFFICIAL.is_dir(), reason="../shared/data is absent")


@needs_shared
def test_find_parts_real_compilation_four_documents() -> None:
    text = clean_text(load_text(POLICY / "nq57_with_kl69_nq20_and_comparison.md"))
    parts = find_parts(text)
    assert [p.number for p in parts] == ["57-NQ/TW", "69-KL/TW", "20-NQ/TW", None]
    assert parts[0].title == "Nghị quyết số 57-NQ/TW" and parts[1].title == "Kết luận số 69-KL/TW"
    assert parts[2].title.startswith("Nghị quyết 20-NQ/TW") and "2012" in parts[2].title
    assert parts[3].title.startswith("So sánh Nghị quyết 57")
    assert parts[0].start == 0 and parts[-1].end == len(text.rstrip())
    assert all(a.end <= b.start for a, b in zip(parts, parts[1:], strict=False))
    assert "Kết luận số 69-KL/TW ngày 11/01/2024" in text[parts[1].start : parts[1].end]
    assert "Kết luận số 69-KL/TW ngày 11/01/2024" not in text[parts[0].start : parts[0].end]


def _single_document_files() -> list[Path]:
    if not OFFICIAL.is_dir() or not POLICY.is_dir():
        return []
    files = [*OFFICIAL.glob("*.md"), *DOCUMENTS.glob("*.txt")]
    files += [POLICY / "nq57_ntw_2024_fulltext.md", POLICY / "nq03_ncp_2025_with_appendices.md"]
    files += [POLICY / "kh3260_ddqh15_plan_implementing_nq57.md", POLICY / "bcdtw_session1_news_20250120.md"]
    return sorted(p for p in files if p.name != "PROVENANCE.md")


@needs_shared
@pytest.mark.parametrize("path", _single_document_files(), ids=lambda p: p.stem[:16])
def test_find_parts_real_single_document_none(path: Path) -> None:
    assert find_parts(clean_text(load_text(path))) == []
