"""What a question says the answer must be about: the thing it counts and the words narrowing it, the document
number it asks for, the digital thing it names."""

from __future__ import annotations

import pytest

from assistant.understand.features import asked_unit, asks_document_number, counted_qualifiers, required_phrases


@pytest.mark.parametrize(
    ("question", "unit", "qualifiers"),
    [
        ("Có bao nhiêu doanh nghiệp kỳ lân (unicorn) công nghệ?", "doanh nghiep",
         [("ky", "unicorn"), ("lan", "unicorn"), ("cong",), ("nghe",)]),
        ("Bao nhiêu nền tảng đào tạo trực tuyến đã được công nhận?", "nen tang", [("dao",), ("tao",), ("truc",),
                                                                                  ("tuyen",)]),
        ("co bao nhieu nen tang dao tao truc tuyen da duoc cong nhan", "nen tang", [("dao",), ("tao",), ("truc",),
                                                                                     ("tuyen",)]),
        # a state said of the things counted, a year, a verb: not part of their name
        ("Có bao nhiêu nhiệm vụ chưa hoàn thành?", "nhiem vu", []),
        ("Có bao nhiêu nhiệm vụ đến năm 2025?", "nhiem vu", []),
        ("Tính bằng bao nhiêu phần trăm tiền lương một tiết dạy?", "phan tram", [("tien",), ("luong",), ("tiet",),
                                                                                ("day",)]),
        ("Thuế suất là bao nhiêu?", "phan tram", []),
    ],
)  # fmt: skip
def test_counted_unit_and_the_words_narrowing_it(question: str, unit: str, qualifiers: list[tuple[str, ...]]) -> None:
    assert asked_unit(question) == unit
    assert counted_qualifiers(question, asked_unit(question)) == qualifiers


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("How many leading AI experts had been attracted by May 2025?", "chuyen gia"),
        ("How many billion VND did the resolution allocate?", "ty dong"),
        ("How many doctoral degree holders does it aim to train?", "tien si"),
        ("How many commune-level administrative units does An Giang have?", "xa"),  # counted as "102 xã, phường"
        ("How many hospitals were built?", None),  # not a listed thing: no unit, nothing asked of the answer
        ("How much did the plan cost?", None),
    ],
)
def test_english_counted_thing_as_the_vietnamese_texts_count_it(question: str, unit: str | None) -> None:
    assert asked_unit(question) == unit


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Danh mục được ban hành bằng quyết định số mấy?", True),
        ("Văn bản số bao nhiêu quy định việc này?", True),
        ("Số hiệu của kế hoạch là gì?", True),
        ("quyet dinh so may ban hanh danh muc", True),
        ("Nghị quyết số 57-NQ/TW ban hành ngày nào?", False),
        ("Có bao nhiêu nhiệm vụ?", False),
    ],
)
def test_asks_for_a_document_number(question: str, asks: bool) -> None:
    assert asks_document_number(question) is asks


def test_digital_things_named_must_be_held_by_a_date_or_number_answer() -> None:
    assert "quoc hoi so" in required_phrases("Hoàn thành xây dựng Quốc hội số vào năm nào?", "date")
    assert "kinh te so" in required_phrases("Tỷ trọng kinh tế số đạt bao nhiêu phần trăm GDP?", "number")
    assert required_phrases("Nghị quyết số 57 ban hành ngày nào?", "date") == []
    assert required_phrases("Doanh nghiệp số lượng bao nhiêu?", "number") == []
    assert required_phrases("Ai phụ trách Chính phủ số?", "person") == []  # a person question names a role instead


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        # a threshold: "từ 200 MW trở xuống" (not "mấy nhiệt điện", from "nhà máy")
        ("Nhà máy nhiệt điện than công suất bao nhiêu trở xuống thì thuộc loại nhà máy điện khác?", "tro xuong"),
        ("Có bao nhiêu máy tính được cấp cho các xã?", "may tinh"),
        ("Nghị quyết có mấy nhiệm vụ trọng tâm?", "nhiem vu"),
        ("nghi quyet co may nhiem vu", "nhiem vu"),  # typed without diacritics, "may" may be "mấy"
    ],
)
def test_a_machine_is_not_how_many(question: str, unit: str | None) -> None:
    assert asked_unit(question) == unit
