"""Choosing a lesson pack's format: Markdown and JSON from render.py, DOCX from word.py, loaded on demand."""

from __future__ import annotations

from assistant.material.render import to_json, to_markdown
from assistant.material.types import LessonPack


def render_as(pack: LessonPack, fmt: str) -> str | bytes:
    """The pack as "md", "json" (text) or "docx" (bytes)."""
    if fmt == "docx":
        # python-docx is heavy and only needed here: the server does not import it at start.
        from assistant.material.word import to_docx

        return to_docx(pack)
    return to_json(pack) if fmt == "json" else to_markdown(pack)
