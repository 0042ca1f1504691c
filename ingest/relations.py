"""The documents a document refers to, and how: it replaces, amends, implements, reports on, rests on or cites them.

Read once at ingest time, from what the header states (ingest.header: the "Căn cứ …" preamble, what the text
replaces or amends) and from the words in front of the numbers where a text says what it is for:
- implements — a plan, programme, decision or guidance whose subject carries out another text ("Chương trình hành
  động của Chính phủ thực hiện Nghị quyết số 57-NQ/TW", "Kế hoạch triển khai thực hiện Kết luận số …"), or whose
  body opens with "Thực hiện …" ("Thực hiện Quy định số 377-QĐ/TW …, Ban Tổ chức Trung ương hướng dẫn …");
- reports — a report, letter or news item about carrying one out ("dự thảo báo cáo kết quả thực hiện Nghị quyết số
  57-NQ/TW", "hội nghị sơ kết tình hình thực hiện Nghị quyết số 57-NQ/TW"), in its subject, title or lead;
- cites — every other formal document number in the text.
A document's own number is no reference. The result is stored in its record (DocumentMeta.references) and
resolved to documents, both ways, when an index is read (core.index.graph).
"""

from __future__ import annotations

import re

from core.docnumbers import document_keys, find_numbers, number_key, number_spans
from core.index.graph import RELATIONS, numbers_agree
from core.index.types import DocumentMeta

# Kinds that carry out other texts; any other kind (a report, a letter, news) can only report on one.
IMPLEMENTING_KINDS = frozenset(
    {
        "kế hoạch", "chương trình", "nghị quyết", "quyết định", "hướng dẫn", "chỉ thị", "kết luận", "đề án",
        "quy định", "quy chế", "nghị định", "thông tư", "thông tri",
    }
)  # fmt: skip

_CARRY_OUT = r"(?:triển khai|thực hiện|thi hành|cụ thể ho[áa]|quán triệt)"
# Between the verb and the number: the kind of the text named ("Nghị quyết", "Chương trình hành động") and "số";
# a word that starts a qualifier ("của", "ngày", "theo" …) means the number is not the verb's object.
_NAMED = r"(?:\s+(?!(?:của|ngày|theo|tại|bởi|và|về|với)\b)[^\W\d_]+){0,4}?\s*(?:số\s*:?\s*)?"
_IMPLEMENTS_RE = re.compile(rf"\b{_CARRY_OUT}{_NAMED}$", re.IGNORECASE)
_REPORTS_RE = re.compile(
    rf"\b(?:báo cáo|sơ kết|tổng kết|đánh giá|kiểm điểm)\b[^.;:]{{0,80}}?\b(?:{_CARRY_OUT}|việc){_NAMED}$",
    re.IGNORECASE,
)
_OPENING_RE = re.compile(r"^(?:-\s*)?Thực hiện\b")
_QUALIFIED_RE = re.compile(r"\b(?:theo|tại|bởi)\s+(?:[^\W\d_]+\s+){0,4}(?:số\s*:?\s*)?$", re.IGNORECASE)
_LOOK_BEHIND = 200  # characters before a number read for the phrase in front of it
_OPENING_LINES = 40  # lines after the header searched for the "Thực hiện …" opening
_SENTENCE_END_RE = re.compile(r"[.:]\s*(?:\n|$)|\n\s*\n")
_SENTENCE_MAX = 2000
_LEAD_MIN = 80  # a news paragraph at least this long is the lead


def extract_references(meta: DocumentMeta, text: str, body_start: int | None = None) -> list[dict[str, str]]:
    """The documents `meta`'s text refers to: [{"key", "number", "relation"}], strongest relation first.

    `body_start` is where an official text's body starts (after its header); None for news and other texts.
    """
    found: dict[str, str] = {}  # canonical number -> its strongest relation
    for relation, numbers in _classified(meta, text, body_start):
        for number in numbers:
            if not _is_own(number, meta):
                found.setdefault(number, relation)
    order = {number: i for i, number in enumerate(find_numbers(text))}
    ranked = sorted(found.items(), key=lambda item: (RELATIONS.index(item[1]), order.get(item[0], len(order))))
    return [{"key": number_key(number), "number": number, "relation": relation} for number, relation in ranked]


def _classified(meta: DocumentMeta, text: str, body_start: int | None) -> list[tuple[str, list[str]]]:
    """(relation, numbers) from the strongest relation to the weakest; later ones repeat earlier numbers."""
    stated = [meta.subject or meta.title] if body_start is not None else [meta.title, _lead(text)]
    implementing = meta.kind in IMPLEMENTING_KINDS
    implements = _after(_IMPLEMENTS_RE, stated) if implementing else []
    if implementing and body_start is not None:
        implements += _opening(text, body_start)
    return [
        ("replaces", meta.replaces),
        ("amends", meta.amends),
        ("implements", implements),
        ("reports", [] if implementing else _after(_REPORTS_RE, stated)),
        ("based_on", meta.based_on),
        ("cites", find_numbers(text)),
    ]


def _after(phrase: re.Pattern[str], texts: list[str]) -> list[str]:
    """The numbers in `texts` that stand right after `phrase` ("thực hiện Nghị quyết số" 57-NQ/TW)."""
    found = []
    for text in texts:
        for start, _end, number in number_spans(text):
            if phrase.search(text[max(0, start - _LOOK_BEHIND) : start]):
                found.append(number)
    return found


def _opening(text: str, body_start: int) -> list[str]:
    """The numbers of a "Thực hiện …" line opening the body (not those it qualifies: "… theo Nghị định số …")."""
    at = body_start
    for _ in range(_OPENING_LINES):
        end = text.find("\n", at)
        line = text[at : len(text) if end < 0 else end]
        if _OPENING_RE.match(line.strip()):
            sentence = text[at : _sentence_end(text, at)]
            return [n for start, _end, n in number_spans(sentence) if not _QUALIFIED_RE.search(sentence[:start])]
        if end < 0:
            break
        at = end + 1
    return []


def _sentence_end(text: str, start: int) -> int:
    """Where the sentence starting at `start` ends: a full stop closing a line, or a blank line (a line wrapped
    by the crawl continues the sentence)."""
    m = _SENTENCE_END_RE.search(text, start, start + _SENTENCE_MAX)
    return m.end() if m else min(len(text), start + _SENTENCE_MAX)


def _lead(text: str) -> str:
    """The lead paragraph of a news text: its first long paragraph near the top."""
    lines = [line.strip() for line in text.split("\n", 12)[:12]]
    return next((line for line in lines[1:] if len(line) >= _LEAD_MIN), "")


def _is_own(number: str, meta: DocumentMeta) -> bool:
    """The document's own number, however the text writes it."""
    return number_key(number) in document_keys(meta.number, meta.kind) and numbers_agree(number, meta.number)
