"""Features of a question, computed once into the Query: the names it gives, the unit it counts, the phrases
an answer must hold. Pure functions of the question text, with or without diacritics.
"""

from __future__ import annotations

import re

from core.vntext import fold, has_diacritics, nfc, syllables

UNIT_ALIASES = {
    "phan tram": r"(%|phần trăm)", "tien": r"(tỷ|triệu|nghìn|đồng)", "kinh phi": r"(tỷ|triệu|đồng)",
    "ty dong": r"tỷ", "trieu dong": r"triệu",
}  # fmt: skip
# Quantities a question names before "bao nhiêu": a rate is answered by a percentage, a fee by money.
_NAMED_QUANTITIES = (
    (r"\b(thue suat|phan tram)\b", "phan tram"),
    (r"\b(hoc phi|le phi|muc phi|kinh phi|so tien|muc luong|tien luong|muc ho tro|phu cap)\b", "tien"),
)
_HOW_MANY = re.compile(r"\b(?:bao nhieu|may)\s+(\w+(?:\s\w+)?)")
_BAO_NHIEU = re.compile(r"\bbao nhieu\s+(\w+(?:\s\w+)?)")
# "bao lâu", "mất bao lâu": a length of time, answered by "03 ngày làm việc", "mười hai tháng", "ít nhất một năm".
DURATION = "thoi gian"
DURATION_UNITS = ("ngay", "thang", "nam", "gio", "tuan", "phut")


# "How many experts …": the counted thing in English, as the Vietnamese texts count it (folded). A thing not listed
# here gets no unit, so nothing is required of the answer beyond a number.
_EN_UNITS = (
    (r"billion (?:vnd|dong)", "ty dong"), (r"million (?:vnd|dong)", "trieu dong"), (r"(?:vnd|dong)\b", "tien"),
    (r"percent|percentage|share", "phan tram"), (r"(?:doctoral|doctorate|phd)\w*", "tien si"),
    (r"experts?", "chuyen gia"), (r"enterprises?|companies|firms?|businesses", "doanh nghiep"),
    (r"communes?", "xa"), (r"wards?", "phuong"), (r"provinces?", "tinh"), (r"tasks?", "nhiem vu"),
    (r"platforms?", "nen tang"), (r"members?", "thanh vien"), (r"(?:data )?cent(?:er|re)s?", "trung tam"),
)  # fmt: skip
_EN_HOW_MANY = re.compile(r"\bhow (?:many|much)\s+((?:[a-z-]+\s+){0,3}[a-z-]+)")


# Words that fold to "may" but do not ask "mấy" (how many): "nhà máy", "máy tính", "đám mây".
_NOT_MAY = re.compile(r"\b(?:máy|mây|mày|mảy|mạy|mãy)\b")


def fold_asked(question: str) -> str:
    """The question folded and lowercased for matching question words, "máy" kept apart from "mấy" when typed
    with diacritics ("Nhà máy nhiệt điện … bao nhiêu" asks no "mấy nhiệt điện")."""
    return fold(_NOT_MAY.sub("m_y", nfc(question).lower()))


def _how_many(question: str) -> re.Pattern[str]:
    """ "bao nhiêu <unit>", and "mấy <unit>" unless the question, typed with diacritics, has no "mấy"."""
    if has_diacritics(question) and "mấy" not in nfc(question).lower():
        return _BAO_NHIEU
    return _HOW_MANY


def asked_unit(question: str) -> str | None:
    """The thing counted in "bao nhiêu <unit>" ("nhiệm vụ", "phần trăm"), folded, or None."""
    folded = fold(question.lower())
    how_many = _how_many(question)
    english = _EN_HOW_MANY.search(folded)
    if english:  # "How many leading AI experts …", "How many billion VND …"
        words = english.group(1)
        return next((unit for pattern, unit in _EN_UNITS if re.search(rf"\b(?:{pattern})", words)), None)
    if re.search(r"\bbao (?:nhieu )?lau\b", folded):
        return DURATION
    match = how_many.search(folded)
    if match and match.group(1).split()[0] == "den":  # "từ bao nhiêu đến bao nhiêu năm": the unit ends the range
        match = how_many.search(folded, match.start(1))
        if match is None or match.group(1).split()[0] in {"la", "thi", "nhieu"}:
            return None
    if match and match.group(1).split()[0] in DURATION_UNITS and not re.search(r"\bngay (?:bao nhieu|may)\b", folded):
        return match.group(1).split()[0]  # "trong thời hạn bao nhiêu ngày" (not "ngày bao nhiêu", a date)
    if not match or match.group(1).split()[0] in {"la", "thi", "nhieu"}:
        # "Thuế suất … là bao nhiêu?", "Học phí … bao nhiêu?": the quantity is named before the question word.
        named = next((unit for pattern, unit in _NAMED_QUANTITIES if re.search(pattern, folded)), None)
        if named or not match:
            return named
    words = match.group(1).split()
    if " ".join(words) in UNIT_ALIASES or words[0] in UNIT_ALIASES:
        return " ".join(words) if " ".join(words) in UNIT_ALIASES else words[0]
    if words[0] in {"lau", "nhieu", "la", "thi", "nam", "ngay", "thang", "lan"} or words[0].isdigit():
        return None  # "bao nhiêu lâu", "là bao nhiêu": no countable unit named
    return " ".join(words)


# Words that end the counted thing's name: "bao nhiêu nền tảng đào tạo trực tuyến | đã được công nhận", "bao nhiêu
# nhiệm vụ | chưa hoàn thành" (a state said of the things counted, which a report words in its own way).
_COUNTED_ENDS = frozenset(
    """da duoc se ma cua trong theo tai den vao co la do cho o tu tren khi de nam nao thi va hay hoac
    nhu voi ve sau truoc tinh chua khong dang con nhung bi can phai deu cung van hien""".split()
)
_MAX_QUALIFIERS = 4
_NUMBER_WORDS = frozenset("mot hai ba bon nam sau bay tam chin muoi moi cac".split())


def counted_qualifiers(question: str, unit: str | None) -> list[tuple[str, ...]]:
    """The words narrowing the thing counted, each with its alternatives: "bao nhiêu doanh nghiệp kỳ lân (unicorn)
    công nghệ" → [("ky", "unicorn"), ("lan", "unicorn"), ("cong",), ("nghe",)] (folded).

    A figure for "doanh nghiệp công nghệ số" does not count "doanh nghiệp kỳ lân": the passage that answers must
    speak of the same thing. A word in parentheses stands for the words before it.
    """
    if unit is None:
        return []
    folded = fold(question.lower())
    asks = "bao nhieu" if _how_many(question) is _BAO_NHIEU else "bao nhieu|may"
    match = re.search(rf"\b(?:{asks})\s+" + re.escape(unit) + r"\b", folded)  # (the last, in a range)
    if not match:
        return []
    found: list[list[str]] = []
    alternative: list[str] | None = None
    for token in re.findall(r"\w+|[()]|[^\w\s]", folded[match.end() :]):
        if token == "(":
            alternative = []
        elif token == ")":
            for words in found[-2:] if alternative else []:  # the parenthesis names the words just before it
                words.extend(alternative or [])
            alternative = None
        elif alternative is not None:
            alternative.append(token)
        elif not token[0].isalnum() or token in _COUNTED_ENDS or token.isdigit():
            break
        elif token not in _NUMBER_WORDS:  # "một tiết dạy" is written "1 tiết dạy" as often
            found.append([token])
    return [tuple(words) for words in found[:_MAX_QUALIFIERS] if len(words[0]) > 1]


# "ban hành bằng quyết định số mấy", "văn bản số hiệu gì": the answer is a document number.
_ASKS_NUMBER = re.compile(
    r"\b(?:(?:nghi quyet|quyet dinh|van ban|cong van|ke hoach|thong tu|nghi dinh|chi thi|thong bao|ket luan"
    r"|quy dinh|huong dan|de an)\s+(?:\w+\s+)?so\s+(?:may|bao nhieu|hieu)|so hieu|so va ky hieu|so ky hieu)\b"
)


# Posts a question names with "nào" to ask for the person holding one ("Phó Thủ tướng nào …?"), folded.
POSTS = "thu tuong|chu tich|bo truong|thu truong|bi thu|giam doc|truong ban|cuc truong"
_ASKS_NAME = re.compile(
    rf"\b({POSTS}|dong chi|nguoi) nao\b"
    r"|\bwhich (senior )?(leaders?|officials?|deputy prime ministers?|ministers?|persons?|people)\b"
)
# A deadline ("gửi ý kiến trước thời điểm nào?", "hạn chót … là ngày nào?"), the date a text takes effect.
_ASKS_DEADLINE = re.compile(
    r"\b(truoc|cham nhat|han chot|thoi han|han cuoi)\b(?: \S+){0,3}? (ngay nao|thoi diem nao|khi nao|bao gio|luc nao)"
)
_ASKS_EFFECT = re.compile(r"\bhieu luc\b(?: \S+){0,4}? (ngay nao|khi nao|bao gio|tu luc nao|thoi diem nao)")


def asks_name(question: str) -> bool:
    """ "Phó Thủ tướng nào …?", "đồng chí nào …?", "which leaders …?": a person by name, not a body that acts."""
    return bool(_ASKS_NAME.search(fold(question.lower())))


def asks_deadline(question: str) -> bool:
    """ "… trước thời điểm nào?": a date given as a deadline, not the date of a letter it cites."""
    return bool(_ASKS_DEADLINE.search(fold(question.lower())))


def asks_effect(question: str) -> bool:
    """ "… có hiệu lực từ khi nào?": the date the text takes effect, not a task's deadline."""
    return bool(_ASKS_EFFECT.search(fold(question.lower())))


def asks_document_number(question: str) -> bool:
    """Does the question ask for a document's number ("… bằng quyết định số mấy?")?"""
    return _ASKS_NUMBER.search(fold(question.lower())) is not None


# Capitalised words that are titles, bodies or sentence openers, not names (compared lowercase, accented:
# "tổ" is generic, the surname "Tô" is not).
_GENERIC = frozenset(
    """ban chỉ đạo bộ chính trị tỉnh ủy uỷ đảng bí thư chủ tịch hội nghị kế hoạch quyết định phó trưởng thường
    trực sở văn phòng trung ương nhà nước quốc hội phủ tổng thủ tướng đoàn mặt trận tổ việt nam phiên họp
    thành viên khoa học công nghệ đổi mới sáng tạo chuyển đổi đại biểu nhân dân theo ai gì nào thế còn
    đồng chí xã phường huyện thành phố khi trong trước sau ở người tại với của và những các một vậy nếu để
    dữ liệu hỏi cho biết có là đã được các chánh văn""".split()  # "Chánh Văn phòng" is a post, not a name
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


# "Phiên họp thứ hai", "lần thứ ba", "quý IV": an ordinal the question asks about must stand in the answer's
# sentence, title or section — "phiên họp thứ nhất" does not answer a question about the second session.
_ORDINAL = re.compile(r"\b(?:thu\s+(?:nhat|hai|ba|tu|nam|sau|bay|tam|chin|muoi|\d+)|quy\s+(?:iv|i{1,3}|[1-4]))\b")
# Roles a person question can ask for ("Ai là Giám đốc Sở …?", "Ai đồng chủ trì …?"), folded, longest first.
_ROLES = (
    "pho chu tich", "chu tich", "pho bi thu", "tong bi thu", "bi thu", "pho truong ban", "truong ban",
    "pho giam doc", "giam doc", "chanh van phong", "bo truong", "thu truong", "thu tuong", "dong chu tri",
)  # fmt: skip


def required_phrases(asked: str, qtype: str, wants_number: bool = False) -> list[str]:
    """Folded phrases an answer sentence (with its title and section) must hold.

    Only what the question asks for, not what it uses to point at its subject: the ordinal of a date
    question ("Phiên họp thứ hai … khi nào?") and the role of a person question ("Ai là Giám đốc Sở …?",
    "Ai đồng chủ trì …?", "Chủ tịch UBND tỉnh … là ai?").
    """
    folded = " ".join(fold(s) for s in syllables(asked))  # not the previous turn a follow-up carries
    phrases = [m.group(0) for m in _ORDINAL.finditer(folded)] if qtype == "date" else []
    if qtype == "person":
        for role in _ROLES:
            if re.search(rf"\bai\s+(?:la\s+)?{role}\b", folded) or re.match(rf"{role}\b.*\bla ai\b", folded):
                phrases.append(role)
                break
    if qtype in ("date", "number") or wants_number:  # (a person question's phrase: a role to name someone for)
        # "Thời hạn hoàn thành Đề án huy động hạ tầng viễn thông …": a row about another Đề án does not answer.
        named = [m.group(1) for m in _NAMED_WORK.finditer(folded)]
        # "xây dựng Quốc hội số": the digital one, not any sentence about the National Assembly and a year (unless
        # the question names a project: "Đề án huy động hạ tầng viễn thông, hạ tầng số" is its name, said whole)
        phrases += named or [m.group(0) for m in _DIGITAL.finditer(folded)]
    return phrases


# "Chính phủ số", "Quốc hội số", "kinh tế số": in the NQ 57 family "số" after these is "digital", a thing of its own.
_DIGITAL = re.compile(
    r"\b(?:chinh phu|quoc hoi|kinh te|xa hoi|cong dan|chinh quyen|do thi|ha tang|nen tang|ky nang|chu ky|the he"
    r"|cong nghe|doanh nghiep|giao duc|y te|van hoa|tu phap|ngan hang|tai chinh) so\b(?! (?:hieu|luong|may|bao))"
)
# A project, programme or strategy the question names by its words (not "Đề án 06", which is a number):
# "de an huy dong ha tang" — the head and its first words, up to a word that ends the name.
_NAME_ENDS = r"trong|theo|cua|tai|duoc|la|co|do|den|vao|khi|nao|gi|bao|va|ve|cho|voi|thuoc|nam|giai|da|se|phai|hoan|het"
_NAMED_WORK = re.compile(
    rf"\b((?:de an|du an|chuong trinh|chien luoc|danh muc)(?: (?!(?:{_NAME_ENDS})\b)[a-z]+){{3,4}})"
)


# "Bộ Nội vụ", "Cục Thuế", "Sở Y tế": a body the question names by its head and proper name. ("UBND tỉnh Gia Lai"
# is named by its place, which the place check already requires.)
_BODY = re.compile(r"\b(Bộ|Sở|Cục|Tổng cục|Vụ|Văn phòng|Trung tâm|Ban|Hội đồng|Ủy ban|Uỷ ban)\s+([A-ZĐ][\w&]*)")
# Heads whose next capitalised word is part of a title, not of a name ("Ban Chỉ đạo", "Ban Chấp hành").
_NOT_BODY = (
    "ban chi", "ban chap", "ban bi", "ban thuong", "van phong chinh", "bo chinh", "uy ban thuong", "uy ban nhan",
    "hoi dong nhan",
)  # fmt: skip


def question_bodies(text: str) -> list[str]:
    """Bodies the question names, as written ("Bộ Nội vụ" → "Bộ Nội", "Sở KH&CN" → "Sở KH&CN").

    The answer's evidence must mention them: "Bộ Nội vụ" answered from a decree of the Government on the topic
    would put words in the ministry's mouth.
    """
    found = []
    for m in _BODY.finditer(text):
        phrase = f"{m.group(1)} {m.group(2)}"
        if not fold(phrase.lower()).startswith(_NOT_BODY):
            found.append(phrase)
    return list(dict.fromkeys(found))


_PERIOD = re.compile(r"\b((?:19|20)\d{2})\s*[-–—/]\s*((?:19|20)\d{2})\b")


def question_periods(text: str) -> list[tuple[str, str]]:
    """Periods the question names ("giai đoạn 2021–2025" → ("2021", "2025")): the evidence must speak of them."""
    return list(dict.fromkeys((m.group(1), m.group(2)) for m in _PERIOD.finditer(text)))


_MONTH = re.compile(r"\b(?:tháng|T)\s*0?(\d{1,2})\s*(?:/|-|năm)\s*((?:19|20)\d{2})\b", re.IGNORECASE)


def question_months(text: str) -> list[tuple[str, str]]:
    """Months the question names ("đến hết tháng 9/2025" → ("9", "2025")): the evidence must be of that month."""
    return list(dict.fromkeys((m.group(1), m.group(2)) for m in _MONTH.finditer(text) if 1 <= int(m.group(1)) <= 12))
