"""Lesson packs for trainers: key points, FAQ, quiz, glossary and sources on one topic, every item cited.

Extractive by default: key points are sentences copied from the passages, the FAQ is answered by the
assistant's own question path (faq.py), the quiz blanks facts out of sentences (quiz.py, facts.py). With a chat
model, key points may be rephrased for the audience, each rephrasing checked like an LLM answer; one that fails
keeps the copied sentence. A topic the documents do not cover is refused, as a question would be.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import UTC, datetime
from typing import Any, cast

from assistant.answer.checks import check_answer
from assistant.answer.citations import MARKER
from assistant.answer.extractive import analyse
from assistant.answer.prompts import build_messages
from assistant.deps import Deps
from assistant.material.facts import Pool, canon, find_facts
from assistant.material.faq import build_faq
from assistant.material.glossary import glossary
from assistant.material.quiz import Candidate, build_quiz
from assistant.material.types import (
    AUDIENCES,
    MAX_TOPIC_CHARS,
    POINTS_RANGE,
    QUESTIONS_RANGE,
    Audience,
    KeyPoint,
    LessonPack,
    SourceRef,
)
from assistant.types import Passage
from assistant.understand.query import Query, understand
from core.docnumbers import number_key
from core.errors import UpstreamError, UserInputError
from core.sentences import split_sentences
from core.vntext import content_terms, fold, folded_syllable_set, nfc, syllables

logger = logging.getLogger(__name__)

SEARCH_K = 15
# A lesson needs more than an answer does: the topic's terms well covered, not just touched.
MIN_EVIDENCE = 0.5
MIN_COVERAGE = 0.6
KEY_WORDS = (15, 60)
SIMILAR = 0.6  # folded-syllable Jaccard above which two sentences say the same thing
AUDIENCE_FOCUS = {"can-bo-xa": "cấp xã", "dang-vien": "đảng viên", "nguoi-dan": "người dân"}
# Kept simple: a sentence naming one of these (lowercase) gets a small bonus for that audience.
AUDIENCE_TERMS = {
    "can-bo-xa": re.compile(r"\b(?:cấp xã|xã(?! hội)|phường|chính quyền địa phương|thủ tục hành chính)\b"),
    "dang-vien": re.compile(r"\b(?:đảng viên|tổ chức đảng|cơ quan đảng|đảng ủy|đảng uỷ|chi bộ|nghị quyết)\b"),
    "nguoi-dan": re.compile(r"\b(?:người dân|nhân dân|bình dân học vụ số|dịch vụ công|kỹ năng số|kiến thức số)\b"),
}
_DECISION = re.compile(r"\b(ban hanh|quyet dinh|phe duyet|thanh lap|chi tieu|muc tieu|phat dong|ke hoach)\b")
_SOURCE_TAG = re.compile(r"\([A-ZĐ]{2,8}\)\s*[-–]\s*")


class NotEnoughDocumentsError(UserInputError):
    """The documents say too little about the topic to build a lesson from them."""

    code = "not_enough_documents"

    def __init__(self, topic: str) -> None:
        super().__init__(
            f"Not enough documents to build a lesson on “{topic}”: ingest documents about it "
            "(`assistant ingest`) or choose a topic they cover.",
            f"Không đủ tài liệu để soạn bài về chủ đề: “{topic}”. Hãy nạp thêm văn bản về chủ đề này "
            "hoặc chọn chủ đề mà tài liệu hiện có đề cập.",
        )


@dataclass
class _Sentence:
    text: str
    passage: Passage
    rank: int
    start: int
    score: float = 0.0


class _Sources:
    """Numbers the passages in order of first citation: only items that are kept cite."""

    def __init__(self) -> None:
        self.cited: dict[str, tuple[int, Passage]] = {}

    def cite(self, passage: Passage) -> int:
        if passage.chunk_id not in self.cited:
            self.cited[passage.chunk_id] = (len(self.cited) + 1, passage)
        return self.cited[passage.chunk_id][0]

    def refs(self) -> list[SourceRef]:
        return [
            SourceRef(n, p.doc_id, p.title, p.date, list(p.numbers), p.source, p.chunk_id, p.text)
            for n, p in self.cited.values()
        ]


def build_pack(deps: Deps, topic: str, audience: str = "can-bo-xa", points: int = 6, questions: int = 10) -> LessonPack:
    """A lesson pack on `topic` for `audience`; NotEnoughDocumentsError when the documents do not cover it."""
    topic = validate_request(topic, audience, points, questions)
    query = understand(topic)
    passages = _retrieve(deps, query, audience)
    _require_evidence(deps, topic, query, passages)
    ranked = _rank_sentences(deps, query, passages, audience)
    sources, warnings = _Sources(), list[str]()
    key_points = _key_points(deps, ranked, points, audience, set(_weights(deps, query)), sources, warnings)
    if not key_points:
        raise NotEnoughDocumentsError(topic)
    faq, faq_warnings = build_faq(deps, topic, audience, [s.text for s in ranked[:20]], sources.cite)
    candidates = [Candidate(s.text, s.passage) for s in ranked if len(s.text.split()) >= 10]
    pool = Pool(chunk.text for _cid, chunk in sorted(deps.index.chunks.items()))
    quiz, quiz_warnings = build_quiz(candidates, pool, questions, sources.cite)
    pack = LessonPack(
        topic=topic,
        audience=cast(Audience, audience),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        mode="extractive" if deps.chat_model is None else "llm",
        key_points=key_points,
        faq=faq,
        quiz=quiz,
        sources=sources.refs(),
        warnings=warnings + faq_warnings + quiz_warnings,
    )
    pack.glossary = glossary(pack)
    return _nfc(pack)


def validate_request(topic: str, audience: str, points: int, questions: int) -> str:
    """The topic stripped and NFC; 422 errors naming what is allowed."""
    text = nfc(topic or "").strip()
    if not text or len(text) > MAX_TOPIC_CHARS:
        raise UserInputError(
            f"The topic must have 1 to {MAX_TOPIC_CHARS} characters (it has {len(text)}).",
            f"Chủ đề phải dài từ 1 đến {MAX_TOPIC_CHARS} ký tự (hiện có {len(text)} ký tự).",
        )
    if audience not in AUDIENCES:
        allowed = ", ".join(AUDIENCES)
        raise UserInputError(
            f"Unknown audience {audience!r}; allowed: {allowed}.",
            f"Đối tượng {audience!r} không hợp lệ. Giá trị cho phép: {allowed}.",
        )
    for name, value, (low, high) in (("points", points, POINTS_RANGE), ("questions", questions, QUESTIONS_RANGE)):
        if not low <= value <= high:
            raise UserInputError(
                f"{name}={value} is out of range: use {low} to {high}.",
                f"Số {'ý chính' if name == 'points' else 'câu hỏi'} phải từ {low} đến {high} (đang là {value}).",
            )
    return text


def _retrieve(deps: Deps, query: Query, audience: str) -> list[Passage]:
    """Passages for the topic, then for the topic seen from the audience ("… cấp xã"), de-duplicated."""
    passages = deps.retriever.search(query, SEARCH_K)
    focused = deps.retriever.search(understand(f"{query.text} {AUDIENCE_FOCUS[audience]}"), SEARCH_K // 3)
    seen = {p.chunk_id for p in passages}
    return passages + [p for p in focused if p.chunk_id not in seen]


def _require_evidence(deps: Deps, topic: str, query: Query, passages: list[Passage]) -> None:
    """Refuse unless the answerer's evidence, the share of topic terms, the names and numbers all hold."""
    weights = _weights(deps, query)
    found = folded_syllable_set(" ".join(f"{p.title} {p.text}" for p in passages[:8]))
    coverage = sum(w for t, w in weights.items() if t in found) / (sum(weights.values()) or 1.0)
    evidence = analyse(query, passages, deps.index)[1]
    context = fold(" ".join(f"{p.title} {p.text}" for p in passages).lower())
    names_ok = all(fold(name.lower()) in context for name in query.names)
    numbers = {number_key(n) for p in passages for n in p.numbers}
    numbers_ok = all(key in numbers for key in query.number_keys)  # "68-NQ/TW" is not "57-NQ/TW"
    logger.info("topic %r: evidence %.2f, coverage %.2f", query.text, evidence, coverage)
    strong = evidence >= max(MIN_EVIDENCE, deps.settings.refuse_threshold) and coverage >= MIN_COVERAGE
    if not (strong and names_ok and numbers_ok):
        raise NotEnoughDocumentsError(topic)


def _weights(deps: Deps, query: Query) -> dict[str, float]:
    terms = content_terms(syllables(query.search_text))
    return {t: deps.index.idf.get(t, deps.index.default_idf()) for t in terms}


# -- sentences and key points --------------------------------------------------------------------------------


def _rank_sentences(deps: Deps, query: Query, passages: list[Passage], audience: str) -> list[_Sentence]:
    """Every sentence of the passages, best first: topic terms (own, then its passage's), facts, audience."""
    weights = _weights(deps, query)
    total = sum(weights.values()) or 1.0
    pairs = set(zip(weights, list(weights)[1:], strict=False))
    names = [fold(name.lower()) for name in query.names]
    ranked = []
    for rank, passage in enumerate(passages):
        context = folded_syllable_set(f"{passage.title} {passage.text}")
        # "… tỉnh Thái Nguyên": a passage that does not name the place or person is about something else
        elsewhere = 0.3 if any(n not in fold(f"{passage.title} {passage.text}".lower()) for n in names) else 0.0
        for start, text in _sentences(passage):
            tokens = [fold(s) for s in syllables(text)]
            own = set(tokens) & set(weights)
            near = (set(weights) & context) - own
            coverage = (sum(weights[t] for t in own) + sum(weights[t] for t in near) / 3) / total
            pair_cov = len(pairs & set(zip(tokens, tokens[1:], strict=False))) / len(pairs) if pairs else coverage
            score = 0.7 * coverage + 0.3 * pair_cov + _bonus(text, audience) - 0.01 * rank - elsewhere
            ranked.append(_Sentence(text, passage, rank, start, score))
    ranked.sort(key=lambda s: (-s.score, s.rank, s.start))
    return ranked


def _sentences(passage: Passage) -> list[tuple[int, str]]:
    out = []
    for line in re.finditer(r"[^\n]+", passage.text):
        for start, end in split_sentences(line.group(0), line.start()):
            text = passage.text[start:end].strip()
            tag = _SOURCE_TAG.match(text)  # "(GLO)- Sáng 15-10, …": the newspaper's tag is not the sentence's
            if tag:
                start, text = start + tag.end(), text[tag.end() :]
            if len(syllables(text)) >= 4 and "Ảnh:" not in text and not _is_title(text, passage.title):
                out.append((start, text))
    return out


def _is_title(text: str, title: str) -> bool:
    """The headline (or a line of it) repeated at the top is not a sentence of the article."""
    return canon(text) in canon(title.rstrip("…"))


def _bonus(text: str, audience: str) -> float:
    """Informative sentences (facts, decisions) and the audience's concerns rank a little higher."""
    folded = " ".join(fold(s) for s in syllables(text))
    bonus = 0.08 if find_facts(text) else 0.0
    bonus += 0.05 if _DECISION.search(folded) else 0.0
    bonus += 0.08 if AUDIENCE_TERMS[audience].search(text.lower()) else 0.0
    return bonus


def _key_points(
    deps: Deps,
    ranked: list[_Sentence],
    count: int,
    audience: str,
    terms: set[str],
    sources: _Sources,
    warnings: list[str],
) -> list[KeyPoint]:
    chosen = [_one_sentence(s, terms) for s in select_key_sentences(ranked, count)]
    if len(chosen) < count:
        warnings.append(f"Chỉ tìm được {len(chosen)}/{count} ý chính trong tài liệu.")
    doc_order = {d: i for i, d in enumerate(dict.fromkeys(s.passage.doc_id for s in chosen))}  # by best point
    chosen.sort(key=lambda s: (doc_order[s.passage.doc_id], s.passage.start, s.start))
    points, use_model = [], deps.chat_model is not None
    for sentence in chosen:
        n = sources.cite(sentence.passage)
        text = None
        try:
            text = _rephrase(deps, sentence, n, audience) if use_model else None
        except UpstreamError as exc:  # one failure is enough: the rest are quoted without waiting for the model
            use_model = False
            warnings.append(f"Mô hình ngôn ngữ không phản hồi ({exc.message_en}); các ý chính được trích nguyên văn.")
        points.append(KeyPoint(text=text or f"{sentence.text.rstrip(' .;:,')} [{n}].", citations=[n]))
    return points


def select_key_sentences(ranked: list[_Sentence], count: int) -> list[_Sentence]:
    """The best sentences of 15–60 words, no near-duplicates, at most two from one passage."""
    chosen: list[_Sentence] = []
    for sentence in ranked:
        words = len(syllables(sentence.text))
        if not KEY_WORDS[0] <= words <= KEY_WORDS[1] or sentence.score <= 0:
            continue
        if sum(c.passage.chunk_id == sentence.passage.chunk_id for c in chosen) >= 2:
            continue
        if any(similar(sentence.text, c.text) for c in chosen):
            continue
        chosen.append(sentence)
        if len(chosen) == count:
            break
    return chosen


def _one_sentence(sentence: _Sentence, terms: set[str]) -> _Sentence:
    """The first of two sentences the source ran together ("… số”. yêu cầu …": no capital after the full stop),
    when it is a key point alone: at least KEY_WORDS[0] words, holding every topic term the two held."""
    text = sentence.text
    cut = next((m.start() for m in re.finditer(r"\. (\w)", text) if m.group(1).islower()), -1)
    if cut < 0 or re.search(r"\.\S*$", text[:cut]):  # "v.v. các", "TP.HCM. các": an abbreviation's dot
        return sentence
    first = text[: cut + 1]
    if len(syllables(first)) < KEY_WORDS[0] or not (terms & folded_syllable_set(text)) <= folded_syllable_set(first):
        return sentence
    return replace(sentence, text=first)


def similar(a: str, b: str) -> bool:
    """Near-duplicates: folded syllable sets overlapping at or above SIMILAR (Jaccard)."""
    x, y = folded_syllable_set(a), folded_syllable_set(b)
    return bool(x and y) and len(x & y) / len(x | y) >= SIMILAR


def _rephrase(deps: Deps, sentence: _Sentence, n: int, audience: str) -> str | None:
    """The key point restated by the chat model for the audience, if it passes the answer checks; else None."""
    assert deps.chat_model is not None
    ask = (
        f"Diễn đạt lại ý sau thành một hoặc hai câu ngắn, dễ hiểu đối với {AUDIENCES[audience]}; giữ nguyên số "
        f"liệu, ngày tháng, số hiệu văn bản, tên riêng; ghi [1] cuối mỗi câu: “{sentence.text}”"
    )
    deadline = time.monotonic() + deps.settings.llm_timeout
    reply = deps.chat_model.complete(build_messages(ask, [sentence.passage]), deadline=deadline)
    result = check_answer(reply, [sentence.passage])
    if not result.ok or result.refused or result.cited != [1] or len(result.text) > 2 * len(sentence.text):
        logger.info("rephrased key point rejected: %s", result.reason or "refused, or too long")
        return None
    return MARKER.sub(f"[{n}]", result.text)


# -- finishing --------------------------------------------------------------------------------------------------


def _nfc(value: Any) -> Any:
    """Every string of the pack in NFC (the documents are; a model's reply may not be)."""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            setattr(value, f.name, _nfc(getattr(value, f.name)))
    return value
