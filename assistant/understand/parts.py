"""Questions that ask several things at once, split into one sub-question per thing asked.

"Kế hoạch 3260 do cơ quan nào ban hành và ban hành ngày nào?" asks for a body and a date; "Chỉ tiêu … trong Nghị
quyết 20-NQ/TW và Nghị quyết 57-NQ/TW lần lượt là bao nhiêu?" asks the same thing of two documents. One sentence
rarely answers both, so each part is answered on its own and the answers are put together (or the part the
documents do not state is said to be missing).

A part keeps the rest of the question as background: the words it shares with the other parts ("Kế hoạch 3260",
"trạm 5G") still choose the passage, at a lower weight than its own words (`Query.background`).
"""

from __future__ import annotations

import re

from assistant.understand.features import question_names
from assistant.understand.query import Query, question_type, understand
from core.docnumbers import number_spans
from core.vntext import has_diacritics

MAX_PARTS = 4
_MIN_PART_WORDS = 2
# Question words, as typed with diacritics ("AI" the acronym is not "ai" who), without them, and in English.
_ASK = re.compile(r"(?<!\w)(?:nào|gì|bao nhiêu|mấy|[Aa]i|bao giờ|ra sao|thế nào)(?!\w)")
_ASK_FOLDED = re.compile(r"(?<!\w)(?:nao|gi|bao nhieu|bao gio|ra sao|the nao)(?!\w)", re.IGNORECASE)
_ASK_EN = re.compile(r"\b(?:what|which|who|whom|when|how many|how much)\b", re.IGNORECASE)
_SEPARATOR = re.compile(r"\s*[,;]\s*(?:(?:và|va|and)\s+)?|\s+(?:và|va|and)\s+")
_RESPECTIVELY = re.compile(r"\b(?:lần lượt|lan luot|respectively)\b", re.IGNORECASE)
_KIND = (
    r"(?:(?:trong|của|theo|tại|ở)\s+)?(?:(?:Nghị quyết|Kế hoạch|Quyết định|Chỉ thị|Kết luận|Nghị định|Thông tư"
    r"|Công văn|Luật|Chương trình|Quy định|Hướng dẫn|Thông báo|Đề án|Báo cáo|Resolution|Decision|Plan)\s+)?"
    r"(?:số\s+|No\.?\s*)?"
)


def question_parts(query: Query) -> list[Query]:
    """The sub-questions of a question that asks several things, or [] when it asks one."""
    asked = query.asked
    # A follow-up carries the previous question: it is every part's background ("Còn …" rewritten whole: all of it).
    context = "" if query.text == asked else query.text.removesuffix(asked).strip()
    texts = _per_document(asked) or _per_question_word(asked)
    if not 1 < len(texts) <= MAX_PARTS:
        return []
    parts = []
    for own, background in texts:
        part = understand(own)
        parts.append(_with_background(part, f"{context} {background}".strip(), query))
    return parts


def _asks(text: str) -> list[re.Match[str]]:
    pattern = _ASK if has_diacritics(text) else _ASK_FOLDED
    return [*pattern.finditer(text), *_ASK_EN.finditer(text)]


def _per_question_word(text: str) -> list[tuple[str, str]]:
    """ "A nào …, B mấy … và C gì?" → each clause with its own question word, the rest as background."""
    asks = [m.start() for m in _asks(text)]
    if len(asks) < 2:
        return []
    cuts: list[tuple[int, int]] = []
    start = 0
    separators = list(_SEPARATOR.finditer(text))
    for i, sep in enumerate(separators):
        end_next = separators[i + 1].start() if i + 1 < len(separators) else len(text)
        before = any(start <= a < sep.start() for a in asks)
        after = any(sep.end() <= a < end_next for a in asks)
        if before and after:
            cuts.append((sep.start(), sep.end()))
            start = sep.end()
    if not cuts:
        return []
    bounds = [0, *(e for _, e in cuts)]
    ends = [*(s for s, _ in cuts), len(text)]
    clauses = [text[b:e].strip(" ,;?") for b, e in zip(bounds, ends, strict=True)]
    if any(len(c.split()) < _MIN_PART_WORDS for c in clauses):
        return []
    out = []
    for i, clause in enumerate(clauses):
        rest = " ".join(without_asks(c) for j, c in enumerate(clauses) if j != i)
        out.append((clause + "?", rest))
    return out


def _per_document(text: str) -> list[tuple[str, str]]:
    """ "… trong Nghị quyết 20-NQ/TW và Nghị quyết 57-NQ/TW lần lượt là bao nhiêu?" → one question per document."""
    if not _RESPECTIVELY.search(text):
        return []
    spans = [(s, e) for s, e, _ in number_spans(text)]
    if len(spans) < 2:
        return []
    mentions = []
    for start, end in spans:
        pattern = re.compile(_KIND + re.escape(text[start:end]) + r"(?:\s*\([^()]{1,30}\))?", re.IGNORECASE)
        match = next((m for m in pattern.finditer(text) if m.start() <= start < m.end()), None)
        first, last = (match.start(), match.end()) if match else (start, end)
        # "X và Y": the "và" joining the mentions goes with the one taken out
        if joined := re.search(r"(?:,\s*|\s+)(?:và|va|and)\s*$", text[:first]):
            first = joined.start()
        elif joined := re.match(r"\s*(?:,\s*)?(?:và|va|and)\b", text[last:]):
            last += joined.end()
        mentions.append((first, last))
    out = []
    for i in range(len(mentions)):
        own = text
        for j, (start, end) in sorted(enumerate(mentions), key=lambda m: -m[1][0]):
            if j != i:
                own = own[:start] + own[end:]
        own = _RESPECTIVELY.sub("", own)
        own = re.sub(r"\s+(?:và|va|and)(?=\s*(?:[,?]|$))", "", own)
        own = re.sub(r"\s{2,}", " ", own).strip()
        out.append((own, ""))
    return out


def without_asks(text: str) -> str:
    """The text without its question words ("ban hành ngày nào" → "ban hành ngày")."""
    for match in reversed(_asks(text)):
        text = text[: match.start()] + text[match.end() :]
    return re.sub(r"\s{2,}", " ", text).strip()


def _with_background(part: Query, background: str, whole: Query) -> Query:
    """The part as asked, with the rest of the question as low-weight background for choosing passages."""
    if not background:
        return part
    keys = list(dict.fromkeys([*part.number_keys, *understand(background).number_keys]))
    # "… do cơ quan nào ban hành?" after "và ban hành ngày nào": the part's own kind of question.
    qtype = question_type(part.asked)
    merged = Query(
        text=f"{part.text.rstrip('?')} {background}?".strip(),
        search_text=f"{part.search_text} {background}",
        dense_text=f"{part.dense_text.rstrip('?')} {background}",
        qtype=qtype if qtype != "other" else part.qtype,
        language=whole.language,
        no_diacritics=whole.no_diacritics,
        number_keys=keys,
        asked=part.asked,
    )
    merged.background = background
    # What the part asks is its own: a name or a counted unit in another part is that part's to ground.
    merged.names = question_names(part.asked)
    merged.unit, merged.qualifiers = part.unit, part.qualifiers
    return merged
