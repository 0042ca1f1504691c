"""Questions asking several things are split into one sub-question per thing asked."""

from __future__ import annotations

import pytest

from assistant.understand.parts import question_parts
from assistant.understand.query import understand


def parts(question: str) -> list:
    return question_parts(understand(question))


def test_two_question_words_give_two_parts_each_with_its_own_kind() -> None:
    got = parts("Kế hoạch số 3260-KH/ĐĐQH15 do cơ quan nào ban hành và ban hành ngày nào?")
    assert [p.asked for p in got] == ["Kế hoạch số 3260-KH/ĐĐQH15 do cơ quan nào ban hành?", "ban hành ngày nào?"]
    assert [p.qtype for p in got] == ["person", "date"]
    # the document named once is the subject of both parts
    assert all(p.number_keys == ["kh:3260"] for p in got)


def test_a_part_keeps_the_rest_of_the_question_as_background_without_its_question_word() -> None:
    first, second = parts("Hiện cả nước có bao nhiêu trạm 5G và dự kiến đến hết năm 2025 đạt bao nhiêu trạm?")
    assert "5G" in second.background and "bao nhiêu" not in second.background
    assert "2025" in first.background and "bao nhiêu" not in first.background
    assert first.periods == [] and second.asked.startswith("dự kiến đến hết năm 2025")


def test_a_counted_unit_and_names_belong_to_their_own_part() -> None:
    first, second = parts("Tỷ lệ dân số có tài khoản ngân hàng là bao nhiêu, cơ quan nào theo dõi?")
    assert first.qtype == "number" and first.unit is None  # not "cơ quan" from the other part
    assert second.qtype == "person"


def test_three_clauses_three_parts() -> None:
    got = parts("Nghị quyết số 20-NQ/TW do hội nghị Trung ương nào, khóa mấy ban hành, và về vấn đề gì?")
    assert [p.asked for p in got] == [
        "Nghị quyết số 20-NQ/TW do hội nghị Trung ương nào?",
        "khóa mấy ban hành?",
        "về vấn đề gì?",
    ]


def test_respectively_with_two_documents_asks_each_document_alone() -> None:
    got = parts(
        "Chỉ tiêu nhân lực nghiên cứu tính trên một vạn dân trong Nghị quyết 20-NQ/TW (2012) và trong "
        "Nghị quyết 57-NQ/TW lần lượt là bao nhiêu?"
    )
    assert [p.number_keys for p in got] == [["nq:20"], ["nq:57"]]
    stem = "Chỉ tiêu nhân lực nghiên cứu tính trên một vạn dân trong Nghị quyết"
    assert [p.asked for p in got] == [f"{stem} 20-NQ/TW (2012) là bao nhiêu?", f"{stem} 57-NQ/TW là bao nhiêu?"]


def test_without_diacritics_the_question_words_are_read_folded() -> None:
    got = parts("Ke hoach 3260 do co quan nao ban hanh va ban hanh ngay nao?")
    assert [p.qtype for p in got] == ["person", "date"]


@pytest.mark.parametrize(
    "question",
    [
        "Ai chủ trì phiên họp thứ nhất?",
        "Thời gian và địa điểm tổ chức hội nghị là khi nào?",  # one question word: one thing asked
        "Ứng dụng AI và dữ liệu lớn được giao cho bộ nào?",  # "AI" is not "ai" (who)
        "Nghị quyết 20-NQ/TW và Nghị quyết 57-NQ/TW đặt chỉ tiêu gì?",  # two documents, but not "lần lượt"
        "Các bộ, ngành nào chủ trì?",  # a comma inside one noun phrase
    ],
)
def test_one_thing_asked_is_not_split(question: str) -> None:
    assert parts(question) == []


def test_a_follow_up_part_keeps_the_previous_question_as_background() -> None:
    history = [{"role": "user", "content": "Nghị quyết 57-NQ/TW đặt mục tiêu gì về kinh tế số?"}]
    query = understand("Còn chỉ tiêu nào cho năm 2030 và cơ quan nào theo dõi?", history)
    got = question_parts(query)
    assert len(got) == 2 and all("57-NQ/TW" in p.background for p in got)
