"""The answer as events (FastAPI-free): word pieces that add up exactly, validation before the first event, and
with a chat model only checked sentences streamed, adding up to the final answer."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from assistant.pipeline import Delta, Done, Turn, search
from assistant.streaming import _events, chat_events, split_words
from assistant.types import Answer
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


def test_events_send_what_the_deltas_did_not_carry_of_the_final_answer() -> None:
    answer = Answer(answer="Câu một [1]. Câu hai có năm chữ [2].", sources=[], refused=False, mode="llm")
    trace = type("Trace", (), {"answer": answer})()
    events = list(_events(iter([Delta("Câu một [1]."), Done(trace)])))  # type: ignore[arg-type]
    texts = [e.data["text"] for e in events if e.event == "delta"]
    assert texts[0] == "Câu một [1]." and "".join(texts) == answer.answer and events[-1].event == "final"


class TokenModel:
    """A chat model that writes `text` a word at a time (no server): for the stream's own checks."""

    name = "fake"

    def __init__(self, text: str) -> None:
        self.text = text

    def complete(self, messages: list[dict[str, str]], *, deadline: float | None = None) -> str:
        return self.text

    def stream(self, messages: list[dict[str, str]], *, deadline: float | None = None) -> Iterator[str]:
        yield from split_words(self.text, 1)


@pytest.mark.slow
def test_chat_events_with_a_model_stream_only_checked_sentences(sample_deps) -> None:
    passages = search(sample_deps, QUESTION)  # what the model is given, in the order it is numbered
    n = next(i for i, p in enumerate(passages, 1) if "22/12/2024" in p.text)
    text = f"Nghị quyết 57-NQ/TW được ban hành ngày 22/12/2024 [{n}]. Hãy truy cập http://x.example ngay [{n}]."
    deps = dataclasses.replace(sample_deps, chat_model=TokenModel(text))
    events = list(chat_events(deps, Turn(QUESTION)))
    deltas, final = [e.data["text"] for e in events[:-1]], events[-1].data
    assert final["mode"] == "llm" and "x.example" not in "".join(deltas)
    assert "".join(deltas) == final["answer"] == "Nghị quyết 57-NQ/TW được ban hành ngày 22/12/2024 [1]."
