"""The one refusal writer: what the user reads when the documents do not support an answer."""

from __future__ import annotations

from assistant.types import Answer, Passage
from assistant.understand.query import Query

NEAREST = " Các đoạn gần nhất được liệt kê bên dưới để tham khảo."


def refusal(
    query: Query, passages: list[Passage], mode: str = "extractive", warnings: list[str] | None = None
) -> Answer:
    """ "Tài liệu hiện có không đề cập đến nội dung: “…”." (English first for an English question), nearest passages."""
    topic = query.text.strip().rstrip("?").strip()
    if query.language == "en":
        text = (
            f"The available documents do not cover this: “{topic}”. (Tài liệu hiện có không đề cập đến nội dung này.)"
        )
    else:
        text = f"Tài liệu hiện có không đề cập đến nội dung: “{topic}”."
    if passages:
        text += NEAREST
    return Answer(answer=text, sources=passages, refused=True, mode=mode, warnings=list(warnings or []))
