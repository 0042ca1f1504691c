"""Domain errors: user mistakes and upstream failures, each carrying its HTTP status.

Every error says how to fix it, in Vietnamese (shown to civil servants) and English (logs, developers).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

EXIT_ERROR, EXIT_BUSY = 1, 3  # command-line exit codes: a domain error; the index is being written


class AssistantError(Exception):
    """Base class: `status` is the HTTP status, `message_vi`/`message_en` say what to do."""

    status: int = 500
    code: str = "internal_error"
    exit_code: int = EXIT_ERROR
    headers: dict[str, str] | None = None  # extra HTTP response headers (e.g. WWW-Authenticate)

    def __init__(self, message_en: str, message_vi: str | None = None) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_vi = message_vi or message_en

    def to_dict(self) -> dict[str, object]:
        return {"error": self.code, "message": self.message_vi, "message_en": self.message_en}


class UserInputError(AssistantError):
    """The request itself is wrong (empty question, unknown filter value...)."""

    status = 422
    code = "invalid_input"


class IndexMissingError(AssistantError):
    """No index has been built yet at the configured directory."""

    status = 503
    code = "index_missing"

    def __init__(self, index_dir: object) -> None:
        super().__init__(
            f"No index at {index_dir}: run `assistant ingest --index {index_dir}` first.",
            f"Chưa có chỉ mục tài liệu tại {index_dir} — hãy chạy `assistant ingest` trước.",
        )


class IndexBusyError(AssistantError):
    """Another process is writing the same index."""

    status = 409
    code = "index_busy"
    exit_code = EXIT_BUSY

    def __init__(self, index_dir: object) -> None:
        super().__init__(
            f"Another `assistant ingest` is writing {index_dir}; wait for it to finish "
            "(only one writer at a time: Chroma corrupts vectors with two).",
            f"Một tiến trình nạp tài liệu khác đang ghi chỉ mục {index_dir}; hãy chờ nó hoàn tất.",
        )


class IndexMismatchError(AssistantError):
    """The index was built with a different embedder than the one configured."""

    status = 409
    code = "index_mismatch"


class NotFoundError(AssistantError):
    status = 404
    code = "not_found"


class DocumentNotFoundError(NotFoundError):
    pass


class UnauthorizedError(AssistantError):
    """A protected endpoint was called without the right bearer token."""

    status = 401
    code = "unauthorized"
    headers = {"WWW-Authenticate": "Bearer"}


class ForbiddenError(AssistantError):
    """A protected endpoint was called from where it may not be."""

    status = 403
    code = "forbidden"


class UpstreamError(AssistantError):
    """An external service (embeddings endpoint, LLM) failed."""

    status = 502
    code = "upstream_error"


class ConfigError(AssistantError):
    """The ASSISTANT_* settings (environment or .env) are invalid."""

    code = "invalid_settings"


@contextmanager
def exit_on_error() -> Iterator[None]:
    """For command-line entry points: a domain error becomes its message on stderr and its exit code."""
    try:
        yield
    except AssistantError as exc:
        print(f"Error: {exc.message_en}", file=sys.stderr)
        if exc.message_vi != exc.message_en:
            print(f"Lỗi: {exc.message_vi}", file=sys.stderr)
        raise SystemExit(exc.exit_code) from None
