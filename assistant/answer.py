"""The extractive answerer: picks the sentences of the retrieved passages that answer, and cites them.

No language model: every sentence of the answer is copied from a passage and ends with its [n] marker,
so numbers and dates are exact by construction. Weak evidence means an honest refusal.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from assistant.index import IndexReader
from assistant.query import Query
from assistant.types import Answer, Passage
from assistant.docnumbers import number_key, number_spans
from assistant.vntext import content_terms, fold, has_diacritics, syllables
from ingest.chunking import split_sentences

MAX_SENTENCES = 3
_DATE = re.compile(
    r"\b\d{1,2}\s*[-/.]\s*\d{1,2}(\s*[-/.]\s*\d{2,4})?\b|\bngày\s+\d{1,2}\b|\btháng\s+\d{1,2}\b|\bnăm\s+\d{4}\b"
    r"|\bquý\s+[IV]+\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\b\d+([.,]\d+)*\s*(%|phần trăm|xã|phường|tỉnh|người|nhiệm vụ|tỷ|triệu)?", re.IGNORECASE)
_PERSON = re.compile(
    r"\b(đồng chí|Bí thư|Chủ tịch|Phó|Trưởng|Tổng Bí thư|Thủ tướng|Sở|Ban|Bộ|Văn phòng|UBND|HĐND|Ủy ban)\b"
)
_TYPE_PATTERNS = {"date": _DATE, "number": _NUMBER, "person": _PERSON}


@dataclass
class _Sentence:
    passage: Passage
    rank: int
    start: int
    end: int
    text: str
    score: float = 0.0
    terms: frozenset[str] = frozenset()
    typed: bool = False


def extractive_answer(query: Query, passages: list[Passage], index: IndexReader, threshold: float) -> Answer:
    """Answer from the passages, or refuse when they do not support an answer."""
    chosen, evidence = analyse(query, passages, index)
    if not chosen or evidence < threshold:
        return _refusal(query, passages)
    text = " ".join(_cite(s) for s in chosen)
    return Answer(answer=text, sources=passages, refused=False)


def analyse(query: Query, passages: list[Passage], index: IndexReader) -> tuple[list[_Sentence], float]:
    """The sentences that would answer, and the evidence strength the refusal threshold is compared with."""
    terms = _query_terms(query)
    if not passages or not terms:
        return [], 0.0
    sentences = [s for rank, p in enumerate(passages) for s in _sentences(p, rank)]
    weights = _weights(terms, sentences, index)
    for sentence in sentences:
        _score(sentence, query, weights)
    sentences.sort(key=lambda s: -s.score)
    chosen = _choose(sentences, query)
    if chosen and not _names_grounded(query, chosen, index):
        return [], 0.0
    return chosen, _evidence(chosen, weights)


def _weights(terms: list[str], sentences: list[_Sentence], index: IndexReader) -> dict[str, float]:
    """Global IDF, damped for terms that most candidate sentences share (the topic, not the asked fact)."""
    folded = [set(fold(t) for t in syllables(s.text)) for s in sentences]
    n = max(len(folded), 1)
    weights = {}
    for term in terms:
        df = sum(term in f for f in folded)
        local = math.log(1 + n / df) / math.log(1 + n) if df else 1.0
        weights[term] = index.idf.get(term, index.default_idf()) * (0.3 + 0.7 * local)
    return weights


def _query_terms(query: Query) -> list[str]:
    text = query.search_text
    if query.language == "en":  # only glossary terms, Vietnamese names and numbers can match the documents
        names = [w for w in query.text.split() if has_diacritics(w)]
        text = text[len(query.text) :] + " " + " ".join(names + re.findall(r"\d+", query.text))
    return content_terms(syllables(text))


def _sentences(passage: Passage, rank: int) -> list[_Sentence]:
    out = []
    for match in re.finditer(r"[^\n]+", passage.text):
        for start, end in split_sentences(match.group(0), match.start()):
            text = passage.text[start:end].strip()
            if len(syllables(text)) >= 4:
                out.append(_Sentence(passage, rank, start, end, text))
    return out


def _score(sentence: _Sentence, query: Query, weights: dict[str, float]) -> None:
    tokens = [fold(s) for s in syllables(sentence.text)]
    token_set = set(tokens)
    present = frozenset(t for t in weights if t in token_set)
    coverage = sum(weights[t] for t in present) / sum(weights.values())
    bigrams = set(zip(weights, list(weights)[1:], strict=False))
    bigram_cov = len(bigrams & set(zip(tokens, tokens[1:], strict=False))) / len(bigrams) if bigrams else coverage
    sentence.typed = has_answer_type(sentence.text, query)
    bonus = 0.15 if sentence.typed else 0.0
    if query.qtype == "date" and query.number_keys and _issued_on(sentence.text, query):
        bonus += 0.3  # "Nghị quyết số 57-NQ/TW, ngày 22/12/2024": the way a document's date is written
    long_penalty = 0.1 if len(tokens) > 90 else 0.0
    sentence.terms = present
    sentence.score = 0.7 * coverage + 0.3 * bigram_cov + bonus - 0.04 * sentence.rank - long_penalty


def has_answer_type(text: str, query: Query) -> bool:
    """Does the sentence hold the kind of value asked for (a date, a number, a person), new to the question?"""
    pattern = _TYPE_PATTERNS.get(query.qtype)
    if pattern is None:
        return False
    taken = [(a, b) for a, b, _ in number_spans(text)]
    asked = set(re.findall(r"\d+", query.text))
    for match in pattern.finditer(text):
        inside_number = any(a <= match.start() < b for a, b in taken)
        digits = set(re.findall(r"\d+", match.group(0)))
        if not inside_number and (not digits or not digits <= asked):
            return True
    return False


def _issued_on(text: str, query: Query) -> bool:
    for start, end, canonical in number_spans(text):
        if number_key(canonical) in query.number_keys and _DATE.search(text[end : end + 40]):
            return True
    return False


def _choose(ranked: list[_Sentence], query: Query) -> list[_Sentence]:
    """The best sentence, plus up to two more that are nearly as good and add query terms.

    A question that wants a date, number or person is answered only by sentences holding one.
    """
    if not ranked or ranked[0].score <= 0:
        return []
    if query.qtype in _TYPE_PATTERNS:
        typed = [s for s in ranked if s.typed]
        if not typed or typed[0].score < 0.6 * ranked[0].score:
            return [] if query.qtype in ("date", "number") else ranked[:1]
        ranked = typed
    best = ranked[0]
    chosen, covered = [best], set(best.terms)
    for sentence in ranked[1:]:
        if len(chosen) >= MAX_SENTENCES:
            break
        if sentence.score < 0.8 * best.score or any(_same(sentence, c) for c in chosen):
            continue
        if sentence.terms - covered or query.qtype == "list":
            chosen.append(sentence)
            covered |= sentence.terms
    return chosen


def _same(a: _Sentence, b: _Sentence) -> bool:
    return fold(a.text.lower()) == fold(b.text.lower())


_GENERIC = frozenset(
    """ban chi dao bo chinh tri tinh uy dang bi thu chu tich hoi nghi ke hoach quyet dinh pho truong thuong
    truc so van phong trung uong nha nuoc quoc hoi chinh phu tong thu tuong doan mat tran to viet nam
    phien hop thanh vien uy vien khoa hoc cong nghe doi moi sang tao chuyen doi dai bieu hop nhan dan
    theo ai gi nao the con dong xa tinh phuong huyen thanh pho khi trong truoc sau o nguoi tai voi cua va
    nhung cac mot vay neu de du lieu""".split()
)


def question_names(text: str) -> list[str]:
    """Proper names in a question (places, people): runs of capitalised syllables, not generic titles."""
    runs: list[list[str]] = [[]]
    for word in re.findall(r"[\w]+", text):
        if word[0].isupper() and not word.isupper():
            runs[-1].append(word)
        elif runs[-1]:
            runs.append([])
    return [
        " ".join(run) for run in runs if len(run) >= 2 and any(fold(w.lower()) not in _GENERIC for w in run)
    ]


def _names_grounded(query: Query, chosen: list[_Sentence], index: IndexReader) -> bool:
    """Every name the question gives must stand in an answer's passage, title or document places.

    "Ngân sách chuyển đổi số của Thái Nguyên" answered from a Gia Lai article would be a wrong answer.
    """
    parts = [f"{s.passage.text} {s.passage.title} {' '.join(index.meta(s.passage.doc_id).places)}" for s in chosen]
    context = fold(" ".join(parts).lower())
    return all(fold(name.lower()) in context for name in question_names(query.text))


def _evidence(chosen: list[_Sentence], weights: dict[str, float]) -> float:
    """How well the chosen sentences support an answer: share of the question's weighted terms they hold."""
    if not chosen:
        return 0.0
    covered = set().union(*(s.terms for s in chosen))
    coverage = sum(weights[t] for t in covered) / sum(weights.values())
    return 0.5 * coverage + 0.5 * max(s.score for s in chosen)


def _cite(sentence: _Sentence) -> str:
    text = sentence.text.rstrip(" .;:,")
    return f"{text} [{sentence.passage.n}]."


def _refusal(query: Query, passages: list[Passage]) -> Answer:
    topic = query.text.strip().rstrip("?").strip()
    if query.language == "en":
        text = f"The available documents do not cover this: “{topic}”. (Tài liệu hiện có không đề cập đến nội dung này.)"
    else:
        text = f"Tài liệu hiện có không đề cập đến nội dung: “{topic}”."
    if passages:
        text += " Các đoạn gần nhất được liệt kê bên dưới để tham khảo."
    return Answer(answer=text, sources=passages, refused=True)
