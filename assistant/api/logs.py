"""The request log: one line per request (JSON by default) carrying the request id the client got back.

Questions stay out of it unless settings.log_questions. The log has its own logger, `assistant.api.access`,
set up once per process when the app starts, so other loggers and their configuration are left alone.
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TextIO

from core.config import Settings

ACCESS_LOGGER = "assistant.api.access"
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)

access = logging.getLogger(ACCESS_LOGGER)


class JsonFormatter(logging.Formatter):
    """A record as one JSON object: time, level, logger, message, request_id and the record's `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or REQUEST_ID.get(),
        }
        data.update(getattr(record, "fields", {}) or {})
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", {}) or {}
        pairs = " ".join(f"{k}={json.dumps(v, ensure_ascii=False, default=str)}" for k, v in fields.items())
        text = f"{record.levelname} {record.name}: {record.getMessage()} {pairs}".rstrip()
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (a test runner swaps it), like logging's last resort."""

    assistant_access = True

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def configure_access_log(settings: Settings) -> None:
    """The request log to stderr in the settings' format (once per process; the latest app's format wins)."""
    formatter = JsonFormatter() if settings.log_format == "json" else TextFormatter()
    for handler in access.handlers:
        if getattr(handler, "assistant_access", False):
            handler.setFormatter(formatter)
            return
    handler = StderrHandler()
    handler.setFormatter(formatter)
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    access.propagate = False  # its own format; the root logger's handlers (the CLI's) would print it again
