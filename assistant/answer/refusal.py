"""The one refusal writer: what the user reads when the documents do not support an answer."""

from __future__ import annotations

from assistant.types import Answer, Passage
from assistant.understand.query import Query
from core.docnumbers import describe_key, find_numbers, number_key, number_of

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


def absent_documents(
    query: Query,
    serial_numbers: frozenset[int],
    named_keys: frozenset[str] | None = None,
    mentioned: frozenset[str] = frozenset(),
) -> list[str]:
    """Documents the question names by number that the collection neither holds nor names, as the user wrote them.

    A number written in full ("88-HD/BTCTW") must meet its own key ("hd:88") somewhere in the collection. A loosely
    typed one ("công văn 11306") is compared by its serial number only ("11306/VPCP-NN" shares 11306), so a kind
    typed loosely never makes a present document look absent.
    """
    written = {number_key(n): n for n in find_numbers(query.asked)}
    absent = []
    for key in query.number_keys:
        serial = number_of(key)
        if key in mentioned:
            continue  # "Đề án 06": written in the texts as people say it, not as a formal number
        if serial is not None and serial not in serial_numbers:
            absent.append(describe_key(key, written.get(key)))
        elif named_keys is not None and key in written and key not in named_keys:
            absent.append(describe_key(key, written[key]))
    return list(dict.fromkeys(absent))


def missing_document_refusal(query: Query, missing: list[str], mode: str = "extractive") -> Answer:
    """ "Văn bản Chỉ thị 99/CT-TTg chưa có trong kho tài liệu": say which document is missing, cite nothing."""
    names = ", ".join(missing)
    if query.language == "en":
        text = f"{names} is not in the document collection. (Văn bản {names} chưa có trong kho tài liệu.)"
    else:
        text = f"Văn bản {names} chưa có trong kho tài liệu, nên trợ lý không thể trả lời câu hỏi này."
    return Answer(answer=text, sources=[], refused=True, mode=mode, warnings=[f"absent document: {names}"])
