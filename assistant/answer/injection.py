"""Prompt injection on the answering side: which question the model may see, which history turns, which passage text.

The detector itself is `core.injection` (normalise, then match), shared with whatever flags documents at ingest.
Here it is applied to a turn: a question that gives orders is refused; a history turn that does is dropped from
what the model reads; a passage sentence that does is blanked (same length, so spans and offsets still hold) and
the passage is marked, so the prompt says something was removed and the checks and the extractive fallback judge
and quote the text without it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from assistant.types import Passage
from assistant.understand.query import Query
from core.injection import injection_kind, instruction_spans, looks_like_injection

logger = logging.getLogger(__name__)

__all__ = ["Screened", "injection_kind", "looks_like_injection", "question_for_model", "screen_history", "screen"]


@dataclass
class Screened:
    """Passages with their order-giving sentences blanked; `flagged` holds the 0-based positions that had some."""

    passages: list[Passage]
    flagged: list[int]


def question_for_model(query: Query) -> str | None:
    """The question the model may read: the standalone text, or the turn's own words when only the part carried
    over from an earlier turn gives orders; None when the turn's own words do (the turn is refused)."""
    if looks_like_injection(query.asked):
        return None
    if looks_like_injection(query.text):
        logger.info("an earlier turn carried into the question gives orders: the model reads this turn only")
        return query.asked
    return query.text


def screen_history(history: list[dict[str, str]] | None) -> tuple[list[dict[str, str]], int]:
    """The history without the turns that give the assistant orders, and how many were dropped."""
    kept = [turn for turn in history or [] if not _gives_orders(turn)]
    dropped = len(history or []) - len(kept)
    if dropped:
        logger.info("dropped %d history turn(s) that give the assistant orders", dropped)
    return kept, dropped


def _gives_orders(turn: object) -> bool:
    return isinstance(turn, dict) and isinstance(turn.get("content"), str) and looks_like_injection(turn["content"])


def screen(passages: list[Passage]) -> Screened:
    """The passages with every sentence that gives the assistant orders blanked out (spaces, same length)."""
    out: list[Passage] = []
    flagged: list[int] = []
    for i, passage in enumerate(passages):
        spans = instruction_spans(passage.text)
        if not spans:
            out.append(passage)
            continue
        text = passage.text
        for start, end in spans:
            text = text[:start] + " " * (end - start) + text[end:]
        logger.warning("passage %s holds %d sentence(s) giving orders: blanked", passage.chunk_id, len(spans))
        flagged.append(i)
        out.append(replace(passage, text=text))
    return Screened(out, flagged)
