"""Quiz items from the facts of the documents (assistant/material/facts.py): dates, numbers, names and the like.

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
from collections.abc import Callable
from dataclasses import dataclass

from assistant.material.facts import Fact, Pool, canon, find_facts, normalise, restyle
from assistant.material.types import QuizItem
from assistant.types import Passage

BLANK = "____"
MCQ_SHARE = 0.7
LONG_SENTENCE = 45  # words; a longer sentence is asked about through its clause
MAX_SAME_ANSWER = 2  # items whose answer is one value ("57-NQ/TW" is everywhere)
ASK = {
    "date": "Chỗ trống là ngày nào?", "dm": "Chỗ trống là ngày nào?", "year": "Chỗ trống là năm nào?",
    "number": "Chỗ trống là số nào?", "docnumber": "Chỗ trống là số hiệu văn bản nào?",
    "person": "Chỗ trống là ai?", "body": "Chỗ trống là cơ quan nào?", "place": "Chỗ trống là địa phương nào?",
}  # fmt: skip


@dataclass
class Candidate:
    """A sentence the quiz may ask about, with the passage it was copied from."""

    text: str
    passage: Passage


# -- distractors --------------------------------------------------------------------------------------------


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
