"""Structure-aware chunking: paragraphs under the headings of official texts, into passages with a section path.

Each chunk is an exact slice of the cleaned text (its span), so a citation can point at the characters. Its section
is the chain of headings it sits under, in the words of the text: "Chương II. TUYỂN DỤNG CÔNG CHỨC › Điều 3. Căn
cứ tuyển dụng công chức › Khoản 2 › Điểm a" in a decree, "III- NHIỆM VỤ, GIẢI PHÁP › 2. Khẩn trương, …" in a
resolution, "PHỤ LỤC II. DANH MỤC CÁC NHIỆM VỤ … › I. Nâng cao nhận thức, …" in an appendix. An enumerated clause
or a table row is never cut unless it alone is longer than a chunk may be; in a file holding several documents
(`ingest.parts`) no chunk crosses from one to the next.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from core.docnumbers import find_numbers
from core.index.types import Chunk
from core.sentences import split_sentences
from ingest.parts import Part
from ingest.tables import is_table_row

SECTION_SEPARATOR = " › "

# Ranks: a heading closes every open heading of the same or a deeper (larger) rank. Markdown headings without a
# numbering of their own rank by their '#' count (1-6), above the structure of the text; an appendix closes all.
_APPENDIX, _PART, _LETTER, _CHAPTER, _SECTION, _ARTICLE, _CLAUSE, _SUBCLAUSE, _SUBSUBCLAUSE, _POINT, _CAPTION = (
    0, 10, 15, 20, 30, 40, 50, 60, 70, 80, 90,
)  # fmt: skip
_CAPS = _CHAPTER  # an all-caps line such as "QUAN ĐIỂM CHỈ ĐẠO" stands where a chapter or a Roman part does

_STRUCTURE: list[tuple[str, int, re.Pattern[str]]] = [
    ("appendix", _APPENDIX, re.compile(r"^(?:Phụ lục|PHỤ LỤC)(?:\s+(?:số\s+)?(?P<num>[IVXLC\d]+[a-z]?)\b)?")),
    ("part", _PART, re.compile(r"^(?:Phần|PHẦN)\s+(?P<num>thứ\s+\w+|THỨ\s+\w+|[IVXLC\d]+)\b")),
    ("chapter", _CHAPTER, re.compile(r"^(?:Chương|CHƯƠNG)\s+(?P<num>[IVXLC\d]+)\b")),
    ("section", _SECTION, re.compile(r"^(?:Mục|MỤC)\s+(?P<num>\d+)\b")),
    ("article", _ARTICLE, re.compile(r"^(?:Điều|ĐIỀU)\s+(?P<num>\d+[a-z]?)\s*(?:[.:]|$)")),
    ("roman", _CHAPTER, re.compile(r"^(?P<num>[IVX]{1,5})\s*[.\-–)/]\s*\S")),
    ("letter", _LETTER, re.compile(r"^(?P<num>[A-HĐ])\s*[.\-–)/]\s+\S")),
    ("decimal", _SUBSUBCLAUSE, re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){2,})\.?[\s\-–)]+\S")),
    ("decimal", _SUBCLAUSE, re.compile(r"^(?P<num>\d{1,2}\.\d{1,2})(?:[.\-–)]\s*|\s+)\S")),
    # "5.000 người" is a quantity, "1 - 2 năm" a range and "57-NQ/TW" a number, not items 5, 1 and 57
    ("clause", _CLAUSE, re.compile(r"^(?P<num>\d{1,3}[a-z]?)(?:\s*[.)](?!\s*\d)\s*|\s*[-–]\s+(?!\d))\S")),
    ("clause", _CLAUSE, re.compile(r"^Khoản\s+(?P<num>\d+[a-z]?)\b")),
    ("point", _POINT, re.compile(r"^(?P<num>[a-zđ])\s*\)\s*\S")),
]
_MARKDOWN_RE = re.compile(r"^(#{1,6})\s+(?=\S)")
_BARE_MARKER_RE = re.compile(r"^(?:Phụ lục|PHỤ LỤC|Phần|PHẦN|Chương|CHƯƠNG|Mục|MỤC)(?:\s+\S+){0,2}?\s*[.:]?$")
_SENTENCE_END_RE = re.compile(r"[.;!?…][\s\"”’)\]]*$")
_SELF_CONTAINED_WORDS = 4  # a numbered line of this many words that ends a sentence is a clause, not a title


@dataclass(frozen=True)
class Heading:
    """A heading line read: its kind ("article", "clause", "markdown", "caps", …), rank, number and text."""

    kind: str
    rank: int
    number: str
    text: str  # the line without Markdown marks


def parse_heading(line: str) -> Heading | None:
    """Read a line as a heading of an official text, a Markdown heading or an all-caps title; None for body text."""
    text = _plain(line)
    markdown = _MARKDOWN_RE.match(text)
    if markdown:
        inner = text[markdown.end() :]
        return _structural(inner) or Heading("markdown", len(markdown.group(1)), "", inner)
    if text[:1] in "\"“'‘":  # a quoted heading belongs to the amended text, not to this one
        return None
    heading = _structural(text)
    if heading:
        return heading
    letters = [c for c in text if c.isalpha()]
    if 6 <= len(text) <= 100 and letters and all(c.isupper() for c in letters):
        return Heading("caps", _CAPS, "", text)
    return None


def heading_level(line: str) -> int | None:
    """The rank of a heading line (smaller is higher: Phần above Chương above Điều above Khoản), None for text."""
    heading = parse_heading(line)
    return heading.rank if heading else None


def _structural(text: str) -> Heading | None:
    for kind, rank, pattern in _STRUCTURE:
        match = pattern.match(text)
        if match is None:
            continue
        if kind == "appendix" and (len(text) > 160 or _SENTENCE_END_RE.search(text)):
            return None  # "Phụ lục này được ban hành kèm theo …" is a sentence
        return Heading(kind, rank, match.group("num") or "", text)
    return None


def _plain(line: str) -> str:
    """The visible text of a line, without bold or italic marks and Markdown escapes ("**1\\.**" -> "1.")."""
    text = re.sub(r"\\([^\w\s])", r"\1", line.strip())
    return re.sub(r"\s+", " ", text.replace("*", "")).strip()


def _label(text: str) -> str:
    text = text.lstrip("#").strip()
    return text if len(text) <= 80 else text[:77].rsplit(" ", 1)[0] + "…"


@dataclass
class _Para:
    start: int
    end: int
    level: int | None = None  # heading rank, None for body text (and for table rows)
    label: str = ""
    kind: str = ""
    number: str = ""
    glue: bool = False  # a title: it goes with the text after it and never ends a chunk
    whole: bool = False  # a clause or table row: cut only when it alone is longer than max_chars
    row: bool = False  # a table row as flatten_tables writes it
    closes: int | None = None  # a numbered table row closes the open headings of its rank and below
    section: str = ""  # the chain of headings this paragraph sits under (set by _assign_sections)


def _paragraphs(text: str, start: int = 0, end: int | None = None) -> list[_Para]:
    paras = []
    for match in re.compile(r"[^\n]+").finditer(text, start, len(text) if end is None else end):
        line = match.group(0)
        if not line.strip():
            continue
        s = match.start() + len(line) - len(line.lstrip())
        e = match.start() + len(line.rstrip())
        paras.append(_read(line, s, e))
    _merge_titles(text, paras)
    _mark_captions(text, paras)
    return paras


def _read(line: str, start: int, end: int) -> _Para:
    """One line as a paragraph: a heading (a title, or a clause holding its own text), a table row, or body text."""
    numbered = _structural(_plain(line))
    if is_table_row(line) and not (numbered and numbered.kind in ("roman", "letter")):  # "I. …" heads a group
        return _Para(start, end, whole=True, row=True, closes=numbered.rank if numbered else None)
    heading = parse_heading(line)
    if heading is None:  # a line of marks only ("**", "* *") goes with what follows it
        return _Para(start, end, glue=not re.search(r"\w", line))
    self_contained = (
        heading.kind not in ("markdown", "caps", "appendix", "part", "chapter", "section", "letter")
        and len(heading.text.split()) >= _SELF_CONTAINED_WORDS
        and _SENTENCE_END_RE.search(heading.text) is not None
    )
    return _Para(
        start, end, heading.rank, _label(heading.text), heading.kind, heading.number,
        glue=not self_contained, whole=self_contained,
    )  # fmt: skip


def _merge_titles(text: str, paras: list[_Para]) -> None:
    """A title printed over two lines is one entry in the path: "Chương II" over "TUYỂN DỤNG CÔNG CHỨC" reads
    "Chương II. TUYỂN DỤNG CÔNG CHỨC", "NGHỊ QUYẾT" over "CỦA BỘ CHÍNH TRỊ" reads "NGHỊ QUYẾT CỦA BỘ CHÍNH TRỊ"."""
    for para, nxt in zip(paras, paras[1:], strict=False):
        title = _plain(text[nxt.start : nxt.end])
        if para.kind in ("appendix", "part", "chapter", "section") and _BARE_MARKER_RE.match(para.label):
            is_title = nxt.kind == "caps" or (
                nxt.level is None and not nxt.whole and title[:1] not in "(\"“" and not title.endswith(":")
                and (len(title) <= 150 and not _SENTENCE_END_RE.search(title) or title.isupper())
            )  # fmt: skip
            joined = f"{para.label.rstrip('.:')}. {title}"
        else:
            is_title = para.kind == "caps" and nxt.kind == "caps" and not para.label.endswith("…")
            joined = f"{para.label} {title}"
        if is_title:
            para.label = _label(joined)
            nxt.level, nxt.kind, nxt.number, nxt.label, nxt.glue = para.level, para.kind, para.number, para.label, True


def _mark_captions(text: str, paras: list[_Para]) -> None:
    """A short line just above a table's rows ("Bảng 2. Danh mục nhiệm vụ") is their caption, in their path."""
    for para, nxt in zip(paras, paras[1:], strict=False):
        caption = _plain(text[para.start : para.end])
        if (
            nxt.row and not para.row and para.level is None and not para.glue and len(caption) <= 150
            and caption[:1] not in "(-*+•" and caption[-1:] not in ".;:"
        ):  # fmt: skip
            para.level, para.kind, para.label, para.glue = _CAPTION, "caption", _label(caption), True


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
    first = replace(para, start=spans[0][0], end=spans[0][1])
    return [first, *(_Para(s, e) for s, e in spans[1:])]


def _split_paragraphs(paras: list[_Para], text: str, max_chars: int) -> list[_Para]:
    """The long paragraphs cut so that each piece, and a body paragraph with its titles, fit max_chars.

    A clause or a table row that fits max_chars alone stays whole, even when its titles then stand apart.
    """
    out: list[_Para] = []
    for para in paras:
        lead = len(out)
        while lead and out[lead - 1].glue:
            lead -= 1
        lead_start = out[lead].start if lead < len(out) and not para.glue else para.start
        if para.end - lead_start <= max_chars or (para.whole and para.end - para.start <= max_chars):
            out.append(para)
            continue
        room = max_chars - (para.start - lead_start)  # what the titles above leave for the first piece
        out.extend(_split_long(text, para, max_chars, room if room >= max_chars // 4 else max_chars))
    return out


def _assign_sections(paras: list[_Para]) -> None:
    """Give every paragraph the chain of headings above it; a heading belongs to its own chain.

    Inside an Điều a numbered clause is "Khoản 2" and a lettered one "Điểm a"; elsewhere a heading keeps its words.
    """
    path: list[tuple[int, str, str]] = []  # (rank, kind, label)
    for para in paras:
        if para.level is not None:
            path = [entry for entry in path if entry[0] < para.level]
            in_article = any(kind == "article" for _, kind, _ in path)
            if in_article and para.kind == "clause":
                para.label = f"Khoản {para.number}"
            elif in_article and para.kind == "point":
                para.label = f"Điểm {para.number}"
            path.append((para.level, para.kind, para.label))
        elif para.closes is not None:  # a numbered row ends the rows it follows, not the caption above them
            path = [entry for entry in path if entry[0] < para.closes or entry[1] == "caption"]
        para.section = SECTION_SEPARATOR.join(label for _, _, label in path)


@dataclass
class _Group:
    paras: list[_Para]

    @property
    def section(self) -> str:
        """The path of its first text, under the titles it opens with ("Điều 3. … › Khoản 1", not "Điều 3. …")."""
        first = self.paras[0].section
        text = next((p.section for p in self.paras if not p.glue), self.paras[-1].section)
        return text if text.startswith(first) else first


def _all_titles(paras: list[_Para]) -> bool:
    return all(p.glue for p in paras)


def _heading_opens_chunk(current: list[_Para], para: _Para, target: int) -> bool:
    """A heading starts a new chunk once the current one has text: always for an Điều or anything above it, for
    a numbered title ("2. Cách tính chi phí:") once a quarter full, for a clause holding its own text or a deeper
    title once half full."""
    if para.level is None or _all_titles(current):
        return False
    if para.level <= _ARTICLE:
        return True
    filled = current[-1].end - current[0].start
    return filled >= (target // 4 if para.glue and para.level <= _CLAUSE else target // 2)


def _group(paras: list[_Para], target: int, max_chars: int) -> list[_Group]:
    """Gather paragraphs into chunks of about target characters; a title goes with the text after it."""
    groups: list[list[_Para]] = []
    current: list[_Para] = []
    for para in paras:
        if current and _heading_opens_chunk(current, para, target):
            groups.append(current)
            current = []
        elif current and para.end - current[0].start > target:
            cut = len(current)
            while cut and current[cut - 1].glue:
                cut -= 1
            body, titles = current[:cut], current[cut:]
            if body:
                groups.append(body)
            if titles and para.end - titles[0].start > max_chars:  # no room for its text: alone
                groups.append(titles)
                titles = []
            current = titles
        current.append(para)
    if current:
        groups.append(current)
    return [_Group(g) for g in _merge_tails(groups, target)]


def _merge_tails(groups: list[list[_Para]], target: int) -> list[list[_Para]]:
    """A short run of items ("e) …", "g) …") cut off at the end of an Điều joins the chunk before it when both
    fit target; a run that opens with a title or an Điều keeps its own chunk."""
    out: list[list[_Para]] = []
    for group in groups:
        first = group[0]
        tail = not first.glue and (first.level is None or first.level > _ARTICLE)
        if out and tail and group[-1].end - group[0].start < target // 4 and group[-1].end - out[-1][0].start <= target:
            out[-1] = [*out[-1], *group]
        else:
            out.append(group)
    return out


def _segments(text: str, parts: Sequence[Part] | None) -> list[tuple[int, int, str]]:
    """(start, end, part title): the parts of a file holding several documents, or the whole text."""
    if not parts:
        return [(0, len(text), "")]
    segments = []
    at = 0
    for part in sorted(parts, key=lambda p: p.start):
        if text[at : part.start].strip():
            segments.append((at, part.start, ""))
        segments.append((max(part.start, at), part.end, part.title))
        at = max(at, part.end)
    if text[at:].strip():
        segments.append((at, len(text), ""))
    return segments


def chunk_text(
    doc_id: str,
    text: str,
    *,
    id_prefix: str,
    target_chars: int = 900,
    max_chars: int = 1400,
    count_tokens: Callable[[str], int] | None = None,
    max_tokens: int = 480,
    parts: Sequence[Part] | None = None,
) -> list[Chunk]:
    """Split a cleaned document into chunks whose text is text[start:end], none crossing from one part to the next."""
    chunks: list[Chunk] = []
    for seg_start, seg_end, part in _segments(text, parts):
        paras = _split_paragraphs(_paragraphs(text, seg_start, seg_end), text, max_chars)
        _assign_sections(paras)  # the path starts afresh in each part
        groups = _group(paras, target_chars, max_chars)
        if count_tokens is not None:
            groups = _fit_tokens(groups, text, count_tokens, max_tokens, part)
        for group in groups:
            start, end = group.paras[0].start, group.paras[-1].end
            body = text[start:end]
            position = len(chunks)
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
                    part=part,
                )
            )
    return chunks


def _fit_tokens(
    groups: list[_Group], text: str, count_tokens: Callable[[str], int], max_tokens: int, part: str = ""
) -> list[_Group]:
    """Split any group longer than the embedder reads, between paragraphs or inside a dense one."""
    out: list[_Group] = []
    pending = [g.paras for g in groups]
    while pending:
        paras = pending.pop(0)
        head = SECTION_SEPARATOR.join(h for h in (part, _Group(paras).section) if h)
        too_long = count_tokens(f"{head}\n{text[paras[0].start : paras[-1].end]}") > max_tokens
        halves = _split_group(text, paras) if too_long else None
        if halves is None:  # fits, or one word too long to cut
            out.append(_Group(paras))
        else:
            pending[:0] = halves
    return out


def _split_group(text: str, paras: list[_Para]) -> list[list[_Para]] | None:
    """Two smaller groups: halved between paragraphs, or inside a paragraph when titles would stand alone."""
    mid = len(paras) // 2
    while mid > 1 and paras[mid - 1].glue:  # a title stays with the text after it
        mid -= 1
    if not _all_titles(paras[:mid]):
        return [paras[:mid], paras[mid:]]
    inner = next((i for i, p in enumerate(paras) if not p.glue), len(paras) - 1)
    if inner and paras[inner].whole:
        return [paras[:inner], paras[inner:]]  # a clause leaves its titles rather than be cut
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
    return replace(para, end=end), _Para(start, para.end, section=para.section)


def embedding_text(title: str, chunk: Chunk) -> str:
    """What the embedder reads for a chunk: its document title, its part and its section give it context."""
    head = " — ".join(part for part in (title, chunk.part, chunk.section) if part)
    return f"{head}\n{chunk.text}" if head else chunk.text
