"""Feedback on answers (thumbs up/down, a comment), kept in a small SQLite file beside the index.

FastAPI-free. One connection per call, so the store is safe to share between threads. The file is created
on the first write only: a read-only deployment that never receives feedback still starts and lists nothing.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

logger = logging.getLogger(__name__)

Rating = Literal["up", "down"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    answer TEXT NOT NULL DEFAULT '',
    sources TEXT NOT NULL DEFAULT '[]',
    mode TEXT,
    history TEXT NOT NULL DEFAULT '[]'
)
"""
_COLUMNS = ("id", "created", "rating", "comment", "question", "answer", "sources", "mode", "history")
_SOURCE_KEYS = ("n", "doc_id", "chunk_id", "title")
SQLITE_MAX_INT = 2**63 - 1


def utc_now() -> str:
    """The current time as UTC ISO 8601 with seconds, e.g. 2025-01-31T08:15:02+00:00."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class FeedbackEntry:
    """One judgement of one answer; `sources` as [{n, doc_id, chunk_id, title}], `history` as [{role, content}]."""

    rating: Rating
    question: str
    answer: str = ""
    comment: str = ""
    sources: list[dict[str, Any]] = field(default_factory=list)
    mode: str | None = None
    history: list[dict[str, str]] = field(default_factory=list)
    created: str = field(default_factory=utc_now)


class FeedbackStore:
    """Feedback rows in the SQLite file at `path`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        # Switching a fresh file to WAL takes a lock the busy timeout does not wait for: one thread of the server's
        # pool does it, the others wait here instead of failing with "database is locked".
        self._setup = threading.Lock()

    def add(self, entry: FeedbackEntry) -> int:
        """Store one entry (text normalised to NFC); its id."""
        if entry.rating not in ("up", "down"):
            raise ValueError(f"rating must be 'up' or 'down', not {entry.rating!r}")
        row = (
            entry.created,
            entry.rating,
            _nfc(entry.comment),
            _nfc(entry.question),
            _nfc(entry.answer),
            _json([{key: _nfc_any(s.get(key)) for key in _SOURCE_KEYS} for s in entry.sources]),
            entry.mode,
            _json([{"role": t["role"], "content": _nfc(t["content"])} for t in entry.history]),
        )
        with self._connect(write=True) as conn:
            cursor = conn.execute(
                "INSERT INTO feedback (created, rating, comment, question, answer, sources, mode, history) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            new_id = cursor.lastrowid
        assert new_id is not None
        return new_id

    def list(self, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """Entries newest first, `sources` and `history` decoded (paging values clamped to what SQLite takes)."""
        if not self.path.exists():
            return []
        limit, offset = max(0, min(limit, SQLITE_MAX_INT)), max(0, min(offset, SQLITE_MAX_INT))
        with self._connect() as conn:
            rows = conn.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM feedback ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset)
            ).fetchall()
        return [_decode(dict(zip(_COLUMNS, row, strict=True))) for row in rows]

    def count(self) -> int:
        """How many entries there are (0 before the first write)."""
        if not self.path.exists():
            return 0
        with self._connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0])

    @contextmanager
    def _connect(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection for one call, committed on success; reads never create the file."""
        if write:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10)
        else:
            conn = sqlite3.connect(self.path.resolve().as_uri() + "?mode=ro", uri=True, timeout=10)
        with closing(conn), conn:
            if write:
                with self._setup:
                    # WAL: readers (an admin listing) never block the server writing new feedback.
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.execute(_SCHEMA)
            yield conn


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    row["sources"] = json.loads(row["sources"])
    row["history"] = json.loads(row["history"])
    return row


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _nfc(text: str) -> str:
    """NFC; text UTF-8 cannot encode (a lone surrogate) is a caller's bug, named here rather than by SQLite."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"feedback text has an invalid character at position {exc.start}: {text[:40]!r}") from None
    return unicodedata.normalize("NFC", text)


def _nfc_any(value: object) -> object:
    return _nfc(value) if isinstance(value, str) else value
