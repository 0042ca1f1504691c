"""The answers to the parts of a question put together: one numbering, the missing part said, no repeats."""

from __future__ import annotations

from assistant.answer.compose import compose
from assistant.answer.refusal import missing_document_refusal, refusal
from assistant.types import Answer, Passage
from assistant.understand.parts import question_parts
from assistant.understand.query import understand

QUESTION = "Kế hoạch số 3260-KH/ĐĐQH15 do cơ quan nào ban hành và ban hành ngày nào?"


def _passage(n: int, chunk: str) -> Passage:
    return Passage(
        n=n, chunk_id=chunk, doc_id="d", title="t", source="s", text=f"text {chunk}", score=1.0,
        date=None, kind="khác", section="", numbers=[], start=0, end=1,
    )  # fmt: skip


def _answer(text: str, chunks: list[str]) -> Answer:
    return Answer(answer=text, sources=[_passage(n, c) for n, c in enumerate(chunks, 1)], refused=False)


def test_parts_answers_share_one_numbering_cited_passages_first() -> None:
    query = understand(QUESTION)
    first, second = question_parts(query)
    whole = [_passage(1, "w1"), _passage(2, "b")]
    got = compose(query, [(first, _answer("Do Đảng đoàn Quốc hội [1].", ["a", "w1"])),
                          (second, _answer("Ngày 10/01/2025 [2].", ["w1", "b"]))], whole)  # fmt: skip
    assert got.answer == "Do Đảng đoàn Quốc hội [1]. Ngày 10/01/2025 [2]."
    assert [(p.n, p.chunk_id) for p in got.sources] == [(1, "a"), (2, "b"), (3, "w1")]
    assert not got.refused


def test_a_part_the_documents_do_not_state_is_said_to_be_missing() -> None:
    query = understand(QUESTION)
    first, second = question_parts(query)
    got = compose(query, [(first, _answer("Do Đảng đoàn Quốc hội [1].", ["a"])), (second, refusal(second, []))], [])
    assert got.answer == "Do Đảng đoàn Quốc hội [1]. Tài liệu hiện có không nêu: “ban hành ngày nào”."
    assert not got.refused and "not stated" in got.warnings[0]


def test_no_part_answered_refuses_the_whole_question() -> None:
    query = understand(QUESTION)
    parts = question_parts(query)
    got = compose(query, [(p, refusal(p, [])) for p in parts], [_passage(1, "w")])
    assert got.refused and QUESTION.rstrip("?") in got.answer


def test_an_absent_document_refusal_is_kept() -> None:
    query = understand(QUESTION)
    parts = question_parts(query)
    absent = missing_document_refusal(parts[0], ["Kế hoạch 3260-KH/ĐĐQH15"])
    got = compose(query, [(parts[0], absent), (parts[1], refusal(parts[1], []))], [])
    assert got.refused and "chưa có trong kho" in got.answer


def test_one_sentence_answering_two_parts_is_said_once() -> None:
    query = understand(QUESTION)
    parts = question_parts(query)
    same = "Kết quả: 95; Cơ quan chủ trì: Bộ Y tế [1]."
    got = compose(query, [(p, _answer(same, ["a"])) for p in parts], [])
    assert got.answer == same


def test_a_part_source_neither_cited_nor_among_the_question_passages_is_left_out() -> None:
    query = understand(QUESTION)
    first, second = question_parts(query)
    got = compose(query, [(first, _answer("Do Đảng đoàn Quốc hội [1].", ["a", "only-in-part"])),
                          (second, refusal(second, []))], [_passage(1, "w")])  # fmt: skip
    assert [p.chunk_id for p in got.sources] == ["a", "w"]
    assert got.answer.startswith("Do Đảng đoàn Quốc hội [1].")
