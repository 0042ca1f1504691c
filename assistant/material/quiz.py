"""Quiz items from the facts of the documents: a date, a number, a document number, a person, a body or a place.

A multiple-choice item blanks one fact out of a sentence and offers it among three distractors of the same kind
taken from elsewhere in the corpus; a true/false item states a clause as written (true) or with one fact
swapped (false). A distractor is kept only when the statement it makes stands in no chunk, so no option the
documents support is marked wrong. Pure functions over texts: no index, no model.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from assistant.docnumbers import number_key, number_spans
from assistant.material.types import QuizItem
from assistant.types import Passage
from assistant.vntext import fold, nfc

BLANK = "____"
MCQ_SHARE = 0.7
LONG_SENTENCE = 45  # words; a longer sentence is asked about through its clause
MAX_SAME_ANSWER = 2  # items whose answer is one value ("57-NQ/TW" is everywhere)
KINDS = ("date", "docnumber", "number", "person", "body", "place", "dm", "year")  # preference order
ASK = {
    "date": "Chỗ trống là ngày nào?", "dm": "Chỗ trống là ngày nào?", "year": "Chỗ trống là năm nào?",
    "number": "Chỗ trống là số nào?", "docnumber": "Chỗ trống là số hiệu văn bản nào?",
    "person": "Chỗ trống là ai?", "body": "Chỗ trống là cơ quan nào?", "place": "Chỗ trống là địa phương nào?",
}  # fmt: skip

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


@dataclass
class Candidate:
    """A sentence the quiz may ask about, with the passage it was copied from."""

    text: str
    passage: Passage


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


def distractors(fact: Fact, sentence: str, clause: str, pool: Pool, count: int, seed: str) -> list[str]:
    """Up to `count` wrong values of the fact's kind, each making a statement that stands in no chunk."""
    right = normalise(fact)
    chosen: list[str] = []
    for value in _ranked(fact, pool, seed):
        text = restyle(value, fact.text) if fact.kind in ("date", "dm") else value
        other = Fact(fact.kind, fact.unit, 0, len(text), text)
        if normalise(other) == right or _mentions(clause, text) or _swap_supported(sentence, fact, text, pool):
            continue
        if fact.kind in ("person", "body", "place") and (canon(text) in canon(fact.text) or right in canon(text)):
            continue  # "Ia Ko Hội" for "Ia Ko": the same name, badly cut
        if any(normalise(Fact(fact.kind, "", 0, 0, c)) == normalise(other) for c in chosen):
            continue
        chosen.append(text)
        if len(chosen) == count:
            break
    return chosen


def _ranked(fact: Fact, pool: Pool, seed: str) -> list[str]:
    """Same unit first (numbers of the same thing, bodies with the same head), then the kind; a seeded order."""
    values = pool.values.get(fact.kind, {})

    def key(item: tuple[str, tuple[str, str]]) -> tuple[bool, float, str]:
        norm, (_text, unit) = item
        closeness = _magnitude_gap(norm, normalise(fact)) if fact.kind == "number" else 0.0
        return unit != fact.unit, closeness, hashlib.sha256(f"{seed}|{norm}".encode()).hexdigest()

    same_kind = [i for i in values.items() if fact.kind != "number" or (i[1][1] == "%") == (fact.unit == "%")]
    if fact.kind == "place":  # a province is not a commune
        same_kind = [i for i in same_kind if i[1][1] == fact.unit]
    return [text for _norm, (text, _unit) in sorted(same_kind, key=key)]


def _magnitude_gap(a: str, b: str) -> float:
    try:
        x, y = float(a.rstrip("%")), float(b.rstrip("%"))
    except ValueError:
        return math.inf
    return abs(math.log10(x + 1) - math.log10(y + 1))


def _mentions(text: str, value: str) -> bool:
    return re.search(rf"(?<![\w/]){re.escape(canon(value))}(?![\w/])", canon(text)) is not None


def _swap_supported(sentence: str, fact: Fact, value: str, pool: Pool) -> bool:
    """Does some chunk say it with `value`: the swapped value with three words either side, or the sentence?"""
    left = " ".join(sentence[: fact.start].split(" ")[-4:])
    right = " ".join(sentence[fact.end :].split(" ")[:4])
    swapped = sentence[: fact.start] + value + sentence[fact.end :]
    return pool.supports(left + value + right) or pool.supports(swapped)


# -- items --------------------------------------------------------------------------------------------------


def clause_of(sentence: str, fact: Fact) -> tuple[int, int]:
    """The span of the clause (between semicolons) holding a fact of a long sentence; else the whole sentence."""
    start = sentence.rfind(";", 0, fact.start) + 1
    end = sentence.find(";", fact.end)
    end = len(sentence) if end < 0 else end
    if len(sentence.split()) <= LONG_SENTENCE or len(sentence[start:end].split()) < 8:
        start, end = 0, len(sentence)
    while start < end and sentence[start] == " ":
        start += 1
    return start, len(sentence[:end].rstrip(" .;:,…"))


def blank(sentence: str, fact: Fact, value: str = BLANK) -> str:
    """The fact's clause with the fact replaced by ____ ("… ban hành ngày ____ …") or by another value."""
    start, end = clause_of(sentence, fact)
    return ("… " if start else "") + sentence[start : fact.start] + value + sentence[fact.end : end]


def _context(passage: Passage) -> str:
    if not passage.date:
        return "Theo tài liệu"
    parts = [str(int(p)) for p in reversed(passage.date.split("-"))]
    return f"Theo tài liệu ngày {'/'.join(parts)}" if len(parts) == 3 else f"Theo tài liệu tháng {'/'.join(parts)}"


def build_quiz(
    candidates: list[Candidate], pool: Pool, count: int, cite: Callable[[Passage], int]
) -> tuple[list[QuizItem], list[str]]:
    """About 70% multiple-choice and 30% true/false items, one per sentence, best sentences first."""
    want = {"mcq": count - round(count * (1 - MCQ_SHARE)), "true_false": round(count * (1 - MCQ_SHARE))}
    items: list[QuizItem] = []
    seen: set[str] = set()
    used: set[str] = set()
    answers: Counter[str] = Counter()
    for strict in (True, False):  # the second pass lets either kind fill what the other could not
        limit = 1 if strict else MAX_SAME_ANSWER
        for cand in candidates:
            if len(items) >= count or cand.text in used:
                continue
            allowed = want if strict else {"mcq": count, "true_false": count}
            exhausted = {value for value, n in answers.items() if n >= limit}
            true_false = sum(i.kind == "true_false" for i in items)  # statements alternate true, false, …
            found = _item_for(cand, pool, allowed, true_false, exhausted)
            if found is None or canon(found[0].question) in seen:
                continue
            item, value = found
            item.citations = [cite(cand.passage)]
            item.explanation = f"{cand.text.rstrip(' .;:,')} [{item.citations[0]}]."
            items.append(item)
            seen.add(canon(item.question))
            used.add(cand.text)
            answers[value] += 1
            want[item.kind] -= 1
    warnings = [] if len(items) >= count else [f"Chỉ soạn được {len(items)}/{count} câu hỏi từ tài liệu hiện có."]
    return items, warnings


def _item_for(
    cand: Candidate, pool: Pool, want: dict[str, int], true_false: int, exhausted: set[str]
) -> tuple[QuizItem, str] | None:
    """The first verified item one fact of the sentence makes, with the fact's value; None if none does."""
    for fact in find_facts(cand.text):
        if f"{fact.kind}:{normalise(fact)}" in exhausted:
            continue
        start, end = clause_of(cand.text, fact)
        if len(cand.text[start:end].split()) < 6 or ":" in cand.text[:start]:
            continue  # too short, or one item of a list whose lead-in the question would lose
        rest = cand.text[start : fact.start] + " " + cand.text[fact.end : end]
        if _mentions(rest, fact.text):  # the answer would stand in the question
            continue
        item = _mcq(cand, fact, pool) if want["mcq"] > 0 else None
        if item is None and want["true_false"] > 0:
            item = _true_false(cand, fact, pool, truth=true_false % 2 == 0)
        if item is not None and item.verified:
            return item, f"{fact.kind}:{normalise(fact)}"
    return None


def _mcq(cand: Candidate, fact: Fact, pool: Pool) -> QuizItem | None:
    question = f"{_context(cand.passage)}: “{blank(cand.text, fact)}”. {ASK[fact.kind]}"
    clause = cand.text[slice(*clause_of(cand.text, fact))]
    wrong = distractors(fact, cand.text, clause, pool, 3, question)
    if len(wrong) < 3:
        return None
    options = [fact.text, *wrong]
    random.Random(hashlib.sha256(question.encode()).digest()).shuffle(options)
    verified = _stands_in(cand, fact.text)
    return QuizItem("mcq", question, options, options.index(fact.text), "", [], verified=verified)


def _true_false(cand: Candidate, fact: Fact, pool: Pool, truth: bool) -> QuizItem | None:
    value = None
    if not truth:
        clause = cand.text[slice(*clause_of(cand.text, fact))]
        wrong = distractors(fact, cand.text, clause, pool, 1, cand.text)
        if not wrong:
            return None
        value = wrong[0]
    statement = blank(cand.text, fact, value or fact.text)
    verified = _stands_in(cand, fact.text) and (truth or not pool.supports(statement.removeprefix("… ")))
    question = f"Đúng hay sai? {_context(cand.passage)}: “{statement}”."
    return QuizItem("true_false", question, ["Đúng", "Sai"], 0 if truth else 1, "", [], verified=verified)


def _stands_in(cand: Candidate, value: str) -> bool:
    """The sentence, and the correct value in it, stand in the passage the item cites."""
    source = canon(cand.passage.text)
    return canon(cand.text) in source and canon(value) in source
