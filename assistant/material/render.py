"""A lesson pack as Markdown and JSON, and the text helpers the Word rendering shares; every format opens with
the review note. The DOCX itself is assistant/material/word.py (python-docx loads only when a DOCX is asked for).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

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


def title(pack: LessonPack) -> str:
    return f"Tài liệu sinh hoạt: {pack.topic}"


def subtitle(pack: LessonPack) -> str:
    return f"Dành cho: {pack.audience_label} · Soạn ngày {created_day(pack.created)}"


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
        lines += [f"- {option_label(item, j)}{option}" for j, option in enumerate(item.options)] + [""]
    lines += [f"### {HEADINGS['answers']}", ""]
    return lines + [f"{i}. {answer_line(item)}" for i, item in enumerate(quiz, 1)] + [""]


def option_label(item: QuizItem, index: int) -> str:
    return f"{LETTERS[index]}. " if item.kind == "mcq" else ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("", nfc(text))


def created_day(created: str) -> str:
    try:
        moment = datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        return created
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y")
