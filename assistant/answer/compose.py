"""One answer from the answers to the parts of a question that asks several things.

Each part was answered (or refused) on its own; the answer says what each part found, in the question's order,
with one numbering of the sources, and says which part the documents do not state. When no part is answered,
the whole question is refused; a part naming a document the collection lacks keeps that refusal.
"""

from __future__ import annotations

from collections.abc import Callable

from assistant.answer.citations import cited_first, rewrite_markers
from assistant.answer.refusal import refusal
from assistant.types import Answer, Passage
from assistant.understand.features import question_names
from assistant.understand.parts import without_asks
from assistant.understand.query import Query
from core.docnumbers import query_numbers
from core.vntext import syllables

MAX_ELLIPTICAL_WORDS = 2  # "ngày nào?", "ai ký?": a part this short asks about the subject of the part before


def compose(query: Query, parts: list[tuple[Query, Answer]], passages: list[Passage]) -> Answer:
    """The parts' answers as one, cited from one list of sources (cited first, then the question's passages)."""
    parts = _hanging_refused(parts, query.language)
    answered = [(part, answer) for part, answer in parts if not answer.refused]
    if not answered:
        absent = next((a for _, a in parts if any(w.startswith("absent document") for w in a.warnings)), None)
        return absent or refusal(query, passages)
    cited: list[Passage] = []
    for _, answer in answered:
        cited += [p for p in answer.sources if f"[{p.n}]" in answer.answer]
    pool = list({p.chunk_id: p for p in [*cited, *passages]}.values())
    sources, number = cited_first(pool, cited)
    texts: list[str] = []
    for part, answer in parts:
        if answer.refused:
            texts.append(_not_stated(part, query.language))
            continue
        text = rewrite_markers(
            answer.answer, _renumbering({p.n: number[p.chunk_id] for p in answer.sources if p.chunk_id in number})
        )
        if text not in texts:  # one sentence can answer two parts ("Kết quả: 95; Cơ quan chủ trì: Bộ Y tế")
            texts.append(text)
    refused_parts = [part.asked for part, answer in parts if answer.refused]
    warnings = [f"asked in {len(parts)} parts" + (f"; not stated: {refused_parts}" if refused_parts else "")]
    return Answer(answer=" ".join(texts), sources=sources, refused=False, warnings=warnings)


def _hanging_refused(parts: list[tuple[Query, Answer]], language: str) -> list[tuple[Query, Answer]]:
    """A part too short to name its subject ("…, ngày nào?") asks about the part before it: when that part asked
    which document it is ("bằng quyết định số mấy?") and found none, a date found for the short one would be the
    date of something else."""
    out: list[tuple[Query, Answer]] = []
    for part, answer in parts:
        before = out[-1] if out else None
        if before and before[0].wants_number and before[1].refused and not answer.refused and _elliptical(part):
            answer = Answer(
                answer=_not_stated(part, language), sources=[], refused=True, warnings=["hangs on a refused part"]
            )
        out.append((part, answer))
    return out


def _elliptical(part: Query) -> bool:
    own = [w for w in syllables(without_asks(part.asked)) if any(c.isalpha() for c in w)]
    return len(own) <= MAX_ELLIPTICAL_WORDS and not query_numbers(part.asked) and not question_names(part.asked)


def _renumbering(by_old: dict[int, int]) -> Callable[[list[int]], list[int]]:
    return lambda numbers: [by_old[n] for n in numbers if n in by_old]


def _not_stated(part: Query, language: str) -> str:
    asked = part.asked.strip().rstrip("?").strip()
    if language == "en":
        return f"The documents do not state: “{asked}”. (Tài liệu hiện có không nêu nội dung này.)"
    return f"Tài liệu hiện có không nêu: “{asked}”."
