"""What the eval report's tables (eval/report.py) and its plots (eval/plots.py) both draw from.

The stages a latency is split into, the refusal counts, and `Image`, a drawn plot as the report places it.
report.py imports plots.py (to draw) and both import this module, so the imports go one way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

STAGES = ["understand", "retrieve", "answer", "total"]  # per-question timings_ms keys; "total" is the sum


@dataclass
class Image:
    """A plot written as a PNG: its alt text and its path relative to the report directory."""

    alt: str
    path: Path


def refusal_counts(records: list[dict]) -> dict[str, tuple[int, int]]:
    """(answered, refused) counts for answerable and unanswerable questions."""

    def count(answerable: bool, refused: bool) -> int:
        return sum(1 for r in records if bool(r.get("answerable")) == answerable and bool(r.get("refused")) == refused)

    return {
        "answerable": (count(True, False), count(True, True)),
        "unanswerable": (count(False, False), count(False, True)),
    }
