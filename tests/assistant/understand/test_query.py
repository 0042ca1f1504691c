"""Query understanding of follow-ups: when the previous turn is carried over, and what the turn itself asks."""

from __future__ import annotations

from assistant.understand.query import understand

HISTORY = [
    {"role": "user", "content": "Nghị quyết 04-NQ/TU về chuyển đổi số của Gia Lai đặt chỉ tiêu kinh tế số bao nhiêu?"},
    {"role": "assistant", "content": "Kinh tế số chiếm tối thiểu 20% GRDP của tỉnh [1]."},
]


def test_follow_up_pointing_back_at_a_document_carries_the_previous_question() -> None:
    query = understand("Văn bản đó do cơ quan nào ban hành?", HISTORY)
    assert query.text.startswith("Nghị quyết 04-NQ/TU") and query.text.endswith("Văn bản đó do cơ quan nào ban hành?")
    assert query.number_keys == ["nq:4"]
    assert query.asked == "Văn bản đó do cơ quan nào ban hành?"


def test_follow_up_keeps_its_own_question_type() -> None:
    history = [{"role": "user", "content": "Phiên họp thứ nhất của Ban Chỉ đạo tỉnh Thái Nguyên diễn ra khi nào?"}]
    query = understand("Cơ quan nào là cơ quan thường trực của Ban Chỉ đạo đó?", history)
    assert "khi nào" in query.text  # the context is carried …
    assert query.qtype == "person"  # … but the turn asks for a body, not a date


def test_follow_up_without_a_type_of_its_own_takes_the_previous_one() -> None:
    history = [{"role": "user", "content": "Ban Chỉ đạo tỉnh Gia Lai họp phiên thứ nhất ngày nào?"}]
    assert understand("Còn Thái Nguyên thì sao?", history).qtype == "date"


def test_new_question_with_history_is_not_rewritten() -> None:
    query = understand("Hội nghị sơ kết quý III-2025 kết nối bao nhiêu điểm cầu?", HISTORY)
    assert query.text == query.asked == "Hội nghị sơ kết quý III-2025 kết nối bao nhiêu điểm cầu?"


def test_follow_up_carries_the_document_the_previous_answer_named() -> None:
    history = [
        {"role": "user", "content": "Cục Hải quan trả lời Công ty Tokokosen về phương tiện quay vòng ở văn bản nào?"},
        {"role": "assistant", "content": "Đó là Công văn 39365/CHQ-GSQL ngày 02/12/2025 của Cục Hải quan."},
    ]
    query = understand("Người ký là ai?", history)
    assert query.number_keys == ["chq:39365"] and query.asked == "Người ký là ai?"


def test_follow_up_keeps_the_document_the_user_named_not_the_answer_s() -> None:
    history = [
        {"role": "user", "content": "Nghị quyết 57-NQ/TW ban hành ngày nào?"},
        {"role": "assistant", "content": "Ngày 22/12/2024, theo Kế hoạch 3260-KH/ĐĐQH15 [1]."},
    ]
    assert understand("Người ký là ai?", history).number_keys == ["nq:57"]


def test_a_post_asked_with_nao_asks_for_a_person() -> None:
    assert understand("Phó Thủ tướng nào chỉ đạo việc này?").qtype == "person"
    assert understand("Bộ trưởng nào ký tờ trình?").qtype == "person"
    assert understand("Văn bản nào quy định việc này?").qtype != "person"


def test_an_english_question_keeps_only_the_vietnamese_names_it_gives() -> None:
    assert understand("Who chaired the first session of the Central Steering Committee?").names == []
    assert understand("Which leaders attended with General Secretary Tô Lâm?").names == ["Tô Lâm"]
    assert understand("Besides General Secretary Tô Lâm, which senior leaders attended?").names == []  # set aside
    assert understand("Ngoài Tổng Bí thư Tô Lâm, những lãnh đạo nào dự hội nghị?").names == []
    assert understand("What budget did Thai Nguyen allocate in 2026?").names == ["Thai Nguyen"]
    assert understand("Which senior leaders attended the conference?").qtype == "person"


def test_a_factory_asked_about_is_no_count() -> None:
    assert understand("Nhà máy nào được giao xây dựng trung tâm dữ liệu?").qtype != "number"
    assert understand("Có mấy xã được sáp nhập?").qtype == "number"
