"""Structure-aware chunking: paragraphs and headings (I./1./a), Chương/Điều/Khoản, Markdown) into passages.

Each chunk is an exact slice of the cleaned text (its span), so a citation can point at the characters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.docnumbers import find_numbers
from assistant.types import Chunk

_HEADING_RULES: list[tuple[re.Pattern[str], int]] = [
    (re.compile(r"^(#{1,6})\s+\S"), 0),  # level from the number of '#'
    (re.compile(r"^(Phần|PHẦN|Chương|CHƯƠNG)\s+[IVXLC\d]+\b"), 1),
    (re.compile(r"^(Phụ lục|PHỤ LỤC)\b"), 1),
    (re.compile(r"^[IVX]{1,5}\s*[.\-–)]\s*\S"), 1),
    (re.compile(r"^(Mục|MỤC)\s+\d+\b"), 2),
    (re.compile(r"^(Điều|ĐIỀU)\s+\d+"), 2),
    (re.compile(r"^\d{1,2}\s*[.)]\s*\S"), 2),
    (re.compile(r"^\d{1,2}\.\d{1,2}\.?\s+\S"), 3),
    (re.compile(r"^(Khoản)\s+\d+"), 3),
    (re.compile(r"^[a-zđ]\)\s*\S"), 4),
]
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"“(]?(\w|[-–•]))")


@dataclass
class _Para:
    start: int
    end: int
    level: int | None  # heading level, None for body text
    label: str


def heading_level(line: str) -> int | None:
    """Return the heading level of a line (1 = top), or None for body text."""
    stripped = line.strip()
    for pattern, level in _HEADING_RULES:
        match = pattern.match(stripped)
        if match:
            return len(match.group(1)) if level == 0 else level
    letters = [c for c in stripped if c.isalpha()]
    if 6 <= len(stripped) <= 100 and letters and all(c.isupper() for c in letters):
        return 1  # an all-caps line such as "QUAN ĐIỂM CHỈ ĐẠO"
    return None


def _label(line: str) -> str:
    text = line.strip().lstrip("#").strip()
    return text if len(text) <= 80 else text[:77].rsplit(" ", 1)[0] + "…"


def _paragraphs(text: str) -> list[_Para]:
    paras = []
    for match in re.finditer(r"[^\n]+", text):
        line = match.group(0)
        if not line.strip():
            continue
        start = match.start() + len(line) - len(line.lstrip())
        end = match.start() + len(line.rstrip())
        level = heading_level(line)
        paras.append(_Para(start, end, level, _label(line) if level else ""))
    return paras


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


def _split_long(text: str, para: _Para, max_chars: int) -> list[_Para]:
    """Cut a paragraph longer than max_chars at sentence ends (or spaces, as a last resort)."""
    pieces: list[_Para] = []
    cur_start = cur_end = None
    for s, e in split_sentences(text[para.start : para.end], para.start):
        while e - s > max_chars:  # one enormous "sentence" (tables, lists without full stops)
            cut = text.rfind(" ", s, s + max_chars)
            cut = cut if cut > s else s + max_chars
            if cur_start is not None:
                pieces.append(_Para(cur_start, cur_end or s, None, ""))
                cur_start = None
            pieces.append(_Para(s, cut, None, ""))
            s = cut + 1
        if cur_start is not None and e - cur_start > max_chars:
            pieces.append(_Para(cur_start, cur_end or s, None, ""))
            cur_start = None
        if cur_start is None:
            cur_start = s
        cur_end = e
    if cur_start is not None:
        pieces.append(_Para(cur_start, cur_end or para.end, None, ""))
    pieces[0].level, pieces[0].label = para.level, para.label
    return pieces


@dataclass
class _Group:
    paras: list[_Para]
    section: str


def _group(paras: list[_Para], target: int) -> list[_Group]:
    groups: list[_Group] = []
    path: list[tuple[int, str]] = []
    current: list[_Para] = []
    section = ""

    def size() -> int:
        return current[-1].end - current[0].start if current else 0

    for para in paras:
        only_headings = all(p.level is not None for p in current)
        breaks = para.level is not None and not only_headings and (para.level <= 2 or size() >= target // 2)
        if current and (breaks or para.end - current[0].start > target):
            groups.append(_Group(current, section))
            current = []
        if para.level is not None:
            path = [(lvl, lab) for lvl, lab in path if lvl < para.level] + [(para.level, para.label)]
        if not current:
            section = " > ".join(lab for _, lab in path)
        current.append(para)
    if current:
        groups.append(_Group(current, section))
    return groups


def chunk_text(
    doc_id: str,
    text: str,
    *,
    id_prefix: str,
    target_chars: int = 900,
    max_chars: int = 1400,
    count_tokens: Callable[[str], int] | None = None,
    max_tokens: int = 480,
) -> list[Chunk]:
    """Split a cleaned document into chunks whose text is text[start:end]."""
    paras: list[_Para] = []
    for para in _paragraphs(text):
        paras.extend(_split_long(text, para, max_chars) if para.end - para.start > max_chars else [para])
    groups = _group(paras, target_chars)
    if count_tokens is not None:
        groups = _fit_tokens(groups, text, count_tokens, max_tokens)
    chunks = []
    for position, group in enumerate(groups):
        start, end = group.paras[0].start, group.paras[-1].end
        body = text[start:end]
        chunks.append(
            Chunk(
                chunk_id=f"{id_prefix}:{position:04d}",
                doc_id=doc_id,
                position=position,
                text=body,
                start=start,
                end=end,
                section=group.section,
                numbers=find_numbers(body),
            )
        )
    return chunks


def _fit_tokens(groups: list[_Group], text: str, count_tokens: Callable[[str], int], max_tokens: int) -> list[_Group]:
    """Halve any group whose text is longer than the embedder reads."""
    out: list[_Group] = []
    pending = list(groups)
    while pending:
        group = pending.pop(0)
        body = text[group.paras[0].start : group.paras[-1].end]
        if len(group.paras) > 1 and count_tokens(f"{group.section}\n{body}") > max_tokens:
            mid = len(group.paras) // 2
            pending[:0] = [_Group(group.paras[:mid], group.section), _Group(group.paras[mid:], group.section)]
        else:
            out.append(group)
    return out


def embedding_text(title: str, chunk: Chunk) -> str:
    """What the embedder reads for a chunk: its document title and section give it context."""
    head = " — ".join(part for part in (title, chunk.section) if part)
    return f"{head}\n{chunk.text}" if head else chunk.text
