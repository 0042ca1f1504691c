"""Refusals: the one writer, and a question about a document the collection does not hold."""

from __future__ import annotations

import pytest

from assistant.answer.refusal import absent_documents, missing_document_refusal, refusal
from assistant.deps import Deps
from assistant.pipeline import chat
from assistant.understand.query import understand
from core.docnumbers import describe_key, number_of

HELD = frozenset({57, 11306, 170, 3005})


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("Chỉ thị 99/CT-TTg quy định những gì?", ["Chỉ thị 99/CT-TTg"]),
        ("Nghị định 999/2025/NĐ-CP có hiệu lực từ ngày nào?", ["Nghị định 999/2025/NĐ-CP"]),
        ("NĐ 173 quy định gì?", ["Nghị định số 173"]),
        ("cong van 12345 cua bo tai chinh noi gi", ["Công văn số 12345"]),
    ],
)
def test_absent_documents_named_as_written(question: str, missing: list[str]) -> None:
    assert absent_documents(understand(question), HELD) == missing


@pytest.mark.parametrize(
    "question",
    [
        "Công văn 11306 đề xuất gì?",  # the text writes 11306/VPCP-NN: another kind, same serial number
        "CV 11306/VPCP gửi cơ quan nào?",
        "NĐ 170 quy định về nội dung gì?",
        "Quyết định 3005/QĐ-UBND do ai ký?",
        "Chuyển đổi số cấp xã gồm những nhiệm vụ nào?",  # no document named
    ],
)
def test_present_or_unnamed_documents_not_absent(question: str) -> None:
    assert absent_documents(understand(question), HELD) == []


def test_number_of_and_describe_key() -> None:
    assert [number_of(n) for n in ("57-NQ/TW", "nq:57", "91/2015/qh13", "0134/KH-UBND")] == [57, 57, 91, 134]
    assert describe_key("ct:99") == "Chỉ thị số 99"
    assert describe_key("ct:99", "99/CT-TTg") == "Chỉ thị 99/CT-TTg"


def test_missing_document_refusal_names_it_and_cites_nothing() -> None:
    answer = missing_document_refusal(understand("Chỉ thị 99/CT-TTg quy định gì?"), ["Chỉ thị 99/CT-TTg"])
    assert answer.refused and answer.sources == []
    assert answer.answer.startswith("Văn bản Chỉ thị 99/CT-TTg chưa có trong kho tài liệu")


def test_refusal_quotes_the_question_and_lists_nearest() -> None:
    answer = refusal(understand("Giá vàng hôm nay?"), [])
    assert answer.refused and "Giá vàng hôm nay" in answer.answer and "gần nhất" not in answer.answer


@pytest.mark.slow
def test_chat_about_absent_document_refused_present_one_answered(sample_deps: Deps) -> None:
    absent = chat(sample_deps, "Chỉ thị 99/CT-TTg được ban hành ngày nào?")
    assert absent.refused and "Chỉ thị 99/CT-TTg chưa có trong kho tài liệu" in absent.answer
    present = chat(sample_deps, "Nghị quyết 57-NQ/TW được ban hành ngày nào?")
    assert not present.refused and "22/12/2024" in present.answer


def test_a_number_written_in_full_must_meet_its_own_key() -> None:
    # "88" stands in the collection (as another document's serial), but no text names "88-HD/BTCTW".
    named = frozenset({"hd:45", "hd:16", "nq:88"})
    held = frozenset({45, 16, 88})
    assert absent_documents(understand("Ai ký Hướng dẫn 88-HD/BTCTW?"), held, named) == ["Hướng dẫn 88-HD/BTCTW"]
    assert absent_documents(understand("Ai ký Hướng dẫn 45-HD/BTCTW?"), held, named) == []
    # Typed loosely, only the serial is compared: "hướng dẫn 88" might be the text's "88-NQ/…" typed wrong.
    assert absent_documents(understand("hướng dẫn 88 nói gì?"), held, named) == []


def test_a_document_the_texts_mention_as_people_say_it_is_not_absent() -> None:
    # "Đề án 06" is written as words in the texts, never as a formal number: it is spoken of, not absent.
    query = understand("Ban Chỉ đạo về chuyển đổi số và Đề án 06 có bao nhiêu Tổ Công tác?")
    assert absent_documents(query, frozenset({57}), frozenset({"nq:57"})) == ["Đề án số 6"]
    assert absent_documents(query, frozenset({57}), frozenset({"nq:57"}), frozenset({"da:6"})) == []
