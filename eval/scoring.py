"""Scoring one evaluation run: gold matching (which retrieved passage or document holds the evidence) and the
aggregation of per-question records into the metrics defined in eval/README.md."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.types import Passage
from eval import metrics


@dataclass
class Record:
    """One question's outcome in one configuration (a line of results.jsonl)."""

    id: str
    type: str
    question: str
    answerable: bool
    config: str
    passages: list[dict[str, Any]]
    gold_ranks: list[int]
    item_ranks: list[int | None]
    answer: str
    refused: bool
    answered: bool
    citations: list[int]
    facts_found: list[bool]
    correct: bool
    scores: dict[str, float | None] = field(default_factory=dict)
    timings_ms: dict[str, float] = field(default_factory=dict)


# -- gold matching --------------------------------------------------------------------------------------------


def gold_text(gold: dict) -> str | None:
    """The evidence a gold item quotes: its `quote`, or the lines of its `block` (a dateline, the issuing body's
    lines, a signature block: short lines the standard form prints one under another) read as one; None when
    any passage of the document will do."""
    if gold.get("block"):
        return " ".join(gold["block"])
    return gold.get("quote")


def holds(passage: Passage, gold: dict) -> bool:
    if Path(gold["doc"]).stem != passage.doc_id:
        return False
    raw = gold_text(gold)
    if not raw:
        return True
    quote, text = metrics.squash(raw), metrics.squash(passage.text)
    return quote in text or _mostly_in(quote, text) or _in_order(quote, text) or _cells_in_order(raw, text)


_GAP = 6  # words a stored text may put between two words of a quote: a table row's column headers
_CELL_GAP = 12  # words between two cells of a quoted row: the column header the stored row puts before a cell


def _cells_in_order(quote: str, text: str) -> bool:
    """A quoted table row ("| 30 | Dân số … | % | ≥ 95 | Ngân hàng Nhà nước |"): each cell whole, in order, with
    at most _CELL_GAP words between two (the stored row says "…; Cơ quan chủ trì theo dõi, đánh giá: Ngân hàng Nhà
    nước", a header longer than _GAP)."""
    cells = [c for c in (metrics.squash(cell) for cell in quote.split("|")) if c]
    if len(cells) < 2:
        return False
    spans = [[m.span() for m in re.finditer(rf"(?<!\w){re.escape(cell)}(?!\w)", text)] for cell in cells]
    ends = [end for _, end in spans[0]]
    for found in spans[1:]:
        ends = [e for s, e in found if any(s >= end and len(text[end:s].split()) <= _CELL_GAP for end in ends)]
        if not ends:
            return False
    return True


def _in_order(quote: str, text: str) -> bool:
    """Every word of the quote, in order, with at most _GAP words between two of them.

    Quotes are copied from the source files; the stored text says the same thing in a cleaner form (a table row
    "A | B | 7/2025" becomes "Nhiệm vụ: A; Cơ quan chủ trì: B; Thời hạn: 7/2025", emphasis markers go).
    """
    want, have = re.findall(r"\w+", quote), re.findall(r"\w+", text)
    if not want:
        return False
    for start in (i for i, word in enumerate(have) if word == want[0]):
        at, ok = start, True
        for word in want[1:]:
            window = have[at + 1 : at + 2 + _GAP]
            if word not in window:
                ok = False
                break
            at = at + 1 + window.index(word)
        if ok:
            return True
    return False


def _mostly_in(quote: str, text: str) -> bool:
    """A quote cut by a chunk boundary: its first or last half (at least 6 words) is in the passage."""
    words = quote.split()
    half = max(6, len(words) // 2)
    return " ".join(words[:half]) in text or " ".join(words[-half:]) in text


def gold_rank(passages: Sequence[Passage], gold: list[dict]) -> list[int]:
    """Ranks (1-based) of passages that hold one of the gold quotes (or most of one, across a boundary)."""
    return [p.n for p in passages if any(holds(p, g) for g in gold)]


def item_ranks(passages: Sequence[Passage], gold: list[dict]) -> list[int | None]:
    """For each gold item, the rank of the first passage holding it (None when none does)."""
    return [next((p.n for p in passages if holds(p, g)), None) for g in gold]


def document_ranks(doc_ids: Sequence[str], gold: list[dict]) -> tuple[list[int], list[int | None]]:
    """Ranks over distinct documents: the gold documents' positions, and each gold item's position."""
    position = {doc: i for i, doc in enumerate(doc_ids, start=1)}
    per_item = [position.get(Path(g["doc"]).stem) for g in gold]
    return sorted({r for r in per_item if r is not None}), per_item


# -- aggregation ----------------------------------------------------------------------------------------------


def summarise(records: list[Record], with_answers: bool = True) -> dict[str, Any]:
    """Headline metrics over a list of records (definitions in eval/README.md)."""
    ans = [r for r in records if r.answerable]
    una = [r for r in records if not r.answerable]

    def mean(key: str, rows: list[Record]) -> float | None:
        return metrics.mean(r.scores.get(key) for r in rows)

    out: dict[str, Any] = {"questions": len(records), "answerable": len(ans), "unanswerable": len(una)}
    for key in ("hit@1", "hit@5", "hit@10"):
        out[key] = mean(key, ans)
    out["mrr@10"] = mean("rr@10", ans)
    out["ndcg@10"] = mean("ndcg@10", ans)
    if with_answers:
        answered = [r for r in records if r.answered]
        out["answer_accuracy"] = _share(ans, lambda r: r.correct)
        out["numeric_fidelity"] = mean("numeric_fidelity", answered)
        out["citation_precision"] = mean("citation_precision", answered)
        out["citation_coverage"] = mean("citation_coverage", answered)
        out["answerable_refused"] = _share(ans, lambda r: r.refused)
        out["unanswerable_refused"] = _share(una, lambda r: r.refused)
        out.update(metrics.refusal_scores([r.answerable for r in records], [r.refused for r in records]))
        if any("f1" in r.scores for r in ans):
            out["f1"], out["em"] = mean("f1", ans), mean("em", ans)
    for stage in ("understand", "retrieve", "answer", "total"):
        values = [r.timings_ms[stage] for r in records if stage in r.timings_ms]
        if values:
            out[f"{stage}_p50_ms"] = metrics.percentile(values, 50)
            out[f"{stage}_p95_ms"] = metrics.percentile(values, 95)
    return out


def _share(items: list[Record], predicate: Callable[[Record], bool]) -> float | None:
    return round(sum(1 for r in items if predicate(r)) / len(items), 4) if items else None


def by_type(records: list[Record], with_answers: bool = True) -> dict[str, dict[str, Any]]:
    types = sorted({r.type for r in records})
    return {t: summarise([r for r in records if r.type == t], with_answers) for t in types}
