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
from assistant.understand.query import Query


def compose(query: Query, parts: list[tuple[Query, Answer]], passages: list[Passage]) -> Answer:
    """The parts' answers as one, cited from one list of sources (cited first, then the question's passages)."""
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


def _renumbering(by_old: dict[int, int]) -> Callable[[list[int]], list[int]]:
    return lambda numbers: [by_old[n] for n in numbers if n in by_old]


def _not_stated(part: Query, language: str) -> str:
    asked = part.asked.strip().rstrip("?").strip()
    if language == "en":
        return f"The documents do not state: “{asked}”. (Tài liệu hiện có không nêu nội dung này.)"
    return f"Tài liệu hiện có không nêu: “{asked}”."
