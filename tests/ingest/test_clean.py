import unicodedata
from pathlib import Path

import pytest

from ingest.clean import clean_text

DOCUMENTS = Path(__file__).resolve().parents[2] / "documents"
PREFIXES = ["000", "001", "002", "003", "004"]


def _cleaned(prefix: str) -> str:
    (path,) = DOCUMENTS.glob(f"{prefix}_*.txt")
    return clean_text(path.read_text(encoding="utf-8"))


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
