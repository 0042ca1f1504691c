"""The answer as events (FastAPI-free): word pieces that add up exactly, validation before the first event."""

from __future__ import annotations

import pytest

from assistant.pipeline import Turn
from assistant.streaming import chat_events, split_words
from core.errors import UserInputError

QUESTION = "Nghị quyết 57-NQ/TW được ban hành ngày nào?"


@pytest.mark.parametrize(
    "text",
    [
        "Nghị quyết 57-NQ/TW được ban hành ngày 22/12/2024 [1]. Nội dung khác [2].",
        "  lead and trail  ",
        "một\n\nhai  ba\tbốn năm",
        "word",
        "",
        "   ",
    ],
)
def test_split_words_any_text_concatenates_exactly(text: str) -> None:
    assert "".join(split_words(text)) == text


def test_split_words_long_text_pieces_of_four_words() -> None:
    pieces = split_words("một hai ba bốn năm sáu bảy tám chín [1].")
    assert pieces == ["một hai ba bốn ", "năm sáu bảy tám ", "chín [1]."]


def test_split_words_empty_text_no_pieces() -> None:
    assert split_words("") == []


@pytest.mark.slow
def test_chat_events_question_deltas_then_final(sample_deps) -> None:
    events = list(chat_events(sample_deps, Turn(QUESTION)))
    assert [e.event for e in events[:-1]] == ["delta"] * (len(events) - 1) and len(events) > 2
    final = events[-1]
    assert final.event == "final" and final.data["degraded"] is False
    assert "".join(e.data["text"] for e in events[:-1]) == final.data["answer"]
    assert "22/12/2024" in final.data["answer"]


@pytest.mark.slow
def test_chat_events_empty_question_raises_before_iteration(sample_deps) -> None:
    with pytest.raises(UserInputError):
        chat_events(sample_deps, Turn("  "))  # not next(...): the error comes when the generator is made
