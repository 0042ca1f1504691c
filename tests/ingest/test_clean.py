import re
import unicodedata
from pathlib import Path

import pytest

from ingest.clean import clean_text
from ingest.loaders import load_text

DOCUMENTS = Path(__file__).resolve().parents[2] / "documents"
PREFIXES = ["000", "001", "002", "003", "004"]


def _cleaned(prefix: str) -> str:
    (path,) = DOCUMENTS.glob(f"{prefix}_*.txt")
    return clean_text(load_text(path))


BODY_SENTENCES = [
    ("000", "Bí thư Tỉnh ủy Hồ Quốc Dũng:"),
    (
        "000",
        "Gia Lai phải lọt vào tốp đầu về phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số",
    ),
    ("000", "(GLO)- Sáng 5-8, đồng chí Hồ Quốc Dũng-Ủy viên Ban Chấp hành Trung ương Đảng"),
    ("000", "Bí thư Tỉnh ủy Hồ Quốc Dũng phát biểu chỉ đạo tại phiên họp. Ảnh: Đức Hải"),
    ("000", "Kế hoạch số 02-KH/BCĐTW ngày 19-6-2025 của Ban Chỉ đạo Trung ương"),
    ("000", "chuyển từ “xã hội số” sang “gia đình số”."),
    (
        "000",
        "bố trí nguồn lực đào tạo nguồn nhân lực chất lượng cao và hỗ trợ cho đội ngũ cán bộ",
    ),
    ("001", "Thứ sáu - 21/02/2025 20:10 0"),
    ("001", "Chiều ngày 21/02, đồng chí Trịnh Việt Hùng, Ủy viên dự khuyết Trung ương Đảng"),
    ("001", "Quang cảnh Hội nghị"),
    ("001", "Đồng chí Đỗ Đức Công, Ủy viên Ban Thường vụ Tỉnh ủy, Phó Chủ tịch Thường trực HĐND tỉnh,"),
    ("001", "(sau TP. Đà Nẵng và tỉnh Yên Bái) thành lập Ban Chỉ đạo."),
    ("001", "Chương trình hành động số 62-CTr/TU, ngày 23/01/2025 của Ban Thường vụ Tỉnh ủy"),
    ("001", "Thu Hương"),
    ("002", "Nghị quyết số 04-NQ/TU của Ban Chấp hành Đảng bộ tỉnh Gia Lai (khóa XVI) về chuyển đổi số"),
    ("002", "thực hiện Nghị quyết số 04-NĐ/TU của Ban Chấp hành Đảng bộ tỉnh (khóa XVI)"),
    ("002", "theo Đề án 06 của Chính phủ; cơ sở dữ liệu về đất đai, quy hoạch đô thị…"),
    ("002", "tạo bước đột phá trong việc phát triển kinh tế – xã hội của tỉnh Gia Lai trong thời gian đến."),
    ("002", "Đoàn Bình – Huy Toàn"),
    ("003", "(GLO)- Sáng 15-10, Thường trực Ban Chỉ đạo Trung ương tổ chức hội nghị sơ kết"),
    ("003", "Tổng Bí thư Tô Lâm phát biểu chỉ đạo tại hội nghị. Ảnh: Thống Nhất/TTXVN"),
    ("003", "Trong tổng số 1.133 nhiệm vụ, có 452 nhiệm vụ hoàn thành, 681 nhiệm vụ chưa hoàn thành"),
    ("003", "tại Nghị quyết số 71-NQ/CP của Chính phủ"),
    ("003", "đo lường, đánh giá hiệu quả bằng kết quả, sản phẩm cụ thể..."),
    ("004", "Đảng ủy xã Ia Ko Hội nghị Ban Chỉ đạo phát triển khoa học"),
    ("004", "Sáng 31/10, tại hội trường UBND xã, đồng chí Dương Mạnh Mẫn – Bí thư Đảng uỷ"),
    ("004", "Kế hoạch thực hiện Nghị quyết số 57-NQ/TW, ngày 22/12/2024 của Bộ Chính trị"),
    ("004", "Đồng chí Dương Mạnh Mẫn phát biểu chỉ đạo"),
    ("004", "hạ tầng công nghệ thông tin của xã còn yếu và thiếu;"),
    ("004", "Văn phòng đảng ủy"),
]


@pytest.mark.parametrize(("prefix", "sentence"), BODY_SENTENCES)
def test_clean_text_sample_keeps_body_sentence(prefix, sentence):
    assert sentence in _cleaned(prefix)


BOILERPLATE = [
    ("000", "Theo dõi Báo Gia Lai trên Google News"),
    ("000", "1.jpg"),
    ("000", "Có thể bạn quan tâm"),
    ("000", "Lãnh đạo tỉnh dự lễ khai mạc bầu cử"),
    ("000", "trẩy hội"),
    ("000", "Tây Sơn Thượng Đạo"),
    ("000", "Cửa khẩu quốc tế Lệ Thanh"),
    ("000", "Phụ nữ Ia Nan"),
    ("000", "An Nhơn Bắc"),
    ("000", "null"),
    ("001", "image 20250222151038 1"),
    ("001", "Tổng số điểm của bài viết"),
    ("001", "Click để đánh giá bài viết"),
    ("001", "Ý kiến bạn đọc"),
    ("001", "Góp ý"),
    ("001", "Liên kết website"),
    ("001", "Lựa chọn truy cập nhanh"),
    ("001", "Thống kê truy cập"),
    ("001", "Đang truy cập"),
    ("001", "Máy chủ tìm kiếm"),
    ("001", "Khách viếng thăm"),
    ("001", "Hôm nay"),
    ("001", "Tháng hiện tại"),
    ("001", "Tổng lượt truy cập"),
    ("001", "Bạn đã không sử dụng Site"),
    ("001", "•"),
    ("002", "date 2022-11"),
    ("002", "Lượt xem"),
    ("003", "date 2025-10-15"),
    ("004", "A- A A+"),
    ("004", "tương phản"),
    ("004", "Tin liên quan"),
    ("004", "Các chỉ số"),
    ("004", "Tin nổi bật"),
    ("004", "noData"),
    ("004", "Không có dữ liệu"),
]


@pytest.mark.parametrize(("prefix", "fragment"), BOILERPLATE)
def test_clean_text_sample_removes_boilerplate(prefix, fragment):
    assert fragment not in _cleaned(prefix)


@pytest.mark.parametrize(
    ("prefix", "first", "last"),
    [
        ("000", "Bí thư Tỉnh ủy Hồ Quốc Dũng:", "trong thực hiện nhiệm vụ."),
        ("001", "Phiên họp thứ nhất Ban Chỉ đạo", "Thu Hương"),
        ("002", "Nghị quyết số 04-NQ/TU", "Đoàn Bình – Huy Toàn"),
        ("003", "(GLO)- Sáng 15-10", "sản phẩm cụ thể..."),
        ("004", "Đảng ủy xã Ia Ko", "Văn phòng đảng ủy"),
    ],
)
def test_clean_text_sample_starts_and_ends_with_body(prefix, first, last):
    cleaned = _cleaned(prefix)
    assert cleaned.startswith(first)
    assert cleaned.endswith(last)


def test_clean_text_sample_duplicate_caption_kept_once():
    assert _cleaned("000").count("Quang cảnh phiên họp. Ảnh: Đức Hải") == 1


@pytest.mark.parametrize("prefix", PREFIXES)
def test_clean_text_sample_keeps_structure_without_blank_runs(prefix):
    cleaned = _cleaned(prefix)
    assert "\n\n" in cleaned
    assert "\n\n\n" not in cleaned
    assert all(line == line.strip() for line in cleaned.split("\n"))


def test_clean_text_sample_keeps_single_line_breaks():
    assert "Thứ sáu - 21/02/2025 20:10 0\nChiều ngày 21/02" in _cleaned("001")


@pytest.mark.parametrize("prefix", PREFIXES)
def test_clean_text_sample_is_idempotent(prefix):
    cleaned = _cleaned(prefix)
    assert clean_text(cleaned) == cleaned


def test_clean_text_words_inside_sentences_stay():
    raw = (
        "Hôm nay (15-3), cử tri đi bầu.\n\nGiá trị null trong cơ sở dữ liệu phải được xử lý.\n\n"
        "Góp ý của người dân được tiếp thu.\n\nTin liên quan đến dự án được công bố hôm qua."
    )
    assert clean_text(raw) == raw


def test_clean_text_teasers_after_related_heading_are_dropped():
    body = "Nội dung chính của bài báo về chuyển đổi số tại địa phương. " * 5
    raw = f"{body}\n\nCó thể bạn quan tâm\n\nBài khác\n\nĐoạn tóm tắt bài khác."
    assert clean_text(raw) == body.strip()


def test_clean_text_related_heading_at_top_only_drops_the_line():
    raw = "Tin liên quan\n\nĐoạn thân bài đầu tiên.\n\nĐoạn thân bài thứ hai."
    assert clean_text(raw) == "Đoạn thân bài đầu tiên.\n\nĐoạn thân bài thứ hai."


def test_clean_text_repeated_caption_kept_once():
    raw = "Đoạn một.\n\nQuang cảnh hội nghị. Ảnh: N.H\n\n\nQuang cảnh hội nghị. Ảnh: N.H\nĐoạn hai."
    assert clean_text(raw) == "Đoạn một.\n\nQuang cảnh hội nghị. Ảnh: N.H\n\nĐoạn hai."


def test_clean_text_non_adjacent_repeat_stays():
    raw = "Ý chính.\n\nĐoạn giữa.\n\nÝ chính."
    assert clean_text(raw) == raw


@pytest.mark.parametrize(
    "line",
    [
        "anh-hoi-nghi.JPG",
        "image 20250222151038 1",
        "Lượt xem: 1.234",
        "Theo dõi Báo Nhân Dân trên Google News",
        "• Hôm nay54,599",
        "A- A A+ | Tăng tương phản Giảm tương phản",
        "Tin nổi bật Tin nổi bật",
        "Tổng số điểm của bài viết là: 5 trong 1 đánh giá",
    ],
)
def test_clean_text_boilerplate_line_dropped(line):
    assert clean_text(f"Đoạn một.\n{line}\nĐoạn hai.") == "Đoạn một.\nĐoạn hai."


def test_clean_text_trailing_no_data_dropped_but_kept_mid_text():
    raw = "Bảng tổng hợp:\nKhông có dữ liệu\nĐoạn cuối.\n\nnoData\nKhông có dữ liệu\nnull\n"
    assert clean_text(raw) == "Bảng tổng hợp:\nKhông có dữ liệu\nĐoạn cuối."


def test_clean_text_date_marker_only_at_start():
    raw = " date 2025-10-15 Sáng 15-10, hội nghị diễn ra.\n\nMục date 2025-10-15 trong dữ liệu."
    assert clean_text(raw) == "Sáng 15-10, hội nghị diễn ra.\n\nMục date 2025-10-15 trong dữ liệu."


def test_clean_text_normalises_nfc_and_whitespace():
    raw = unicodedata.normalize("NFD", "Nghị  quyết\u00a0số\t57\r\n\r\n\r\n\r\nChuyển đổi số   ")
    cleaned = clean_text(raw)
    assert cleaned == "Nghị quyết số 57\n\nChuyển đổi số"
    assert unicodedata.is_normalized("NFC", cleaned)


def test_clean_text_empty_input():
    assert clean_text("") == ""
    assert clean_text("null\n\nnoData") == ""


# --- official texts: portal furniture, emphasis, the flattened header ----------------------------------------

OFFICIAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "official_documents"
POLICY = Path(__file__).resolve().parents[3] / "shared" / "data" / "nq57_policy_documents"
needs_official = pytest.mark.skipif(not OFFICIAL.is_dir(), reason="../shared/data/official_documents is absent")


def test_clean_text_portal_widget_and_metadata_table_dropped():
    raw = (
        "**\nCÁC NỘI DUNG ĐƯỢC SỬA ĐỔI, HƯỚNG DẪN\n**\nCác nội dung của VB này được VB khác thay đổi, hướng dẫn sẽ"
        " được làm nổi bật bằng\ncác màu sắc:\n: Sửa đổi, thay thế,\nhủy bỏ\nClick vào phần bôi vàng để xem chi tiết.\n"
        "|\n#\n**Số hiệu:**\n|\n11306/VPCP-NN\n|\n**Loại văn bản:**\n|\nCông văn\n|\n**Người ký:**\n|\n"
        "Phạm Mạnh Cường\n"
        "|\n**\nNgày hiệu lực:**\n|\nĐã biết\n|\n**VĂN PHÒNG CHÍNH PHỦ**\nSố: 11306/VPCP-NN\nKính gửi: Bộ Tư pháp."
    )
    assert clean_text(raw) == "VĂN PHÒNG CHÍNH PHỦ\nSố: 11306/VPCP-NN\nKính gửi: Bộ Tư pháp."


def test_clean_text_label_lines_in_the_body_stay():
    raw = "Điều 1. Nội dung.\n\nNgười ký: Nguyễn Văn A\n\nSố hiệu: 12\n\nTình trạng: còn hiệu lực"
    assert clean_text(raw) == raw  # two or three labels deep in a text are not the portal's table


def test_clean_text_portal_title_lines_around_no_english_notice_dropped():
    raw = (
        "Nguyễn Minh Luân\nQuyết định 01814/QĐ-UBND năm 2025 công bố thủ tục hành chính nội bộ\n"
        "Văn bản này chưa cập nhật nội dung Tiếng Anh\nQuyết định 01814/QĐ-UBND ngày 21/11/2025 công bố thủ tục"
    )
    assert clean_text(raw) == "Nguyễn Minh Luân"


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("**NGHỊ QUYẾT**", "NGHỊ QUYẾT"),
        ("*Căn cứ Nghị định số 37/2025/NĐ-CP ngày 26 tháng 02 năm 2025 của** Chính phủ;*", None),
        ("*Hà Nội, ng**ày 01 tháng 12 năm 2025*", "Hà Nội, ngày 01 tháng 12 năm 2025"),
        (
            "**V****ề việc s****ắp xếp của tỉnh An**** Giang ****năm 2025**",
            "Về việc sắp xếp của tỉnh An Giang năm 2025",
        ),
        ("**Điều 1.**Công bố danh mục", "Điều 1. Công bố danh mục"),
        ("tại Tờ trình số**347**/TTr-CP", "tại Tờ trình số 347/TTr-CP"),
        ("ban hành** **Thông tư **quy định dạy **thêm*** ***giờ", "ban hành Thông tư quy định dạy thêm giờ"),
        ("__Quá thời hạn quy định__* *__mới phát hiện__", "Quá thời hạn quy định mới phát hiện"),
        ("Số 57\\-NQ/TW, **1\\.** R\\&D", "Số 57-NQ/TW, 1. R&D"),
        ("*   Thực hiện nhiệm vụ", "* Thực hiện nhiệm vụ"),
        ("* “Người khai hải quan xác định có sai sót:*", "“Người khai hải quan xác định có sai sót:"),
        ("Ghi chú (*) và (**)", "Ghi chú (*) và (**)"),
    ],
)
def test_clean_text_strips_emphasis_markers_keeping_words_apart(raw, cleaned):
    expected = cleaned or "Căn cứ Nghị định số 37/2025/NĐ-CP ngày 26 tháng 02 năm 2025 của Chính phủ;"
    assert clean_text(raw) == expected


def test_clean_text_marker_only_lines_go_and_keep_no_blank():
    assert clean_text("Đoạn một.\n* *\n**\n*\nĐoạn hai.") == "Đoạn một.\nĐoạn hai."


def test_clean_text_headings_and_real_table_rows_stay():
    raw = "# Kế hoạch\n\n| STT | Nhiệm vụ | Thời hạn |\n| :---- | :---- | :---- |\n| 1 | Rà soát | 2025 |"
    assert clean_text(raw) == raw


def test_clean_text_flattens_the_two_column_header():
    raw = (
        "CHÍNH PHỦ_______ Số: 172/2025/NĐ-CP | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAMĐộc lập – Tự do – Hạnh phúc"
        "________________________ Hà Nội, ngày 30 tháng 6 năm 2025 |\n\n**NGHỊ ĐỊNH**"
    )
    assert clean_text(raw).split("\n") == [
        "CHÍNH PHỦ",
        "Số: 172/2025/NĐ-CP",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập – Tự do – Hạnh phúc",
        "Hà Nội, ngày 30 tháng 6 năm 2025",
        "",
        "NGHỊ ĐỊNH",
    ]


def test_clean_text_header_with_empty_issuer_cell_and_separator_debris():
    raw = "--------- | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAMĐộc lập - Tự do - Hạnh phúc--------- |\n"
    raw += "Số: 1663/NQ-UBTVQH15 |\n|"
    assert clean_text(raw) == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nSố: 1663/NQ-UBTVQH15"


def test_clean_text_flattens_the_glued_signature_block():
    raw = (
        "Điều 3. Tổ chức thực hiện.\n\n- Chính phủ; - Kiểm toán nhà nước; - Lưu: HC, PLTP. | TM. CHÍNH PHỦKT. THỦ "
        "TƯỚNGPHÓ THỦ TƯỚNG(Đã ký)Hồ Đức Phớc |"
    )
    assert clean_text(raw).split("\n") == [
        "Điều 3. Tổ chức thực hiện.",
        "",
        "- Chính phủ;",
        "- Kiểm toán nhà nước;",
        "- Lưu: HC, PLTP.",
        "TM. CHÍNH PHỦ",
        "KT. THỦ TƯỚNG",
        "PHÓ THỦ TƯỚNG",
        "(Đã ký)",
        "Hồ Đức Phớc",
    ]


def test_clean_text_cell_closing_a_signature_row_loses_its_pipe():
    raw = "- Chính phủ; - Lưu: HC. | TM. ỦY BAN THƯỜNG VỤ QUỐC HỘICHỦ TỊCH\nTrần Thanh Mẫn |"
    assert clean_text(raw).split("\n")[-3:] == ["TM. ỦY BAN THƯỜNG VỤ QUỐC HỘI", "CHỦ TỊCH", "Trần Thanh Mẫn"]


def test_clean_text_signature_row_after_a_lone_pipe():
    raw = "- Chính phủ; - Lưu: HC, PLTP. |\n|\nTM. ỦY BAN THƯỜNG VỤ QUỐC HỘICHỦ TỊCH\n|"
    assert clean_text(raw).split("\n") == [
        "- Chính phủ;",
        "- Lưu: HC, PLTP.",
        "TM. ỦY BAN THƯỜNG VỤ QUỐC HỘI",
        "CHỦ TỊCH",
    ]


def test_clean_text_national_heading_glued_to_issuer_on_one_line():
    raw = "# CHÍNH PHỦ CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    assert clean_text(raw) == "# CHÍNH PHỦ\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"


def test_clean_text_body_words_in_capitals_are_never_split():
    raw = "CÔNG TY TNHH MAGIC COMMANDER\n\nNội dung về COVID và FILE đính kèm."
    assert clean_text(raw) == raw


def test_clean_text_motto_quoted_in_a_sentence_stays_in_it():
    raw = "Khẩu hiệu Độc lập - Tự do - Hạnh phúc in dưới Quốc hiệu CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM."
    assert clean_text(raw) == raw


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("**BAN CHẤP HÀNH\nTRUNG ƯƠNG**", "BAN CHẤP HÀNH TRUNG ƯƠNG"),
        ("**CHỦ TỊCH ỦY BAN NHÂN\nDÂN TỈNH NGHỆ AN**", "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH NGHỆ AN"),
        ("**KT. BỘ TRƯỞNG,\nCHỦ NHIỆM**", "KT. BỘ TRƯỞNG, CHỦ NHIỆM"),
        ("**Điều\n4.**", "Điều 4."),
        ("*Hà\nNội, ngày 25 tháng 11 năm 2025*", "Hà Nội, ngày 25 tháng 11 năm 2025"),
    ],
)
def test_clean_text_rejoins_a_heading_wrapped_in_one_bold_run(raw, cleaned):
    assert clean_text(raw) == cleaned


@pytest.mark.parametrize(
    "raw",
    [
        "**NGHỊ QUYẾT\nCỦA BỘ CHÍNH TRỊ**",  # the kind heading and its organ stay two header lines
        "**TM. CHÍNH PHỦ\nKT. THỦ TƯỚNG**",  # two lines of a signature block
        "**QUYẾT ĐỊNH\nVỀ VIỆC CÔNG BỐ**",
        "**Điều 1.** Phạm vi\n**Điều 2.** Đối tượng",  # two runs, each closed on its line
    ],
)
def test_clean_text_keeps_header_elements_of_one_bold_run_apart(raw):
    assert clean_text(raw).count("\n") == 1


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("Hà Tĩnh, ngày 01 tháng12 năm 2025", "Hà Tĩnh, ngày 01 tháng 12 năm 2025"),
        ("ngày 24 tháng11 năm2025", "ngày 24 tháng 11 năm 2025"),
        ("ngày01 tháng 3 năm 2025", "ngày 01 tháng 3 năm 2025"),
        ("từ ngày 16tháng 6năm 2025", "từ ngày 16 tháng 6 năm 2025"),
    ],
)
def test_clean_text_spaces_glued_date_words(raw, cleaned):
    assert clean_text(raw) == cleaned


# --- official texts: every body sentence survives -------------------------------------------------------------

_MARKS = re.compile(r"\\(.)|[*_|#\s\-–—]+")


def _squash(text: str) -> str:
    """Text without spaces, markup and dashes, to compare what survives cleaning whatever the line breaks."""
    return _MARKS.sub(lambda m: m.group(1) or "", unicodedata.normalize("NFC", text))


def _units(raw: str) -> list[str]:
    """The "Điều N." headings and numbered clauses of a raw page, each cut to its first 60 characters."""
    plain = re.sub(r"\*+|\\", "", unicodedata.normalize("NFC", raw))
    units = re.findall(r"^\s*(Điều \d+[a-z]?\..{0,60})", plain, re.MULTILINE)
    units += re.findall(r"^\s*(\d{1,3}\. \S.{10,60})", plain, re.MULTILINE)
    return units


REAL_PAGES = [
    "056a116c77fe4047.md",  # Party regulation, hard-wrapped
    "4ea650b6faa46d71.md",  # decree, pipe header
    "65fe198460ffa9d9.md",  # provincial decision
    "9ca435f010e53248.md",  # công văn behind the portal's widget and table
    "c6718d0835ffaaad.md",  # circular, markers inside words
    "a57bf3febd1d410d.md",  # UBTVQH resolution, markers and pipes
    "012b8a728c178e7a.md",  # the law
]


@needs_official
@pytest.mark.parametrize("name", REAL_PAGES)
def test_clean_text_real_page_keeps_every_article_and_clause(name):
    raw = load_text(OFFICIAL / name)
    cleaned = _squash(clean_text(raw))
    units = _units(raw)
    assert units
    assert [unit for unit in units if _squash(unit) not in cleaned] == []


@needs_official
@pytest.mark.parametrize("name", ["056a116c77fe4047.md", "4eb6d4a67b3ff8d9.md", "65fe198460ffa9d9.md"])
def test_clean_text_real_page_keeps_every_body_line(name):
    raw = load_text(OFFICIAL / name)
    cleaned = _squash(clean_text(raw))
    lines = [cell for line in raw.split("\n") for cell in line.split("|") if len(_squash(cell)) >= 20]
    assert [line for line in lines if _squash(line) not in cleaned] == []


@needs_official
def test_clean_text_real_portal_page_drops_only_the_portal_furniture():
    cleaned = clean_text(load_text(OFFICIAL / "65dec8089b8bd9d9.md"))
    for furniture in ("CÁC NỘI DUNG ĐƯỢC SỬA ĐỔI", "Số hiệu:", "Người ký:", "Tình trạng:", "Đã biết", "Tiếng Anh"):
        assert furniture not in cleaned
    assert cleaned.startswith("ỦY BAN NHÂN DÂN\nTỈNH CÀ MAU\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n")
    assert cleaned.endswith("KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\nNguyễn Minh Luân")


@needs_official
@pytest.mark.parametrize("path", sorted(OFFICIAL.glob("*.md")) + sorted(POLICY.glob("*.md")), ids=lambda p: p.name)
def test_clean_text_real_page_has_no_markers_or_portal_table(path):
    cleaned = clean_text(load_text(path))
    assert "**" not in cleaned
    assert "VIỆT NAMĐộc lập" not in cleaned
    assert not re.search(r"^(?:Số hiệu|Loại văn bản|Người ký):", cleaned, re.MULTILINE)
    assert not re.search(r"tháng\d|năm\d{4}", cleaned)


WRAPPED_IN_A_NAME = """Điều 1. Ban hành kèm theo Quyết định này Danh mục 229 thủ tục hành chính lĩnh vực Nông
nghiệp và Môi trường thực hiện không phụ thuộc vào địa giới hành chính trên địa bàn tỉnh Nghệ
An (cấp tỉnh: 197 thủ tục, cấp xã: 32 thủ tục).

Điều 2. Trách nhiệm thi hành"""


def test_clean_text_rejoins_a_line_wrapped_inside_a_name():
    cleaned = clean_text(WRAPPED_IN_A_NAME)
    assert "trên địa bàn tỉnh Nghệ An (cấp tỉnh: 197 thủ tục, cấp xã: 32 thủ tục)." in cleaned
    assert cleaned.endswith("\n\nĐiều 2. Trách nhiệm thi hành")


@pytest.mark.parametrize(
    "second",
    [
        "Hà Nội, ngày 18 tháng 11 năm 2025",  # the dateline after a long subject line
        "Điều 2. Trách nhiệm thi hành",  # an article
        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16/6/2025;",
        "Kính gửi: Bộ Nông nghiệp và Môi trường.",
    ],
)
def test_clean_text_a_line_opening_a_unit_is_never_joined_to_a_long_one(second):
    first = "V/v đề xuất giải pháp tháo gỡ khó khăn trong việc triển khai Nghị định 136/2025/NĐ-CP"
    assert clean_text(f"{first}\n{second}") == f"{first}\n{second}"


def test_clean_text_a_short_line_is_a_title_not_a_wrap():
    assert clean_text("QUYẾT ĐỊNH\nVề việc ban hành Quy chế\nBan hành kèm theo") == (
        "QUYẾT ĐỊNH\nVề việc ban hành Quy chế\nBan hành kèm theo"
    )
