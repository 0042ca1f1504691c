"""What counts as evidence for an answer: does a sentence hold the asked type of value, the counted unit, the
document the question names? Pure text checks on the answer side; the question's own features are in its Query.
"""

from __future__ import annotations

import re

from assistant.understand.features import DURATION, DURATION_UNITS, UNIT_ALIASES, question_names
from assistant.understand.query import Query
from core.docnumbers import number_key, number_spans
from core.index.reader import IndexReader
from core.vntext import ABBREVIATIONS, expand_abbreviations, fold, syllables

_DATE = re.compile(
    r"(\b(ngày|sáng|chiều|tối|trưa)\s+)?\b\d{1,2}\s*[-/.]\s*\d{1,2}(\s*[-/.]\s*\d{2,4})?\b(?!\s*%)"
    r"|\bngày\s+\d{1,2}(\s+tháng\s+\d{1,2}(\s+năm\s+\d{4})?)?\b"
    r"|\btháng\s+\d{1,2}(\s*[-/]\s*\d{4}|\s+năm\s+\d{4})?\b|\bnăm\s+\d{4}\b|\bquý\s+[IV]+(-\d{4})?\b"
    r"|\bmồng\s+\d{1,2}\b"
    r"|(?<![\d/.-])\d{1,2}\s*/\s*(19|20)\d{2}\b"  # a month: "6/2025" in a task table
    r"|(?<=:\s)(19|20)\d{2}\b",  # a year as a table value: "Thời gian hoàn thành: 2027"
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\b\d+([.,]\d+)*\s*(%|phần trăm|xã|phường|tỉnh|người|nhiệm vụ|tỷ|triệu)?"
    # a duration in words: "ít nhất một năm", "trong ba tháng"
    r"|\b(một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười)\s+(năm|tháng|ngày|tuần|giờ)\b",
    re.IGNORECASE,
)
_PERSON = re.compile(
    r"\b(đồng chí|Bí thư|Chủ tịch|Phó|Trưởng|Tổng Bí thư|Thủ tướng|Sở|Ban|Bộ|Văn phòng|UBND|HĐND|Ủy ban"
    # bodies that answer "cơ quan nào" by name (not "Chính phủ" or "Quốc hội": nearly every sentence says them)
    r"|Ngân hàng Nhà nước|Tổng cục|Cục|Viện|Tòa án|Kiểm toán Nhà nước|Bảo hiểm xã hội Việt Nam|Mặt trận Tổ quốc"
    r"|Thông tấn xã|Đài Truyền hình|Đài Tiếng nói"
    # Party organs: "Đảng ủy Quốc hội tiếp tục chỉ đạo …", "Ban cán sự đảng Chính phủ", "Tỉnh ủy"
    r"|Đảng (?:ủy|uỷ)|Đảng đoàn|Đảng bộ|Ban cán sự|(?:Tỉnh|Thành|Huyện) (?:ủy|uỷ))\b"
)
# A list label or bullet opening a line ("1.", "a)", "II-", "- "): structure, not content.
LIST_PREFIX = re.compile(r"^\s*(?:[-–•+*]\s*|[a-zđ][)]\s*|\d{1,3}(?:\.\d{1,3})*[.)]\s*|[IVXLC]{1,5}[.)-]\s*)")
TYPE_PATTERNS = {"date": _DATE, "number": _NUMBER, "person": _PERSON}


def has_answer_type(text: str, query: Query) -> bool:
    """Does the sentence hold the kind of value asked for (a date, a number, a person), new to the question?"""
    pattern = TYPE_PATTERNS.get(query.qtype)
    if pattern is None:
        return False
    if query.qtype == "person" and query.wants_name:  # a person by name, not a body that acts
        return any(all(name not in a and a not in name for a in query.mentioned) for name in question_names(text))
    taken = [(a, b) for a, b, _ in number_spans(text)]
    asked = set(re.findall(r"\d+", query.text))
    if query.qtype == "number":  # a quantity, not the digits of a date
        taken += [m.span() for m in _DATE.finditer(text)]
    for match in pattern.finditer(text):
        inside_number = any(a <= match.start() < b for a, b in taken)
        digits = set(re.findall(r"\d+", match.group(0)))
        if not inside_number and (not digits or not digits <= asked):
            return True
    return False


# A length of time: a number (in digits or words) and a unit of time not followed by another number (a date's
# "15 tháng 7 năm 2025" is not one).
_COUNT_WORDS = r"\d+(?:[.,]\d+)?|mot|hai|ba|bon|tu|nam|sau|bay|tam|chin|muoi(?: \w+)?"
_DURATION_RE = {
    unit: re.compile(rf"\b(?:{_COUNT_WORDS})\s+(?:{words})\b(?!\s*(?:\d|nam \d))")
    for unit, words in [*((u, u) for u in DURATION_UNITS), (DURATION, "|".join(DURATION_UNITS))]
}  # "bao nhiêu ngày": days only; "bao lâu" (DURATION): any unit of time


def counts_unit(text: str, query: Query) -> bool:
    unit = query.unit
    if unit is None:
        return False
    folded = fold(LIST_PREFIX.sub("", text).lower())  # "1. Thành lập …": a list label counts nothing
    if unit == DURATION or unit in DURATION_UNITS:  # "bao lâu", "bao nhiêu ngày"
        return _DURATION_RE[unit].search(folded) is not None
    alias = UNIT_ALIASES.get(unit)
    named = re.escape(unit) + (f"|{fold(alias)}" if alias else "")  # an alias is a pattern: "(%|phần trăm)"
    if re.search(rf"\bdon vi\s*:\s*(?:{named})", folded) and re.search(r"\d", folded):
        return True  # a table row: "Đơn vị: Tuyến cáp quang biển; Kết quả: 09", "Đơn vị: % dân số; Kết quả: 99"
    if alias:
        return re.search(r"\d[\d.,]*\s*" + fold(alias), folded) is not None
    firsts = {unit.split()[0]}
    expansion = ABBREVIATIONS.get(unit.split()[0])
    if expansion:  # "bao nhiêu CBCCVC" is answered by "7.400 cán bộ, công chức, viên chức"
        firsts.add(fold(expansion.split()[0]))
    unit_words = re.escape(unit)
    if re.search(rf"\b{unit_words}\s+(?:\w+\s+)?\d", folded):  # "các điểm cầu 34 tỉnh"
        return True
    return any(
        re.search(rf"\d[\d.,]*\s+(?:\w+\s+){{0,2}}?{re.escape(first)}\b", folded) is not None for first in firsts
    )


def issued_on(text: str, query: Query) -> bool:
    for _start, end, canonical in number_spans(text):
        if number_key(canonical) in query.number_keys and _DATE.search(text[end : end + 40]):
            return True
    return False


def known_places(query: Query, index: IndexReader) -> set[str]:
    """Places of the corpus named in the question, also when typed without diacritics ("xa ia ko")."""
    folded = f" {' '.join(fold(s) for s in syllables(query.text))} "
    found = set()
    for record in index.documents.values():
        for place in record.meta.places:
            name = " ".join(fold(s) for s in syllables(place)[1:])  # "tỉnh Gia Lai" -> "gia lai"
            if len(name) > 3 and f" {name} " in folded:
                found.add(name)
    return found


def holds_phrases(text: str, phrases: list[str]) -> bool:
    """Does the text hold each phrase, its abbreviations read in full ("Đề án CĐS" holds "de an chuyen doi so")?"""
    words = [ABBREVIATIONS.get(w.lower()) or ABBREVIATIONS.get(fold(w.lower())) or w for w in syllables(text)]
    folded = " ".join(fold(s) for s in syllables(" ".join(words)))
    return all(re.search(rf"\b{re.escape(p)}\b", folded) for p in phrases)


def names_document(text: str, query: Query) -> bool:
    """Does the text name one of the documents the question gives by number (57-NQ/TW, 71-NQ/CP…)?"""
    return any(number_key(canonical) in query.number_keys for _s, _e, canonical in number_spans(text))


def mentions_bodies(text: str, bodies: list[str]) -> bool:
    """Does the text name every body of the question ("Bộ Nội vụ", "Sở KH&CN"), in any of its usual spellings?

    Both sides are read the same way: folded, abbreviations expanded ("Sở KH&CN" is "Sở Khoa học và Công nghệ"),
    a place word after the head dropped ("Sở Tài chính tỉnh" / "Sở tỉnh …"); a body matches on its head and the
    first word of its name.
    """
    folded = _body_text(text)
    for body in bodies:
        key = " ".join(_body_text(body).split()[:2])
        if not re.search(rf"\b{re.escape(key)}\b", folded):
            return False
    return True


def _body_text(text: str) -> str:
    folded = fold(text).lower()
    for short in (a for a in ABBREVIATIONS if "&" in a):  # "KH&CN": the word splitter would cut it at "&"
        folded = folded.replace(fold(short), fold(ABBREVIATIONS[short]))
    folded = re.sub(r"\(|\)", " ", fold(expand_abbreviations(folded)).lower())
    folded = re.sub(r"\b(so|bo|cuc|van phong|trung tam|ban) (?:tinh|thanh pho|xa|phuong) ", r"\1 ", folded)
    return re.sub(r"\s+", " ", folded)


def mentions_periods(text: str, periods: list[tuple[str, str]]) -> bool:
    """Does the text speak of each year range of the question ("2021–2025", "2021-2025", "2021 - 2025")?"""
    return all(re.search(rf"\b{first}\s*[-–—/]\s*{last}\b", text) for first, last in periods)


def mentions_months(text: str, months: list[tuple[str, str]]) -> bool:
    """Does the text speak of each month of the question ("9/2025", "tháng 9 năm 2025", "T9/2025")?"""
    return all(
        re.search(rf"(?<!\d)0?{m}\s*[/-]\s*{y}\b|tháng\s*0?{m}\s*(?:năm\s*)?[/-]?\s*{y}\b", text, re.IGNORECASE)
        for m, y in months
    )


# Two kinds of public servant the law keeps apart (Luật Cán bộ, công chức and Luật Viên chức, each with its own
# discipline, recruitment and pay rules): a rule for one does not answer a question about the other.
_SERVANTS = ("công chức", "viên chức")


def mentions_servants(text: str, question: str) -> bool:
    """ "viên chức vi phạm lần đầu bị kỷ luật thế nào?" is not answered by the rule "đối với cán bộ, công chức": a
    text naming one kind of servant answers for that kind only; a text naming none applies to whom its part is
    about."""
    asked = {kind for kind in _SERVANTS if re.search(rf"\b{kind}\b", question, re.IGNORECASE)}
    said = {kind for kind in _SERVANTS if re.search(rf"\b{kind}\b", text, re.IGNORECASE)}
    return not asked or not said or bool(asked & said)


# When a question asks a deadline or the date a text takes effect, a date that stands for something else (the
# date of a cited document, of a meeting) is no answer.
_DEADLINE = re.compile(
    r"\b(?:trước|chậm nhất|hạn chót|thời hạn|hoàn thành|trong)\b[\s:]*(?:(?:đến|vào|là|hết)\s+)*"
    r"(?:(?:\d{1,2}\s*(?:h|giờ)\s*\d{0,2}|ngày|tháng|quý|năm)\s*)*\d",
    re.IGNORECASE,
)


def answers_when(text: str, query: Query) -> bool:
    """Does the sentence give the kind of date asked: a deadline ("trước 20h00 ngày 25 tháng 5 năm 2025",
    "Thời gian hoàn thành: 7/2025"), or the taking effect ("có hiệu lực …")? Other date questions: any date."""
    if query.wants_effect and not re.search(r"hiệu lực", text, re.IGNORECASE):
        return False
    return not query.wants_deadline or bool(_DEADLINE.search(text))
