"""An answer as a sequence of events (text deltas, then the final answer), FastAPI-free.

The HTTP layer turns the events into server-sent events. In extractive mode the answer is computed at once
(tens of milliseconds) and then sent in pieces of a few words; an LLM answerer plugs in here by yielding a
delta per token group as they arrive, without any change to the endpoint.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal

from assistant.deps import Deps
from assistant.pipeline import Delta, Done, Event, Turn, events

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
    """An LLM's deltas as they come; an extractive answer (no deltas) cut into pieces of a few words.

    The `final` event is authoritative: when a check replaced or renumbered an LLM answer, its text differs
    from the streamed deltas and the client shows the final one.
    """
    streamed = False
    try:
        for item in items:
            if isinstance(item, Delta):
                streamed = True
                yield StreamEvent("delta", {"text": item.text})
                continue
            assert isinstance(item, Done)
            answer = item.trace.answer
            if not streamed:
                for piece in split_words(answer.answer):
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
