"""Which library reads Vietnamese PDFs best: pypdf, pdfplumber or pypdfium2, on PDFs made here by Debian tools.

    python bench/pdf_extractors.py [--repeat N] [--keep DIR]

Builds one official-style Vietnamese document (a two-column header, numbered sections, a table, a two-column
signature block, long wrapped paragraphs and soft hyphens in long words) and prints it to PDF with each producer
that is installed: Chromium's `--print-to-pdf` (Skia, as a browser's "Save as PDF") and LibreOffice Writer's PDF
export of a DOCX (as an office's "Export as PDF"; `apt-get install libreoffice-writer-nogui`, bench only).
Then scores every extractor on every PDF:

- diacritics: share of the reference's words with Vietnamese letters found (multiset) after NFC, plus the count of
  characters that should not be there (U+FFFD, private use, control characters, stray combining marks);
- spacing: words in the output that are not words of the reference (two words glued, one word split);
- header: lines of the two-column header and signature block found intact on one output line, and whether each
  column reads top to bottom;
- table: rows whose cells all come out on one line, in order;
- hyphens: soft-hyphenated words broken at a line end and left as "frag- ment" / "frag-\\nment";
- speed: median milliseconds per page over --repeat runs, on the document and on a 40-page one.

"ingest.loaders" is what ingestion reads (pypdfium2 and the loader's repairs). pdfplumber is not a dependency of
the project: `pip install pdfplumber` to include it.

Prints figures only; docs/FORMATS.md records a run.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import shutil
import statistics
import subprocess
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from _common import print_load, print_machine, use_repo_imports

CHROMIUM = Path("/usr/bin/chromium")
SHY = "\u00ad"

HEADER = (  # (left column, right column): the layout of every Vietnamese official document
    ["TỈNH ỦY BẮC NINH", "Số 12-NQ/TU"],
    ["ĐẢNG CỘNG SẢN VIỆT NAM", "Bắc Ninh, ngày 15 tháng 3 năm 2025"],
)
TITLE = [
    "NGHỊ QUYẾT",
    "về đẩy mạnh chuyển đổi số, phát triển khoa học, công nghệ và đổi mới sáng tạo giai đoạn 2025 – 2030",
]
SECTIONS: list[tuple[str, list[str]]] = [
    (
        "I. TÌNH HÌNH VÀ NGUYÊN NHÂN",
        [
            "Thực hiện Nghị quyết số 57-NQ/TW ngày 22 tháng 12 năm 2024 của Bộ Chính trị về đột phá phát triển "
            "khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia, các cấp ủy, chính quyền đã quán triệt "
            "nghiêm túc, ban hành kế hoạch hành động cụ thể. Hạ tầng số được đầu tư đồng bộ; tỷ lệ hồ sơ giải "
            "quyết trực tuyến toàn trình đạt 85%; nhiều thủ tục hành chính được cắt giảm, đơn giản hóa.",
            "Tuy nhiên, nguồn nhân lực chất lượng cao còn thiếu; một số nơi chưa quyết liệt, còn tư tưởng ngại đổi "
            "mới, ngại khó khăn; việc chia sẻ dữ liệu giữa các ngành chưa thông suốt. Ứng dụng trí tuệ nhân tạo "
            f"(artificial intel{SHY}ligence) và điện toán đám mây trong quản lý nhà nước mới ở bước đầu, chưa "
            f"bảo đảm khả năng liên thông (interoper{SHY}ability) giữa các hệ thống.",
        ],
    ),
    (
        "II. MỤC TIÊU VÀ CHỈ TIÊU",
        [
            "Đến năm 2030, Bắc Ninh thuộc nhóm dẫn đầu cả nước về chuyển đổi số; kinh tế số trở thành động lực "
            "tăng trưởng chủ yếu; mọi người dân được tiếp cận dịch vụ số an toàn, thuận tiện. Các chỉ tiêu chủ "
            "yếu như sau:",
        ],
    ),
    (
        "III. NHIỆM VỤ, GIẢI PHÁP",
        [
            "1. Nâng cao nhận thức, đổi mới tư duy của cấp ủy, người đứng đầu; tuyên truyền sâu rộng phong trào "
            "“Bình dân học vụ số”, bảo đảm mỗi hộ gia đình có ít nhất một người sử dụng thành thạo dịch vụ công "
            "trực tuyến. Gắn kết quả chuyển đổi số với đánh giá, xếp loại tổ chức đảng và đảng viên hằng năm.",
            "2. Hoàn thiện thể chế, ưu tiên ngân sách cho nghiên cứu, ứng dụng; đầu tư hạ tầng dữ liệu dùng chung "
            f"(infra{SHY}structure) và trung tâm điều hành thông minh; thu hút chuyên gia giỏi, đãi ngộ xứng đáng "
            "với đóng góp; xử lý nghiêm cán bộ né tránh, đùn đẩy trách nhiệm.",
        ],
    ),
]
TABLE = [
    ["TT", "Chỉ tiêu", "Năm 2025", "Năm 2030"],
    ["1", "Tỷ trọng kinh tế số trong GRDP", "20%", "30%"],
    ["2", "Dịch vụ công trực tuyến toàn trình trên tổng số thủ tục hành chính đủ điều kiện", "85%", "100%"],
    ["3", "Người dân có danh tính điện tử", "70%", "95%"],
]
SIGNATURE = (
    ["Nơi nhận:", "- Ban Chấp hành Trung ương (để b/c),", "- Lưu Văn phòng Tỉnh ủy."],
    ["T/M TỈNH ỦY", "BÍ THƯ", "Nguyễn Văn Đức"],
)
# A narrow box (a margin note) whose long words carry soft hyphens at every break point, so that some do break.
NOTE = (
    f"Thuật ngữ: trí tuệ nhân tạo (ar{SHY}ti{SHY}fi{SHY}cial in{SHY}tel{SHY}li{SHY}gence), khả năng liên thông "
    f"(in{SHY}ter{SHY}op{SHY}er{SHY}a{SHY}bil{SHY}i{SHY}ty), hạ tầng (in{SHY}fra{SHY}struc{SHY}ture), chuyển đổi "
    f"số (dig{SHY}i{SHY}tal trans{SHY}for{SHY}ma{SHY}tion), dữ liệu (in{SHY}for{SHY}ma{SHY}tion)."
)
HYPHENATED = [w for w in re.findall(r"\w+", NOTE.replace(SHY, "")) if len(w) > 8 and w.isascii()]
WIDTHS_CM = [1.0, 9.0, 2.5, 2.5]  # the table's columns


# -- producers ---------------------------------------------------------------------------------------


def _html(repeat: int) -> str:
    def cols(block: tuple[list[str], list[str]]) -> str:
        return "<div class=cols>" + "".join(f"<div>{'<br>'.join(col)}</div>" for col in block) + "</div>"

    cells = "".join(f"<col style='width:{w}cm'>" for w in WIDTHS_CM)
    rows = cells + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in TABLE)
    body = "".join(f"<h2>{h}</h2>" + "".join(f"<p>{p}</p>" for p in ps) for h, ps in SECTIONS[:2])
    body += f"<table>{rows}</table>"
    body += "".join(f"<h2>{h}</h2>" + "".join(f"<p>{p}</p>" for p in ps) for h, ps in SECTIONS[2:])
    body += f"<p class=note>{NOTE}</p>"
    page = cols(HEADER) + f"<h1>{TITLE[0]}<br><small>{TITLE[1]}</small></h1>" + body + cols(SIGNATURE)
    style = (
        "body{font-family:'DejaVu Serif';font-size:13pt;width:15cm}"
        ".cols{display:flex;justify-content:space-between;text-align:center;margin:1em 0}"
        "p{text-align:justify;hyphens:manual}h1{text-align:center;font-size:14pt}h2{font-size:13pt}"
        ".note{width:4.5cm;border:1px solid #000;font-size:11pt}"
        "table{border-collapse:collapse;table-layout:fixed}td{border:1px solid #000;padding:2px 6px}"
        ".page{page-break-after:always}"
    )
    pages = "".join(f"<div class=page>{page}</div>" for _ in range(repeat))
    return f"<!doctype html><html lang=vi><meta charset=utf-8><style>{style}</style><body>{pages}</body></html>"


def make_chromium(out: Path, repeat: int) -> Path | None:
    if not CHROMIUM.exists():
        return None
    html = out.with_suffix(".html")
    html.write_text(_html(repeat), encoding="utf-8")
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer", f"--print-to-pdf={out}"]
    subprocess.run([str(CHROMIUM), *args, html.as_uri()], capture_output=True, timeout=120, check=True)
    return out


def _docx(path: Path, repeat: int) -> None:
    import docx
    from docx.enum.text import WD_BREAK
    from docx.shared import Cm

    document = docx.Document()
    for number in range(repeat):
        if number:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        _docx_columns(document, HEADER)
        document.add_paragraph(TITLE[0]).runs[0].bold = True
        document.add_paragraph(TITLE[1])
        for index, (heading, paragraphs) in enumerate(SECTIONS):
            document.add_paragraph(heading).runs[0].bold = True
            for text in paragraphs:
                document.add_paragraph(text)
            if index == 1:
                table = document.add_table(rows=len(TABLE), cols=len(TABLE[0]))
                table.style = "Table Grid"
                table.autofit = False
                for r, row in enumerate(TABLE):
                    for c, value in enumerate(row):
                        table.cell(r, c).text = value
                        table.cell(r, c).width = Cm(WIDTHS_CM[c])
        document.add_paragraph(NOTE).paragraph_format.right_indent = Cm(11)
        _docx_columns(document, SIGNATURE)
    document.save(str(path))


def _docx_columns(document, block: tuple[list[str], list[str]]) -> None:  # type: ignore[no-untyped-def]
    """A borderless two-cell table: how Word users lay out the header and the signature block."""
    table = document.add_table(rows=1, cols=2)
    for cell, lines in zip(table.rows[0].cells, block, strict=True):
        cell.text = lines[0]
        for line in lines[1:]:
            cell.add_paragraph(line)


def make_libreoffice(out: Path, repeat: int) -> Path | None:
    soffice = shutil.which("soffice")
    if soffice is None:
        return None
    source = out.with_suffix(".docx")
    _docx(source, repeat)
    profile = out.parent / "lo-profile"
    cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf"]
    subprocess.run([*cmd, "--outdir", str(out.parent), str(source)], capture_output=True, timeout=300, check=True)
    return out


PRODUCERS: dict[str, Callable[[Path, int], Path | None]] = {
    "chromium": make_chromium,
    "libreoffice": make_libreoffice,
}


# -- extractors --------------------------------------------------------------------------------------


def ex_pypdf(path: Path) -> str:
    from pypdf import PdfReader

    return "\n\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


def ex_pypdf_layout(path: Path) -> str:
    from pypdf import PdfReader

    return "\n\n".join(page.extract_text(extraction_mode="layout") or "" for page in PdfReader(str(path)).pages)


def ex_pdfplumber(path: Path) -> str:
    import pdfplumber

    with pdfplumber.open(str(path)) as pdf:
        return "\n\n".join(page.extract_text() or "" for page in pdf.pages)


def ex_pdfplumber_layout(path: Path) -> str:
    import pdfplumber

    with pdfplumber.open(str(path)) as pdf:
        return "\n\n".join(page.extract_text(layout=True) or "" for page in pdf.pages)


def ex_pypdfium2(path: Path) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return "\n\n".join(page.get_textpage().get_text_bounded() for page in pdf)
    finally:
        pdf.close()


def ex_loader(path: Path) -> str:
    """What ingestion reads: pypdfium2 plus ingest.loaders' line-end hyphen repair and encoding check."""
    from ingest.loaders import load_text

    return load_text(path)


EXTRACTORS: dict[str, Callable[[Path], str]] = {
    "pypdf": ex_pypdf,
    "pypdf layout": ex_pypdf_layout,
    "pdfplumber": ex_pdfplumber,
    "pdfplumber layout": ex_pdfplumber_layout,
    "pypdfium2": ex_pypdfium2,
    "ingest.loaders": ex_loader,
}
MODULES = {"pypdf": "pypdf", "pdfplumber": "pdfplumber", "pypdfium2": "pypdfium2"}  # pdfplumber: bench only


# -- scores ------------------------------------------------------------------------------------------

_WORD = re.compile(r"\w+")
_BAD = re.compile(r"[\ufffd\ue000-\uf8ff\ufb00-\ufb06\x00-\x08\x0b\x0c\x0e-\x1f\u0300-\u036f]")  # + ligatures


def reference_text() -> str:
    parts = [*HEADER[0], *HEADER[1], *TITLE]
    for heading, paragraphs in SECTIONS:
        parts += [heading, *paragraphs]
    parts += [" ".join(row) for row in TABLE] + [NOTE] + SIGNATURE[0] + SIGNATURE[1]
    return "\n".join(parts).replace(SHY, "")


def _squash(text: str) -> str:
    return " ".join(text.split())


def score(text: str) -> dict[str, object]:
    nfc = unicodedata.normalize("NFC", text)
    ref_words = Counter(_WORD.findall(reference_text()))
    got = Counter(_WORD.findall(nfc))
    vietnamese = Counter({w: n for w, n in ref_words.items() if not w.isascii()})
    found = sum(min(n, got[w]) for w, n in vietnamese.items())
    foreign = sum(n for w, n in got.items() if w not in ref_words)
    lines = [_squash(line) for line in nfc.splitlines()]
    flat = _squash(nfc)
    columns = [col for block in (HEADER, SIGNATURE) for col in block]
    whole = sum(_squash(" ".join(col)) in flat for col in columns)
    rows = [r"\s*".join(map(re.escape, row)) for row in TABLE]
    rows_whole = sum(bool(re.search(row, flat)) for row in rows)
    rows_line = sum(any(re.search(row, line) for line in lines) for row in rows)
    ref_text = reference_text()
    wanted = {w: len(re.findall(rf"\b{w}\b", ref_text)) for w in set(HYPHENATED)}
    whole_words = sum(min(n, len(re.findall(rf"\b{w}\b", nfc))) for w, n in wanted.items())
    return {
        "diacritics": f"{found}/{sum(vietnamese.values())}",
        "bad chars": len(_BAD.findall(nfc)),
        "spacing errs": foreign,
        "columns whole": f"{whole}/{len(columns)}",
        "rows whole": f"{rows_whole}/{len(TABLE)}",
        "rows on 1 line": f"{rows_line}/{len(TABLE)}",
        "hyphenated whole": f"{whole_words}/{sum(wanted.values())}",
    }


def ms_per_page(extract: Callable[[Path], str], path: Path, pages: int, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        extract(path)
        runs.append((time.perf_counter() - start) * 1000 / pages)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="keep the generated PDFs and extracted texts in this directory")
    args = parser.parse_args()
    use_repo_imports()
    print_machine()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        for producer, make in PRODUCERS.items():
            pdf, big = make(work / f"{producer}.pdf", 1), make(work / f"{producer}-40.pdf", 40)
            if pdf is None or big is None:
                print(f"\n{producer}: not installed, skipped")
                continue
            print(f"\n== {producer} ({pdf.stat().st_size // 1024} KB; 40 pages: {big.stat().st_size // 1024} KB)")
            for name, extract in EXTRACTORS.items():
                module = MODULES.get(name.split()[0])
                if module and importlib.util.find_spec(module) is None:
                    print(f"{name:18} not installed (pip install {module}), skipped")
                    continue
                text = extract(pdf)
                (work / f"{producer}.{name.replace(' ', '-')}.txt").write_text(text, encoding="utf-8")
                small = ms_per_page(extract, pdf, 1, args.repeat)
                large = ms_per_page(extract, big, 40, max(1, args.repeat // 2))
                figures = " ".join(f"{k}={v}" for k, v in score(text).items())
                print(f"{name:18} {figures} ms/page={small:.1f} (40 pages: {large:.1f})")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print_load("at end")


if __name__ == "__main__":
    main()
