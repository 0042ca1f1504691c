"""The API's one error shape, {error, message (Vietnamese, says what to fix), message_en}, for every failure.

Domain errors, validation errors, Starlette's own (404, 405, a body it cannot parse), the limits' refusals
(413, 429, 503, a Host not allowed) and unexpected exceptions all leave as JSON; none as text/plain.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.api.redact import redact
from core.errors import AssistantError, NotFoundError

logger = logging.getLogger(__name__)

SHOWN_ERRORS = 10  # validation errors named in a message; a list of 100,000 bad items still gives a short 422

# Vietnamese for the pydantic error types a client is likely to hit.
VI_REASONS = {
    "missing": "bắt buộc phải có",
    "string_type": "phải là chuỗi ký tự",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên (không phải true/false hay số thập phân)",
    "int_from_float": "phải là số nguyên",
    "list_type": "phải là một danh sách",
    "bool_type": "phải là true hoặc false",
    "greater_than_equal": "quá nhỏ",
    "less_than_equal": "quá lớn",
    "literal_error": "không thuộc các giá trị cho phép",
    "json_invalid": "không phải JSON hợp lệ",
    "model_attributes_type": "phải là một đối tượng JSON",
    "model_type": "phải là một đối tượng JSON",
    "dict_type": "phải là một đối tượng JSON",
    "string_too_short": "đang để trống hoặc quá ngắn",
    "string_too_long": "quá dài",
    "too_long": "có quá nhiều phần tử",
    "string_unicode": "chứa ký tự không hợp lệ (không mã hoá được UTF-8) — hãy gõ hoặc dán lại",
    "invalid_text": "chứa ký tự không hợp lệ (không mã hoá được UTF-8) — hãy gõ hoặc dán lại",
}


BODY_SETTING = "ASSISTANT_MAX_BODY_BYTES"


class BodyTooLargeError(AssistantError):
    status = 413
    code = "body_too_large"

    def __init__(self, limit: int, setting: str = BODY_SETTING) -> None:
        super().__init__(
            f"The request body is larger than {limit} bytes ({setting}): send less.",
            f"Nội dung yêu cầu vượt giới hạn {limit:,} byte — hãy gửi ít nội dung hơn.".replace(",", "."),
        )


class BodyTooLarge(StarletteHTTPException):
    """Raised while the body streams in; FastAPI lets HTTP exceptions through its body parsing untouched."""

    def __init__(self, limit: int, setting: str = BODY_SETTING) -> None:
        super().__init__(status_code=413)
        self.limit = limit
        self.setting = setting


class BadBodyError(AssistantError):
    status = 400
    code = "invalid_body"

    def __init__(self) -> None:
        super().__init__(
            "The request body could not be read: send JSON encoded as UTF-8 with `Content-Type: application/json`.",
            "Không đọc được nội dung yêu cầu — hãy gửi JSON mã hoá UTF-8 với tiêu đề Content-Type: application/json.",
        )


class MethodNotAllowedError(AssistantError):
    status = 405
    code = "method_not_allowed"


class HostNotAllowedError(AssistantError):
    status = 400
    code = "invalid_host"

    def __init__(self) -> None:
        super().__init__(
            "The Host header names a host this server does not serve (ASSISTANT_ALLOWED_HOSTS): use its public "
            "address.",
            "Tên máy chủ trong yêu cầu không được phép — hãy truy cập dịch vụ qua địa chỉ chính thức của nó.",
        )


class RateLimitedError(AssistantError):
    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many requests from this client: wait {retry_after} s (Retry-After) and try again.",
            f"Bạn đã gửi quá nhiều yêu cầu trong thời gian ngắn — vui lòng chờ {retry_after} giây rồi thử lại.",
        )
        self.headers = {"Retry-After": str(retry_after)}


class BusyError(AssistantError):
    status = 503
    code = "busy"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"The server is answering as many questions as it may at once (ASSISTANT_MAX_IN_FLIGHT): retry after "
            f"{retry_after} s.",
            f"Hệ thống đang bận trả lời nhiều câu hỏi cùng lúc — vui lòng thử lại sau {retry_after} giây.",
        )
        self.headers = {"Retry-After": str(retry_after)}


class InternalError(AssistantError):
    def __init__(self) -> None:
        super().__init__(
            "Internal error; details are in the server log. Try again.",
            "Lỗi nội bộ — vui lòng thử lại; chi tiết có trong nhật ký máy chủ.",
        )


def public(exc: AssistantError) -> dict[str, object]:
    """The error as a client sees it: an upstream failure's message without internal addresses."""
    body = exc.to_dict()
    if exc.status >= 500:
        body["message"], body["message_en"] = redact(exc.message_vi), redact(exc.message_en)
    return body


def error_response(exc: AssistantError) -> JSONResponse:
    return JSONResponse(status_code=exc.status, content=public(exc), headers=exc.headers)


async def assistant_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AssistantError)
    if exc.status >= 500:
        logger.warning("%s %s -> %s: %s", request.method, request.url.path, exc.status, exc.message_en)
    return error_response(exc)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own errors (unknown path, wrong method, unreadable body, body too large) in our shape."""
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, BodyTooLarge):
        metrics = getattr(request.app.state, "metrics", None)
        if metrics is not None:
            metrics.inc("assistant_rejected_total", reason="body_too_large")
        return error_response(BodyTooLargeError(exc.limit, exc.setting))
    error: AssistantError
    if exc.status_code == 404:
        error = NotFoundError(
            f"No such path {request.url.path}: see /docs for the API.",
            "Không có đường dẫn này — xem danh sách API tại /docs.",
        )
    elif exc.status_code == 405:
        error = MethodNotAllowedError(
            f"{request.method} is not allowed on {request.url.path}: see /docs for the methods it takes.",
            f"Đường dẫn này không nhận phương thức {request.method} — xem /docs để biết phương thức đúng.",
        )
    elif exc.status_code == 400:
        error = BadBodyError()
    else:
        error = AssistantError(f"HTTP {exc.status_code}: {exc.detail}", f"Lỗi HTTP {exc.status_code}.")
        error.status, error.code = exc.status_code, "http_error"
    response = error_response(error)
    response.headers.update(exc.headers or {})  # e.g. Allow on a 405
    return response


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 naming the bad fields (at most SHOWN_ERRORS of them), in Vietnamese and English."""
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    shown = errors[:SHOWN_ERRORS]
    vi, en = [], []
    for err in shown:
        field = field_name(err.get("loc", ()))
        reason = VI_REASONS.get(str(err.get("type")), "không hợp lệ")
        vi.append(f"Trường `{field}` {reason} ({err.get('msg', '')}).")
        en.append(f"Field `{field}`: {err.get('msg', 'invalid')}.")
    if len(errors) > len(shown):
        vi.append(f"(và {len(errors) - len(shown)} lỗi khác)")
        en.append(f"(and {len(errors) - len(shown)} more)")
    details = [{"field": field_name(e.get("loc", ())), "type": e.get("type"), "msg": e.get("msg")} for e in shown]
    content = {
        "error": "invalid_input",
        "message": "Yêu cầu không hợp lệ: " + " ".join(vi),
        "message_en": "Invalid request: " + " ".join(en),
        "details": details,
    }
    return JSONResponse(status_code=422, content=content)


def field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    if len(loc) == 2 and loc[0] == "body" and isinstance(loc[1], int):  # JSON decode error: loc is a position
        return "body"
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    return ".".join(parts) or "body"
