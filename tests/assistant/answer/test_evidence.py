"""Evidence checks: names in a question, and the phrases an answer sentence must hold."""

from __future__ import annotations

import pytest

from assistant.answer.evidence import (
    has_answer_type,
    holds_phrases,
    mentions_bodies,
    mentions_periods,
    mentions_servants,
    names_document,
)
from assistant.understand.features import question_names
from assistant.understand.query import understand


def test_question_names_stop_at_punctuation() -> None:
    text = "Ai là Trưởng ban Chỉ đạo tỉnh Thái Nguyên? Các Phó Trưởng ban của Ban Chỉ đạo đó là những ai?"
    assert question_names(text) == ["Thái Nguyên"]


def test_question_names_drop_titles_before_a_name() -> None:
    assert question_names("Đồng chí Trịnh Việt Hùng và Hồ Quốc Dũng họp ở đâu?") == ["Trịnh Việt Hùng", "Hồ Quốc Dũng"]


def test_date_question_requires_its_ordinal() -> None:
    query = understand("Phiên họp thứ hai của Ban Chỉ đạo tỉnh Thái Nguyên diễn ra khi nào?")
    assert query.phrases == ["thu hai"]
    assert not holds_phrases("Chiều ngày 21/02, Ban Chỉ đạo họp Phiên họp thứ nhất", query.phrases)
    assert holds_phrases("Phiên họp thứ hai diễn ra ngày 5/6", query.phrases)


def test_ordinal_that_only_points_at_the_subject_is_not_required() -> None:
    query = understand("Tại phiên họp thứ nhất, cơ quan nào báo cáo kết quả triển khai ứng dụng số?")
    assert query.phrases == []


def test_person_question_requires_the_asked_role_only() -> None:
    assert understand("Ai là Giám đốc Sở Khoa học và Công nghệ tỉnh Gia Lai?").phrases == ["giam doc"]
    assert understand("Ai đồng chủ trì hội nghị trực tuyến?").phrases == ["dong chu tri"]
    assert understand("Chủ tịch UBND tỉnh Gia Lai là ai?").phrases == ["chu tich"]
    # the role names who spoke, the question asks for a ministry: nothing to require
    assert understand("Bí thư Tỉnh ủy Gia Lai đề nghị bộ nào đôn đốc các bộ, ngành?").phrases == []


def test_a_fact_about_a_named_project_requires_its_name() -> None:
    query = understand("Thời hạn hoàn thành Đề án huy động hạ tầng viễn thông, hạ tầng số dùng chung là khi nào?")
    assert query.phrases == ["de an huy dong ha tang"]
    # a row of the same task table about another Đề án does not answer
    assert not holds_phrases("Tên nhiệm vụ: Xây dựng Đề án nghiên cứu, thử nghiệm sản phẩm lưỡng dụng", query.phrases)
    assert holds_phrases("Tên nhiệm vụ: Xây dựng Đề án huy động hạ tầng viễn thông; Thời gian: 2025", query.phrases)


def test_a_project_named_by_number_or_by_two_words_requires_nothing() -> None:
    assert understand("Đề án 06 do bộ nào chủ trì?").phrases == []
    assert understand("Chương trình hành động của Chính phủ đặt chỉ tiêu bao nhiêu?").phrases == []
    assert understand("Đề án chuyển đổi số trong các cơ quan Đảng có những nội dung gì?").phrases == []  # not a fact


def test_phrases_are_read_with_abbreviations_in_full() -> None:
    query = understand("Đề án chuyển đổi số trong các cơ quan Đảng được ban hành ngày nào?")
    assert query.phrases == ["de an chuyen doi so"]
    assert holds_phrases("kết quả triển khai Đề án CĐS trong các cơ quan Đảng theo Quyết định 204-QĐ/TW", query.phrases)


def test_follow_up_requires_nothing_from_the_carried_previous_turn() -> None:
    history = [{"role": "user", "content": "Ai là Trưởng ban Chỉ đạo tỉnh Thái Nguyên?"}]
    assert understand("Các Phó Trưởng ban của Ban Chỉ đạo đó là những ai?", history).phrases == []


def test_names_document_by_number_key() -> None:
    query = understand("Nghị quyết số 71-NQ/CP được ban hành ngày nào?")
    assert names_document("thực hiện Nghị quyết số 71-NQ/CP của Chính phủ", query)
    assert not names_document("Kế hoạch số 25/KH-UBND, ngày 24/1/2025", query)


def test_durations_and_days_of_the_month_are_answers_of_their_type() -> None:
    how_long = understand("Người giới thiệu phải cùng công tác với người vào Đảng ít nhất bao lâu?")
    assert how_long.qtype == "number"
    assert has_answer_type("Người giới thiệu phải cùng công tác với người vào Đảng ít nhất một năm.", how_long)
    assert has_answer_type("Công khai trong thời hạn 03 ngày làm việc.", how_long)
    which_day = understand("Chi bộ sinh hoạt định kỳ vào ngày nào hằng tháng?")
    assert has_answer_type("Chi bộ sinh hoạt định kỳ vào ngày mồng 3 hằng tháng.", which_day)
    assert not has_answer_type("Chi bộ sinh hoạt định kỳ hằng tháng.", which_day)


def test_bodies_named_by_the_question_must_be_in_the_evidence() -> None:
    query = understand("Kết quả kỳ thi tuyển công chức năm 2025 của Bộ Nội vụ có bao nhiêu người trúng tuyển?")
    assert query.bodies == ["Bộ Nội"]
    assert not mentions_bodies("Người không trúng tuyển không được bảo lưu kết quả. Chính phủ", query.bodies)
    assert mentions_bodies("Bộ Nội vụ công bố 1.200 người trúng tuyển.", query.bodies)
    # the usual spellings of one body, on either side
    science = understand("Sở KH&CN tỉnh Gia Lai đề xuất gì?").bodies
    assert mentions_bodies("Sở Khoa học và Công nghệ đã báo cáo đề xuất", science)
    assert mentions_bodies("Sở KH&CN tỉnh đề xuất", understand("Sở Khoa học và Công nghệ đề xuất gì?").bodies)
    assert understand("Ban Chỉ đạo tỉnh họp khi nào?").bodies == []  # a title, not a body's name
    assert understand("UBND tỉnh Gia Lai tổ chức hội nghị khi nào?").bodies == []  # named by its place


def test_a_period_named_by_the_question_must_be_in_the_evidence() -> None:
    query = understand("Tổng kinh phí quan trắc của Đắk Lắk giai đoạn 2021–2025 là bao nhiêu?")
    assert query.periods == [("2021", "2025")]
    assert not mentions_periods("KẾ HOẠCH QUAN TRẮC GIAI ĐOẠN 2026 -2030", query.periods)
    assert mentions_periods("Kinh phí giai đoạn 2021 - 2025 là 12 tỷ đồng", query.periods)


def test_quantities_named_before_the_question_word() -> None:
    # "Thuế suất … là bao nhiêu?" wants a percentage, "Học phí … là bao nhiêu?" an amount of money.
    assert understand("Thuế suất thuế nhập khẩu ưu đãi của bộ bài là bao nhiêu?").unit == "phan tram"
    assert understand("Mức học phí của mỗi lớp bồi dưỡng là bao nhiêu?").unit == "tien"
    assert understand("Thời hạn nộp hồ sơ là bao lâu?").unit == "thoi gian"  # a length of time: "60 ngày"


@pytest.mark.parametrize(
    ("text", "question", "fits"),
    [
        (
            "Khiển trách áp dụng đối với cán bộ, công chức vi phạm lần đầu.",
            "Viên chức vi phạm lần đầu bị kỷ luật gì?",
            False,
        ),
        (
            "Khiển trách áp dụng đối với cán bộ, công chức vi phạm lần đầu.",
            "Công chức vi phạm lần đầu bị kỷ luật gì?",
            True,
        ),
        ("Áp dụng đối với công chức, viên chức.", "Viên chức vi phạm lần đầu bị kỷ luật gì?", True),
        ("Khiển trách áp dụng khi vi phạm lần đầu.", "Viên chức vi phạm lần đầu bị kỷ luật gì?", True),  # names no one
        ("Khiển trách áp dụng đối với viên chức.", "Người vi phạm lần đầu bị kỷ luật gì?", True),  # asks for no one
    ],
)
def test_a_rule_for_one_kind_of_servant_does_not_answer_for_the_other(text: str, question: str, fits: bool) -> None:
    assert mentions_servants(text, question) is fits
