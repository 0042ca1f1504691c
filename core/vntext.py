"""Vietnamese text handling for matching: NFC, diacritic folding, syllable tokens, abbreviations."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"[0-9a-zA-ZÀ-ỹĐđ]+(?:[-/.][0-9a-zA-ZÀ-ỹĐđ]+)*", re.UNICODE)
_SYLLABLE = re.compile(r"[0-9a-zà-ỹđ]+", re.UNICODE)
_FOLD_TABLE = str.maketrans({"đ": "d", "Đ": "D"})

# Abbreviations civil servants type, with the phrase they stand for (lowercase, NFC).
ABBREVIATIONS: dict[str, str] = {
    "nq": "nghị quyết",
    "kh": "kế hoạch",
    "qđ": "quyết định",
    "ct": "chỉ thị",
    "kl": "kết luận",
    "cđs": "chuyển đổi số",
    "khcn": "khoa học công nghệ",
    "kh&cn": "khoa học và công nghệ",
    "khcn&đmst": "khoa học công nghệ đổi mới sáng tạo",
    "đmst": "đổi mới sáng tạo",
    "bcđ": "ban chỉ đạo",
    "bcđtw": "ban chỉ đạo trung ương",
    "ubnd": "ủy ban nhân dân",
    "hđnd": "hội đồng nhân dân",
    "mttq": "mặt trận tổ quốc",
    "cntt": "công nghệ thông tin",
    "tthc": "thủ tục hành chính",
    "đbqh": "đại biểu quốc hội",
    "bch": "ban chấp hành",
    "tw": "trung ương",
    "bct": "bộ chính trị",
    "chxhcn": "cộng hòa xã hội chủ nghĩa",
    "csdl": "cơ sở dữ liệu",
    "cbccvc": "cán bộ công chức viên chức",
    "cbcc": "cán bộ công chức",
    "đdqh": "đoàn đại biểu quốc hội",
    "ttg": "thủ tướng",
    "dvc": "dịch vụ công",
    "grdp": "tổng sản phẩm trên địa bàn",
    "gdp": "tổng sản phẩm quốc nội",
    "ttxvn": "thông tấn xã việt nam",
    "đctw": "đảng cộng sản",
}

# Function words that carry no topic: kept out of the "content" terms used to judge evidence.
STOPWORDS: frozenset[str] = frozenset(
    """và của các có là được cho trong với những một này đó để theo tại về từ khi nào gì ai bao
    nhiêu sao thế nào không đã đang sẽ cũng như thì mà hay hoặc bị do nên vì ra vào lên đến
    tới trên dưới sau trước lúc nơi đâu đây kia ấy người việc nhằm qua còn rồi chỉ rằng gồm
    bởi hơn nhất rất lại mỗi nhiều ít vậy ngày tháng năm hỏi biết""".split()
)
FOLDED_STOPWORDS: frozenset[str] = frozenset()  # filled below, needs fold()


def nfc(text: str) -> str:
    """Return the NFC form (Vietnamese input arrives in NFD from some keyboards and PDFs)."""
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Remove diacritics: "Nghị quyết" -> "Nghi quyet" (đ -> d). Cached: answering folds the same syllables often."""
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD_TABLE))
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", stripped)


def has_diacritics(text: str) -> bool:
    """True when the text carries any Vietnamese accent mark or đ."""
    return fold(text) != text


def syllables(text: str) -> list[str]:
    """Lowercase NFC syllables (Vietnamese words are written as space-separated syllables)."""
    return _SYLLABLE.findall(nfc(text).lower())


@lru_cache(maxsize=4096)
def folded_syllable_set(text: str) -> frozenset[str]:
    """The set of folded syllables of a passage or sentence, cached: answering and de-duplication reuse it."""
    return frozenset(fold(s) for s in syllables(text))


def expand_abbreviations(text: str) -> str:
    """Append the expansion after each known abbreviation ("CĐS" -> "CĐS chuyển đổi số")."""

    def repl(match: re.Match[str]) -> str:
        word = match.group(0)
        expansion = ABBREVIATIONS.get(word.lower()) or ABBREVIATIONS.get(fold(word.lower()))
        return f"{word} ({expansion})" if expansion else word

    return _WORD.sub(repl, nfc(text))


def _folded_abbreviations() -> dict[str, str]:
    return {fold(k): v for k, v in ABBREVIATIONS.items() if fold(k) not in ABBREVIATIONS}


ABBREVIATIONS.update(_folded_abbreviations())
FOLDED_STOPWORDS = frozenset(fold(w) for w in STOPWORDS)


def content_terms(tokens: list[str]) -> list[str]:
    """Tokens that carry topic (not stopwords, not one letter), folded, order kept, de-duplicated."""
    seen: dict[str, None] = {}
    for tok in tokens:
        folded = fold(tok)
        if len(folded) > 1 and folded not in FOLDED_STOPWORDS:
            seen.setdefault(folded, None)
    return list(seen)
