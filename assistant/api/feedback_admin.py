"""Feedback for the admin API: filtered (rating, dates, words), worst first, and exported as CSV for Excel.

The store lists rows newest first a page at a time; this reads those pages once per request and keeps only
what the answer needs (the page asked for, the counts), so memory stays bounded by the page, not the table.
Worst first: every 👎 before any 👍, each newest first.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from assistant.feedback import FeedbackStore
from core.vntext import fold

PAGE = 500  # rows read from the store per call
CSV_COLUMNS = ("id", "created", "rating", "question", "answer", "comment", "mode", "sources", "history")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a cell Excel would run as a formula (CSV injection)


@dataclass(frozen=True)
class FeedbackFilter:
    rating: str | None = None  # "up", "down" or None for both
    date_from: date | None = None  # inclusive, on the UTC date of `created`
    date_to: date | None = None
    text: str = ""  # in the question, answer or comment; case and diacritics ignored

    def matches(self, row: dict[str, Any]) -> bool:
        if self.rating and row["rating"] != self.rating:
            return False
        day = str(row["created"])[:10]
        if (self.date_from and day < self.date_from.isoformat()) or (self.date_to and day > self.date_to.isoformat()):
            return False
        needle = _folded(self.text)
        return not needle or needle in _folded(" ".join((row["question"], row["answer"], row["comment"])))


def _folded(text: str) -> str:
    return " ".join(fold(text).casefold().split())


def rows(store: FeedbackStore) -> Iterator[dict[str, Any]]:
    """Every row once, newest first, even while new feedback arrives (it lands ahead of the rows being read)."""
    offset, last_id = 0, None
    while True:
        page = store.list(PAGE, offset)
        for row in page:
            if last_id is None or row["id"] < last_id:
                last_id = row["id"]
                yield row
        if len(page) < PAGE:
            return
        offset += len(page)


def worst_first(store: FeedbackStore, where: FeedbackFilter) -> Iterator[dict[str, Any]]:
    """The matching rows, 👎 first then 👍, each newest first (two passes over the store: nothing held)."""
    for rating in ("down", "up"):
        if where.rating in (None, rating):
            yield from (row for row in rows(store) if row["rating"] == rating and where.matches(row))


def page(store: FeedbackStore, where: FeedbackFilter, limit: int, offset: int) -> dict[str, Any]:
    """One page of the matching rows worst first, how many match, and how many of each rating."""
    wanted = offset + limit
    kept: dict[str, list[dict[str, Any]]] = {"down": [], "up": []}
    counts = {"down": 0, "up": 0}
    for row in rows(store):
        if not where.matches(row):
            continue
        rating = row["rating"]
        counts[rating] += 1
        if len(kept[rating]) < wanted:
            kept[rating].append(row)
    downs = counts["down"]
    if offset < downs:  # the page starts among the 👎 and may run on into the 👍
        items = kept["down"][offset:wanted]
        items += kept["up"][: limit - len(items)]
    else:
        items = kept["up"][offset - downs : offset - downs + limit]
    return {"items": items, "total": counts["down"] + counts["up"], "counts": counts}


def csv_chunks(store: FeedbackStore, where: FeedbackFilter) -> Iterator[bytes]:
    """The matching rows worst first as CSV: UTF-8 with a byte-order mark (Excel then reads Vietnamese right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    yield "\ufeff".encode() + _take(buffer)
    for row in worst_first(store, where):
        writer.writerow([_cell(value) for value in _csv_row(row)])
        yield _take(buffer)


def _csv_row(row: dict[str, Any]) -> list[Any]:
    sources = "; ".join(
        f"[{s.get('n')}] {s.get('title') or s.get('doc_id')} ({s.get('doc_id')})" for s in row["sources"]
    )
    history = json.dumps(row["history"], ensure_ascii=False) if row["history"] else ""
    return [row[c] for c in CSV_COLUMNS[:7]] + [sources, history]


def _cell(value: Any) -> Any:
    """Text that would start a formula in a spreadsheet, quoted with a leading apostrophe (OWASP's advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return "" if value is None else value


def _take(buffer: io.StringIO) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode("utf-8")
