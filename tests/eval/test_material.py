"""The material check: hand-made packs with good and bad items, scored against their sources and a corpus."""

from __future__ import annotations

from assistant.material.types import FAQItem, KeyPoint, LessonPack, QuizItem, SourceRef
from eval.material import PackCheck, check_pack, summarise
from eval.metrics import squash

SOURCE = (
    "Ban Chỉ đạo được thành lập nhằm chỉ đạo triển khai thực hiện hiệu quả Nghị quyết số 57-NQ/TW, ngày "
    "22/12/2024 của Bộ Chính trị. Tỉnh đã hỗ trợ 250 tỷ đồng cho 135 xã, phường."
)
OTHER = "Hội nghị sơ kết quý III-2025 kết nối tới điểm cầu 34 tỉnh, thành phố."
CHUNKS = [squash(SOURCE), squash(OTHER), squash("Tỉnh đã hỗ trợ 300 tỷ đồng cho 135 xã, phường.")]


def pack(**items: list) -> LessonPack:
    sources = [
        SourceRef(1, "a", "Tin A", "2025-02-21", ["57-NQ/TW"], "a.txt", "a:1", SOURCE),
        SourceRef(2, "b", "Tin B", "2025-10-15", [], "b.txt", "b:1", OTHER),
    ]
    return LessonPack("Chuyển đổi số", "can-bo-xa", "2026-11-22T00:00:00Z", "extractive", sources=sources, **items)


def mcq(correct: str, distractors: list[str], explanation: str, citations: list[int]) -> QuizItem:
    options = [correct, *distractors]
    return QuizItem("mcq", "Tỉnh đã hỗ trợ bao nhiêu cho 135 xã, phường?", options, 0, explanation, citations, True)


def test_key_point_counts_only_when_it_stands_in_a_cited_passage() -> None:
    good = KeyPoint("Tỉnh đã hỗ trợ 250 tỷ đồng cho 135 xã, phường [1].", [1])
    wrong_source = KeyPoint("Tỉnh đã hỗ trợ 250 tỷ đồng cho 135 xã, phường [2].", [2])
    invented = KeyPoint("Tỉnh đã hỗ trợ 999 tỷ đồng [1].", [1])
    check = check_pack(pack(key_points=[good, wrong_source, invented]), CHUNKS)
    assert (check.key_points, check.key_points_cited) == (3, 1)
    assert len(check.problems) == 2


def test_quiz_answer_verified_in_its_cited_passage() -> None:
    explanation = "Tỉnh đã hỗ trợ 250 tỷ đồng cho 135 xã, phường [1]."
    right = mcq("250 tỷ đồng", ["120 tỷ đồng", "80 tỷ đồng", "500 tỷ đồng"], explanation, [1])
    wrong_citation = mcq("250 tỷ đồng", ["120 tỷ đồng", "80 tỷ đồng", "500 tỷ đồng"], explanation, [2])
    check = check_pack(pack(quiz=[right, wrong_citation]), CHUNKS)
    assert (check.quiz, check.quiz_verified) == (2, 1)


def test_distractor_that_the_corpus_supports_is_invalid() -> None:
    explanation = "Tỉnh đã hỗ trợ 250 tỷ đồng cho 135 xã, phường [1]."
    item = mcq("250 tỷ đồng", ["300 tỷ đồng", "80 tỷ đồng", "500 tỷ đồng"], explanation, [1])
    check = check_pack(pack(quiz=[item]), CHUNKS)
    assert (check.distractors, check.distractors_valid) == (3, 2)  # "300 tỷ đồng … 135 xã" is in a chunk
    assert any("300 tỷ đồng" in p for p in check.problems)


def test_true_false_items() -> None:
    true_item = QuizItem(
        "true_false", "Tỉnh đã hỗ trợ 250 tỷ đồng cho 135 xã, phường.", ["Đúng", "Sai"], 0, "[1]", [1], True
    )
    false_item = QuizItem(
        "true_false", "Tỉnh đã hỗ trợ 90 tỷ đồng cho 135 xã, phường.", ["Đúng", "Sai"], 1, "[1]", [1], True
    )
    mislabelled = QuizItem(
        "true_false", "Tỉnh đã hỗ trợ 250 tỷ đồng cho 135 xã, phường.", ["Đúng", "Sai"], 1, "[1]", [1], True
    )
    check = check_pack(pack(quiz=[true_item, false_item, mislabelled]), CHUNKS)
    assert (check.quiz, check.quiz_verified) == (3, 2)


def test_faq_needs_a_valid_citation() -> None:
    items = [FAQItem("Hỏi?", "Đáp [1].", [1]), FAQItem("Hỏi?", "Đáp [7].", [7]), FAQItem("Hỏi?", "Đáp.", [])]
    check = check_pack(pack(faq=items), CHUNKS)
    assert (check.faq, check.faq_cited) == (3, 1)


def test_summary_shares_and_refusals() -> None:
    checks = [
        PackCheck("a", "nguoi-dan", True, False, 1.0, key_points=4, key_points_cited=3, quiz=10, quiz_verified=10),
        PackCheck("b", "nguoi-dan", True, False, 3.0, key_points=6, key_points_cited=6, quiz=10, quiz_verified=9),
        PackCheck("tôm", "nguoi-dan", False, True, 0.5),
        PackCheck("bóng đá", "nguoi-dan", False, False, 0.5),
    ]
    summary = summarise(checks)
    assert summary["key_points_cited"] == 0.9 and summary["quiz_verified"] == 0.95
    assert (
        summary["uncovered_refused"] == 0.5 and summary["covered_built"] == 2 and summary["distractors_valid"] is None
    )


def test_true_false_statement_is_the_quoted_part_of_the_question() -> None:
    question = "Đúng hay sai? Theo tài liệu ngày 21/2/2025: “… Tỉnh đã hỗ trợ 250 tỷ đồng cho 135 xã, phường.”"
    item = QuizItem("true_false", question, ["Đúng", "Sai"], 0, "[1]", [1], True)
    assert check_pack(pack(quiz=[item]), CHUNKS).quiz_verified == 1
    item.correct = 1  # claiming it is false: the passage says it
    assert check_pack(pack(quiz=[item]), CHUNKS).quiz_verified == 0
