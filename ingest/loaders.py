"""Turn a file in documents/ into plain text, one loader per format."""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")


class UnreadableDocumentError(Exception):
    """The file cannot be turned into text; ingestion skips it with a warning."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path.name}: {reason}")
        self.path = path
        self.reason = reason  # why, and what to do, without the file name


def load_text(path: Path) -> str:
    """Return the text of a supported file, or raise UnreadableDocumentError saying why."""
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise UnreadableDocumentError(path, f"unsupported file type {path.suffix!r}")
    try:
        text = loader(path)
    except UnreadableDocumentError:
        raise
    except Exception as exc:  # a broken PDF/DOCX raises many different library errors
        raise UnreadableDocumentError(path, f"cannot read ({type(exc).__name__}: {exc})") from exc
    if not text.strip():
        raise UnreadableDocumentError(path, "no text found (scanned PDF or empty file?)")
    return text


# A byte-order mark names the encoding for sure (Notepad's "Unicode" is UTF-16 LE with one).
# The UTF-32 marks come first: the UTF-32 LE mark starts with the UTF-16 LE one.
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
_MAGIC = [  # (leading bytes, what the file is, what to do)
    (b"%PDF-", "a PDF document", "rename it to .pdf"),
    (b"PK\x03\x04", "a ZIP archive (a Word .docx file?)", "if it is a Word document, rename it to .docx"),
    (b"\xd0\xcf\x11\xe0", "an old Office .doc/.xls file", "save it as .docx or as UTF-8 text"),
    (b"\x89PNG", "a PNG image", "it holds no text to read"),
    (b"\xff\xd8\xff", "a JPEG image", "it holds no text to read"),
]


def _read_text(path: Path) -> str:
    """Text of a .txt/.md/.html file: UTF-8, or whatever Unicode encoding its byte-order mark names."""
    data = path.read_bytes()
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), None)
    if encoding is None and (b"\x00" in data[:8192] or any(data.startswith(m) for m, _, _ in _MAGIC)):
        raise UnreadableDocumentError(path, _binary_reason(data))
    try:
        return data.decode(encoding or "utf-8-sig")
    except UnicodeDecodeError as exc:
        name = (encoding or "utf-8").upper().replace("-SIG", "")
        raise UnreadableDocumentError(
            path, f"not {name} text (byte {exc.start}); save it as UTF-8 and ingest again"
        ) from exc


def _binary_reason(data: bytes) -> str:
    for magic, what, advice in _MAGIC:
        if data.startswith(magic):
            return f"binary file, not text: it looks like {what}; {advice}"
    return (
        "binary file, not text: .txt, .md and .html files are read as plain text only "
        "(UTF-8, or UTF-16 with a byte-order mark); if it is text, save it as UTF-8 and ingest again"
    )


_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def _load_markdown(path: Path) -> str:
    lines = []
    for line in _read_text(path).splitlines():
        line = _MD_LINK.sub(r"\1", line)
        for _ in range(3):  # nested emphasis such as ***x***
            line = _MD_EMPHASIS.sub(r"\2", line)
        line = _MD_ESCAPE.sub(r"\1", line).replace("**", "")
        if re.fullmatch(r"\s*\|?[\s:|-]+\|?\s*", line) and "-" in line:
            continue  # table separator row
        lines.append(line.rstrip())
    return "\n".join(lines)


_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "tr", "table", "section", "article", "h1", "h2", "h3",
    "h4", "h5", "h6", "blockquote", "pre", "header", "footer", "dd", "dt", "caption",
}  # fmt: skip
_SKIP_TAGS = {"script", "style", "noscript", "nav", "template", "svg", "iframe", "form", "button"}
_CELL_TAGS = {"td", "th"}


class _TextExtractor(HTMLParser):
    """Text with one line per block; a table row is one line, its cells joined by " | "."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0
        self._tables = 0  # open <table> elements
        self._in_cell = False  # a flag, not a depth: </td> is optional in HTML
        self._cells_in_row = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth += 1
        elif tag in _CELL_TAGS:
            self.parts.append(" | " if self._cells_in_row else "")
            self._cells_in_row += 1
            self._in_cell = True
        elif tag == "tr":  # rows on consecutive lines: a newline before one only when </tr> was left out
            self._in_cell, self._cells_in_row = False, 0
            if self.parts and not self.parts[-1].rstrip(" \t").endswith("\n"):
                self.parts.append("\n")
        elif tag in _BLOCK_TAGS:
            self._tables += tag == "table"
            self.parts.append(self._break("\n\n" if tag.startswith("h") or tag == "p" else "\n"))

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS and self._skip_depth:
            self._skip_depth -= 1
        elif tag in _CELL_TAGS:
            self._in_cell = False
        elif tag in _BLOCK_TAGS:
            if tag in {"tr", "table"}:
                self._in_cell = False
                self._tables = max(self._tables - (tag == "table"), 0)
            self.parts.append(self._break("\n"))

    def _break(self, separator: str) -> str:
        """A block inside a table cell (<p>, <br>, <li>...) is a space: the row stays on one line."""
        return " " if self._in_cell else separator

    def handle_data(self, data: str) -> None:
        if self._skip_depth or (self._tables and not self._in_cell and data.isspace()):
            return  # whitespace between rows and cells would break a row across lines
        self.parts.append(data)


def _load_html(path: Path) -> str:
    parser = _TextExtractor()
    parser.feed(_read_text(path))
    text = "".join(parser.parts)
    lines = [re.sub(r"[ \t\xa0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _load_pdf(path: Path) -> str:
    from pypdf import PdfReader  # imported here: only PDF ingestion pays for it

    reader = PdfReader(str(path))
    return "\n\n".join((page.extract_text() or "").strip() for page in reader.pages)


def _load_docx(path: Path) -> str:
    import docx  # python-docx, imported lazily like pypdf
    from docx.table import Table

    document = docx.Document(str(path))
    blocks: list[str] = []
    for item in document.iter_inner_content():  # paragraphs and tables in document order
        if isinstance(item, Table):
            blocks.extend(_docx_row_text(row) for row in item.rows)
        else:
            blocks.append(item.text)
    return "\n\n".join(b for b in blocks if b.strip())


def _docx_row_text(row) -> str:
    """Cells joined by " | "; a merged cell, which python-docx repeats once per grid column, counts once."""
    cells, seen = [], set()
    for cell in row.cells:
        if cell._tc not in seen:  # lxml elements hash by identity
            seen.add(cell._tc)
            cells.append(" ".join(cell.text.split()))
    return " | ".join(cells)


_LOADERS: dict[str, Callable[[Path], str]] = {
    ".txt": _read_text,
    ".md": _load_markdown,
    ".html": _load_html,
    ".htm": _load_html,
    ".pdf": _load_pdf,
    ".docx": _load_docx,
}
