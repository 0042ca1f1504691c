"""What the routes declare in OpenAPI besides their 200: every error status in the one JSON shape, and the
event stream described event by event.
"""

from __future__ import annotations

from typing import Any

from assistant.api.schemas import ErrorBody
from assistant.material import render

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "Unknown document"},
    422: {"model": ErrorBody, "description": "Invalid request (message in Vietnamese and English)"},
    503: {"model": ErrorBody, "description": "No index yet: run `assistant ingest`"},
}
BODY_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "The body is not readable (e.g. not UTF-8): error `invalid_body`"},
    413: {"model": ErrorBody, "description": "The body is over ASSISTANT_MAX_BODY_BYTES: error `body_too_large`"},
    422: {
        "model": ErrorBody,
        "description": "Invalid request: a field, its length, or broken text (message in Vietnamese and English)",
    },
}
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before trying again", "schema": {"type": "integer"}}}
RATE_ERRORS: dict[int | str, dict[str, Any]] = {
    429: {
        "model": ErrorBody,
        "description": "Too many requests from this client: wait `Retry-After` seconds",
        "headers": RETRY_AFTER,
    },
}
BUSY_ERRORS: dict[int | str, dict[str, Any]] = {
    503: {
        "model": ErrorBody,
        "description": "No index yet (`index_missing`: run `assistant ingest`), or the server is answering as many "
        "requests as it may (`busy`: retry after `Retry-After` seconds)",
        "headers": RETRY_AFTER,
    },
}
ANSWER_ERRORS = {**ERRORS, **BODY_ERRORS, **RATE_ERRORS, **BUSY_ERRORS}
SSE_EVENT = {
    "type": "object",
    "required": ["event", "data"],
    "properties": {
        "event": {"type": "string", "enum": ["delta", "final", "error"]},
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "contentSchema": {
                "oneOf": [
                    {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}},
                    {"$ref": "#/components/schemas/ChatResponse"},
                    {"$ref": "#/components/schemas/ErrorBody"},
                ]
            },
        },
    },
}
STREAM_DOC = {
    "description": "Server-sent events: `delta` {text} (several; they concatenate to the answer), then `final` "
    "(exactly the /api/chat response), or `error` {error, message, message_en} if answering fails after the "
    "stream started.",
    "content": {"text/event-stream": {"itemSchema": SSE_EVENT}},
}
# The stream's errors come before it starts, as JSON (its response class would otherwise label them SSE).
STREAM_ERRORS = {
    status: {
        **{key: value for key, value in doc.items() if key != "model"},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }
    for status, doc in ANSWER_ERRORS.items()
    if status != 404
}
ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Admin keys are set and the bearer key is missing or wrong"},
    403: {"model": ErrorBody, "description": "No admin key is set and the client is not this machine"},
    422: ERRORS[422],
}
ADMIN_KEY_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "The bearer key is missing or not one of ASSISTANT_ADMIN_KEYS"},
    403: {"model": ErrorBody, "description": "The admin API is off: no ASSISTANT_ADMIN_KEYS (`admin_disabled`)"},
    404: {"model": ErrorBody, "description": "Unknown document or job"},
    422: ERRORS[422],
}
UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    **{status: doc for status, doc in ADMIN_KEY_ERRORS.items() if status != 404},
    413: {
        "model": ErrorBody,
        "description": "A file is over ASSISTANT_MAX_FILE_MB (`file_too_large`, each named), or the request over "
        "ASSISTANT_ADMIN_MAX_UPLOAD_MB (`body_too_large`)",
    },
    422: {
        "model": ErrorBody,
        "description": "A file name or type is refused (`upload_rejected`, each named with why), or no file was sent",
    },
}
MATERIAL_DOC = {
    "description": "The lesson pack as JSON; with `?format=md` Markdown, with `?format=docx` a Word document "
    "(attachment `bai-soan-<topic>.docx`). Every format starts with the note that the draft must be reviewed.",
    "content": {
        "text/markdown": {"schema": {"type": "string"}},
        render.MEDIA_TYPES["docx"]: {"schema": {"type": "string", "format": "binary"}},
    },
}
MATERIAL_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {
        "model": ErrorBody,
        "description": "Invalid request, or too few documents on the topic (not_enough_documents)",
    },
    400: BODY_ERRORS[400],
    413: BODY_ERRORS[413],
    **RATE_ERRORS,
    **BUSY_ERRORS,
}
