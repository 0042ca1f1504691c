"""Vietnamese sentence splitting: one splitter for the whole product (chunking, answers, lesson packs).

A full stop ends a sentence when a capital letter, a digit or a bullet follows and the word before it is not an
abbreviation ("TP. Đà Nẵng", "PGS. TS.", an initial "V.").
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"“(]?(\w|[-–•]))")


_ABBREVIATION_BEFORE = re.compile(r"(\b(TP|Tp|TS|ThS|PGS|GS|BS|KS|CN|St|Mr|Dr|Q|P|TT|Th)|\b\w)\.$")


def _ends_with_abbreviation(before: str) -> bool:
    """ "TP. Đà Nẵng", "PGS. TS. ...", an initial "V.": the period does not end a sentence."""
    return _ABBREVIATION_BEFORE.search(before[-6:]) is not None


def _starts_sentence(rest: str) -> bool:
    """A new sentence starts with a capital, a digit or a bullet (not "gồm: phát triển …")."""
    head = rest.lstrip('"“(')[:1]
    return head.isupper() or head.isdigit() or head in "-–•"


def split_sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence spans (absolute, using offset) inside one paragraph."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if not _starts_sentence(text[match.end() :]) or _ends_with_abbreviation(text[: match.start()]):
            continue
        spans.append((offset + start, offset + match.start()))
        start = match.end()
    if start < len(text):
        spans.append((offset + start, offset + len(text.rstrip())))
    return [(s, e) for s, e in spans if e > s]
