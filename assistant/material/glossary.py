"""The glossary of a lesson pack: the abbreviations written anywhere in it, with their meanings."""

from __future__ import annotations

import re

from assistant.material.types import GlossaryItem, LessonPack
from core.vntext import ABBREVIATIONS, fold


def glossary(pack: LessonPack) -> list[GlossaryItem]:
    """The abbreviations (as written, in capitals) found anywhere in the pack, with their meanings."""
    parts = [k.text for k in pack.key_points] + [s.text for s in pack.sources]
    parts += [f"{f.question} {f.answer}" for f in pack.faq]
    parts += [f"{q.question} {' '.join(q.options)} {q.explanation}" for q in pack.quiz]
    text = "\n".join(parts)
    found: dict[str, str] = {}
    for abbreviation, meaning in ABBREVIATIONS.items():
        pattern = rf"(?<![\w&]){re.escape(abbreviation)}(?![\w&])"
        for m in re.finditer(pattern, text, re.IGNORECASE):
            if sum(c.isupper() for c in m.group(0)) >= 2:  # "CĐS", "UBND", not the word "ct"
                found.setdefault(m.group(0), meaning)
    return [GlossaryItem(term, meaning) for term, meaning in sorted(found.items(), key=lambda i: fold(i[0]))]
