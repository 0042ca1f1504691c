"""Markdown pipe tables rewritten as one line per row, each cell carrying its column header.

A row of a task table read alone ("| 3 | Xây dựng … | Bộ Công an | … | 7/2025 |") says nothing about which cell is
the lead agency and which the deadline; "3. Nhiệm vụ: Xây dựng …; Cơ quan chủ trì: Bộ Công an; Thời hạn: 7/2025"
does, so a passage cut from the table still answers "who leads task 3, and by when".

Forms handled, in lines opening with "|": a header row (or several, joined per column; a header cell broken over
lines), a `---` separator row, data rows; a table without a separator row when its first row reads as a header
and at least two rows follow (or the first column is "TT"/"STT"). A section row ("| **I** | **Đến năm 2030** | |")
becomes "I. Đến năm 2030"; a one-column table becomes its header followed by one "- value" line per row. Layout
tables (the two-column document header "Số: … | Hà Nội, ngày …", signature blocks), tables without data rows and
pipe lines without headers are left as they are.
"""

from __future__ import annotations

import re

_SEPARATOR_CELL = re.compile(r":?-{3,}:?")
_ROW_NUMBER_HEADER = re.compile(r"(?:s[ốo]\s*)?s?tt|số thứ tự|thứ tự", re.IGNORECASE)
_SECTION_NUMBER = re.compile(r"(?:[IVXLC]{1,6}|[A-ZĐ])\.?")  # "I", "II.", "A": a group of rows, not a row
_NUMBER = re.compile(r"\d{1,3}(?:\.\d{1,3})*\.?|[IVXLC]{1,6}\.?|[A-ZĐa-zđ]\)?\.?")
# The heading lines of a document or a signature block printed as a two-column table: not data.
_LAYOUT = re.compile(
    r"^(?:Số|SỐ)\s*(?::|\d+\s*[-/])|ngày\s*\S*\s*tháng|CỘNG HÒA XÃ HỘI|ĐẢNG CỘNG SẢN|Nơi nhận"
    r"|\bT/?M\.? |\bKT\. |\(Đã ký\)"
)
_ROW_NUMBER = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3})*|[IVXLC]{1,6}|[A-ZĐa-zđ])\.\s")
_CELL_KEY = re.compile(r"^([^:;\n]{1,80}): \S")

_MAX_CONTINUATION = 8  # lines a broken row may run over


def flatten_tables(text: str) -> str:
    """Rewrite each Markdown pipe table so that every data row is one line carrying its column headers."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        block_end = _block_end(lines, i)
        rendered = _render_block(lines[i:block_end]) if block_end > i else None
        if rendered is None:
            out.extend(lines[i : max(block_end, i + 1)])
        else:
            out.extend(rendered)
        i = max(block_end, i + 1)
    return "\n".join(out)


def is_table_row(line: str) -> bool:
    """True for a line in the form flatten_tables writes a data row in: "3. Header: value; Header: value".

    It opens with a cell and holds two at least whose header is capitalised, so that prose such as "đơn vị 1: 137;
    đơn vị 2: 153" is not taken for a row.
    """
    body = _ROW_NUMBER.sub("", line.strip(), count=1)
    keys = [key.group(1) for cell in body.split("; ") if (key := _CELL_KEY.match(cell)) and key.group(1)[0].isupper()]
    return len(keys) >= 2 and body.startswith(keys[0])


def _block_end(lines: list[str], start: int) -> int:
    """The end of the run of pipe lines that starts at start (start itself when that line is not one).

    A row that opens with "|" and does not close with one continues on the next few lines when one of them closes
    it (a cell broken over lines); otherwise the run stops there, so plain text is never taken into a table.
    """
    i = start
    while i < len(lines) and lines[i].lstrip().startswith("|"):
        i += 1
        if _closes(lines[i - 1]):
            continue
        for j in range(i, min(i + _MAX_CONTINUATION, len(lines))):
            if not lines[j].strip() or lines[j].lstrip().startswith("|"):
                break
            if _closes(lines[j]):
                i = j + 1
                break
    return i


def _closes(line: str) -> bool:
    stripped = line.strip()
    return len(stripped) > 1 and stripped.endswith("|")


def _rows(block: list[str]) -> list[list[str]]:
    """The logical rows of a block (a row broken over lines joined with spaces), split into cells."""
    rows: list[str] = []
    for line in block:
        if line.lstrip().startswith("|") or not rows:
            rows.append(line.strip())
        else:
            rows[-1] = f"{rows[-1]} {line.strip()}"
    return [_cells(row) for row in rows]


def _cells(row: str) -> list[str]:
    parts = re.split(r"(?<!\\)\|", row)
    if parts and not parts[0].strip():
        parts = parts[1:]
    if parts and not parts[-1].strip():
        parts = parts[:-1]
    return [_clean_cell(p) for p in parts]


def _clean_cell(cell: str) -> str:
    cell = re.sub(r"\\([^\w\s])", r"\1", cell)  # Markdown escapes: "\-" is "-"
    cell = re.sub(r"\*+", "", cell)  # bold and italics
    cell = re.sub(r"<br\s*/?>", " ", cell, flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", cell).strip()


def _is_separator(cells: list[str]) -> bool:
    return bool(cells) and all(_SEPARATOR_CELL.fullmatch(c.replace(" ", "")) for c in cells)


def _render_block(block: list[str]) -> list[str] | None:
    """The block as row lines, or None when it is not a data table that can be read safely."""
    rows = _rows(block)
    seps = [i for i, row in enumerate(rows) if _is_separator(row)]
    if seps:
        head_rows, data = rows[: seps[0]], [r for r in rows[seps[0] + 1 :] if not _is_separator(r)]
    elif _headerless_table(rows):
        head_rows, data = rows[:1], rows[1:]
    else:
        return None
    if not head_rows or not data:
        return None
    headers = _headers(head_rows)
    if _is_layout(headers, data):
        return None
    if len(headers) == 1:
        return [headers[0], *(f"- {'; '.join(c for c in row if c)}" for row in data if any(row))]
    return [line for row in data if (line := _row_line(headers, row))]


def _headerless_table(rows: list[list[str]]) -> bool:
    """A table without a separator row: its first row reads as headers and the rows agree in width."""
    if len(rows) < 2 or len({len(r) for r in rows}) != 1 or len(rows[0]) < 2:
        return False
    header = rows[0]
    reads_as_header = all(
        c and len(c) <= 60 and c[-1] not in ".;:" and not re.fullmatch(r"[\d.,%]+", c) for c in header
    )
    return reads_as_header and (len(rows) >= 3 or bool(_ROW_NUMBER_HEADER.fullmatch(header[0])))


def _headers(head_rows: list[list[str]]) -> list[str]:
    """One header per column; several header rows are joined per column, a spanning cell reaching right."""
    width = max(len(r) for r in head_rows)
    grid = [r + [""] * (width - len(r)) for r in head_rows]
    for r, row in enumerate(grid[:-1]):
        for c in range(1, width):
            if not row[c] and row[c - 1] and grid[r + 1][c]:
                row[c] = row[c - 1]  # "Cơ quan thực hiện" spans "Chủ trì" and "Phối hợp" below it
    return [_header_case(" ".join(row[c] for row in grid if row[c])) for c in range(width)]


def _header_case(header: str) -> str:
    """An all-caps header in sentence case ("CƠ QUAN CHỦ TRÌ" -> "Cơ quan chủ trì"); "TT", "GDP" stay."""
    letters = [c for c in header if c.isalpha()]
    if len(letters) > 3 and " " in header and all(c.isupper() for c in letters):
        return header[0] + header[1:].lower()
    return header


def _is_layout(headers: list[str], data: list[list[str]]) -> bool:
    """A document header or signature block laid out as a table: an empty header, or heading lines as cells."""
    if len(headers) > 1 and not all(headers):
        return True
    cells = [*headers, *(c for row in data for c in row)]
    return len(data) <= 2 and any(_LAYOUT.search(c) for c in cells)


def _row_line(headers: list[str], row: list[str]) -> str:
    """One data row as "N. Header: value; Header: value", empty cells left out."""
    if len(row) > len(headers):  # a stray "|" inside the last cell
        row = [*row[: len(headers) - 1], " | ".join(c for c in row[len(headers) - 1 :] if c)]
    number = ""
    if _ROW_NUMBER_HEADER.fullmatch(headers[0]) and row and _NUMBER.fullmatch(row[0]):
        number, row, headers = row[0].rstrip(".)"), ["", *row[1:]], ["", *headers[1:]]
    pairs = [(h, v) for h, v in zip(headers, row, strict=False) if v]
    if not pairs:
        return ""
    prefix = f"{number}. " if number else ""
    if number and len(pairs) == 1 and _SECTION_NUMBER.fullmatch(number):
        return prefix + pairs[0][1]  # a section row: "I. Đến năm 2030"
    cells = [f"{h}: {v}" if h else v for h, v in pairs]
    # "…cụ thể.; Cơ quan chủ trì" reads badly: a cell's full stop gives way to the separator
    return prefix + "; ".join([*(re.sub(r"(?<!\.)\.$", "", c) for c in cells[:-1]), cells[-1]])
