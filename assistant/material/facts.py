"""Facts of a sentence (a date, a number, a document number, a person, a body or a place) and their values.

`find_facts` finds them by pattern; `canon` and `normalise` make two spellings of one text or value compare
equal ("22-12-2024" = "22/12/2024"); `Pool` holds every fact of the corpus, for the quiz's distractors, and
the corpus text to check a statement against. Pure functions over texts: no index, no model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from core.docnumbers import number_key, number_spans
from core.vntext import fold, nfc

KINDS = ("date", "docnumber", "number", "person", "body", "place", "dm", "year")  # preference order

_DATE = re.compile(r"(?<![\d/.-])(\d{1,2})\s?([-/.])\s?(\d{1,2})\s?\2\s?(\d{4})(?![\d/-]|\.\d)")
# A day and month alone ("Sáng 5-8", "chiều 25.11") is a date only after a time word: "10-20 người" is a range.
_DAY_MONTH = re.compile(r"\b(?:[Nn]gày|[Ss]áng|[Cc]hiều|[Tt]ối|[Tt]rưa)\s+((\d{1,2})([-/.])(\d{1,2}))(?![\d/-]|\.\d)")
_YEAR = re.compile(r"\bnăm\s+(\d{4})\b(?!\s*[-–]\s*\d)")
_NUMBER = re.compile(r"(?<![\w.,/–-])(\d{1,3}(?:\.\d{3})+|\d+(?:,\d+)?)(\s?%)?(?![\w.,/]*\d)")
# "thứ 3", "số 57", "khóa XVI", "Đề án 06", "Nghị quyết 04": an ordinal or a name, not a quantity.
_NOT_COUNT_BEFORE = re.compile(r"\b(?:thứ|số|khóa|khoá|lần|án|quyết|hoạch|định|thị|luận)\s*$")
_NOT_UNIT = frozenset("trong của và là có đã được cho với tại ở từ đến trên dưới so về theo".split())
_PERSON = re.compile(
    r"\b(?:[Đđ]ồng chí|Tổng Bí thư|Chủ tịch Quốc hội|Thường trực Ban Bí thư|Chủ tịch UBND tỉnh|Bí thư Tỉnh ủy)\s+(?=\w)"
)
_BODY = re.compile(r"\b(?:Chính phủ|Quốc hội|UBND tỉnh|HĐND tỉnh|(?P<head>Bộ|Sở|Ban|Văn phòng|Ủy ban|Uỷ ban)\s+(?=\w))")
_PLACE = re.compile(r"\b(?P<level>tỉnh|xã|phường|huyện|thành phố|TP\.)\s+(?=[A-ZĐ])")
_PLACE_LEVEL = {"thành phố": "tỉnh", "tp.": "tỉnh"}  # provinces and centrally-run cities are one level
_TITLE_BEFORE = re.compile(r"(?:Trưởng|Phó|viên|Tổ giúp việc)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Fact:
    """One fact of a sentence: its kind, what distractors must share (`unit`), its span and text as written."""

    kind: str
    unit: str
    start: int
    end: int
    text: str


# -- facts --------------------------------------------------------------------------------------------------


def find_facts(sentence: str) -> list[Fact]:
    """The facts of a sentence, in KINDS order then by position; overlapping spans keep the first kind."""
    found: list[Fact] = []
    for fact in [*_dates(sentence), *_docnumbers(sentence), *_numbers(sentence), *_names(sentence)]:
        if not any(fact.start < f.end and f.start < fact.end for f in found):
            found.append(fact)
    return sorted(found, key=lambda f: (KINDS.index(f.kind), f.start))


def _dates(text: str) -> Iterable[Fact]:
    for m in _DATE.finditer(text):
        if _valid_day(m.group(1), m.group(3)):
            yield Fact("date", "", m.start(), m.end(), m.group(0))
    for m in _DAY_MONTH.finditer(text):
        if _valid_day(m.group(2), m.group(4)):
            yield Fact("dm", "", m.start(1), m.end(1), m.group(1))
    for m in _YEAR.finditer(text):
        yield Fact("year", "", m.start(1), m.end(1), m.group(1))


def _valid_day(day: str, month: str) -> bool:
    return 1 <= int(day) <= 31 and 1 <= int(month) <= 12


def _docnumbers(text: str) -> Iterable[Fact]:
    for start, end, canonical in number_spans(text):
        yield Fact("docnumber", number_key(canonical).split(":")[0], start, end, text[start:end])


def _numbers(text: str) -> Iterable[Fact]:
    """Counted quantities: "452 nhiệm vụ", "250 tỷ đồng", "3%"; not ranges, ordinals or bare years."""
    for m in _NUMBER.finditer(text):
        before, after = text[: m.start()], text[m.end() :]
        if _NOT_COUNT_BEFORE.search(before) or re.match(r"\s?[-–]\s?\d", after):
            continue
        unit = "%" if m.group(2) else _unit(after)
        if unit is None or (not unit and re.fullmatch(r"(19|20)\d\d", m.group(1))):
            continue
        yield Fact("number", unit, m.start(), m.end(), m.group(0))


def _unit(after: str) -> str | None:
    """The counted thing after a number (folded first syllable), "" for a bare number, None for no quantity."""
    m = re.match(r"\s([a-zà-ỹđ]+)", after)
    if m:
        return "" if m.group(1) in _NOT_UNIT else fold(m.group(1))
    return "" if re.match(r"\s?[),;.]|\s*$", after) else None


def _names(text: str) -> Iterable[Fact]:
    for m in _PERSON.finditer(text):
        end = _capitalised_run(text, m.end(), lowercase_after=0)
        if end and 2 <= len(text[m.end() : end].split()) <= 4:  # "Gia Lai Thái Đại Ngọc" is a place and a name
            yield Fact("person", "", m.end(), end, text[m.end() : end])
    for m in _BODY.finditer(text):
        end = _capitalised_run(text, m.end(), lowercase_after=1) if m.group("head") else m.end()
        name = text[m.start() : end]
        if end and name != "Ban Chỉ đạo" and not _TITLE_BEFORE.search(text[: m.start()]):
            yield Fact("body", m.group("head") or name, m.start(), end, name)
    for m in _PLACE.finditer(text):
        end = _capitalised_run(text, m.end(), lowercase_after=0)
        level = m.group("level").lower()
        if end:
            yield Fact("place", _PLACE_LEVEL.get(level, level), m.end(), end, text[m.end() : end])


def _capitalised_run(text: str, start: int, lowercase_after: int) -> int:
    """End of the run of capitalised syllables at `start` ("Hồ Quốc Dũng", "Khoa học và Công nghệ"), or 0.

    Vietnamese capitalises only the first syllable of a word in a name ("Sở Tài chính"), so a body's run
    lets `lowercase_after` lowercase syllables follow each capitalised one, and "và" join two names.
    """
    end, pos, lower_left = 0, start, 0
    for m in re.finditer(r"\w+|\S", text[start:]):
        word, gap = m.group(0), text[pos : start + m.start()]
        if gap not in ("", " ") or not word[0].isalpha():
            break
        if word[0].isupper():
            end, lower_left = start + m.end(), lowercase_after
        elif word == "và" and lowercase_after and re.match(r"\s[A-ZĐ]", text[start + m.end() :]):
            lower_left = 0
        elif lower_left:
            end, lower_left = start + m.end(), lower_left - 1
        else:
            break
        pos = start + m.end()
    return end


# -- values -------------------------------------------------------------------------------------------------


def canon(text: str) -> str:
    """Text as compared with the corpus: folded, lowercase, 22-12-2024 = 22/12/2024 = 22.12.2024, 09 = 9."""
    text = fold(nfc(text)).lower()
    text = re.sub(r"(?<=\d)\s?[-/.]\s?(?=\d)", "/", text)
    text = re.sub(r"(?<!\d)0+(?=\d)", "", text)
    return re.sub(r"\s+", " ", re.sub(r"[“”\"‘’']", "", text)).strip()


def normalise(fact: Fact) -> str:
    """The value a fact states, so that two spellings of one value compare equal."""
    if fact.kind == "docnumber":
        return number_key(fact.text)
    if fact.kind == "number":
        return fact.text.replace(" ", "").replace(".", "").replace(",", ".")
    return canon(fact.text)


def restyle(value: str, like: str) -> str:
    """A date written the way `like` is (separator, leading zeros): options must not differ in form only."""
    parts, model = re.findall(r"\d+", value), re.search(r"[-/.]", like)
    if not model or len(parts) != len(re.findall(r"\d+", like)):
        return value
    padded = any(p.startswith("0") for p in re.findall(r"\d+", like))
    return model.group(0).join(p.zfill(2) if padded and len(p) < 4 else str(int(p)) for p in parts)


class Pool:
    """Every fact of the corpus by kind, for distractors, and the corpus text to check statements against."""

    def __init__(self, texts: Iterable[str]) -> None:
        texts = list(texts)
        self.corpus = "\n".join(canon(t) for t in texts)
        self.values: dict[str, dict[str, tuple[str, str]]] = {}  # kind -> normalised value -> (text, unit)
        for text in texts:
            for fact in find_facts(nfc(text)):
                self.values.setdefault(fact.kind, {}).setdefault(normalise(fact), (fact.text, fact.unit))

    def supports(self, statement: str) -> bool:
        return canon(statement) in self.corpus
