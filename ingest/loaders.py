"""Turn a file in documents/ into plain text, one loader per format."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")


class UnreadableDocumentError(Exception):
    """The file cannot be turned into text; ingestion skips it with a warning."""


def load_text(path: Path) -> str:
    """Return the text of a supported file, or raise UnreadableDocumentError saying why."""
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise UnreadableDocumentError(f"{path.name}: unsupported file type {path.suffix!r}")
    try:
        text = loader(path)
    except UnreadableDocumentError:
        raise
    except Exception as exc:  # a broken PDF/DOCX raises many different library errors
        raise UnreadableDocumentError(f"{path.name}: cannot read ({type(exc).__name__}: {exc})") from exc
    if not text.strip():
        raise UnreadableDocumentError(f"{path.name}: no text found (scanned PDF or empty file?)")
    return text


def _read_utf8(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise UnreadableDocumentError(f"{path.name}: binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableDocumentError(
            f"{path.name}: not UTF-8 text (byte {exc.start}); save it as UTF-8 and ingest again"
        ) from exc


_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def _load_markdown(path: Path) -> str:
    lines = []
    for line in _read_utf8(path).splitlines():
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
    "h4", "h5", "h6", "blockquote", "pre", "header", "footer", "td", "th", "dd", "dt",
}  # fmt: skip
_SKIP_TAGS = {"script", "style", "noscript", "nav", "template", "svg", "iframe", "form", "button"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n" if tag.startswith("h") or tag == "p" else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS and self._skip_depth:
            self._skip_depth -= 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        if tag in {"td", "th"}:
            self.parts.append(" | ")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.parts.append(data)


def _load_html(path: Path) -> str:
    parser = _TextExtractor()
    parser.feed(_read_utf8(path))
    text = "".join(parser.parts)
    lines = [re.sub(r"[ \t\xa0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _load_pdf(path: Path) -> str:
    from pypdf import PdfReader  # imported here: only PDF ingestion pays for it

    reader = PdfReader(str(path))
    return "\n\n".join((page.extract_text() or "").strip() for page in reader.pages)


def _load_docx(path: Path) -> str:
    import docx  # python-docx, imported lazily like pypdf

    document = docx.Document(str(path))
    blocks = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            blocks.append(" | ".join(cell.text.strip() for cell in row.cells))
    return "\n\n".join(b for b in blocks if b.strip())


_LOADERS: dict[str, Callable[[Path], str]] = {
    ".txt": _read_utf8,
    ".md": _load_markdown,
    ".html": _load_html,
    ".htm": _load_html,
    ".pdf": _load_pdf,
    ".docx": _load_docx,
}
