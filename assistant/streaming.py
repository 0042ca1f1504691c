"""An answer as a sequence of events (text deltas, then the final answer), FastAPI-free.

The HTTP layer turns the events into server-sent events. The deltas always add up to the final answer exactly.
In extractive mode the answer is computed at once (tens of milliseconds) and then sent in pieces of a few words.
With an LLM the deltas are the checked sentences `answer.generative` releases as the model writes — never the
model's raw text — and an answer the checks replaced (extractive fallback, refusal) is sent in pieces at the end.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal

from assistant.deps import Deps
from assistant.pipeline import Delta, Done, Event, Turn, events

logger = logging.getLogger(__name__)

WORDS_PER_DELTA = 4

EventName = Literal["delta", "final"]


@dataclass(frozen=True)
class StreamEvent:
    """`delta`: {"text"} — the deltas concatenate to the answer; `final`: the answer dict + `degraded`."""

    event: EventName
    data: dict[str, Any]


def chat_events(deps: Deps, turn: Turn) -> Iterator[StreamEvent]:
    """Validate now (bad input raises before anything is streamed), then the events of the answer."""
    return _events(events(deps, turn, stream=True))


def _events(items: Iterator[Event]) -> Iterator[StreamEvent]:
    """The checked deltas as they come, then whatever of the final answer they did not carry, in pieces.

    The `final` event is authoritative; the deltas before it add up to its text.
    """
    sent = ""
    try:
        for item in items:
            if isinstance(item, Delta):
                sent += item.text
                yield StreamEvent("delta", {"text": item.text})
                continue
            assert isinstance(item, Done)
            answer = item.trace.answer
            if not answer.answer.startswith(sent):  # the answerer broke its promise: the final one still wins
                logger.error("streamed text is not a prefix of the final answer (%d characters sent)", len(sent))
            else:
                for piece in split_words(answer.answer[len(sent) :]):
                    yield StreamEvent("delta", {"text": piece})
            yield StreamEvent("final", answer.to_dict())
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()  # a client that went away: stop the model's stream (closes the upstream request)


def split_words(text: str, words: int = WORDS_PER_DELTA) -> list[str]:
    """`text` in pieces of `words` words; the pieces concatenate to `text` exactly (whitespace included)."""
    starts = [match.start() for match in re.finditer(r"\S+", text)][::words]
    if not starts:
        return [text] if text else []
    cuts = [0, *starts[1:], len(text)]
    return [text[a:b] for a, b in pairwise(cuts)]
