"""A lesson pack as Markdown, DOCX (printable A4) and JSON; every format opens with the review note."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph

from assistant.material.types import LessonPack, QuizItem, SourceRef
from core.vntext import fold, nfc

NOTE = "Bản nháp do Trợ lý Nghị quyết soạn từ tài liệu; người tập huấn cần rà soát trước khi sử dụng."
HEADINGS = {
    "points": "I. Những ý chính",
    "faq": "II. Hỏi – đáp",
    "quiz": "III. Câu hỏi kiểm tra",
    "answers": "Đáp án và giải thích",
    "glossary": "IV. Thuật ngữ và chữ viết tắt",
    "sources": "V. Nguồn trích dẫn",
}
LETTERS = "ABCD"
UNVERIFIED = "(chưa đối chiếu được đáp án trong đoạn trích — cần rà soát)"
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # lxml refuses these
FONT = "Times New Roman"  # has every Vietnamese glyph, on every office machine
VIETNAM = timezone(timedelta(hours=7))  # no daylight saving
MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def render_as(pack: LessonPack, fmt: str) -> str | bytes:
    """The pack as "md", "json" (text) or "docx" (bytes)."""
    if fmt == "docx":
        return to_docx(pack)
    return to_json(pack) if fmt == "json" else to_markdown(pack)


def title(pack: LessonPack) -> str:
    return f"Tài liệu sinh hoạt: {pack.topic}"


def subtitle(pack: LessonPack) -> str:
    return f"Dành cho: {pack.audience_label} · Soạn ngày {_created_day(pack.created)}"


def source_line(source: SourceRef) -> str:
    """ "title — số hiệu — ngày — tệp", leaving out what the document does not have."""
    parts = [source.title or source.doc_id, ", ".join(source.numbers), format_date(source.date), source.source]
    return " — ".join(p for p in parts if p)


def format_date(value: str | None) -> str:
    """ISO "2024-12-22" -> "22/12/2024", "2024-12" -> "12/2024"; anything else unchanged."""
    match = re.match(r"(\d{4})-(\d{2})(?:-(\d{2}))?", value or "")
    if not match:
        return value or ""
    year, month, day = match.groups()
    return f"{day}/{month}/{year}" if day else f"{month}/{year}"


def answer_line(item: QuizItem) -> str:
    """ "B. <option> — <explanation>" (or "Sai — …"), flagged when the answer was not found in its passage."""
    option = item.options[item.correct]
    choice = f"{LETTERS[item.correct]}. {option}" if item.kind == "mcq" else option
    line = f"{choice} — {item.explanation}" if item.explanation else choice
    return line if item.verified else f"{line} {UNVERIFIED}"


def slug(topic: str, limit: int = 60) -> str:
    """An ASCII file-name slug: "Bình dân học vụ số" -> "binh-dan-hoc-vu-so"."""
    ascii_text = fold(nfc(topic)).encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return words[:limit].rstrip("-") or "tai-lieu"


def download_names(topic: str, ext: str) -> tuple[str, str]:
    """(ASCII name, Vietnamese name) of the downloaded file, safe on every file system."""
    readable = re.sub(r'[\\/:*?"<>|\x00-\x1f\x7f]+', " ", nfc(topic))
    readable = " ".join(readable.split())[:80].strip() or "tài liệu"
    return f"bai-soan-{slug(topic)}.{ext}", f"Bài soạn - {readable}.{ext}"


# ---------------------------------------------------------------- Markdown and JSON


def to_markdown(pack: LessonPack) -> str:
    """The pack as Markdown: the note, then sections I–V."""
    lines = [f"# {title(pack)}", "", f"*{subtitle(pack)}*", "", f"> **Lưu ý:** {NOTE}", ""]
    lines += [f"> - {w}" for w in pack.warnings] + ([""] if pack.warnings else [])
    lines += [f"## {HEADINGS['points']}", ""]
    lines += [f"{i}. {p.text}" for i, p in enumerate(pack.key_points, 1)] + [""]
    lines += [f"## {HEADINGS['faq']}", ""]
    for faq in pack.faq:
        lines += [f"**Hỏi:** {faq.question}", "", f"**Đáp:** {faq.answer}", ""]
    lines += _markdown_quiz(pack.quiz)
    lines += [f"## {HEADINGS['glossary']}", "", "| Viết tắt | Nghĩa |", "|---|---|"]
    lines += [f"| {_cell(g.term)} | {_cell(g.meaning)} |" for g in pack.glossary] + [""]
    lines += [f"## {HEADINGS['sources']}", ""]
    lines += [f"- [{s.n}] {source_line(s)}" for s in pack.sources]
    return nfc("\n".join(lines).rstrip() + "\n")


def to_json(pack: LessonPack) -> str:
    """The pack as JSON: the note, then LessonPack.to_dict(); NFC."""
    return json.dumps(to_data(pack), ensure_ascii=False, indent=2)


def to_data(pack: LessonPack) -> dict[str, Any]:
    """LessonPack.to_dict() with the review note first, every string NFC (what JSON and the API return)."""
    return _nfc_strings({"note": NOTE, **pack.to_dict()})


def _nfc_strings(value: Any) -> Any:
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, dict):
        return {key: _nfc_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_nfc_strings(item) for item in value]
    return value


def _markdown_quiz(quiz: list[QuizItem]) -> list[str]:
    lines = [f"## {HEADINGS['quiz']}", ""]
    for i, item in enumerate(quiz, 1):
        lines += [f"**Câu {i}.** {item.question}", ""]
        lines += [f"- {_option_label(item, j)}{option}" for j, option in enumerate(item.options)] + [""]
    lines += [f"### {HEADINGS['answers']}", ""]
    return lines + [f"{i}. {answer_line(item)}" for i, item in enumerate(quiz, 1)] + [""]


def _option_label(item: QuizItem, index: int) -> str:
    return f"{LETTERS[index]}. " if item.kind == "mcq" else ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _text(text: str) -> str:
    return _NOT_XML.sub("", nfc(text))


def _created_day(created: str) -> str:
    try:
        moment = datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        return created
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y")


# ---------------------------------------------------------------- DOCX


def to_docx(pack: LessonPack) -> bytes:
    """The pack as a printable Word document: A4, 2 cm margins, Times New Roman."""
    doc = Document()
    _page_setup(doc)
    doc.core_properties.title = _text(title(pack))
    doc.core_properties.author = "Trợ lý Nghị quyết"
    doc.core_properties.language = "vi-VN"
    doc.add_heading(_text(title(pack)), level=0)
    doc.add_paragraph(_text(subtitle(pack)), style="Subtitle")
    note = doc.add_paragraph()
    note.add_run("Lưu ý: ").bold = True
    note.add_run(NOTE).italic = True
    for warning in pack.warnings:
        doc.add_paragraph(_text(warning), style="List Bullet")
    doc.add_heading(HEADINGS["points"], level=1)
    for point in pack.key_points:
        doc.add_paragraph(_text(point.text), style="List Number")
    _faq(doc, pack)
    _quiz(doc, pack)
    _glossary(doc, pack)
    doc.add_heading(HEADINGS["sources"], level=1)
    for source in pack.sources:
        paragraph = doc.add_paragraph()
        paragraph.add_run(f"[{source.n}] ").bold = True
        paragraph.add_run(_text(source_line(source)))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _faq(doc: DocxDocument, pack: LessonPack) -> None:
    doc.add_heading(HEADINGS["faq"], level=1)
    for item in pack.faq:
        question = doc.add_paragraph()
        question.add_run("Hỏi: ").bold = True
        question.add_run(_text(item.question)).bold = True
        answer = doc.add_paragraph()
        answer.add_run("Đáp: ").bold = True
        answer.add_run(_text(item.answer))


def _quiz(doc: DocxDocument, pack: LessonPack) -> None:
    doc.add_heading(HEADINGS["quiz"], level=1)
    for i, item in enumerate(pack.quiz, 1):
        question = doc.add_paragraph()
        question.paragraph_format.keep_with_next = True
        question.add_run(f"Câu {i}. ").bold = True
        question.add_run(_text(item.question))
        for j, option in enumerate(item.options):
            line = doc.add_paragraph(_text(f"{_option_label(item, j) or '☐ '}{option}"))
            line.paragraph_format.left_indent = Cm(1)
            line.paragraph_format.space_after = Pt(0)
            line.paragraph_format.keep_with_next = j < len(item.options) - 1
    doc.add_heading(HEADINGS["answers"], level=2)
    for i, item in enumerate(pack.quiz, 1):
        paragraph = doc.add_paragraph()
        paragraph.add_run(f"Câu {i}: ").bold = True
        paragraph.add_run(_text(answer_line(item)))


def _glossary(doc: DocxDocument, pack: LessonPack) -> None:
    doc.add_heading(HEADINGS["glossary"], level=1)
    table = doc.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("Viết tắt", "Nghĩa"), strict=True):
        cell.paragraphs[0].add_run(text).bold = True
    for item in pack.glossary:
        row = table.add_row().cells
        row[0].text, row[1].text = _text(item.term), _text(item.meaning)


def _page_setup(doc: DocxDocument) -> None:
    for section in doc.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin = section.bottom_margin = Cm(2)
        section.left_margin = section.right_margin = Cm(2)
        _page_number_footer(section.footer.paragraphs[0])
    styles = doc.styles
    styles["Normal"].font.size = Pt(13)
    for name, size in (("Title", 20), ("Subtitle", 13), ("Heading 1", 15), ("Heading 2", 13)):
        styles[name].font.size = Pt(size)
        styles[name].font.color.rgb = RGBColor(0, 0, 0)
    for name in ("Normal", "Title", "Subtitle", "Heading 1", "Heading 2", "List Number", "List Bullet"):
        _set_font(styles[name])


def _set_font(style: ParagraphStyle) -> None:
    """Times New Roman for every script slot, replacing theme fonts (which would win over the names)."""
    style.font.name = FONT
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    for slot in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{slot}"), FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "vi-VN")


def _page_number_footer(paragraph: Paragraph) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("Trang ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
