"""Query understanding: normalise, detect what is asked, expand abbreviations, pull out document numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.understand.features import (
    POSTS,
    asked_unit,
    asks_deadline,
    asks_document_number,
    asks_effect,
    asks_name,
    counted_qualifiers,
    fold_asked,
    question_bodies,
    question_months,
    question_names,
    question_periods,
    required_phrases,
)
from core.docnumbers import find_numbers, query_numbers
from core.vntext import expand_abbreviations, fold, has_diacritics, nfc, syllables

# Patterns are matched on the folded, lowercased question so they work with or without diacritics.
_QTYPES: list[tuple[str, re.Pattern[str]]] = [
    (
        "date",
        re.compile(
            r"\b(ngay nao|khi nao|bao gio|thoi gian nao|thoi diem nao|nam nao|thang nao|ngay bao nhieu"
            r"|vao ngay|when|what date|which date|what year)\b"
        ),
    ),
    (
        "number",
        re.compile(
            r"\b(bao nhieu|bao lau|thu may|may (xa|tinh|nhiem vu|chi tieu|noi dung|diem|van ban)|ty le|so luong"
            r"|how many|how much|what percentage|what share)\b"
        ),
    ),
    (
        "list",
        re.compile(
            r"\b(nhung( \w+){0,4} nao|nhung (gi|noi dung|nhiem vu|giai phap|van ban|chi tieu)|gom nhung|bao gom"
            r"|cac( \w+){1,4} nao|nhiem vu gi|giai phap gi|what are|which tasks|list)\b"
        ),
    ),
    (
        "person",
        re.compile(
            r"(^|\s)(ai|nguoi nao|dong chi nao|co quan nao|don vi nao|to chuc nao|(?<!van )ban nao|bo nao"
            rf"|so nao|cap nao|({POSTS}) nao)"
            r"(\s|\?|$)|\b(who|which agency|which body|which organi[sz]ation|which (senior )?(leaders?|officials?))\b"
        ),
    ),
    (
        "yesno",
        re.compile(r"\b(co phai|phai khong|dung khong|hay khong|is it|does|did|was)\b|\bco \w+.* (khong|chua)\s*\??$"),
    ),
]

# Words of an English rendering of a Vietnamese body or text: a capitalised run holding one is no Vietnamese name.
_ENGLISH_INSTITUTIONS = frozenset(
    "central steering committee government ministry resolution national party council office department province "
    "provincial agency people's assembly prime minister general secretary politburo state bank action programme "
    "program plan decree law science technology innovation digital transformation official letter customs tax "
    "standing politburo's government's ministry's".split()
)


_SET_ASIDE = r"\b(?:besides|apart from|other than|except|ngoài|bên cạnh|trừ)\b[^,;?]{0,40}?"


def _vietnamese_names(names: list[str]) -> list[str]:
    """Of the capitalised runs of an English question, the Vietnamese names: "General Secretary Tô Lâm" → "Tô Lâm",
    "Central Steering Committee" → nothing."""
    out = []
    for name in names:
        words = name.split()
        cut = max((i + 1 for i, w in enumerate(words) if w.lower() in _ENGLISH_INSTITUTIONS), default=0)
        if len(words) - cut >= 2:
            out.append(" ".join(words[cut:]))
    return out


_ENGLISH = frozenset(
    "the what when who which how is are was were does did of in on to for by a an and with resolution "
    "issued date plan province committee steering many much it its this that there has have whose where "
    "why chaired chair meeting decision tasks task first".split()
)
# Vietnamese function words typed without accents; a question with more of these than English words is
# Vietnamese ("ai chu tri phien hop").
_VI_FUNCTION_WORDS = frozenset(
    "la cua va cac co duoc nao gi ai bao nhieu khong chua ngay nam thang tinh xa nghi quyet ke hoach ban "
    "chi dao thi sao the ve cho trong voi nhung mot da dang se".split()
)
_FOLLOW_UP = re.compile(r"^(con|the con|vay|con ve)\b|\b(thi sao|the nao|do|nay|ay|nghi quyet do|van ban do|no)\??$")
# "Văn bản đó do ai ký?", "Ban Chỉ đạo đó…", "ông ấy": a pointer back to what the previous turn was about.
_POINTS_BACK = re.compile(
    r"\b(van ban|nghi quyet|ke hoach|quyet dinh|chi thi|ket luan|chuong trinh|de an|ban chi dao|hoi nghi"
    r"|phien hop|co quan|don vi) (do|nay|ay|tren)\b"
)

# English question words mapped to Vietnamese search terms, so lexical matching and sentence choice
# work on an English question too (dense retrieval is multilingual on its own).
_EN_VI = {
    "resolution": "nghị quyết", "issued": "ban hành", "issue": "ban hành", "plan": "kế hoạch",
    "decision": "quyết định", "steering": "chỉ đạo", "committee": "ban", "digital": "số",
    "transformation": "chuyển đổi", "science": "khoa học", "technology": "công nghệ",
    "innovation": "đổi mới sáng tạo", "province": "tỉnh", "commune": "xã", "meeting": "phiên họp hội nghị",
    "chaired": "chủ trì", "chair": "chủ trì", "secretary": "bí thư", "politburo": "bộ chính trị",
    "party": "đảng", "target": "mục tiêu", "targets": "mục tiêu", "infrastructure": "hạ tầng",
    "session": "phiên", "first": "thứ nhất", "head": "trưởng ban", "people": "người dân", "movement": "phong trào",
    "literacy": "học vụ", "economy": "kinh tế", "budget": "ngân sách", "tasks": "nhiệm vụ", "task": "nhiệm vụ",
    "communes": "xã", "wards": "phường", "quarter": "quý", "conference": "hội nghị", "review": "sơ kết",
    "provinces": "tỉnh", "cities": "thành phố", "city": "thành phố", "connected": "kết nối điểm cầu",
    "completed": "hoàn thành", "overdue": "quá hạn", "deputy": "phó", "standing": "thường trực",
    "proposed": "đề xuất", "invest": "đầu tư", "training": "tập huấn", "officials": "cán bộ công chức",
    "central": "trung ương", "general": "tổng", "attended": "tham dự", "attend": "tham dự", "leaders": "lãnh đạo",
    "leader": "lãnh đạo", "share": "tỷ lệ", "gdp": "GDP", "r&d": "nghiên cứu và phát triển",
    "research": "nghiên cứu", "development": "phát triển", "spending": "chi", "expenditure": "chi",
    "ministry": "bộ", "ministries": "bộ", "leads": "chủ trì", "lead": "chủ trì", "programme": "chương trình",
    "program": "chương trình", "diplomacy": "ngoại giao", "action": "hành động", "government": "chính phủ",
    "report": "báo cáo", "reports": "báo cáo", "six-monthly": "6 tháng", "annual": "hằng năm", "send": "gửi",
    "experts": "chuyên gia", "attracted": "thu hút", "attract": "thu hút", "data": "dữ liệu", "centres": "trung tâm",
    "centers": "trung tâm", "centre": "trung tâm", "commercial": "thương mại", "capacity": "công suất",
    "administrative": "hành chính", "units": "đơn vị", "commune-level": "cấp xã", "rearrangement": "sắp xếp",
    "merger": "sắp xếp", "law": "luật", "effect": "hiệu lực", "signed": "ký", "notice": "thông báo",
    "letter": "công văn", "office": "văn phòng", "draft": "dự thảo", "ministerial": "bộ", "decree": "nghị định",
    "circular": "thông tư", "national": "quốc gia", "database": "cơ sở dữ liệu", "enterprises": "doanh nghiệp",
    "companies": "doanh nghiệp", "startups": "khởi nghiệp", "percent": "%", "deadline": "thời hạn",
}  # fmt: skip


@dataclass
class Query:
    """A question as retrieval and answering need it."""

    text: str  # NFC, standalone (a follow-up gets its context prepended)
    search_text: str  # text + abbreviation expansions (+ Vietnamese terms for English questions)
    dense_text: str  # what the embedder reads: diacritics restored when the user typed none
    qtype: str = "other"  # date | number | person | list | yesno | other
    language: str = "vi"
    no_diacritics: bool = False
    number_keys: list[str] = field(default_factory=list)
    asked: str = ""  # this turn's own words (a follow-up's text also carries the previous question)
    # One part of a question asking several things: the rest of the question, whose words weigh less.
    background: str = ""
    # Features of the question, computed once here: answering reads them, never recomputes them.
    names: list[str] = field(init=False)  # proper names (places, people) an answer must speak of
    mentioned: list[str] = field(init=False)  # every name the question gives, also one it sets aside ("ngoài …")
    bodies: list[str] = field(init=False)  # bodies it names ("bo noi" for "Bộ Nội vụ"), folded
    periods: list[tuple[str, str]] = field(init=False)  # year ranges it names ("2021", "2025")
    months: list[tuple[str, str]] = field(init=False)  # months it names ("9", "2025")
    unit: str | None = field(init=False)  # the thing counted in "bao nhiêu <unit>", folded
    phrases: list[str] = field(init=False)  # folded phrases an answer sentence must hold (ordinal, role)
    qualifiers: list[tuple[str, ...]] = field(init=False)  # words narrowing the counted unit, with alternatives
    wants_number: bool = field(init=False)  # it asks for a document's number ("quyết định số mấy?")
    wants_name: bool = field(init=False)  # it asks for a person by name ("Phó Thủ tướng nào …?")
    wants_deadline: bool = field(init=False)  # "… trước thời điểm nào?"
    wants_effect: bool = field(init=False)  # "… có hiệu lực từ khi nào?"

    def __post_init__(self) -> None:
        self.asked = self.asked or self.text
        self.names = question_names(self.text)
        if self.language == "en":  # "the Central Steering Committee" is a translation, not a name the texts print
            self.names = _vietnamese_names(self.names)
        self.mentioned = list(self.names)
        # "Ngoài Tổng Bí thư Tô Lâm, những ai dự …?": the name set aside is not what the answer names
        self.names = [
            n for n in self.names
            if not re.search(_SET_ASIDE + re.escape(n), self.text, re.IGNORECASE) and not re.match(_SET_ASIDE, n, re.I)
        ]  # fmt: skip
        self.bodies = question_bodies(self.asked)
        self.periods = question_periods(self.asked)
        self.months = question_months(self.asked)
        self.unit = asked_unit(self.text)
        self.qualifiers = counted_qualifiers(self.asked, self.unit)
        self.wants_number = asks_document_number(self.asked)
        self.wants_name = asks_name(self.asked)
        self.wants_deadline = asks_deadline(self.asked)
        self.wants_effect = asks_effect(self.asked)
        self.phrases = required_phrases(self.asked, self.qtype, self.wants_number)


def question_type(text: str) -> str:
    """What kind of answer the question wants, from its question words."""
    text = re.sub(r"\bAI\b", "trí tuệ nhân tạo", nfc(text))  # the acronym, not "ai" (who)
    folded = fold_asked(text)
    for name, pattern in _QTYPES:
        if pattern.search(folded):
            return name
    return "other"


def detect_language(text: str) -> str:
    """ "en" for an English question, "vi" otherwise (Vietnamese names inside English are fine)."""
    words = [re.sub(r"\W", "", w) for w in text.lower().split()]
    english = sum(w in _ENGLISH for w in words)
    vietnamese = sum(fold(w) in _VI_FUNCTION_WORDS for w in words if w not in _ENGLISH)
    return "en" if english >= 1 and english > vietnamese else "vi"


def standalone(question: str, history: list[dict[str, str]] | None) -> str:
    """Rewrite a follow-up ("còn Thái Nguyên thì sao?") by carrying over the previous user turn."""
    if not history:
        return question
    previous = [turn.get("content", "") for turn in history if turn.get("role") == "user"]
    if not previous:
        return question
    folded = fold(question.lower()).strip()
    swapped = _swap_entity(previous[-1].strip(), question)
    if swapped:
        return swapped
    short = len(syllables(question)) <= 7
    if short or _FOLLOW_UP.search(folded) or _POINTS_BACK.search(folded):
        return f"{previous[-1].strip()}{_answered_document(previous[-1], history)} {question}"
    return question


def _answered_document(previous: str, history: list[dict[str, str]]) -> str:
    """ "… ở văn bản nào?" answered "Đó là Công văn 39365/CHQ-GSQL …": the document the talk is now about.

    Only its number is carried from the assistant's turn (never its other words), and only when the user's
    previous question named none: "Người ký là ai?" then asks about that document.
    """
    if find_numbers(previous):
        return ""
    replies = [turn.get("content", "") for turn in history if turn.get("role") == "assistant"]
    numbers = find_numbers(replies[-1]) if replies else []
    return f" ({numbers[0]})" if numbers else ""


_ASK_ABOUT = re.compile(
    r"^(?:còn|thế còn|vậy còn|con|the con|vay con)\s+(.+?)\s*(?:thì sao|thế nào|thi sao|the nao)?\s*\??$",
    re.IGNORECASE,
)


def _swap_entity(previous: str, question: str) -> str | None:
    """ "Còn Thái Nguyên thì sao?" after a question about Gia Lai: ask the same about Thái Nguyên."""
    match = _ASK_ABOUT.match(question.strip())
    if not match:
        return None
    new = match.group(1).strip()
    old = question_names(previous)
    if not old:
        return f"{previous.rstrip('?')} {new}?"
    # "… tỉnh Gia Lai?" + "Vậy còn xã Ia Ko?" -> "… xã Ia Ko?", not "… tỉnh xã Ia Ko?"
    admin = r"(?:tỉnh|thành phố|xã|phường|huyện|quận|thị xã)\s+"
    if re.match(admin, new, re.IGNORECASE):
        replaced = re.sub(admin + re.escape(old[-1]), new, previous, count=1, flags=re.IGNORECASE)
        if replaced != previous:
            return replaced
    return previous.replace(old[-1], new)


_GLUED = re.compile(r"\b(NQ|KH|QĐ|QD|CT|KL|CTr|TB|BC|CV)(\d{1,4})\b", re.IGNORECASE)


def _split_glued_numbers(text: str) -> str:
    """ "NQ57" -> "NQ 57", so the abbreviation expands and the number matches as its own syllable."""
    return _GLUED.sub(r"\1 \2", text)


def understand(question: str, history: list[dict[str, str]] | None = None) -> Query:
    """Normalise a question and pull out what retrieval and answering use."""
    current = _split_glued_numbers(nfc(question).strip())
    text = standalone(current, history)
    language = detect_language(text)
    search_text = expand_abbreviations(text)
    if language == "en":
        extra = [vi for word, vi in _EN_VI.items() if re.search(rf"\b{word}\b", text.lower())]
        search_text = f"{search_text} {' '.join(extra)}"
    no_diacritics = language == "vi" and not has_diacritics(text)
    return Query(
        text=text,
        search_text=search_text,
        dense_text=text,
        # A follow-up asks its own kind of question: "… khi nào? Cơ quan nào là cơ quan thường trực?" wants a body.
        qtype=question_type(current) if question_type(current) != "other" else question_type(text),
        language=language,
        no_diacritics=no_diacritics,
        number_keys=query_numbers(text),
        asked=current,
    )
