"""Turn a file in documents/ into plain text, one loader per format."""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from ingest import ocr
from ingest.encodings import LegacyEncodingError, decode_font_text, decode_legacy_bytes, fix_legacy_text

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")


class UnreadableDocumentError(Exception):
    """The file cannot be turned into text; ingestion skips it with a warning."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path.name}: {reason}")
        self.path = path
        self.reason = reason  # why, and what to do, without the file name


MB = 1024 * 1024


@dataclass(frozen=True)
class LoadLimits:
    """Per-file limits, checked before a file is parsed (size, a DOCX's unzipped size) or while its text grows."""

    max_file_bytes: int = 20 * MB
    max_text_chars: int = 5_000_000
    max_expanded_bytes: int = 100 * MB  # DOCX: the sum of its ZIP members' uncompressed sizes
    max_archive_members: int = 10_000


def load_text(path: Path, limits: LoadLimits | None = None) -> str:
    """Return the text of a supported file, or raise UnreadableDocumentError saying why (a limit passed, too)."""
    limits = limits or LoadLimits()
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise UnreadableDocumentError(path, f"unsupported file type {path.suffix!r}")
    check_file_size(path, limits)
    if loader is _load_docx:
        _check_archive(path, limits)
    try:
        text = _load_pdf(path, limits.max_text_chars) if loader is _load_pdf else loader(path)
    except UnreadableDocumentError:
        raise
    except Exception as exc:  # a broken PDF/DOCX raises many different library errors
        raise UnreadableDocumentError(path, f"cannot read ({type(exc).__name__}: {exc})") from exc
    if not text.strip():
        raise UnreadableDocumentError(path, "no text found (scanned PDF or empty file?)")
    if len(text) > limits.max_text_chars:
        raise _text_too_long(path, f"its text is {len(text):,} characters", limits.max_text_chars)
    return _unicode(path, text)


def check_file_size(path: Path, limits: LoadLimits) -> None:
    """UnreadableDocumentError for a file larger than the limit, found from its size alone (nothing read)."""
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise UnreadableDocumentError(
            path,
            f"file is {_size(size)}, over the {_size(limits.max_file_bytes)} limit per file "
            "(ASSISTANT_MAX_FILE_MB); split it into smaller files or raise the limit",
        )


def _check_archive(path: Path, limits: LoadLimits) -> None:
    """Refuse a DOCX whose ZIP directory announces more than the limits unzipped, before anything is inflated.

    Python's zipfile never inflates a member past the size its directory entry announces (it stops there and
    fails the CRC check), so the announced sizes bound the memory the parser can use.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        return  # not a ZIP at all: the parser says so in its own words
    if len(members) > limits.max_archive_members:
        raise UnreadableDocumentError(
            path,
            f"DOCX holds {len(members):,} files, over the limit of {limits.max_archive_members:,}; "
            "left unread (a damaged or malicious file?): save it again from Word",
        )
    expanded = sum(member.file_size for member in members)
    if expanded > limits.max_expanded_bytes:
        raise UnreadableDocumentError(
            path,
            f"DOCX expands to {_size(expanded)} when unzipped, over the {_size(limits.max_expanded_bytes)} limit "
            "(ASSISTANT_MAX_DOCX_EXPANDED_MB); left unread (a damaged or malicious file?): remove large "
            "pictures or embedded files, save it again from Word, or raise the limit",
        )


def _size(n: int) -> str:
    """Megabytes, what limits are set in; bytes below a tenth of one."""
    return f"{n / MB:,.1f} MB" if n >= MB / 10 else f"{n:,} bytes"


def _text_too_long(path: Path, what: str, max_chars: int) -> UnreadableDocumentError:
    return UnreadableDocumentError(
        path,
        f"{what}, over the {max_chars:,}-character limit per document (ASSISTANT_MAX_TEXT_CHARS); "
        "split it into smaller files or raise the limit",
    )


def _unicode(path: Path, text: str) -> str:
    """Text typed in a legacy Vietnamese encoding (TCVN3, VNI) converted to Unicode; Unicode text is untouched."""
    try:
        fixed, encoding = fix_legacy_text(text)
    except LegacyEncodingError as exc:
        raise UnreadableDocumentError(path, exc.reason) from exc
    if encoding:
        logger.info("%s: converted from the legacy %s encoding to Unicode", path.name, encoding)
    return fixed


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
        legacy = None if encoding else _legacy_bytes(path, data)
        if legacy is not None:
            return legacy
        name = (encoding or "utf-8").upper().replace("-SIG", "")
        raise UnreadableDocumentError(
            path, f"not {name} text (byte {exc.start}); save it as UTF-8 and ingest again"
        ) from exc


def _legacy_bytes(path: Path, data: bytes) -> str | None:
    """Bytes in TCVN3, VNI or Windows-1258 (what old Vietnamese editors saved) as Unicode, else None."""
    try:
        found = decode_legacy_bytes(data)
    except LegacyEncodingError as exc:
        raise UnreadableDocumentError(path, exc.reason) from exc
    if found is None:
        return None
    logger.info("%s: converted from the legacy %s encoding to Unicode", path.name, found[1])
    return found[0]


def _binary_reason(data: bytes) -> str:
    for magic, what, advice in _MAGIC:
        if data.startswith(magic):
            return f"binary file, not text: it looks like {what}; {advice}"
    return (
        "binary file, not text: .txt, .md and .html files are read as plain text only "
        "(UTF-8, or UTF-16 with a byte-order mark); if it is text, save it as UTF-8 and ingest again"
    )


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def _load_markdown(path: Path) -> str:
    """Markdown as written, links reduced to their text.

    Emphasis, escapes and heading marks are left to `clean.clean_text` (one home for that rule, the same for every
    format), and table separator rows to `tables.flatten_tables`, which needs them to find the header row.
    """
    return "\n".join(_MD_LINK.sub(r"\1", line).rstrip() for line in _read_text(path).splitlines())


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


# -- PDF ---------------------------------------------------------------------------------------------

# A page with less text than this but an image on it is a scan (a stamp or a page number is no text layer).
_MIN_PAGE_CHARACTERS = 20
# pdfium writes \x02 or U+FFFE where it joined a word hyphenated at a line end; Chromium draws U+2010 there. Between two
# Latin letters the hyphen was the break of a word ("infor-/mation"): drop it. Vietnamese syllables are never
# split across lines, so elsewhere it is a real hyphen ("kinh tế-xã hội") and stays.
_BROKEN_WORD = re.compile(r"(?<=[A-Za-z])(?:[\x02\ufffe]|[-\u2010\u00ad]\n)(?=[a-z])")


def _load_pdf(path: Path, max_chars: int | None = None) -> str:
    import pypdfium2 as pdfium  # imported here: only PDF ingestion pays for it
    import pypdfium2.raw as pdfium_c

    pdf = pdfium.PdfDocument(str(path))
    try:
        pages = []
        scanned = []  # (page number, page) of pages that are an image without a text layer
        total = 0
        for number, page in enumerate(pdf, start=1):
            text = _pdf_page_text(page)
            total += len(text)
            if max_chars is not None and total > max_chars:  # stop reading: a PDF's streams can inflate a lot
                raise _text_too_long(path, f"its text passes {total:,} characters by page {number}", max_chars)
            if len("".join(text.split())) < _MIN_PAGE_CHARACTERS and any(
                page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2)
            ):
                scanned.append((number, page))
            pages.append(text)
        if scanned:
            _ocr_scanned_pages(path, pages, scanned)
    finally:
        pdf.close()
    return "\n\n".join(page for page in pages if page.strip())


def _pdf_page_text(page: Any) -> str:
    textpage = page.get_textpage()
    try:
        raw = textpage.get_text_range()
    finally:
        textpage.close()
    text = _BROKEN_WORD.sub("", raw.replace("\r\n", "\n").replace("\r", "\n"))
    text = re.sub("[\x02\ufffe]", "-", text).replace("\u00ad", "")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def _ocr_scanned_pages(path: Path, pages: list[str], scanned: list[tuple[int, Any]]) -> None:
    """Replace the text of scanned pages by their OCR; without tesseract, skip a PDF that is only scans."""
    listed = ", ".join(str(number) for number, _ in scanned)
    pages_are = f"page {listed} is an image" if len(scanned) == 1 else f"pages {listed} are images"
    problem = ocr.unavailable_reason()
    if problem is not None:
        scanned_numbers = {number for number, _ in scanned}
        if not any(text.strip() for n, text in enumerate(pages, start=1) if n not in scanned_numbers):
            raise UnreadableDocumentError(
                path,
                f"scanned PDF: {pages_are} without a text layer and OCR is not available "
                f"({problem}); to read it, {ocr.INSTALL_HINT} and ingest again",
            )
        logger.warning(
            "%s: %s without a text layer, left out (%s; %s)", path.name, pages_are, problem, ocr.INSTALL_HINT
        )
        return
    for number, page in scanned:
        logger.info("%s: OCR of page %d (no text layer)", path.name, number)
        try:
            pages[number - 1] = ocr.ocr_pdf_page(page).strip()
        except ocr.OcrError as exc:
            raise UnreadableDocumentError(path, f"OCR of page {number} failed ({exc})") from exc


# -- DOCX --------------------------------------------------------------------------------------------

# A table whose first row is the two-column header of an official text (the agency and "Số: …" on the left, the
# national motto and the dateline on the right) or the signature block is layout, not data.
_LAYOUT_MARKERS = re.compile(
    r"CỘNG HÒA XÃ HỘI CHỦ NGHĨA|ĐẢNG CỘNG SẢN VIỆT NAM|^NƠI NHẬN\b|^T/?M\.? |^KT\. |^SỐ\s*:|NGÀY\s*\S*\s*THÁNG"
)
_NUMBER_HEADER = re.compile(r"(?:SỐ\s*)?S?TT|SỐ THỨ TỰ|THỨ TỰ")
_ROW_NUMBER = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3})*|[IVXLC]{1,6}|[a-zđ]", re.IGNORECASE)


def _load_docx(path: Path) -> str:
    import docx  # python-docx, imported lazily like pypdfium2
    from docx.table import Table

    document = docx.Document(str(path))
    fonts = _DocxFonts(document)
    blocks: list[str] = []
    for item in document.iter_inner_content():  # paragraphs and tables in document order
        if isinstance(item, Table):
            blocks.extend(_docx_table_blocks(item, fonts))
        else:
            blocks.append(fonts.paragraph_text(item))
    return "\n\n".join(b for b in blocks if b.strip())


class _DocxFonts:
    """Paragraph text with each run set in a legacy font (.VnTime, VNI-Times) decoded by that font's encoding."""

    def __init__(self, document: Any) -> None:
        from docx.oxml.ns import qn

        self._qn = qn
        defaults = document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:rFonts")
        self._default = self._name(defaults[0]) if defaults else None
        self._styles: dict[str, str | None] = {}

    def paragraph_text(self, paragraph: Any) -> str:
        from docx.text.hyperlink import Hyperlink

        base = self._style_font(paragraph.style) or self._default
        parts = []
        for item in paragraph.iter_inner_content():  # runs and hyperlinks, in order
            for run in item.runs if isinstance(item, Hyperlink) else [item]:
                rpr = run._r.rPr
                font = (self._name(rpr.rFonts) if rpr is not None and rpr.rFonts is not None else None) or base
                parts.append(decode_font_text(run.text, font))
        return "".join(parts)

    def _style_font(self, style: Any) -> str | None:
        if style is None:
            return None
        if style.style_id not in self._styles:
            rpr = style.element.rPr
            own = self._name(rpr.rFonts) if rpr is not None and rpr.rFonts is not None else None
            self._styles[style.style_id] = own or self._style_font(style.base_style)
        return self._styles[style.style_id]

    def _name(self, rfonts: Any) -> str | None:
        # Word sets characters above 0x7F in the w:hAnsi font: that is where legacy codes live.
        return rfonts.get(self._qn("w:hAnsi")) or rfonts.get(self._qn("w:ascii"))


def _docx_table_blocks(table: Any, fonts: _DocxFonts) -> list[str]:
    """One line per row, "Header: cell; Header: cell" (first row as headers); layout tables cell by cell."""
    rows = list(table.rows)
    grid = [list(_row_cells(row, fonts)) for row in rows]
    if not grid:
        return []
    if _is_layout_table(grid):
        return _layout_blocks(grid)
    texts = {tc: " ".join(paragraphs) for _, tc, paragraphs in grid[0]}
    first = rows[0]
    headers = {col: (cell._tc, texts[cell._tc]) for col, cell in enumerate(first.cells, start=first.grid_cols_before)}
    return [line for row in grid[1:] if (line := _row_line(row, headers))]


def _row_cells(row: Any, fonts: _DocxFonts) -> Iterator[tuple[int, Any, list[str]]]:
    """(grid column, cell element, non-empty paragraph texts) of each cell, a merged cell once."""
    seen = set()
    for col, cell in enumerate(row.cells, start=row.grid_cols_before):
        if cell._tc in seen:  # python-docx repeats a merged cell once per grid column it spans
            continue
        seen.add(cell._tc)
        paragraphs = [" ".join(fonts.paragraph_text(p).split()) for p in cell.paragraphs]
        yield col, cell._tc, [p for p in paragraphs if p]


def _is_layout_table(grid: list[list[tuple[int, Any, list[str]]]]) -> bool:
    first = grid[0]
    return (
        len(grid) == 1
        or any(len(paragraphs) > 1 for _, _, paragraphs in first)
        or any(_LAYOUT_MARKERS.search(unicodedata.normalize("NFC", " ".join(p)).upper()) for _, _, p in first)
    )


def _layout_blocks(grid: list[list[tuple[int, Any, list[str]]]]) -> list[str]:
    """A layout table reads column by column, as its reader does: the left column of the header, then the right."""
    columns: dict[int, list[str]] = {}
    seen = set()
    for row in grid:
        for col, tc, paragraphs in row:
            if tc not in seen:  # a cell merged down several rows
                seen.add(tc)
                columns.setdefault(col, []).extend(paragraphs)
    return ["\n".join(lines) for _, lines in sorted(columns.items()) if lines]


def _row_line(row: list[tuple[int, Any, list[str]]], headers: dict[int, tuple[Any, str]]) -> str:
    prefix, last_header = "", None
    parts: list[str] = []
    for col, _, paragraphs in row:
        value = " ".join(paragraphs)
        header_tc, header = headers.get(col, (None, ""))
        if not value:
            continue
        if _NUMBER_HEADER.fullmatch(header.replace(".", "").strip().upper()):
            if _ROW_NUMBER.fullmatch(value.rstrip(".)")):
                prefix = value.rstrip(".)") + ". "
                continue
            header = ""  # "Tổng cộng" merged over the number column: no "TT:" before it
        if header_tc is not None and header_tc is last_header and parts:
            parts[-1] += f", {value}"  # a header merged over several columns names them once
        else:
            parts.append(f"{header}: {value}" if header and header != value else value)
            last_header = header_tc
    return prefix + "; ".join(parts) if parts else ""


_LOADERS: dict[str, Callable[[Path], str]] = {
    ".txt": _read_text,
    ".md": _load_markdown,
    ".html": _load_html,
    ".htm": _load_html,
    ".pdf": _load_pdf,
    ".docx": _load_docx,
}
