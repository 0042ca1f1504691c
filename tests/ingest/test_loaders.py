"""Loaders: every supported format to plain text; unreadable files raise an error that says why and how to fix."""

from __future__ import annotations

import os
import re
import subprocess
import time
import tracemalloc
import unicodedata
import zipfile
from pathlib import Path

import pytest

from ingest import ocr
from ingest.clean import clean_text
from ingest.encodings import encode_tcvn3, encode_vni
from ingest.loaders import MB, LoadLimits, UnreadableDocumentError, load_text
from ingest.tables import flatten_tables

CHROMIUM = Path("/usr/bin/chromium")


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


def test_load_text_markdown_links_reduced_markup_left_for_cleaning(tmp_path: Path) -> None:
    source = (
        "# Nghị quyết **57\\-NQ/TW**\n\n"
        "Nội dung *quan trọng* và __đậm__, xem [toàn văn](https://example.org/nq57).\n\n"
        "Tỷ lệ 5\\*3 và số 10\\_2\n"
    )
    text = load_text(write(tmp_path, "nq.md", source))
    assert "xem toàn văn." in text and "https://" not in text
    assert "**57\\-NQ/TW**" in text  # the cleaner's job, the same for every format
    assert clean_text(text).splitlines() == [
        "# Nghị quyết 57-NQ/TW",
        "",
        "Nội dung quan trọng và đậm, xem toàn văn.",
        "",
        "Tỷ lệ 5*3 và số 10_2",
    ]


def test_load_text_markdown_table_rows_carry_headers_after_flattening(tmp_path: Path) -> None:
    source = "| Chỉ tiêu | Giá trị |\n|---|:---:|\n| Kinh tế số | 20% |\n"
    text = load_text(write(tmp_path, "bang.md", source))
    assert "|---|:---:|" in text  # the separator row tells the header row from the data
    assert flatten_tables(clean_text(text)).splitlines() == ["Chỉ tiêu: Kinh tế số; Giá trị: 20%"]


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


# -- DOCX --------------------------------------------------------------------------------------------


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


def test_load_text_docx_table_rows_carry_headers_in_document_order(tmp_path: Path) -> None:
    blocks = load_text(_docx(tmp_path / "nq.docx")).split("\n\n")
    assert blocks == [
        "Nghị quyết số 57-NQ/TW",
        "Đoạn một về chuyển đổi số quốc gia.",  # the empty paragraph after it is dropped
        "Chỉ tiêu: Kinh tế số; Giá trị: 20% GRDP",
        "Đoạn sau bảng.",
    ]


def _table(document, rows: list[list[str]]):  # type: ignore[no-untyped-def]
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    return table


@pytest.mark.parametrize("number_header", ["STT", "TT", "Số TT"])
def test_load_text_docx_number_column_prefix_empty_cells_omitted(tmp_path: Path, number_header: str) -> None:
    import docx

    document = docx.Document()
    _table(
        document,
        [
            [number_header, "Nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"],
            ["1", "Xây dựng cơ sở dữ liệu dân cư", "Công an tỉnh", "Quý II/2025"],
            ["2.", "Số hóa hồ sơ đất đai", "", "Năm 2026"],
            ["", "", "", ""],
            ["3", "Đào tạo kỹ năng số cho cán bộ xã", "Sở Nội vụ", ""],
        ],
    )
    document.save(str(tmp_path / "kh.docx"))
    assert load_text(tmp_path / "kh.docx").split("\n\n") == [
        "1. Nhiệm vụ: Xây dựng cơ sở dữ liệu dân cư; Cơ quan chủ trì: Công an tỉnh; Thời hạn: Quý II/2025",
        "2. Nhiệm vụ: Số hóa hồ sơ đất đai; Thời hạn: Năm 2026",
        "3. Nhiệm vụ: Đào tạo kỹ năng số cho cán bộ xã; Cơ quan chủ trì: Sở Nội vụ",
    ]


def test_load_text_docx_merged_cells_read_once(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    table = _table(
        document, [["TT", "Chỉ tiêu", "", "2025"], ["1", "Kinh tế số", "Xã hội số", "20%"], ["", "", "", ""]]
    )
    table.cell(0, 1).merge(table.cell(0, 2)).text = "Chỉ tiêu chung"  # a header over two columns
    table.cell(2, 0).merge(table.cell(2, 2)).text = "Tổng cộng"  # a total row merged over three columns
    table.cell(2, 3).text = "45%"
    document.save(str(tmp_path / "bang.docx"))
    assert load_text(tmp_path / "bang.docx").split("\n\n") == [
        "1. Chỉ tiêu chung: Kinh tế số, Xã hội số; 2025: 20%",
        "Tổng cộng; 2025: 45%",
    ]


def test_load_text_docx_vertically_merged_cell_carried_on_each_row(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    table = _table(document, [["Nhiệm vụ", "Cơ quan"], ["Lập đề án", ""], ["Triển khai", ""]])
    table.cell(1, 1).merge(table.cell(2, 1)).text = "Sở Khoa học và Công nghệ"
    document.save(str(tmp_path / "bang.docx"))
    assert load_text(tmp_path / "bang.docx").split("\n\n") == [
        "Nhiệm vụ: Lập đề án; Cơ quan: Sở Khoa học và Công nghệ",
        "Nhiệm vụ: Triển khai; Cơ quan: Sở Khoa học và Công nghệ",
    ]


def test_load_text_docx_official_header_table_read_column_by_column(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    header = _table(
        document, [["TỈNH ỦY BẮC NINH", "ĐẢNG CỘNG SẢN VIỆT NAM"], ["Số 12-NQ/TU", "Bắc Ninh, ngày 15/3/2025"]]
    )
    assert header is not None
    document.add_paragraph("NGHỊ QUYẾT")
    signature = _table(document, [["Nơi nhận:", "T/M TỈNH ỦY"]])
    signature.cell(0, 0).add_paragraph("- Lưu Văn phòng Tỉnh ủy.")
    signature.cell(0, 1).add_paragraph("BÍ THƯ")
    document.save(str(tmp_path / "nq.docx"))
    assert load_text(tmp_path / "nq.docx").split("\n\n") == [
        "TỈNH ỦY BẮC NINH\nSố 12-NQ/TU",
        "ĐẢNG CỘNG SẢN VIỆT NAM\nBắc Ninh, ngày 15/3/2025",
        "NGHỊ QUYẾT",
        "Nơi nhận:\n- Lưu Văn phòng Tỉnh ủy.",
        "T/M TỈNH ỦY\nBÍ THƯ",
    ]


def test_load_text_docx_legacy_font_runs_converted(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    paragraph = document.add_paragraph()
    paragraph.add_run("NghÞ quyÕt sè 57-NQ/TW ").font.name = ".VnTime"  # TCVN3 (ABC)
    paragraph.add_run("veà chuyeån ñoåi soá ").font.name = "VNI-Times"  # VNI
    paragraph.add_run("quốc gia").font.name = "Times New Roman"  # Unicode, untouched
    document.add_paragraph().add_run("NGHÞ QUYÕT").font.name = ".VnTimeH"  # the capitals font
    document.save(str(tmp_path / "cu.docx"))
    assert load_text(tmp_path / "cu.docx").split("\n\n") == [
        "Nghị quyết số 57-NQ/TW về chuyển đổi số quốc gia",
        "NGHỊ QUYẾT",
    ]


def test_load_text_docx_legacy_font_from_style_converted(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.styles["Normal"].font.name = ".VnTime"
    document.add_paragraph("§¶ng bé tØnh l·nh ®¹o thùc hiÖn chuyÓn ®æi sè.")
    document.save(str(tmp_path / "cu.docx"))
    assert load_text(tmp_path / "cu.docx") == "Đảng bộ tỉnh lãnh đạo thực hiện chuyển đổi số."


# -- PDF ---------------------------------------------------------------------------------------------


def _require_chromium() -> Path:
    if not CHROMIUM.exists():
        if os.environ.get("ASSISTANT_REQUIRE_BROWSER"):
            pytest.fail("chromium not found at /usr/bin/chromium: `apt-get install chromium` (see .ci/run)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return CHROMIUM


SHY = "\u00ad"
OFFICIAL_HTML = f"""<!doctype html><html lang=vi><meta charset=utf-8><style>
body {{ font-family: 'DejaVu Serif'; font-size: 13pt; width: 15cm }}
.cols {{ display: flex; justify-content: space-between; text-align: center }}
.note {{ width: 4.5cm }} td {{ border: 1px solid #000 }} table {{ border-collapse: collapse }}
</style><body>
<div class=cols><div>TỈNH ỦY BẮC NINH<br>Số 12-NQ/TU</div>
<div>ĐẢNG CỘNG SẢN VIỆT NAM<br>Bắc Ninh, ngày 15 tháng 3 năm 2025</div></div>
<h1>NGHỊ QUYẾT</h1>
<p>Thực hiện Nghị quyết số 57-NQ/TW ngày 22 tháng 12 năm 2024 của Bộ Chính trị về đột phá phát triển khoa học,
công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia, các cấp ủy, chính quyền đã quán triệt nghiêm túc.</p>
<table><tr><td>TT</td><td>Chỉ tiêu</td><td>Năm 2025</td></tr>
<tr><td>1</td><td>Tỷ trọng kinh tế số trong GRDP</td><td>20%</td></tr></table>
<p class=note>Hạ tầng dữ liệu dùng chung (in{SHY}fra{SHY}struc{SHY}ture), khả năng liên thông
(in{SHY}ter{SHY}op{SHY}er{SHY}a{SHY}bil{SHY}i{SHY}ty) và chuyển đổi số (dig{SHY}i{SHY}tal
trans{SHY}for{SHY}ma{SHY}tion).</p></body></html>"""


@pytest.fixture(scope="module")
def official_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Vietnamese official-style PDF printed by Chromium (as a browser's "Save as PDF") at test time."""
    chromium = _require_chromium()
    folder = tmp_path_factory.mktemp("pdf")
    (folder / "nq.html").write_text(OFFICIAL_HTML, encoding="utf-8")
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer"]
    target = folder / "nq.pdf"
    cmd = [str(chromium), *args, f"--print-to-pdf={target}", (folder / "nq.html").as_uri()]
    subprocess.run(cmd, capture_output=True, timeout=120, check=True)
    return target


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", unicodedata.normalize("NFC", text))


def test_load_text_pdf_vietnamese_diacritics_and_spacing_exact(official_pdf: Path) -> None:
    text = load_text(official_pdf)
    expected = _words(re.sub(r"<[^>]+>|\{[^}]*\}", " ", OFFICIAL_HTML.split("<body>")[1]).replace(SHY, ""))
    assert sorted(_words(text)) == sorted(expected)  # every word, no word glued to the next nor split
    assert "Thực hiện Nghị quyết số 57-NQ/TW ngày 22 tháng 12 năm 2024" in text


def test_load_text_pdf_header_columns_read_in_order(official_pdf: Path) -> None:
    flat = " ".join(load_text(official_pdf).split())
    assert "TỈNH ỦY BẮC NINH Số 12-NQ/TU ĐẢNG CỘNG SẢN VIỆT NAM Bắc Ninh, ngày 15 tháng 3 năm 2025 NGHỊ QUYẾT" in flat
    assert "TT Chỉ tiêu Năm 2025 1 Tỷ trọng kinh tế số trong GRDP 20%" in flat  # table rows whole, in order


def test_load_text_pdf_words_hyphenated_at_line_end_rejoined(official_pdf: Path) -> None:
    text = load_text(official_pdf)
    assert "(infrastructure)" in text and "(interoperability)" in text and "transformation)" in text
    assert "\u2010" not in text and "\x02" not in text and SHY not in text


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


# -- scanned PDF, OCR --------------------------------------------------------------------------------

SCANNED_LINES = ["NGHỊ QUYẾT", "về chuyển đổi số quốc gia", "Ủy ban nhân dân tỉnh Bắc Ninh"]
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")


def scanned_pdf(path: Path, lines: list[str]) -> Path:
    """An image-only PDF: the lines drawn with DejaVu Serif into a greyscale picture, as a scanner makes."""
    from PIL import Image, ImageDraw, ImageFont

    if not DEJAVU.exists():
        pytest.skip("fonts-dejavu-core is not installed")
    font = ImageFont.truetype(str(DEJAVU), 48)
    image = Image.new("L", (1800, 120 + 90 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((100, 60 + 90 * number), line, font=font, fill=0)
    image.save(path, "PDF", resolution=200.0)
    return path


def text_then_scan_pdf(path: Path, tmp_path: Path) -> Path:
    """Page 1 with a text layer, page 2 a scan."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(minimal_pdf(["Trang 1 co lop van ban"]))
    pdf.import_pages(pdfium.PdfDocument(scanned_pdf(tmp_path / "page2.pdf", SCANNED_LINES)))
    pdf.save(str(path))
    pdf.close()
    return path


def _require_tesseract() -> None:
    problem = ocr.unavailable_reason()
    if problem is not None:
        if os.environ.get("ASSISTANT_REQUIRE_OCR"):
            pytest.fail(f"OCR unavailable ({problem}): apt-get install tesseract-ocr tesseract-ocr-vie (see .ci/run)")
        pytest.skip(f"OCR unavailable ({problem}): apt-get install tesseract-ocr tesseract-ocr-vie")


def test_load_text_scanned_pdf_read_by_ocr(tmp_path: Path) -> None:
    _require_tesseract()
    text = load_text(scanned_pdf(tmp_path / "scan.pdf", SCANNED_LINES))
    for phrase in ("NGHỊ QUYẾT", "chuyển đổi số quốc gia", "Ủy ban nhân dân tỉnh Bắc Ninh"):
        assert phrase in text


def test_load_text_pdf_scanned_page_after_text_page_read_in_order(tmp_path: Path) -> None:
    _require_tesseract()
    text = load_text(text_then_scan_pdf(tmp_path / "mixed.pdf", tmp_path))
    assert text.index("Trang 1 co lop van ban") < text.index("chuyển đổi số") < text.index("Bắc Ninh")


def test_load_text_scanned_pdf_without_tesseract_error_says_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no tesseract on the PATH
    with pytest.raises(UnreadableDocumentError) as info:
        load_text(scanned_pdf(tmp_path / "scan.pdf", SCANNED_LINES))
    message = str(info.value)
    assert message.startswith("scan.pdf: scanned PDF: page 1 is an image without a text layer")
    assert "tesseract is not installed" in message and "install tesseract-ocr and tesseract-ocr-vie" in message


def test_load_text_pdf_scanned_page_without_tesseract_text_pages_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = text_then_scan_pdf(tmp_path / "mixed.pdf", tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert load_text(path) == "Trang 1 co lop van ban"
    assert "mixed.pdf: page 2 is an image without a text layer, left out" in caplog.text
    assert "install tesseract-ocr and tesseract-ocr-vie" in caplog.text


def test_load_text_scanned_pdf_tesseract_without_vietnamese_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = _fake_tesseract(tmp_path, languages="eng", fails=False)
    monkeypatch.setenv("PATH", str(fake))
    with pytest.raises(UnreadableDocumentError, match="tesseract has no Vietnamese language data.*tesseract-ocr-vie"):
        load_text(scanned_pdf(tmp_path / "scan.pdf", SCANNED_LINES))


def test_load_text_scanned_pdf_ocr_failure_names_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(_fake_tesseract(tmp_path, languages="vie", fails=True)))
    with pytest.raises(UnreadableDocumentError) as info:
        load_text(scanned_pdf(tmp_path / "scan.pdf", SCANNED_LINES))
    assert info.value.reason == "OCR of page 1 failed (tesseract exited 1: Error: cannot read the image)"


def _fake_tesseract(tmp_path: Path, languages: str, fails: bool) -> Path:
    """A stand-in tesseract on the PATH: lists `languages`, then fails or prints nothing."""
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "tesseract"
    script.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = "--list-langs" ]; then echo "List of available languages (1):"; echo {languages}; exit 0; fi\n'
        + ('echo "Error: cannot read the image" >&2; exit 1\n' if fails else "exit 0\n")
    )
    script.chmod(0o755)
    return folder


# -- unreadable files --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [("latin1.md", "Café à la carte".encode("latin-1")), ("cu.html", b"<p>caf\xe9</p>")],
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


# -- legacy Vietnamese encodings ---------------------------------------------------------------------

LEGACY_PARAGRAPH = (
    "NGHỊ QUYẾT VỀ CHUYỂN ĐỔI SỐ\n"
    "Đảng bộ tỉnh lãnh đạo thực hiện Nghị quyết số 57-NQ/TW ngày 22 tháng 12 năm 2024 của Bộ Chính trị về đột phá "
    "phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia; người dân được hưởng lợi."
)


@pytest.mark.parametrize(
    ("encode", "name"),
    [(lambda t: encode_tcvn3(t).encode("latin-1"), "abc.txt"), (lambda t: encode_vni(t).encode("latin-1"), "vni.txt")],
)
def test_load_text_legacy_8bit_txt_converted(tmp_path: Path, encode, name: str) -> None:  # type: ignore[no-untyped-def]
    assert load_text(write(tmp_path, name, encode(LEGACY_PARAGRAPH))) == LEGACY_PARAGRAPH


def test_load_text_windows_1258_txt_converted(tmp_path: Path) -> None:
    # What Notepad on a Vietnamese Windows saves as "ANSI": base letters followed by combining tone bytes.
    data = b"Nghi\xf2 quy\xea\xect s\xf4\xec 57-NQ/TW v\xea\xcc chuy\xea\xd2n \xf0\xf4\xd2i s\xf4\xec\n"
    assert load_text(write(tmp_path, "ansi.txt", data)) == "Nghị quyết số 57-NQ/TW về chuyển đổi số\n"


@pytest.mark.parametrize(("name", "encode"), [("dan.md", encode_tcvn3), ("dan.html", encode_vni)])
def test_load_text_legacy_text_pasted_into_utf8_converted(tmp_path: Path, name: str, encode) -> None:  # type: ignore[no-untyped-def]
    # Text copied from a .VnTime/VNI-Times document into a UTF-8 editor keeps the look-alike Latin-1 letters.
    text = load_text(write(tmp_path, name, encode("Nghị quyết số 57-NQ/TW về chuyển đổi số quốc gia của Bộ Chính trị")))
    assert text == "Nghị quyết số 57-NQ/TW về chuyển đổi số quốc gia của Bộ Chính trị"


def test_load_text_legacy_uncertain_skipped_with_encoding_and_fix(tmp_path: Path) -> None:
    with pytest.raises(UnreadableDocumentError) as info:
        load_text(write(tmp_path, "ngan.txt", encode_tcvn3("Hà Nội, Việt Nam").encode("latin-1")))
    message = str(info.value)
    assert message.startswith("ngan.txt: looks like Vietnamese in the legacy TCVN3 (ABC, fonts .VnTime")
    assert "convert it to Unicode with UniKey (“Công cụ chuyển mã”, source TCVN3, destination Unicode)" in message
    assert "ingest again" in message


def test_load_text_unicode_vietnamese_untouched(tmp_path: Path) -> None:
    text = "Tôi là cán bộ xã. Ông ấy đã góp ý: “Café à la carte” — ½ số hồ sơ ở mức độ 4."
    assert load_text(write(tmp_path, "nq.txt", text)) == text


# -- per-file limits ---------------------------------------------------------------------------------


def docx_bomb(path: Path, expanded_mb: int) -> Path:
    """A valid DOCX whose document.xml inflates to about `expanded_mb` MB; a few MB on disk, written in blocks."""
    base = _docx(path.with_name(f"base-{path.name}"))
    paragraph = "<w:p><w:r><w:t>Nghị quyết về chuyển đổi số. </w:t></w:r></w:p>".encode() * 4096
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as out:
        for item in src.infolist():
            if item.filename != "word/document.xml":
                out.writestr(item, src.read(item))
        head, _, tail = src.read("word/document.xml").partition(b"<w:sectPr")
        with out.open("word/document.xml", "w", force_zip64=True) as fh:
            fh.write(head)
            for _ in range(expanded_mb * MB // len(paragraph)):
                fh.write(paragraph)
            fh.write(b"<w:sectPr" + tail)
    return path


@pytest.fixture(scope="module")
def bomb_1gb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return docx_bomb(tmp_path_factory.mktemp("bomb") / "bom.docx", 1024)


def test_load_text_docx_expanding_past_limit_refused_unread(bomb_1gb: Path) -> None:
    assert bomb_1gb.stat().st_size < 5 * MB  # small on disk, 1 GB unzipped
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(UnreadableDocumentError) as info:
            load_text(bomb_1gb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert re.match(r"DOCX expands to 1,02\d\.\d MB when unzipped, over the 100\.0 MB limit", info.value.reason)
    assert "ASSISTANT_MAX_DOCX_EXPANDED_MB" in info.value.reason and str(info.value).startswith("bom.docx: ")
    assert peak < 5 * MB and time.perf_counter() - started < 2.0  # the directory read, nothing inflated


def test_load_text_docx_within_expansion_limit_read(tmp_path: Path) -> None:
    path = _docx(tmp_path / "nq.docx")
    unzipped = sum(i.file_size for i in zipfile.ZipFile(path).infolist())
    assert load_text(path, LoadLimits(max_expanded_bytes=unzipped)).startswith("Nghị quyết số 57-NQ/TW")
    with pytest.raises(UnreadableDocumentError, match="over the .* limit"):
        load_text(path, LoadLimits(max_expanded_bytes=unzipped - 1))


def test_load_text_docx_too_many_archive_members_refused(tmp_path: Path) -> None:
    path = _docx(tmp_path / "nq.docx")
    with zipfile.ZipFile(path, "a") as archive:
        for n in range(30):
            archive.writestr(f"extra/item{n}.xml", "<a/>")
    with pytest.raises(UnreadableDocumentError, match=r"^nq\.docx: DOCX holds 4\d files, over the limit of 40"):
        load_text(path, LoadLimits(max_archive_members=40))


@pytest.mark.parametrize("name", ["lon.txt", "lon.md", "lon.html", "lon.pdf", "lon.docx"])
def test_load_text_file_over_size_limit_refused_before_reading(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, name, b"x" * 30_000)
    with pytest.raises(UnreadableDocumentError) as info:
        load_text(path, LoadLimits(max_file_bytes=20_000))
    assert info.value.reason == (
        "file is 30,000 bytes, over the 20,000 bytes limit per file (ASSISTANT_MAX_FILE_MB); "
        "split it into smaller files or raise the limit"
    )


def test_load_text_file_size_default_limit_20_mb(tmp_path: Path) -> None:
    path = tmp_path / "lon.txt"
    with open(path, "wb") as fh:  # sparse: 21 MB announced, nothing written
        fh.truncate(21 * MB)
    with pytest.raises(UnreadableDocumentError, match=r"file is 21\.0 MB, over the 20\.0 MB limit per file"):
        load_text(path)


def test_load_text_text_over_limit_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "dai.txt", "Nghị quyết về chuyển đổi số. " * 200)
    assert load_text(path, LoadLimits(max_text_chars=6000)).startswith("Nghị quyết")
    with pytest.raises(UnreadableDocumentError) as info:
        load_text(path, LoadLimits(max_text_chars=5000))
    assert info.value.reason.startswith("its text is 5,800 characters, over the 5,000-character limit per document")
    assert "ASSISTANT_MAX_TEXT_CHARS" in info.value.reason


def test_load_text_pdf_text_over_limit_stops_at_the_page(tmp_path: Path) -> None:
    path = write(tmp_path, "dai.pdf", minimal_pdf([f"Dong {n} cua van ban" for n in range(40)]))
    with pytest.raises(UnreadableDocumentError, match=r"^dai\.pdf: its text passes [\d,]+ characters by page 1, over"):
        load_text(path, LoadLimits(max_text_chars=100))
