"""The one Vietnamese sentence splitter: abbreviations, lists after a colon, quotes, bullets, offsets."""

from __future__ import annotations

import pytest

from core.sentences import split_sentences


def _sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


@pytest.mark.parametrize(
    "text",
    [
        "Đoàn công tác làm việc tại TP. Đà Nẵng về chuyển đổi số.",
        "Gia Lai xếp thứ ba (sau TP. Đà Nẵng và tỉnh Yên Bái) về chỉ số chuyển đổi số.",
        "Ông Nguyễn V. Anh phát biểu tại hội nghị.",
        "PGS. TS. Nguyễn Văn A trình bày tham luận.",
        "Các nhiệm vụ gồm: phát triển hạ tầng số. phát triển kinh tế số.",
    ],
)
def test_split_sentences_abbreviation_or_lowercase_kept_whole(text: str) -> None:
    assert _sentences(text) == [text]


def test_split_sentences_list_after_colon_not_split() -> None:
    text = "Nội dung gồm: phát triển hạ tầng số, dữ liệu số. Đây là câu thứ hai."
    assert _sentences(text) == ["Nội dung gồm: phát triển hạ tầng số, dữ liệu số.", "Đây là câu thứ hai."]


def test_split_sentences_year_then_new_sentence_split() -> None:
    text = "Hoàn thành các mục tiêu trong năm 2025. Sáng 15-10, hội nghị sơ kết được tổ chức."
    assert _sentences(text) == ["Hoàn thành các mục tiêu trong năm 2025.", "Sáng 15-10, hội nghị sơ kết được tổ chức."]


def test_split_sentences_quote_bullet_and_digit_start_new_sentence() -> None:
    text = 'Hội nghị kết thúc. "Phải làm ngay," ông nói. - Ý kiến thứ nhất. 135 xã đã hoàn thành.'
    assert _sentences(text) == [
        "Hội nghị kết thúc.",
        '"Phải làm ngay," ông nói.',
        "- Ý kiến thứ nhất.",
        "135 xã đã hoàn thành.",
    ]


def test_split_sentences_offset_added_to_spans() -> None:
    text = "Câu một. Câu hai."
    assert split_sentences(text, offset=100) == [(100, 108), (109, 117)]
