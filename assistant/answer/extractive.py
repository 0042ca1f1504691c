"""The extractive answerer: picks the sentences of the retrieved passages that answer, and cites them.

No language model: every sentence of the answer is copied from a passage and ends with its [n] marker,
so numbers and dates are exact by construction. Weak evidence means an honest refusal.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from assistant.answer.citations import cited_first
from assistant.answer.evidence import (
    LIST_PREFIX,
    TYPE_PATTERNS,
    answers_when,
    counts_unit,
    has_answer_type,
    holds_phrases,
    issued_on,
    known_places,
    mentions_bodies,
    mentions_months,
    mentions_periods,
    mentions_servants,
    names_document,
)
from assistant.answer.refusal import refusal
from assistant.types import Answer, Passage
from assistant.understand.features import question_names
from assistant.understand.query import Query
from core.docnumbers import number_key, number_of, number_spans, query_numbers
from core.index.reader import IndexReader
from core.sentences import split_sentences
from core.vntext import content_terms, fold, folded_syllable_set, has_diacritics, syllables

MAX_SENTENCES = 3
MAX_LIST_ITEMS = 8
OWN_DOCUMENT_BONUS = 0.1
NUMBER_TERM_WEIGHT = 0.25
BACKGROUND_WEIGHT = 0.5
RANK_PRIOR = 0.03  # evidence_order: what one step down the retrieval ranking costs a passage
_ISSUANCE = re.compile(r"\b(ban hanh|ky|thong qua|hieu luc|ra doi|issued|signed|adopted)\b")
_LIST_ITEM = re.compile(r"\s*(?:[-–•+*]\s|[a-zđ][)]\s|\d{1,2}(?:\.\d{1,2})*[.)]\s)")


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
    support: float = 0.0  # weighted share of the question's terms in the sentence (+ its context)
    lead: str = ""  # a list item's: the line opening its list ("Người giới thiệu phải:")
    lead_terms: frozenset[str] = frozenset()  # the question's terms that line holds and the sentence does not


def extractive_answer(query: Query, passages: list[Passage], index: IndexReader, threshold: float) -> Answer:
    """Answer from the passages, or refuse when they do not support an answer."""
    return answer_with_evidence(query, passages, index, threshold)[0]


def answer_with_evidence(
    query: Query, passages: list[Passage], index: IndexReader, threshold: float
) -> tuple[Answer, float]:
    """The answer (or refusal) and the evidence strength it was judged on (for evaluation and calibration)."""
    chosen, evidence = analyse(query, passages, index)
    if not chosen or evidence < threshold:
        return refusal(query, passages), evidence
    sources, number = cited_first(passages, [s.passage for s in chosen])
    text = " ".join(_cite(s, number[s.passage.chunk_id]) for s in chosen)
    return Answer(answer=text, sources=sources, refused=False), evidence


def analyse(query: Query, passages: list[Passage], index: IndexReader) -> tuple[list[_Sentence], float]:
    """The sentences that would answer, and the evidence strength the refusal threshold is compared with."""
    terms = _query_terms(query)
    if not passages or not terms:
        return [], 0.0
    # The retrieval rank is a prior: by score, whatever order the passages are shown in (`evidence_order`).
    by_score = sorted(range(len(passages)), key=lambda i: -passages[i].score)
    rank = {i: r for r, i in enumerate(by_score)}
    sentences = [s for i, p in enumerate(passages) for s in _sentences(p, rank[i])]
    weights = _term_weights(query, terms, sentences, index)
    if query.background:  # one part of a question asking several things: its own words choose the sentence
        own_words = set(content_terms(syllables(query.asked)))
        for term in weights:
            if term not in own_words:
                weights[term] *= BACKGROUND_WEIGHT
    if query.qtype == "yesno":  # "… có được tổ chức trực tuyến không?": the predicate is what is asked
        for term in terms[-2:]:
            weights[term] *= 2
    _score_all(sentences, query, weights, index)
    sentences.sort(key=lambda s: -s.score)
    # A document the question names that the collection does not hold but cites: only text about it can answer
    # ("How much did Resolution 196/2025/QH15 allocate …" is not answered by another budget figure).
    cited_only = [key for key in query.number_keys if key not in index.owners and key not in _part_keys(passages)]
    if cited_only:  # judged once per passage: its title, section and text
        about = {p.chunk_id for p in passages if _names_keys(_read_under(p), cited_only)}
        sentences = [s for s in sentences if s.passage.chunk_id in about]
    # "… trước thời điểm nào?" is not answered by the date of a cited letter, "… có hiệu lực từ khi nào?" not by a
    # task's deadline
    sentences = [s for s in sentences if answers_when(f"{s.lead} {s.text}", query)]
    chosen = _choose(sentences, query)
    if chosen and not _names_grounded(query, chosen, index):
        return [], 0.0
    return chosen, _evidence(chosen, weights)


def evidence_order(query: Query, passages: list[Passage], index: IndexReader) -> list[Passage]:
    """The passages reordered by how well their best sentence answers, with the retrieval order as a prior.

    Retrieval ranks whole chunks by shared words and meaning; the sentence that states the asked fact (its
    terms together, the asked type of value, the document's own clause) tells which chunk answers. Renumbered.
    """
    terms = _query_terms(query)
    if len(passages) < 2 or not terms:
        return passages
    sentences = [s for p in passages for s in _sentences(p, 0)]
    _score_all(sentences, query, _term_weights(query, terms, sentences, index), index)
    best: dict[str, float] = {}
    for sentence in sentences:
        best[sentence.passage.chunk_id] = max(best.get(sentence.passage.chunk_id, 0.0), sentence.score)
    order = sorted(range(len(passages)), key=lambda i: -(best.get(passages[i].chunk_id, 0.0) - RANK_PRIOR * i))
    return [replace(passages[i], n=n) for n, i in enumerate(order, start=1)]


def _term_weights(query: Query, terms: list[str], sentences: list[_Sentence], index: IndexReader) -> dict[str, float]:
    weights = _weights(terms, sentences, index)
    for term in _number_terms(query):
        if term in weights:  # "77/2025/NĐ-CP" names the document; what is asked about it is in the other words
            weights[term] *= NUMBER_TERM_WEIGHT
    return weights


def _score_all(sentences: list[_Sentence], query: Query, weights: dict[str, float], index: IndexReader) -> None:
    own = {doc_id for key in query.number_keys for doc_id in index.owners.get(key, [])}
    for sentence in sentences:
        _score(sentence, query, weights)
        if sentence.passage.doc_id in own:
            sentence.score += OWN_DOCUMENT_BONUS  # the document's own clause, not a text that merely cites it


def _weights(terms: list[str], sentences: list[_Sentence], index: IndexReader) -> dict[str, float]:
    """Global IDF, damped for terms that most candidate sentences share (the topic, not the asked fact)."""
    folded = [folded_syllable_set(s.text) for s in sentences]
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


def _number_terms(query: Query) -> set[str]:
    """The folded syllables of the document numbers the question names ("77", "2025", "nd", "cp")."""
    if not query.number_keys:
        return set()
    spans = number_spans(query.text)
    found = {fold(w).lower() for start, end, _ in spans for w in syllables(query.text[start:end])}
    return found | {str(number) for key in query.number_keys if (number := number_of(key)) is not None}


# A worked example in a decree ("Ví dụ: Anh A … 60 triệu đồng"): its figures illustrate a rule, they state nothing.
_EXAMPLE = re.compile(r"^\W*(?:Ví dụ|VD|Thí dụ)\s*(?:\d+\s*)?[:：.]", re.IGNORECASE)
# "Nơi nhận:" and the "- Như trên; - Lưu: VT." lines under it: who gets a copy, never what the text says.
_DISTRIBUTION = re.compile(r"^\W*(?:Nơi nhận|NƠI NHẬN)\b")


def _sentences(passage: Passage, rank: int) -> list[_Sentence]:
    out = []
    in_distribution = False
    for match in re.finditer(r"[^\n]+", passage.text):
        line = match.group(0)
        if _DISTRIBUTION.match(line):
            in_distribution = True
            continue
        if in_distribution and _LIST_ITEM.match(line):
            continue
        in_distribution = False
        if _EXAMPLE.match(line):  # "Ví dụ: Anh A được cử đi học 02 năm, chi phí 60 triệu …": an illustration
            continue
        span = _lead_span(passage.text, match.start())
        lead = passage.text[span[0] : span[1]] if span else ""
        for start, end in split_sentences(line, match.start()):
            text = passage.text[start:end].strip()
            if _answers_alone(text):
                out.append(_Sentence(passage, rank, start, end, text, lead=lead))
    return out


_HEADING = re.compile(r"^(?:Điều|Chương|Mục|Phần|Phụ lục|PHỤ LỤC|CHƯƠNG|ĐIỀU)\s+[\dIVXLC]+[.:]?\s")
_MIN_WORDS = 5
_MAX_TITLE_WORDS = 12  # an article heading with a full stop but this short ("Điều 3. Hiệu lực thi hành.") is a title
# The national heading, its motto and the dateline of an official text ("Hà Nội, ngày 14 tháng 3 năm 2025").
_HEADER_LINE = re.compile(
    r"^(?:CỘNG HÒA XÃ HỘI|ĐẢNG CỘNG SẢN VIỆT NAM|Độc lập\s*-\s*Tự do)"
    r"|^[^\d,]{2,30},\s*ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}\.?$"
)


def number_free(text: str) -> str:
    """The text without its document numbers ("Số: 171/2025/NĐ-CP" → "Số: ")."""
    for start, end, _ in reversed(number_spans(text)):
        text = text[:start] + text[end:]
    return text


def _answers_alone(text: str) -> bool:
    """Can this sentence stand as an answer? Not a header line ("Số: 11306/VPCP-NN"), not an article heading
    ("Điều 1. Sắp xếp …": the clauses under it say what it does), not a broken piece starting mid-word.
    """
    if _HEADER_LINE.search(text) or (_HEADING.match(text) and _is_title(text)):
        return False
    letters = [c for c in text if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        return False  # an issuing body, a kind heading or a title in capitals: a heading, not a statement
    body = LIST_PREFIX.sub("", text)
    if body == text and body[:1].islower():
        return False  # "ị định số 158/…": a crawl fragment, not a sentence with its subject ("a) xây dựng …" is one)
    words = [w for w in syllables(number_free(body)) if any(c.isalpha() for c in w)]
    return len(words) >= _MIN_WORDS


def _is_title(text: str) -> bool:
    """ "Điều 4. Hiệu lực và trách nhiệm thi hành" names an article; "Điều 1. Ban hành kèm theo Quyết định này Danh
    mục 229 thủ tục …." states what it does, in a sentence of its own."""
    return not re.search(r"[.;!?…)]\s*$", text) or len(syllables(_HEADING.sub("", text))) <= _MAX_TITLE_WORDS


def _score(sentence: _Sentence, query: Query, weights: dict[str, float]) -> None:
    """Terms the sentence holds count fully; terms only its passage or title holds count a third."""
    tokens = [fold(s) for s in syllables(sentence.text)]
    # A news sentence inherits its article's topic: terms of the title count as the sentence's own.
    title = folded_syllable_set(sentence.passage.title)
    own = frozenset(t for t in weights if t in set(tokens) or t in title)
    context = _context_terms(sentence.passage, weights) - own
    total = sum(weights.values())
    coverage = (sum(weights[t] for t in own) + sum(weights[t] for t in context) / 3) / total
    # A list item is said with the line opening its list ("Người giới thiệu phải:" over "- … ít nhất một năm"):
    # its words are evidence for the answer, but not a ranking between the items of one list, which all share them.
    sentence.lead_terms = frozenset(t for t in weights if t in folded_syllable_set(sentence.lead)) - own
    bigrams = set(zip(weights, list(weights)[1:], strict=False))
    bigram_cov = len(bigrams & set(zip(tokens, tokens[1:], strict=False))) / len(bigrams) if bigrams else coverage
    sentence.typed = has_answer_type(sentence.text, query)
    bonus = 0.15 if sentence.typed else 0.0
    if query.qtype == "number" and counts_unit(sentence.text, query):
        bonus += 0.3  # "bao nhiêu nhiệm vụ" answered by "452 nhiệm vụ"
    if query.qtype == "date" and query.number_keys and issued_on(sentence.text, query):
        bonus += 0.3  # "Nghị quyết số 57-NQ/TW, ngày 22/12/2024": the way a document's date is written
    long_penalty = 0.1 if len(tokens) > 90 else 0.0
    sentence.terms = own
    sentence.support = coverage
    sentence.score = 0.7 * coverage + 0.3 * bigram_cov + bonus - 0.04 * sentence.rank - long_penalty


def _context_terms(passage: Passage, weights: dict[str, float]) -> frozenset[str]:
    tokens = folded_syllable_set(f"{passage.title} {passage.section} {passage.text}")
    return frozenset(t for t in weights if t in tokens)


def _choose(ranked: list[_Sentence], query: Query) -> list[_Sentence]:
    """The best sentence, plus up to two more that are nearly as good and add query terms.

    A question that wants a date, number or person is answered only by sentences holding one.
    """
    if not ranked or ranked[0].score <= 0:
        return []
    all_sentences = ranked
    if query.qtype == "number" and query.unit:
        # "bao nhiêu thành viên": without "<number> thành viên" in the passages, the documents do not say.
        narrowed = _qualified({s.passage.chunk_id: s.passage for s in ranked}.values(), query)
        ranked = [s for s in ranked if counts_unit(s.text, query) and s.passage.chunk_id in narrowed]
        if not ranked:
            return []
    if query.wants_number:  # "… bằng quyết định số mấy?": a sentence without a document number does not answer
        ranked = [s for s in ranked if any(number_key(n) not in query.number_keys for *_, n in number_spans(s.text))]
        if not ranked:
            return []
    phrases = query.phrases
    if phrases:  # "phiên họp thứ hai", "Giám đốc Sở": a sentence about another session or role does not answer
        ranked = [s for s in ranked if holds_phrases(f"{s.passage.title} {s.passage.section} {s.text}", phrases)]
        if query.qtype == "person":  # "Ai là Giám đốc Sở Y tế?" is answered by a name, not by the title alone
            asked = {fold(n.lower()) for n in query.names}
            ranked = [s for s in ranked if any(fold(n.lower()) not in asked for n in question_names(s.text))]
        if not ranked:
            return []
    if query.qtype == "date" and query.number_keys and _ISSUANCE.search(fold(query.asked.lower())):
        # "Nghị quyết 71-NQ/CP ban hành ngày nào?": the date must be written beside that document's number.
        # ("Theo Nghị quyết 03/NQ-CP, … hạn hoàn thành khi nào?" names its source, not the date's subject.)
        ranked = [s for s in ranked if names_document(s.text, query)]
        if not ranked:
            return []
    if query.qtype in TYPE_PATTERNS:
        typed = [s for s in ranked if s.typed]
        if not typed or typed[0].score < 0.6 * ranked[0].score:
            return [] if query.qtype in ("date", "number") else ranked[:1]
        ranked = typed
    best = ranked[0]
    if query.qtype == "list":
        best = _lead_in(best, all_sentences) or best  # an item of the list: answer with the whole list
        if re.search(r"(:|\bgồm)\s*$|:\s", best.text):
            return _with_continuation(best, all_sentences)
    elif best.text.endswith(":"):
        return _with_continuation(best, all_sentences)  # "Người giới thiệu phải:" says nothing without its items
    chosen, covered = [best], set(best.terms)
    # A date or a number is one fact in one sentence; a person question often needs the next sentence.
    limit = {"date": 1, "number": 1, "person": 2, "yesno": 2}.get(query.qtype, MAX_SENTENCES)
    for sentence in ranked[1:]:
        if len(chosen) >= limit:
            break
        if sentence.score < 0.85 * best.score or any(_same(sentence, c) for c in chosen):
            continue
        if sentence.terms - covered or query.qtype == "list":
            chosen.append(sentence)
            covered |= sentence.terms
    lead = _lead_in(best, all_sentences) if best.lead else None
    if lead is not None and not any(_same(lead, c) for c in chosen):  # "- Là đảng viên …" says whose condition it is
        chosen.insert(0, lead)
    return _cover_names(chosen, ranked, query)


def _lead_in(item: _Sentence, sentences: list[_Sentence]) -> _Sentence | None:
    """For a sentence on a list item line ("- …", "a) …"), the line ending in ":" that opens its list."""
    span = _lead_span(item.passage.text, item.start)
    if span is None:
        return None
    known = next((s for s in sentences if s.passage is item.passage and s.start == span[0]), None)
    text = item.passage.text[span[0] : span[1]].strip()
    return known or _Sentence(item.passage, item.rank, span[0], span[1], text, terms=item.terms)


def _lead_span(text: str, start: int) -> tuple[int, int] | None:
    """Where the line opening the list that the item line at `start` belongs to is ("2. Người giới thiệu phải :"
    above "- Là đảng viên chính thức …"), or None when `start` is not on a list item or no such line is above it."""
    line_start = text.rfind("\n", 0, start) + 1
    if not _LIST_ITEM.match(text[line_start:]):
        return None
    end = line_start - 1
    for _ in range(MAX_LIST_ITEMS * 2):  # back over the item's siblings, up to the line that opens the list
        if end <= 0:
            return None
        begin = text.rfind("\n", 0, end) + 1
        line = text[begin:end].strip()
        if re.search(r"(:|\bgồm)\s*$", line):
            return begin, end
        if line and not _LIST_ITEM.match(line):
            return None
        end = begin - 1
    return None


def _with_continuation(best: _Sentence, sentences: list[_Sentence]) -> list[_Sentence]:
    """A list introduced by "gồm:" goes on in the next sentences of its paragraph, or in the list items under it."""
    text = best.passage.text
    line_end = text.find("\n", best.end)
    line_end = len(text) if line_end < 0 else line_end
    following = sorted(
        (s for s in sentences if s.passage is best.passage and s.start >= best.end), key=lambda s: s.start
    )
    same_line = [s for s in following if s.start < line_end]
    if same_line:
        return [best, *same_line[: MAX_SENTENCES + 1]]
    items: list[_Sentence] = []
    for sentence in following:  # "1. …", "a) …", "- …" lines right under the lead-in, until the list ends
        line_start = text.rfind("\n", 0, sentence.start) + 1
        if sentence.start == line_start and not _LIST_ITEM.match(text[line_start:]):
            break
        if sentence.start == line_start:
            items.append(sentence)
        if len(items) >= MAX_LIST_ITEMS:
            break
    return [best, *items]


def _cover_names(chosen: list[_Sentence], ranked: list[_Sentence], query: Query) -> list[_Sentence]:
    """For "Gia Lai và Thái Nguyên …", add the best sentence about each name the answer lacks."""
    names = query.names
    if len(names) < 2:
        return chosen
    for name in names:
        key = fold(name.lower())
        if any(key in fold(f"{s.text} {s.passage.title}".lower()) for s in chosen):
            continue
        for sentence in ranked:
            if key in fold(f"{sentence.text} {sentence.passage.title}".lower()) and sentence not in chosen:
                chosen.append(sentence)
                break
    return chosen


def _read_under(passage: Passage) -> str:
    """What a sentence of the passage is read under: its title, section and the passage's text."""
    return f"{passage.title} {passage.section} {passage.text}"


def _qualified(passages: Iterable[Passage], query: Query) -> set[str]:
    """Chunk ids of the passages that speak of the thing counted with the words narrowing it ("doanh nghiệp kỳ
    lân")."""
    out = set()
    for passage in passages:
        words = folded_syllable_set(_read_under(passage))
        if all(any(w in words for w in alternatives) for alternatives in query.qualifiers):
            out.add(passage.chunk_id)
    return out


def _names_keys(text: str, keys: list[str]) -> bool:
    """Does the text name each document, formally ("193/2025/QH15") or as people write it ("Đề án 06")?"""
    found = {number_key(n) for *_, n in number_spans(text)} | set(query_numbers(text))
    return all(key in found for key in keys)


def _part_keys(passages: list[Passage]) -> set[str]:
    """Numbers of the documents held as parts of a file ("Kết luận số 69-KL/TW" inside a compilation)."""
    return {number_key(n) for p in passages for *_, n in number_spans(p.title)}


def _same(a: _Sentence, b: _Sentence) -> bool:
    return fold(a.text.lower()) == fold(b.text.lower())


def _names_grounded(query: Query, chosen: list[_Sentence], index: IndexReader) -> bool:
    """Every name the question gives must stand in an answer sentence, its title or its document's main place.

    "Ngân sách chuyển đổi số của Thái Nguyên" answered from a Gia Lai article would be a wrong answer, and so
    would "Yên Bái thành lập Ban Chỉ đạo ngày nào?" answered with a date that is about Thái Nguyên.
    """
    parts = []
    for s in chosen:
        meta = index.meta(s.passage.doc_id)
        # A news report is about its first place; an official text's first place is only where it was signed.
        place = meta.places[0] if meta.places and not meta.number else ""
        dated = f"{int(meta.date[5:7])}/{meta.date[:4]}" if meta.date and len(meta.date) >= 7 else ""
        parts.append(f"{s.text} {s.passage.title} {s.passage.section} {place} {meta.issuer or ''} {dated}")
    context = fold(" ".join(parts).lower())
    names = {fold(name.lower()) for name in query.names} | known_places(query, index)
    # "Bộ Nội vụ …" answered from a decree that never names the ministry would speak for it.
    # … and "giai đoạn 2021–2025" answered from a plan for 2026–2030 would give the wrong period's figure.
    raw = " ".join(parts)
    return (
        all(name in context for name in names)
        and mentions_bodies(raw, query.bodies)
        and mentions_periods(raw, query.periods)
        and mentions_months(raw, query.months)  # "đến hết tháng 9/2025" is not answered by a May report
        and all(mentions_servants(f"{s.lead} {s.text}", query.asked) for s in chosen)
    )


def _evidence(chosen: list[_Sentence], weights: dict[str, float]) -> float:
    """Weighted share of the question's terms found in the answer sentences (or, a third, their passages)."""
    if not chosen:
        return 0.0
    total = sum(weights.values())
    own = set().union(*(s.terms | s.lead_terms for s in chosen))
    context = set().union(*(_context_terms(s.passage, weights) for s in chosen)) - own
    return (sum(weights[t] for t in own) + sum(weights[t] for t in context) / 3) / total


def _cite(sentence: _Sentence, n: int) -> str:
    text = sentence.text.rstrip(" .;:,")
    return f"{text} [{n}]."
