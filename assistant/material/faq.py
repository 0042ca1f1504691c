"""The FAQ of a lesson pack: questions made from the topic, the audience and the facts of the best sentences,
answered by the assistant's own question path, so every answer is cited and refusals are left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.answer.citations import MARKER
from assistant.deps import Deps
from assistant.material.facts import canon, find_facts
from assistant.material.types import FAQItem
from assistant.pipeline import chat
from assistant.types import Passage

FAQ_RANGE = (3, 5)
MAX_ASKED = 12  # questions put to the assistant, of which FAQ_RANGE[1] at most are kept
AUDIENCE_QUESTION = {
    "can-bo-xa": "Cấp xã cần làm gì để thực hiện {topic}?",
    "dang-vien": "Đảng viên có trách nhiệm gì trong {topic}?",
    "nguoi-dan": "Người dân tham gia {topic} như thế nào?",
}
_ISSUED = re.compile(r",?\s*ngày\s+(\d{1,2}[-/.]\d{1,2}[-/.]\d{4})")
_KIND_BEFORE = re.compile(r"(Nghị quyết|Kế hoạch|Quyết định|Chương trình hành động|Chỉ thị|Kết luận)\s+số\s*$")


def faq_questions(topic: str, audience: str, sentences: list[str]) -> list[tuple[str, str | None]]:
    """Questions with the value a right answer must hold (None: any cited answer will do).

    The topic itself, the audience's question, then the issue dates of the documents the sentences name
    and the quantities they count, asked in place ("… hỗ trợ bao nhiêu tỷ đồng …?").
    """
    subject = topic.rstrip("?. ")
    questions: list[tuple[str, str | None]] = [
        (f"{subject} là gì?", None),
        (AUDIENCE_QUESTION[audience].format(topic=subject), None),
    ]
    for text in sentences:
        for fact in find_facts(text):
            kind = _KIND_BEFORE.search(text[: fact.start])
            issued = _ISSUED.match(text[fact.end :])
            if fact.kind == "docnumber" and kind and issued:
                questions.append((f"{kind.group(1)} số {fact.text} được ban hành ngày nào?", issued.group(1)))
            elif fact.kind == "number" and fact.unit not in ("", "%"):
                before = re.split(r"[;:]", text[: fact.start])[-1]
                clause = (before + "bao nhiêu" + re.split(r";", text[fact.end :])[0]).strip().rstrip(" .,:…")
                if len(clause.split()) <= 25:
                    questions.append((clause[:1].upper() + clause[1:] + "?", fact.text))
    return list(dict.fromkeys(questions))


def build_faq(
    deps: Deps, topic: str, audience: str, sentences: list[str], cite: Callable[[Passage], int]
) -> tuple[list[FAQItem], list[str]]:
    """Questions answered by the assistant itself; refusals and repeated answers are left out."""
    items: list[FAQItem] = []
    seen: set[str] = set()
    for question, expected in faq_questions(topic, audience, sentences)[:MAX_ASKED]:
        answer = chat(deps, question)
        if answer.refused or canon(answer.answer) in seen:
            continue
        if expected and canon(expected) not in canon(answer.answer):
            continue  # answered, but not with the fact the question was made from
        seen.add(canon(answer.answer))
        renumbered = _renumber(answer.answer, answer.sources, cite)
        if renumbered is not None:
            items.append(FAQItem(question, *renumbered))
        if len(items) == FAQ_RANGE[1]:
            break
    enough = len(items) >= FAQ_RANGE[0]
    return items, [] if enough else [f"Chỉ soạn được {len(items)} câu hỏi thường gặp có trả lời từ tài liệu."]


def _renumber(text: str, cited: list[Passage], cite: Callable[[Passage], int]) -> tuple[str, list[int]] | None:
    """An answer's [n] markers in the pack's numbering, with its citations; None when one is out of range."""
    old = list(dict.fromkeys(int(n) for n in MARKER.findall(text)))
    if not old or not all(1 <= n <= len(cited) for n in old):
        return None
    number = {n: cite(cited[n - 1]) for n in old}
    return MARKER.sub(lambda m: f"[{number[int(m.group(1))]}]", text), [number[n] for n in old]
