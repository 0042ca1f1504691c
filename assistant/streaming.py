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

from assistant import service
from assistant.service import Deps
from assistant.types import Filters

WORDS_PER_DELTA = 4

EventName = Literal["delta", "final"]


@dataclass(frozen=True)
class StreamEvent:
    """`delta`: {"text"} — the deltas concatenate to the answer; `final`: the answer dict + `degraded`."""

    event: EventName
    data: dict[str, Any]


def chat_events(
    deps: Deps,
    question: str,
    history: list[dict[str, str]] | None = None,
    filters: Filters | None = None,
    k: int | None = None,
) -> Iterator[StreamEvent]:
    """Validate now (bad input raises before anything is streamed), then the events of the answer."""
    service.validate_question(question, deps.settings)
    service.validate_filters(filters, deps)
    return _extractive_events(deps, question, history, filters, k)


def _extractive_events(
    deps: Deps, question: str, history: list[dict[str, str]] | None, filters: Filters | None, k: int | None
) -> Iterator[StreamEvent]:
    answer = service.chat(deps, question, history, filters, k)
    for piece in split_words(answer.answer):
        yield StreamEvent("delta", {"text": piece})
    yield StreamEvent("final", {**answer.to_dict(), "degraded": False})


def split_words(text: str, words: int = WORDS_PER_DELTA) -> list[str]:
    """`text` in pieces of `words` words; the pieces concatenate to `text` exactly (whitespace included)."""
    starts = [match.start() for match in re.finditer(r"\S+", text)][::words]
    if not starts:
        return [text] if text else []
    cuts = [0, *starts[1:], len(text)]
    return [text[a:b] for a, b in pairwise(cuts)]
