"""A lesson pack as a printable Word document (A4, 2 cm margins, Times New Roman), with python-docx."""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph

from assistant.material.render import (
    FONT,
    HEADINGS,
    NOTE,
    answer_line,
    option_label,
    source_line,
    subtitle,
    title,
    xml_safe,
)
from assistant.material.types import LessonPack


def to_docx(pack: LessonPack) -> bytes:
    """The pack as a printable Word document: A4, 2 cm margins, Times New Roman."""
    doc = Document()
    _page_setup(doc)
    doc.core_properties.title = xml_safe(title(pack))
    doc.core_properties.author = "Trợ lý Nghị quyết"
    doc.core_properties.language = "vi-VN"
    doc.add_heading(xml_safe(title(pack)), level=0)
    doc.add_paragraph(xml_safe(subtitle(pack)), style="Subtitle")
    note = doc.add_paragraph()
    note.add_run("Lưu ý: ").bold = True
    note.add_run(NOTE).italic = True
    for warning in pack.warnings:
        doc.add_paragraph(xml_safe(warning), style="List Bullet")
    doc.add_heading(HEADINGS["points"], level=1)
    for point in pack.key_points:
        doc.add_paragraph(xml_safe(point.text), style="List Number")
    _faq(doc, pack)
    _quiz(doc, pack)
    _glossary(doc, pack)
    doc.add_heading(HEADINGS["sources"], level=1)
    for source in pack.sources:
        paragraph = doc.add_paragraph()
        paragraph.add_run(f"[{source.n}] ").bold = True
        paragraph.add_run(xml_safe(source_line(source)))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _faq(doc: DocxDocument, pack: LessonPack) -> None:
    doc.add_heading(HEADINGS["faq"], level=1)
    for item in pack.faq:
        question = doc.add_paragraph()
        question.add_run("Hỏi: ").bold = True
        question.add_run(xml_safe(item.question)).bold = True
        answer = doc.add_paragraph()
        answer.add_run("Đáp: ").bold = True
        answer.add_run(xml_safe(item.answer))


def _quiz(doc: DocxDocument, pack: LessonPack) -> None:
    doc.add_heading(HEADINGS["quiz"], level=1)
    for i, item in enumerate(pack.quiz, 1):
        question = doc.add_paragraph()
        question.paragraph_format.keep_with_next = True
        question.add_run(f"Câu {i}. ").bold = True
        question.add_run(xml_safe(item.question))
        for j, option in enumerate(item.options):
            line = doc.add_paragraph(xml_safe(f"{option_label(item, j) or '☐ '}{option}"))
            line.paragraph_format.left_indent = Cm(1)
            line.paragraph_format.space_after = Pt(0)
            line.paragraph_format.keep_with_next = j < len(item.options) - 1
    doc.add_heading(HEADINGS["answers"], level=2)
    for i, item in enumerate(pack.quiz, 1):
        paragraph = doc.add_paragraph()
        paragraph.add_run(f"Câu {i}: ").bold = True
        paragraph.add_run(xml_safe(answer_line(item)))


def _glossary(doc: DocxDocument, pack: LessonPack) -> None:
    doc.add_heading(HEADINGS["glossary"], level=1)
    table = doc.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("Viết tắt", "Nghĩa"), strict=True):
        cell.paragraphs[0].add_run(text).bold = True
    for item in pack.glossary:
        row = table.add_row().cells
        row[0].text, row[1].text = xml_safe(item.term), xml_safe(item.meaning)


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
