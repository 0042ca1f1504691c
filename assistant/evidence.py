"""What counts as evidence for an answer: the asked type of value, the counted unit, the names of the question.

Pure text checks, shared by the extractive answerer (and, later, the checks on LLM answers).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from core.docnumbers import number_key, number_spans
from core.vntext import ABBREVIATIONS, fold, syllables

if TYPE_CHECKING:
    from assistant.query import Query
    from core.index.reader import IndexReader

_DATE = re.compile(
    r"(\b(ngày|sáng|chiều|tối|trưa)\s+)?\b\d{1,2}\s*[-/.]\s*\d{1,2}(\s*[-/.]\s*\d{2,4})?\b(?!\s*%)"
    r"|\bngày\s+\d{1,2}(\s+tháng\s+\d{1,2}(\s+năm\s+\d{4})?)?\b"
    r"|\btháng\s+\d{1,2}(\s*[-/]\s*\d{4}|\s+năm\s+\d{4})?\b|\bnăm\s+\d{4}\b|\bquý\s+[IV]+(-\d{4})?\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\b\d+([.,]\d+)*\s*(%|phần trăm|xã|phường|tỉnh|người|nhiệm vụ|tỷ|triệu)?", re.IGNORECASE)
_PERSON = re.compile(
    r"\b(đồng chí|Bí thư|Chủ tịch|Phó|Trưởng|Tổng Bí thư|Thủ tướng|Sở|Ban|Bộ|Văn phòng|UBND|HĐND|Ủy ban)\b"
)
TYPE_PATTERNS = {"date": _DATE, "number": _NUMBER, "person": _PERSON}


def has_answer_type(text: str, query: Query) -> bool:
    """Does the sentence hold the kind of value asked for (a date, a number, a person), new to the question?"""
    pattern = TYPE_PATTERNS.get(query.qtype)
    if pattern is None:
        return False
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


_UNIT_ALIASES = {
    "phan tram": r"(%|phần trăm)", "tien": r"(tỷ|triệu|nghìn|đồng)", "kinh phi": r"(tỷ|triệu|đồng)",
    "ty dong": r"tỷ", "trieu dong": r"triệu",
}  # fmt: skip
_HOW_MANY = re.compile(r"\b(?:bao nhieu|may)\s+(\w+(?:\s\w+)?)")


def asked_unit(question: str) -> str | None:
    """The thing counted in "bao nhiêu <unit>" ("nhiệm vụ", "phần trăm"), folded, or None."""
    match = _HOW_MANY.search(fold(question.lower()))
    if not match:
        return None
    words = match.group(1).split()
    if " ".join(words) in _UNIT_ALIASES or words[0] in _UNIT_ALIASES:
        return " ".join(words) if " ".join(words) in _UNIT_ALIASES else words[0]
    if words[0] in {"lau", "nhieu", "la", "thi", "nam", "ngay", "thang", "lan"} or words[0].isdigit():
        return None  # "bao nhiêu lâu", "là bao nhiêu": no countable unit named
    return " ".join(words)


def counts_unit(text: str, query: Query) -> bool:
    unit = asked_unit(query.text)
    if unit is None:
        return False
    folded = fold(text.lower())
    alias = _UNIT_ALIASES.get(unit)
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


# Capitalised words that are titles, bodies or sentence openers, not names (compared lowercase, accented:
# "tổ" is generic, the surname "Tô" is not).
_GENERIC = frozenset(
    """ban chỉ đạo bộ chính trị tỉnh ủy uỷ đảng bí thư chủ tịch hội nghị kế hoạch quyết định phó trưởng thường
    trực sở văn phòng trung ương nhà nước quốc hội phủ tổng thủ tướng đoàn mặt trận tổ việt nam phiên họp
    thành viên khoa học công nghệ đổi mới sáng tạo chuyển đổi đại biểu nhân dân theo ai gì nào thế còn
    đồng chí xã phường huyện thành phố khi trong trước sau ở người tại với của và những các một vậy nếu để
    dữ liệu hỏi cho biết có là đã được các""".split()
)


def question_names(text: str) -> list[str]:
    """Proper names in a question (places, people): runs of capitalised syllables, not generic titles."""
    runs: list[list[str]] = [[]]
    for word in re.findall(r"\w+|[^\w\s]", text):  # punctuation ends a name: "Thái Nguyên? Các …"
        if word[0].isalpha() and word[0].isupper() and not word.isupper():
            runs[-1].append(word)
        elif runs[-1]:
            runs.append([])
    names = []
    for run in runs:
        while run and run[0].lower() in _GENERIC:  # "Khi Gia Lai" -> "Gia Lai"
            run = run[1:]
        if len(run) >= 2 and any(w.lower() not in _GENERIC for w in run):
            names.append(" ".join(run))
    return names


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


# "Phiên họp thứ hai", "lần thứ ba", "quý IV": an ordinal the question asks about must stand in the answer's
# sentence, title or section — "phiên họp thứ nhất" does not answer a question about the second session.
_ORDINAL = re.compile(r"\b(?:thu\s+(?:nhat|hai|ba|tu|nam|sau|bay|tam|chin|muoi|\d+)|quy\s+(?:iv|i{1,3}|[1-4]))\b")
# Roles a person question can ask for ("Ai là Giám đốc Sở …?", "Ai đồng chủ trì …?"), folded, longest first.
_ROLES = (
    "pho chu tich", "chu tich", "pho bi thu", "tong bi thu", "bi thu", "pho truong ban", "truong ban",
    "pho giam doc", "giam doc", "chanh van phong", "bo truong", "thu truong", "thu tuong", "dong chu tri",
)  # fmt: skip


def required_phrases(query: Query) -> list[str]:
    """Folded phrases an answer sentence (with its title and section) must hold.

    Only what the question asks for, not what it uses to point at its subject: the ordinal of a date
    question ("Phiên họp thứ hai … khi nào?") and the role of a person question ("Ai là Giám đốc Sở …?",
    "Ai đồng chủ trì …?", "Chủ tịch UBND tỉnh … là ai?").
    """
    folded = " ".join(fold(s) for s in syllables(query.asked))  # not the previous turn a follow-up carries
    phrases = [m.group(0) for m in _ORDINAL.finditer(folded)] if query.qtype == "date" else []
    if query.qtype == "person":
        for role in _ROLES:
            if re.search(rf"\bai\s+(?:la\s+)?{role}\b", folded) or re.match(rf"{role}\b.*\bla ai\b", folded):
                phrases.append(role)
                break
    return phrases


def holds_phrases(text: str, phrases: list[str]) -> bool:
    folded = " ".join(fold(s) for s in syllables(text))
    return all(re.search(rf"\b{re.escape(p)}\b", folded) for p in phrases)


def names_document(text: str, query: Query) -> bool:
    """Does the text name one of the documents the question gives by number (57-NQ/TW, 71-NQ/CP…)?"""
    return any(number_key(canonical) in query.number_keys for _s, _e, canonical in number_spans(text))
