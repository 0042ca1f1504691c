"""Structure-aware chunking: paragraphs and headings (I./1./a), Chương/Điều/Khoản, Markdown) into passages.

Each chunk is an exact slice of the cleaned text (its span), so a citation can point at the characters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from core.docnumbers import find_numbers
from core.index.types import Chunk
from core.sentences import split_sentences

_HEADING_RULES: list[tuple[re.Pattern[str], int]] = [
    (re.compile(r"^(#{1,6})\s+\S"), 0),  # level from the number of '#'
    (re.compile(r"^(Phần|PHẦN|Chương|CHƯƠNG)\s+[IVXLC\d]+\b"), 1),
    (re.compile(r"^(Phụ lục|PHỤ LỤC)\b"), 1),
    (re.compile(r"^[IVX]{1,5}\s*[.\-–)]\s*\S"), 1),
    (re.compile(r"^(Mục|MỤC)\s+\d+\b"), 2),
    (re.compile(r"^(Điều|ĐIỀU)\s+\d+"), 2),
    (re.compile(r"^\d{1,2}(\.\d{1,2}){2,}\.?\s+\S"), 4),  # "1.1.1." (these two come before "1.")
    (re.compile(r"^\d{1,2}\.\d{1,2}\.?\s+\S"), 3),
    (re.compile(r"^\d{1,2}\s*[.)](?!\d)\s*\S"), 2),  # "5.000 người" is a quantity, not item 5
    (re.compile(r"^(Khoản)\s+\d+"), 3),
    (re.compile(r"^[a-zđ]\)\s*\S"), 4),
]


@dataclass
class _Para:
    start: int
    end: int
    level: int | None  # heading level, None for body text
    label: str
    section: str = ""  # the chain of headings this paragraph sits under (set by _assign_sections)


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


def _word_runs(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut one span longer than max_chars at spaces (at max_chars when a run has no space)."""
    runs = []
    while end - start > max_chars:
        cut = text.rfind(" ", start, start + max_chars + 1)
        cut_end = len(text[start:cut].rstrip()) + start if cut > start else start + max_chars
        runs.append((start, cut_end))
        start = cut_end
        while start < end and text[start].isspace():
            start += 1
    return [*runs, (start, end)] if end > start else runs


def _split_long(text: str, para: _Para, max_chars: int, first_max: int) -> list[_Para]:
    """Cut a paragraph at sentence ends (or spaces, as a last resort) into pieces of at most max_chars.

    The first piece holds at most first_max characters, to leave room for the headings above it.
    """
    units: list[tuple[int, int]] = []
    for s, e in split_sentences(text[para.start : para.end], para.start):
        units.extend(_word_runs(text, s, e, max_chars))  # one enormous "sentence": tables, lists
    spans: list[tuple[int, int]] = []
    limit = first_max
    for s, e in units:
        if spans and e - spans[-1][0] <= limit:
            spans[-1] = (spans[-1][0], e)
        else:
            limit = max_chars if spans else limit
            spans.append((s, e))
    pieces = [_Para(s, e, None, "") for s, e in spans]
    pieces[0].level, pieces[0].label = para.level, para.label
    return pieces


def _split_paragraphs(text: str, max_chars: int) -> list[_Para]:
    """Paragraphs, the long ones cut so that each piece, and a body paragraph with its headings, fit max_chars."""
    paras: list[_Para] = []
    for para in _paragraphs(text):
        lead = len(paras)
        while lead and paras[lead - 1].level is not None:
            lead -= 1
        lead_start = paras[lead].start if lead < len(paras) and para.level is None else para.start
        if para.end - lead_start <= max_chars:
            paras.append(para)
            continue
        room = max_chars - (para.start - lead_start)  # what the headings above leave for the first piece
        paras.extend(_split_long(text, para, max_chars, room if room >= max_chars // 4 else max_chars))
    return paras


def _assign_sections(paras: list[_Para]) -> None:
    """Give every paragraph the chain of headings above it; a heading belongs to its own chain."""
    path: list[tuple[int, str]] = []
    for para in paras:
        if para.level is not None:
            path = [(lvl, lab) for lvl, lab in path if lvl < para.level] + [(para.level, para.label)]
        para.section = " > ".join(lab for _, lab in path)


@dataclass
class _Group:
    paras: list[_Para]

    @property
    def section(self) -> str:
        return self.paras[0].section


def _all_headings(paras: list[_Para]) -> bool:
    return all(p.level is not None for p in paras)


def _heading_opens_chunk(current: list[_Para], para: _Para, target: int) -> bool:
    """A heading starts a new chunk once the current one has body text and is top-level or half full."""
    if para.level is None or _all_headings(current):
        return False
    return para.level <= 2 or current[-1].end - current[0].start >= target // 2


def _group(paras: list[_Para], target: int, max_chars: int) -> list[_Group]:
    """Gather paragraphs into chunks of about target characters; a heading goes with the text after it."""
    groups: list[list[_Para]] = []
    current: list[_Para] = []
    for para in paras:
        if current and _heading_opens_chunk(current, para, target):
            groups.append(current)
            current = []
        elif current and para.end - current[0].start > target:
            cut = len(current)
            while cut and current[cut - 1].level is not None:
                cut -= 1
            body, headings = current[:cut], current[cut:]
            if body:
                groups.append(body)
            if headings and para.end - headings[0].start > max_chars:  # no room for its text: alone
                groups.append(headings)
                headings = []
            current = headings
        current.append(para)
    if current:
        groups.append(current)
    return [_Group(g) for g in groups]


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
    paras = _split_paragraphs(text, max_chars)
    _assign_sections(paras)
    groups = _group(paras, target_chars, max_chars)
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
    """Split any group longer than the embedder reads, between paragraphs or inside a dense one."""
    out: list[_Group] = []
    pending = [g.paras for g in groups]
    while pending:
        paras = pending.pop(0)
        body = text[paras[0].start : paras[-1].end]
        parts = _split_group(text, paras) if count_tokens(f"{paras[0].section}\n{body}") > max_tokens else None
        if parts is None:  # fits, or one word too long to cut
            out.append(_Group(paras))
        else:
            pending[:0] = parts
    return out


def _split_group(text: str, paras: list[_Para]) -> list[list[_Para]] | None:
    """Two smaller groups: halved between paragraphs, or inside a paragraph when headings would stand alone."""
    mid = len(paras) // 2
    while mid > 1 and paras[mid - 1].level is not None:  # a heading stays with the text after it
        mid -= 1
    if not _all_headings(paras[:mid]):
        return [paras[:mid], paras[mid:]]
    inner = next((i for i, p in enumerate(paras) if p.level is None), len(paras) - 1)
    halves = _halve(text, paras[inner])
    if halves is None:
        return [paras[:mid], paras[mid:]] if mid else None
    return [[*paras[:inner], halves[0]], [halves[1], *paras[inner + 1 :]]]


def _halve(text: str, para: _Para) -> tuple[_Para, _Para] | None:
    """Cut one paragraph near its middle: at a sentence end if it has one, else at a space."""
    sentences = split_sentences(text[para.start : para.end], para.start)
    cuts = [(prev[1], nxt[0]) for prev, nxt in zip(sentences, sentences[1:], strict=False)]
    if not cuts:
        cuts = [
            (para.start + m.start(), para.start + m.end()) for m in re.finditer(r"\s+", text[para.start : para.end])
        ]
    if not cuts:
        return None
    middle = (para.start + para.end) // 2
    end, start = min(cuts, key=lambda cut: abs(cut[1] - middle))
    return _Para(para.start, end, para.level, para.label, para.section), _Para(start, para.end, None, "", para.section)


def embedding_text(title: str, chunk: Chunk) -> str:
    """What the embedder reads for a chunk: its document title and section give it context."""
    head = " — ".join(part for part in (title, chunk.section) if part)
    return f"{head}\n{chunk.text}" if head else chunk.text
