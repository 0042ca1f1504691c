"""Citations: reading an answer's [n] markers, its sentences and numbers; numbering the cited passages first.

Shared by the checks on LLM answers (assistant/grounding.py) and the evaluation (eval/metrics.py), so an
answer the assistant lets through is judged by the same rules the evaluation scores it with.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace

from assistant.types import Passage
from core.vntext import nfc

MARKER = re.compile(r"\[(\d+)\]")
# Numbers and dates as written in Vietnamese text: 57, 1.250, 3,5, 22/12/2024, 19-6-2025, 57-NQ/TW's "57".
_NUMBER = re.compile(r"\d+(?:[.,/-]\d+)*")
# A sentence ends at ., !, ? or … before a capital letter or a digit (a list after ":" or ";" stays in its
# sentence), or at a line break; a list label ("1.", "IV.", "a)") opens a sentence rather than ending one.
_STOP = re.compile(r"(?<=[.!?…])\s+|\n+")
LIST_LABEL = re.compile(r"(?:\d{1,3}(?:\.\d{1,3})*|[IVXLC]{1,5}|[a-zđ])[.)]")
# Markers written after the full stop ("Câu một. [1]", "Câu một.[1][2]") belong to the sentence they follow.
_MARKERS_AFTER_STOP = re.compile(r"([.!?…])((?:[ \t]*\[\d+\])+)")


def strip_markers(answer: str) -> str:
    """The answer without its [n] markers."""
    return re.sub(r"\s*\[\d+\]", "", answer).strip()


def markers(answer: str) -> list[int]:
    """The [n] markers of an answer, in order of appearance (repeats kept)."""
    return [int(n) for n in MARKER.findall(answer)]


def numbers_in(text: str) -> list[str]:
    """Numbers and dates in a text, [n] markers excluded, trailing separators dropped."""
    return [m.group(0).rstrip(".,") for m in _NUMBER.finditer(MARKER.sub(" ", nfc(text)))]


def numbers_missing(numbers: Iterable[str], texts: Iterable[str]) -> list[str]:
    """The numbers (from `numbers_in`) that stand in none of the texts, in order, repeats kept.

    22/12/2024 and 22-12-2024 are the same date, 1.250 and 1,250 the same number; a year or a day taken out of
    a date or a range ("năm 2024" from "22/12/2024", "2025" from "2025-2030") stands in the text, but a part of
    1.150 split at "." or "," is another number: 150 does not stand in "1.150".
    """
    pool = set(numbers_in(" ".join(nfc(t) for t in texts)))
    pool |= {part for n in list(pool) for part in re.split(r"[/-]", n)}
    digits = {_digits_only(n) for n in pool}
    return [n for n in numbers if n not in pool and _digits_only(n) not in digits]


def _digits_only(number: str) -> str:
    return re.sub(r"\D", "-", number)


def answer_sentences(answer: str) -> list[str]:
    """Sentences of an answer (split after ., !, ? or … before a capital, or at a newline), empty ones dropped.

    Markers placed after the stop are moved before it ("Câu một. [1] Câu hai." gives "Câu một [1]." and
    "Câu hai."), so "…sentence [1]." and "…sentence. [1]" both cite the sentence they close.
    """
    answer = _MARKERS_AFTER_STOP.sub(lambda m: " " + re.sub(r"\s+", "", m.group(2)) + m.group(1), answer)
    parts, start = [], 0
    for stop in _STOP.finditer(answer):
        following = answer[stop.end() :].lstrip("\"'“‘([")
        if LIST_LABEL.fullmatch(answer[start : stop.start()].strip()):
            continue  # "1. Người nào …", "IV. Nhiệm vụ …": a list label opens the sentence, it is not one
        if "\n" in stop.group(0) or (following[:1].isupper() or following[:1].isdigit()):
            parts.append(answer[start : stop.start()].strip())
            start = stop.end()
    parts.append(answer[start:].strip())
    return [p for p in parts if p and not MARKER.fullmatch(p) and re.search(r"\w", strip_markers(p))]


def cited_first(passages: list[Passage], cited: list[Passage]) -> tuple[list[Passage], dict[str, int]]:
    """Renumber so the cited passages come first ([1] is what the answer rests on), the rest by rank."""
    order = list(dict.fromkeys([p.chunk_id for p in cited] + [p.chunk_id for p in passages]))
    by_id = {p.chunk_id: p for p in passages}
    number = {chunk_id: n for n, chunk_id in enumerate(order, start=1)}
    return [replace(by_id[c], n=number[c]) for c in order], number


def renumber(text: str, passages: list[Passage]) -> tuple[str, list[Passage]]:
    """Cited passages first ([1] is what the answer rests on), the rest after; markers rewritten to match.

    Meant for checked text: a marker outside the passages is dropped.
    """
    text = normalise_markers(text)
    cited = [n for n in dict.fromkeys(int(n) for n in MARKER.findall(text)) if 1 <= n <= len(passages)]
    sources, number = cited_first(passages, [passages[n - 1] for n in cited])
    new = {old: number[p.chunk_id] for old, p in enumerate(passages, 1)}
    return rewrite_markers(text, lambda ns: [new[n] for n in ns if n in new]), sources


_VARIANT = re.compile(r"[\[【［]\s*(\d{1,3}(?:\s*(?:[,;]|[-–—]|và|and)\s*\d{1,3})*)\s*[\]】］]")
_GROUP = re.compile(r"[ \t]*\[\d+\](?:[ \t]*\[\d+\])*")


def normalise_markers(text: str) -> str:
    """Citation markers in one style: "[1, 2]", "[1][2]", "[1-2]", "【1】【2】" → "[1] [2]"; repeats dropped."""

    def expand(match: re.Match[str]) -> str:
        numbers: list[int] = []
        for m in re.finditer(r"(\d+)(?:\s*[-–—]\s*(\d+))?", match.group(1)):
            first, last = int(m.group(1)), int(m.group(2) or m.group(1))
            numbers += range(first, last + 1) if 0 <= last - first <= 20 else [first, last]
        return "".join(f"[{n}]" for n in numbers)

    return rewrite_markers(_VARIANT.sub(expand, text), lambda ns: ns)


def rewrite_markers(text: str, change: Callable[[list[int]], list[int]]) -> str:
    """Apply `change` to each run of adjacent markers, written back as "[1] [2]" (or dropped when empty)."""

    def repl(match: re.Match[str]) -> str:
        numbers = list(dict.fromkeys(change(list(dict.fromkeys(int(n) for n in MARKER.findall(match.group(0)))))))
        if not numbers:
            return ""
        at_line_start = match.start() == 0 or text[match.start() - 1] == "\n"
        return ("" if at_line_start else " ") + " ".join(f"[{n}]" for n in numbers)

    text = re.sub(r"(?<=\S)[ \t]{2,}", " ", _GROUP.sub(repl, text))
    return re.sub(r"(?m)^ (?=\S)|[ \t]+$", "", text).strip()  # a marker dropped at a line's start left a space
