"""Several documents in one file: the spans of the distinct texts a cleaned file holds.

A compiled file ("Nghị quyết 57, Kết luận 69, Nghị quyết 20 and a comparison") answers questions about four
texts; a passage of Kết luận 69 must not be cited as Nghị quyết 57. A new document shows itself by its header: a
kind heading ("# Kết luận số 69-KL/TW", "NGHỊ QUYẾT") stating its own number, or with its own "Số: …" or
"Hà Nội, ngày …" line next to it, standing after the text of the document before it. Appendices, forms (whose
"Số: /QĐ-…" has no number) and the text a decision issues ("CHƯƠNG TRÌNH … (Kèm theo Nghị quyết số …)") are part
of their document, not new ones. Most files hold one document: then there is no part at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.docnumbers import find_numbers

_KINDS = (
    "nghị quyết", "kết luận", "chỉ thị", "quyết định", "nghị định", "thông tư", "kế hoạch", "hướng dẫn",
    "quy định", "công văn", "thông báo", "báo cáo", "chương trình", "đề án", "tờ trình", "luật", "thông tri",
)  # fmt: skip
_KIND_RE = re.compile(rf"^(?P<kind>{'|'.join(_KINDS)})\b", re.IGNORECASE)
_MARKDOWN_RE = re.compile(r"^(#{1,6})\s+")
# "Số: 20-NQ/TW", "CHÍNH PHỦ Số: 170/2025/NĐ-CP"; a form's "Số: /QĐ-…" has no number
_NUMBER_LINE_RE = re.compile(r"(?:^|\s)(?:Số|SỐ)\s*:?\s*\d")
_DATE_LINE_RE = re.compile(r"(?:^|\s)[^\d,.;]{2,40},\s*ngày\s+\d{1,2}\s*(?:tháng|/)\s*\d{1,2}\s*(?:năm|/)\s*\d{4}")
_YEAR_RE = re.compile(r"\b(?:19|20)\d\d\b")
# Headings inside a document: appendices, forms, parts, chapters, articles, numbered items.
_STRUCTURE_RE = re.compile(
    r"^(?:phụ lục|mẫu số|biểu mẫu|phần|chương|mục|điều)\b|^(?:[IVXLC]+|\d+(?:\.\d+)*|[A-ZĐ])\s*[.\-–)/]",
    re.IGNORECASE,
)
_BODY_CHARS = 160  # a line longer than this is text, not a header line
_WINDOW = 6  # header lines looked at on each side of a kind line


@dataclass(frozen=True)
class Part:
    """One document of a file that holds several: its span in the cleaned text, its title and number."""

    start: int
    end: int
    title: str  # "Kết luận số 69-KL/TW", "So sánh Nghị quyết 57 với …"
    number: str | None = None  # its own normalised number when its header states one ("69-KL/TW")


@dataclass
class _Line:
    start: int
    plain: str  # the visible text: no Markdown marks, escapes, table pipes or rules
    md_level: int  # number of leading '#', 0 when the line is not a Markdown heading

    @property
    def is_body(self) -> bool:
        return len(self.plain) > _BODY_CHARS


@dataclass
class _Header:
    line: int  # index of the line where the part starts
    title: str
    number: str | None
    md_level: int


def find_parts(text: str) -> list[Part]:
    """The documents a cleaned file holds, in order and covering the text; [] when it holds only one."""
    lines = _lines(text)
    headers = _document_headers(lines)
    if len(headers) < 2:
        return []
    headers = _with_sibling_headings(lines, headers)
    starts = [0 if i == 0 else lines[h.line].start for i, h in enumerate(headers)]
    ends = [*starts[1:], len(text)]
    return [
        Part(start, _trim_end(text, start, end), h.title, h.number)
        for start, end, h in zip(starts, ends, headers, strict=True)
    ]


def _trim_end(text: str, start: int, end: int) -> int:
    return start + len(text[start:end].rstrip())


def _lines(text: str) -> list[_Line]:
    out = []
    for match in re.finditer(r"[^\n]+", text):
        raw = match.group(0).strip()
        md = _MARKDOWN_RE.match(raw)
        plain = _plain(raw[md.end() :] if md else raw)
        if re.search(r"\w", plain):  # rules and separator rows ("| :--- |") say nothing
            out.append(_Line(match.start(), plain, len(md.group(1)) if md else 0))
    return out


def _plain(line: str) -> str:
    line = re.sub(r"\\([^\w\s])", r"\1", line)  # "\-" is "-"
    line = re.sub(r"[*|]+|[-_=]{3,}", " ", line)
    return re.sub(r"\s+", " ", line).strip()


def _document_headers(lines: list[_Line]) -> list[_Header]:
    """The header of the first document, then of each document that starts after some text of the one before."""
    headers: list[_Header] = []
    body_since = False  # text seen since the last header: a header now opens a new document
    for i, line in enumerate(lines):
        header = _header_at(lines, i)
        if header is not None and (not headers or body_since):
            headers.append(header)
            body_since = False
        elif header is None and line.is_body:
            if not headers and i > _WINDOW:
                return []  # text before any header: one document that quotes others, not a compilation
            body_since = bool(headers)
    return headers


def _header_at(lines: list[_Line], i: int) -> _Header | None:
    """The header of a document when line i is its kind heading with its own number or date near it."""
    line = lines[i]
    kind = _KIND_RE.match(line.plain)
    if kind is None or line.plain.endswith(":") or len(line.plain) > 120:
        return None  # "QUYẾT ĐỊNH:" is an enacting formula, not a title
    if not line.md_level and not line.plain.isupper():
        return None
    own = find_numbers(line.plain)
    after = _short_lines(lines, i, 1)
    before = [] if line.md_level else _short_lines(lines, i, -1)
    stated = [n for j in before + after if _NUMBER_LINE_RE.search(lines[j].plain) for n in find_numbers(lines[j].plain)]
    dated = any(_DATE_LINE_RE.search(lines[j].plain) for j in before + after)
    if not own and not stated and not dated:
        return None
    heads = [j for j in before if _NUMBER_LINE_RE.search(lines[j].plain) or _DATE_LINE_RE.search(lines[j].plain)]
    start = _issuer_start(lines, min(heads)) if heads else i
    number = own[0] if own else (stated[0] if stated else None)
    return _Header(start, _title(line, kind.group("kind"), number), number, line.md_level)


def _short_lines(lines: list[_Line], i: int, step: int) -> list[int]:
    """Up to _WINDOW header lines next to line i in one direction, stopping at text or a Markdown heading."""
    out = []
    j = i + step
    while 0 <= j < len(lines) and abs(j - i) <= _WINDOW and not lines[j].is_body and not lines[j].md_level:
        out.append(j)
        j += step
    return out


def _issuer_start(lines: list[_Line], j: int) -> int:
    """The first line of an official header: the issuing body's uppercase lines just above "Số: …"."""
    for _ in range(3):
        above = lines[j - 1].plain if j else ""
        if not above or not (above.isupper() or above.startswith("Độc lập")):
            break
        j -= 1
    return j


def _title(line: _Line, kind: str, number: str | None) -> str:
    """The heading as written when it states the number; else the kind with the number (and the year it gives)."""
    written = find_numbers(line.plain)
    if number is None or (written and not line.plain.isupper()):
        return _short(line.plain.capitalize() if line.plain.isupper() else line.plain)
    kind = kind[0].upper() + kind[1:].lower()
    year = None if written else _YEAR_RE.search(line.plain)  # "Nghị quyết 20 - 2012"
    return f"{kind} {number} ({year.group(0)})" if year else f"{kind} số {number}"


def _with_sibling_headings(lines: list[_Line], headers: list[_Header]) -> list[_Header]:
    """Other Markdown headings at the level the documents' headings use start parts too ("# So sánh …"), when they
    stand after some text of the part before them and read as a title, not as a section of it."""
    levels = [h.md_level for h in headers if h.md_level]
    if len(levels) < 2:
        return headers
    top = min(levels)
    starts = {h.line: h for h in headers}
    out: list[_Header] = []
    body_since = False
    for i, line in enumerate(lines):
        if i in starts:
            out.append(starts[i])
            body_since = False
        elif out and body_since and line.md_level and line.md_level <= top and _reads_as_title(line.plain):
            out.append(_Header(i, _short(line.plain), None, line.md_level))
            body_since = False
        else:
            body_since = body_since or line.is_body
    return out


def _reads_as_title(text: str) -> bool:
    return not text.isupper() and not text.endswith(":") and not _STRUCTURE_RE.match(text)


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:77].rsplit(" ", 1)[0] + "…"
