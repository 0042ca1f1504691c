"""Keeping an LLM's answer to the passages: repair its citation markers and judge it.

`check_answer` tells whether every number, date and document number the answer states stands in a passage its
sentence cites, or whether the model refused. Pure functions, no client.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answer.citations import (
    LIST_LABEL,
    MARKER,
    answer_sentences,
    normalise_markers,
    numbers_in,
    numbers_missing,
    rewrite_markers,
    strip_markers,
)
from assistant.answer.prompts import describe_passage
from assistant.types import Passage
from core.docnumbers import find_numbers
from core.vntext import fold, nfc


@dataclass
class CheckResult:
    """What `check_answer` made of a model's answer: the repaired text and whether it may be shown."""

    text: str
    ok: bool
    refused: bool
    warnings: list[str] = field(default_factory=list)
    cited: list[int] = field(default_factory=list)  # passage numbers, in order of first citation
    reason: str | None = None  # why not ok


_REFUSAL_RE = re.compile(
    r"\btai lieu\b.{0,40}\bkhong (?:de cap|noi|neu|nhac|co (?:thong tin|noi dung))"
    r"|\bkhong (?:tim thay|co) (?:thong tin|noi dung)\b.{0,40}\b(?:tai lieu|van ban|doan)"
    r"|\b(?:documents?|passages?|sources?|texts?|materials?)\b.{0,30}\b(?:do|does) not\b.{0,20}"
    r"\b(?:mention|cover|contain|say|provide|address|include|specify|state)"
    r"|\bno information (?:about|on|regarding)\b"
)


def check_answer(text: str, passages: list[Passage]) -> CheckResult:
    """Repair the citation markers and judge the answer: cited, numbers faithful to the cited passages, or refused."""
    warnings: list[str] = []
    text = rewrite_markers(normalise_markers(nfc(text)), lambda ns: _in_range(ns, len(passages), warnings))
    sentences = answer_sentences(text)
    refusal = _refusal(sentences, warnings)
    if refusal is not None:
        return CheckResult(refusal, ok=True, refused=True, warnings=warnings)
    cited = list(dict.fromkeys(int(n) for n in MARKER.findall(text)))
    if not cited:
        why = "no valid citation" if text.strip() else "empty answer"
        return CheckResult(text, ok=False, refused=False, warnings=warnings, reason=why)
    missing: list[str] = []
    for sentence in sentences:
        own = [int(n) for n in MARKER.findall(sentence)]
        if not own:
            warnings.append("uncited sentence")
        missing += _unsupported(sentence, [passages[n - 1] for n in own or cited])
    reason = "number not in cited passages: " + ", ".join(dict.fromkeys(missing)) if missing else None
    return CheckResult(text, ok=not missing, refused=False, warnings=warnings, cited=cited, reason=reason)


def _in_range(numbers: list[int], count: int, warnings: list[str]) -> list[int]:
    for n in numbers:
        warning = f"removed out-of-range citation [{n}]"
        if not 1 <= n <= count and warning not in warnings:
            warnings.append(warning)
    return [n for n in numbers if 1 <= n <= count]


def _refusal(sentences: list[str], warnings: list[str]) -> str | None:
    """The refusal, markers dropped, when the model refused and cited nothing else; else None."""
    refusals = [s for s in sentences if _REFUSAL_RE.search(fold(strip_markers(s)).lower())]
    others = [s for s in sentences if s not in refusals]
    if not refusals or any(MARKER.search(s) for s in others):
        return None  # no refusal, or "the documents do not say X, but Y [2]": an answer, checked as one
    if others:
        warnings.append("dropped uncited text beside the refusal")
    return " ".join(strip_markers(s) for s in refusals)


def _unsupported(sentence: str, sources: list[Passage]) -> list[str]:
    """Numbers, dates and document numbers of the sentence that stand in none of its sources."""
    body = re.sub(r"^\s*(?:[-*•]\s+|" + LIST_LABEL.pattern + r"\s+)", "", sentence)  # "1. …" labels no fact
    texts = [f"{describe_passage(p)}\n{nfc(p.text)}" for p in sources]  # what the model read of each
    documents = {d for p, t in zip(sources, texts, strict=True) for d in [*p.numbers, *find_numbers(t)]}
    missing = numbers_missing(numbers_in(body), texts)
    return missing + [d for d in find_numbers(body) if d not in documents]
