"""Cited passages are renumbered first, so [1] is the passage the answer rests on."""

from __future__ import annotations

from assistant.answer.extractive import cited_first
from assistant.types import Passage


def _passage(n: int) -> Passage:
    return Passage(
        n=n, chunk_id=f"c{n}", doc_id="d", title="t", source="s", text=f"text {n}", score=1.0 / n,
        date=None, kind="khác", section="", numbers=[], start=0, end=1,
    )  # fmt: skip


def test_cited_first_cited_passages_take_the_first_numbers() -> None:
    passages = [_passage(n) for n in range(1, 6)]
    sources, number = cited_first(passages, [passages[3], passages[1]])
    assert [p.chunk_id for p in sources] == ["c4", "c2", "c1", "c3", "c5"]
    assert [p.n for p in sources] == [1, 2, 3, 4, 5]
    assert number == {"c4": 1, "c2": 2, "c1": 3, "c3": 4, "c5": 5}


def test_cited_first_input_passages_unchanged() -> None:
    passages = [_passage(n) for n in range(1, 4)]
    cited_first(passages, [passages[2]])
    assert [p.n for p in passages] == [1, 2, 3]
