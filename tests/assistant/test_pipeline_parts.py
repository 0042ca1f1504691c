"""A question asking two things, answered through the real pipeline on the sample index: both facts, cited."""

from __future__ import annotations

from assistant import pipeline
from assistant.answer.citations import markers
from assistant.deps import Deps


def test_date_and_person_of_one_meeting_both_answered(sample_deps: Deps) -> None:
    answer = pipeline.run(
        sample_deps,
        pipeline.Turn(
            "Phiên họp thứ nhất của Ban Chỉ đạo về phát triển khoa học, công nghệ, đổi mới sáng tạo, chuyển đổi số "
            "tỉnh Thái Nguyên diễn ra vào ngày nào và do ai chủ trì?",
            answerer="extractive",
        ),
    ).answer
    assert not answer.refused
    assert "21/02" in answer.answer and "Trịnh Việt Hùng" in answer.answer
    cited = {answer.sources[n - 1].doc_id for n in markers(answer.answer)}
    assert cited == {"001_fbc9771f2d710e29"}


def test_a_part_the_documents_do_not_state_is_named_not_guessed(sample_deps: Deps) -> None:
    answer = pipeline.run(
        sample_deps,
        pipeline.Turn(
            "Phiên họp thứ nhất của Ban Chỉ đạo tỉnh Thái Nguyên diễn ra vào ngày nào và có bao nhiêu doanh nghiệp "
            "kỳ lân được công nhận?",
            answerer="extractive",
        ),
    ).answer
    assert "21/02" in answer.answer
    assert "Tài liệu hiện có không nêu" in answer.answer
