"""Loaders: every supported format to plain text; unreadable files raise an error that says why and how to fix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.loaders import UnreadableDocumentError, load_text


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def minimal_pdf(lines: list[str]) -> bytes:
    """A one-page PDF 1.4 with a Helvetica text stream, xref offsets computed here."""
    content = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) Tj T*" for line in lines) + " ET"
    stream = content.encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# -- text and Markdown -------------------------------------------------------------------------------


def test_load_text_txt_utf8_bom_stripped(tmp_path: Path) -> None:
    path = write(tmp_path, "nq.txt", "\ufeffNghị quyết số 57-NQ/TW\n\nvề chuyển đổi số".encode())
    assert load_text(path) == "Nghị quyết số 57-NQ/TW\n\nvề chuyển đổi số"


def test_load_text_uppercase_suffix_loaded(tmp_path: Path) -> None:
    assert load_text(write(tmp_path, "NQ57.TXT", "Nghị quyết")) == "Nghị quyết"


def test_load_text_markdown_emphasis_escapes_links_removed(tmp_path: Path) -> None:
    source = (
        "# Nghị quyết **57\\-NQ/TW**\n\n"
        "Nội dung *quan trọng* và __đậm__, xem [toàn văn](https://example.org/nq57).\n\n"
        "Tỷ lệ 5\\*3 và số 10\\_2\n"
    )
    text = load_text(write(tmp_path, "nq.md", source))
    assert text.splitlines() == [
        "# Nghị quyết 57-NQ/TW",
        "",
        "Nội dung quan trọng và đậm, xem toàn văn.",
        "",
        "Tỷ lệ 5*3 và số 10_2",
    ]


def test_load_text_markdown_table_separator_rows_removed(tmp_path: Path) -> None:
    source = "| Chỉ tiêu | Giá trị |\n|---|:---:|\n| Kinh tế số | 20% |\n\n| a | b |\n| - | - |\n"
    lines = load_text(write(tmp_path, "bang.md", source)).splitlines()
    assert lines == ["| Chỉ tiêu | Giá trị |", "| Kinh tế số | 20% |", "", "| a | b |"]


def test_load_text_markdown_dash_in_text_kept(tmp_path: Path) -> None:
    text = load_text(write(tmp_path, "a.md", "Giai đoạn 2025 - 2030\n"))
    assert text == "Giai đoạn 2025 - 2030"


# -- HTML --------------------------------------------------------------------------------------------

HTML = """<!doctype html><html><head><title>Tin hội nghị</title>
<style>p { color: red }</style><script>var tracking = "không được giữ";</script></head>
<body><nav>Trang chủ | Tin tức | Liên hệ</nav>
<h1>Nghị quyết 57-NQ/TW</h1>
<p>Đoạn một:&nbsp;khoa học &amp; công nghệ, &quot;đột phá&quot; &#7899;.</p>
<p>Đoạn   hai
về chuyển đổi số.</p>
<noscript>Bật JavaScript</noscript>
<footer>Bản quyền</footer></body></html>"""


def test_load_text_html_script_style_nav_dropped(tmp_path: Path) -> None:
    text = load_text(write(tmp_path, "tin.html", HTML))
    for junk in ("tracking", "color", "Trang chủ", "Liên hệ", "JavaScript"):
        assert junk not in text


TABLE_HTML = """<p>Trước bảng.</p>
<table>
  <caption>Kết quả năm 2025</caption>
  <thead><tr><th>Chỉ tiêu</th><th>Giá trị</th></tr></thead>
  <tbody>
    <tr><td>Kinh tế số</td><td><p>20%</p><p>GRDP</p></td></tr>
    <tr><td>Dịch vụ công<td>85%
    <tr><td>Trống</td><td></td></tr>
  </tbody>
</table>
<p>Sau bảng.</p>"""


def test_load_text_html_table_row_one_line_cells_joined(tmp_path: Path) -> None:
    text = load_text(write(tmp_path, "bang.html", TABLE_HTML))
    assert text.splitlines() == [
        "Trước bảng.",
        "",
        "Kết quả năm 2025",
        "Chỉ tiêu | Giá trị",
        "Kinh tế số | 20% GRDP",  # paragraphs inside a cell stay in its row
        "Dịch vụ công | 85%",  # </td> and </tr> are optional in HTML
        "Trống |",
        "",
        "Sau bảng.",
    ]


def test_load_text_html_paragraphs_kept_entities_decoded(tmp_path: Path) -> None:
    text = load_text(write(tmp_path, "tin.htm", HTML))
    assert 'Đoạn một: khoa học & công nghệ, "đột phá" ớ.' in text.splitlines()
    paragraphs = text.split("\n\n")
    assert "Nghị quyết 57-NQ/TW" in paragraphs
    assert "Đoạn hai\nvề chuyển đổi số." in paragraphs
    assert text.index("Nghị quyết 57-NQ/TW") < text.index("Đoạn một") < text.index("Đoạn hai")


# -- DOCX and PDF ------------------------------------------------------------------------------------


def _docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_heading("Nghị quyết số 57-NQ/TW", level=1)
    document.add_paragraph("Đoạn một về chuyển đổi số quốc gia.")
    document.add_paragraph("")
    table = document.add_table(rows=2, cols=2)
    for (row, col), value in {(0, 0): "Chỉ tiêu", (0, 1): "Giá trị", (1, 0): "Kinh tế số", (1, 1): "20% GRDP"}.items():
        table.cell(row, col).text = value
    document.add_paragraph("Đoạn sau bảng.")
    document.save(str(path))
    return path


def test_load_text_docx_paragraphs_and_table_read(tmp_path: Path) -> None:
    blocks = load_text(_docx(tmp_path / "nq.docx")).split("\n\n")
    assert blocks[:2] == ["Nghị quyết số 57-NQ/TW", "Đoạn một về chuyển đổi số quốc gia."]
    assert "Chỉ tiêu | Giá trị" in blocks and "Kinh tế số | 20% GRDP" in blocks
    assert "Đoạn sau bảng." in blocks
    assert "" not in blocks  # the empty paragraph is dropped


def test_load_text_docx_table_kept_in_document_order(tmp_path: Path) -> None:
    blocks = load_text(_docx(tmp_path / "nq.docx")).split("\n\n")
    assert blocks == [
        "Nghị quyết số 57-NQ/TW",
        "Đoạn một về chuyển đổi số quốc gia.",
        "Chỉ tiêu | Giá trị",
        "Kinh tế số | 20% GRDP",
        "Đoạn sau bảng.",
    ]


def test_load_text_docx_merged_cell_read_once(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Chỉ tiêu chung"
    table.cell(0, 2).text = "2025"
    for col, value in enumerate(["Kinh tế số", "Xã hội số", "20%"]):
        table.cell(1, col).text = value
    document.save(str(tmp_path / "bang.docx"))
    assert load_text(tmp_path / "bang.docx").split("\n\n") == ["Chỉ tiêu chung | 2025", "Kinh tế số | Xã hội số | 20%"]


def test_load_text_pdf_text_extracted(tmp_path: Path) -> None:
    path = write(tmp_path, "nq.pdf", minimal_pdf(["Nghi quyet 57-NQ/TW ngay 22/12/2024", "ve chuyen doi so quoc gia"]))
    text = load_text(path)
    assert "Nghi quyet 57-NQ/TW ngay 22/12/2024" in text
    assert "ve chuyen doi so quoc gia" in text


def test_load_text_pdf_without_text_error(tmp_path: Path) -> None:
    with pytest.raises(UnreadableDocumentError, match=r"scan\.pdf: no text found"):
        load_text(write(tmp_path, "scan.pdf", minimal_pdf([])))


@pytest.mark.parametrize(("name", "data"), [("hong.pdf", b"%PDF-1.4\nnot really"), ("hong.docx", b"PK not a zip")])
def test_load_text_broken_pdf_docx_error_names_file(tmp_path: Path, name: str, data: bytes) -> None:
    with pytest.raises(UnreadableDocumentError, match=rf"^{re.escape(name)}: cannot read \("):
        load_text(write(tmp_path, name, data))


# -- unreadable files --------------------------------------------------------------------------------

# "Nghị quyết số 57-NQ/TW về chuyển đổi số" in Windows-1258 (base letters + combining tone bytes).
CP1258 = b"Nghi\xf2 quy\xea\xect s\xf4\xec 57-NQ/TW v\xea\xcc chuy\xea\xd2n \xf0\xf4\xd2i s\xf4\xec\n"


@pytest.mark.parametrize(
    ("name", "data"),
    [("cp1258.txt", CP1258), ("latin1.md", "Café à la carte".encode("latin-1")), ("cu.html", b"<p>caf\xe9</p>")],
)
def test_load_text_non_utf8_error_names_file_and_fix(tmp_path: Path, name: str, data: bytes) -> None:
    with pytest.raises(UnreadableDocumentError) as info:
        load_text(write(tmp_path, name, data))
    message = str(info.value)
    assert message.startswith(f"{name}: not UTF-8")
    assert "save it as UTF-8" in message


@pytest.mark.parametrize("name", ["blob.txt", "blob.md", "blob.html"])
def test_load_text_binary_error(tmp_path: Path, name: str) -> None:
    with pytest.raises(UnreadableDocumentError, match=rf"{name}: binary file") as info:
        load_text(write(tmp_path, name, b"\x00\x01\x02binary\x00" * 50))
    assert "plain text only" in info.value.reason and "save it as UTF-8" in info.value.reason


@pytest.mark.parametrize(
    ("data", "advice"),
    [
        (minimal_pdf(["Nghi quyet"]), "looks like a PDF document; rename it to .pdf"),
        (b"PK\x03\x04\x14\x00\x00\x00" * 8, "rename it to .docx"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "looks like a PNG image"),
    ],
)
def test_load_text_binary_error_says_what_the_file_looks_like(tmp_path: Path, data: bytes, advice: str) -> None:
    with pytest.raises(UnreadableDocumentError, match=r"^nq\.txt: binary file, not text") as info:
        load_text(write(tmp_path, "nq.txt", data))
    assert advice in str(info.value)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-8"])
def test_load_text_unicode_with_byte_order_mark_read(tmp_path: Path, encoding: str) -> None:
    # Notepad's "Unicode" is UTF-16 LE with a byte-order mark, and CRLF line ends
    data = "\ufeffNghị quyết số 57-NQ/TW\r\nvề chuyển đổi số".encode(encoding)
    assert load_text(write(tmp_path, "nq.txt", data)).splitlines() == ["Nghị quyết số 57-NQ/TW", "về chuyển đổi số"]


def test_load_text_broken_utf16_error_says_save_as_utf8(tmp_path: Path) -> None:
    data = "\ufeffNghị quyết".encode("utf-16-le") + b"\x00"  # a BOM, then an odd number of bytes
    with pytest.raises(UnreadableDocumentError, match=r"^nq\.txt: not UTF-16 text .*save it as UTF-8"):
        load_text(write(tmp_path, "nq.txt", data))


@pytest.mark.parametrize(("name", "data"), [("rong.txt", b""), ("trang.txt", b" \n\n\t \n"), ("rong.md", b"")])
def test_load_text_empty_file_error(tmp_path: Path, name: str, data: bytes) -> None:
    with pytest.raises(UnreadableDocumentError, match=rf"{name}: no text found"):
        load_text(write(tmp_path, name, data))


@pytest.mark.parametrize("name", ["bang.xlsx", "anh.png", "khong-duoi"])
def test_load_text_unsupported_suffix_error(tmp_path: Path, name: str) -> None:
    with pytest.raises(UnreadableDocumentError, match=rf"{name}: unsupported file type"):
        load_text(write(tmp_path, name, "Nghị quyết"))
