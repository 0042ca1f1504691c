"""Rendering a hand-made lesson pack: Markdown sections, a DOCX that re-opens with python-docx, JSON."""

from __future__ import annotations

import io
import json
import unicodedata

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm

from assistant.material import render, word
from assistant.material.types import FAQItem, GlossaryItem, KeyPoint, LessonPack, QuizItem, SourceRef

NFD_TOPIC = unicodedata.normalize("NFD", "Phong trào Bình dân học vụ số")


def make_pack() -> LessonPack:
    sources = [
        SourceRef(
            1, "nq57", "Nghị quyết về đột phá phát triển KHCN", "2024-12-22", ["57-NQ/TW"], "nq57.txt", "c1", "…"
        ),
        SourceRef(2, "kh01", "Kế hoạch Bình dân học vụ số", "2025-03", [], "kh-bdhvs.docx", "c7", "…"),
    ]
    points = [
        KeyPoint(f"Ý chính thứ {i}: phổ cập kỹ năng số cho người dân [{1 + i % 2}].", [1 + i % 2]) for i in range(6)
    ]
    quiz = [
        QuizItem(
            "mcq",
            "Nghị quyết 57-NQ/TW được ban hành ngày nào?",
            ["22/12/2024", "01/01/2025", "15/03/2025", "30/04/2025"],
            0,
            "Nghị quyết ban hành ngày 22/12/2024 [1].",
            [1],
            True,
        ),
        QuizItem(
            "true_false",
            "Đúng hay sai? Phong trào chỉ dành cho học sinh.",
            ["Đúng", "Sai"],
            1,
            "Phong trào hướng tới toàn dân [2].",
            [2],
            False,
        ),
    ]
    return LessonPack(
        topic=NFD_TOPIC,
        audience="can-bo-xa",
        created="2025-06-01T20:30:00+00:00",  # 2 June in Viet Nam
        mode="extractive",
        key_points=points,
        faq=[FAQItem("Ai tham gia phong trào?", "Toàn dân, trước hết là cán bộ, đảng viên [2].", [2])],
        quiz=quiz,
        glossary=[GlossaryItem("CĐS", "chuyển đổi số"), GlossaryItem("BCĐ", "Ban Chỉ đạo")],
        sources=sources,
        warnings=["Chỉ tìm được 2 câu hỏi kiểm tra."],
    )


@pytest.fixture
def pack() -> LessonPack:
    return make_pack()


def test_markdown_has_note_sections_citations_and_sources(pack: LessonPack) -> None:
    md = render.to_markdown(pack)
    assert md == unicodedata.normalize("NFC", md)
    assert md.startswith("# Tài liệu sinh hoạt: Phong trào Bình dân học vụ số\n")
    assert "Dành cho: cán bộ cấp xã · Soạn ngày 02/06/2025" in md
    assert render.NOTE in md.split("## I.")[0]
    headings = ["## I. Những ý chính", "## II. Hỏi – đáp", "## III. Câu hỏi kiểm tra", "### Đáp án và giải thích"]
    headings += ["## IV. Thuật ngữ và chữ viết tắt", "## V. Nguồn trích dẫn"]
    positions = [md.index(h) for h in headings]
    assert positions == sorted(positions)
    assert all(p.text in md for p in pack.key_points)
    assert "**Câu 1.** Nghị quyết 57-NQ/TW" in md and "- A. 22/12/2024" in md and "- D. 30/04/2025" in md
    assert "**Câu 2.** Đúng hay sai? Phong trào chỉ dành cho học sinh." in md and "- Sai" in md
    assert "1. A. 22/12/2024 — Nghị quyết ban hành ngày 22/12/2024 [1]." in md
    assert "2. Sai — Phong trào hướng tới toàn dân [2]. (chưa đối chiếu" in md
    assert "| CĐS | chuyển đổi số |" in md
    assert "- [1] Nghị quyết về đột phá phát triển KHCN — 57-NQ/TW — 22/12/2024 — nq57.txt" in md
    assert "- [2] Kế hoạch Bình dân học vụ số — 03/2025 — kh-bdhvs.docx" in md
    assert "Chỉ tìm được 2 câu hỏi kiểm tra." in md


def test_json_round_trips_with_note_first(pack: LessonPack) -> None:
    data = json.loads(render.to_json(pack))
    assert list(data)[0] == "note" and data["note"] == render.NOTE
    expected = pack.to_dict()
    expected["topic"] = "Phong trào Bình dân học vụ số"  # NFC
    assert {k: v for k, v in data.items() if k != "note"} == expected
    assert data["audience_label"] == "cán bộ cấp xã"


def reopen(pack: LessonPack):
    return Document(io.BytesIO(word.to_docx(pack)))


def all_text(doc) -> str:
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_docx_reopens_with_headings_points_quiz_answers_and_sources(pack: LessonPack) -> None:
    doc = reopen(pack)
    paragraphs = doc.paragraphs
    assert paragraphs[0].style.name == "Title"
    assert paragraphs[0].text == "Tài liệu sinh hoạt: Phong trào Bình dân học vụ số"
    assert paragraphs[1].text == "Dành cho: cán bộ cấp xã · Soạn ngày 02/06/2025"
    assert render.NOTE in paragraphs[2].text
    headings = [p.text for p in paragraphs if p.style.name.startswith("Heading")]
    assert headings == [
        "I. Những ý chính",
        "II. Hỏi – đáp",
        "III. Câu hỏi kiểm tra",
        "Đáp án và giải thích",
        "IV. Thuật ngữ và chữ viết tắt",
        "V. Nguồn trích dẫn",
    ]
    numbered = [p.text for p in paragraphs if p.style.name == "List Number"]
    assert numbered == [p.text for p in pack.key_points]
    texts = [p.text for p in paragraphs]
    assert "Câu 1. Nghị quyết 57-NQ/TW được ban hành ngày nào?" in texts
    assert [t for t in texts if t[:3] in {"A. ", "B. ", "C. ", "D. "}] == [
        "A. 22/12/2024",
        "B. 01/01/2025",
        "C. 15/03/2025",
        "D. 30/04/2025",
    ]
    assert "Câu 2. Đúng hay sai? Phong trào chỉ dành cho học sinh." in texts
    assert "☐ Đúng" in texts and "☐ Sai" in texts
    assert "Câu 1: A. 22/12/2024 — Nghị quyết ban hành ngày 22/12/2024 [1]." in texts
    assert any(t.startswith("Câu 2: Sai — Phong trào hướng tới toàn dân [2].") and "cần rà soát" in t for t in texts)
    assert "Hỏi: Ai tham gia phong trào?" in texts
    assert "[1] Nghị quyết về đột phá phát triển KHCN — 57-NQ/TW — 22/12/2024 — nq57.txt" in texts
    assert "[2] Kế hoạch Bình dân học vụ số — 03/2025 — kh-bdhvs.docx" in texts
    text = all_text(doc)
    assert text == unicodedata.normalize("NFC", text)


def test_docx_glossary_is_a_table(pack: LessonPack) -> None:
    (table,) = reopen(pack).tables
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows == [["Viết tắt", "Nghĩa"], ["CĐS", "chuyển đổi số"], ["BCĐ", "Ban Chỉ đạo"]]


def test_docx_printable_a4_two_cm_times_new_roman(pack: LessonPack) -> None:
    doc = reopen(pack)
    section = doc.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    assert all(abs(m - Cm(2)) < Cm(0.01) for m in margins)
    for name in ("Normal", "Title", "Heading 1", "Heading 2"):
        fonts = doc.styles[name].element.rPr.rFonts
        slots = {slot: fonts.get(qn(f"w:{slot}")) for slot in ("ascii", "hAnsi", "eastAsia", "cs")}
        assert set(slots.values()) == {"Times New Roman"}, (name, slots)
        assert not any(key.lower().endswith("theme") for key in fonts.attrib), (name, fonts.attrib)
    assert doc.core_properties.title == "Tài liệu sinh hoạt: Phong trào Bình dân học vụ số"


def test_docx_control_characters_in_documents_do_not_break_it(pack: LessonPack) -> None:
    pack.key_points[0].text = "Văn bản có ký tự lạ\x0b\x01 giữa câu [1]."
    assert "Văn bản có ký tự lạ giữa câu [1]." in all_text(reopen(pack))


def test_docx_empty_sections_still_have_their_headings() -> None:
    empty = LessonPack(topic="Chủ đề", audience="nguoi-dan", created="2025-01-01T00:00:00Z", mode="extractive")
    doc = reopen(empty)
    assert "Dành cho: người dân · Soạn ngày 01/01/2025" in all_text(doc)
    assert sum(p.style.name.startswith("Heading") for p in doc.paragraphs) == 6


@pytest.mark.parametrize(
    ("topic", "ascii_name", "readable"),
    [
        (
            "Phong trào Bình dân học vụ số",
            "bai-soan-phong-trao-binh-dan-hoc-vu-so.docx",
            "Bài soạn - Phong trào Bình dân học vụ số.docx",
        ),
        ('Đề án 06/QĐ: "thí điểm"', "bai-soan-de-an-06-qd-thi-diem.docx", "Bài soạn - Đề án 06 QĐ thí điểm.docx"),
        ("???", "bai-soan-tai-lieu.docx", "Bài soạn - tài liệu.docx"),
    ],
)
def test_download_names_ascii_and_vietnamese(topic: str, ascii_name: str, readable: str) -> None:
    assert render.download_names(topic, "docx") == (ascii_name, readable)


def test_format_date_iso_month_and_other() -> None:
    assert [render.format_date(d) for d in ("2024-12-22", "2025-03", "năm 2025", None)] == [
        "22/12/2024",
        "03/2025",
        "năm 2025",
        "",
    ]
