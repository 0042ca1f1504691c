"""Vietnamese document numbers: find them in text, normalise them, and match what people type.

Party documents write the number first and the issuer after a slash ("57-NQ/TW"); State documents put the
kind after the slash ("03/NQ-CP", "15/2020/NĐ-CP"); laws carry only year and legislature ("91/2015/QH13").
A question often names a document loosely ("NQ57", "nghị quyết 57"), without the issuer, so matching goes
through a key made of the kind and the number ("nq:57") that both sides can compute.
"""

from __future__ import annotations

import re
import unicodedata

from core.vntext import fold

# Official abbreviations written in mixed case; every other kind or issuer part is uppercased.
_MIXED_CASE = {"CTR": "CTr", "TTR": "TTr", "TTG": "TTg", "QYĐ": "QyĐ"}

# Kind abbreviations (folded, lowercase) accepted from loosely typed questions; longer ones first so "ctr"
# is not read as "ct".
_ABBREVIATIONS = (
    "vbhn", "ttlt", "ctr", "ttr", "qyd", "nq", "kh", "qd", "ct", "kl", "cv", "tb", "bc", "tt", "nd", "hd",
    "qc", "da", "bb",
)  # fmt: skip

# Kind words (folded) and the abbreviation they stand for.
_KIND_WORDS = {
    "nghi quyet": "nq",
    "ke hoach": "kh",
    "quyet dinh": "qd",
    "quy dinh": "qd",  # Party regulations are numbered "…-QĐ/TW" too
    "chi thi": "ct",
    "ket luan": "kl",
    "cong van": "cv",
    "thong bao": "tb",
    "bao cao": "bc",
    "chuong trinh": "ctr",
    "thong tu": "tt",
    "nghi dinh": "nd",
    "huong dan": "hd",
    "quy che": "qc",
    "de an": "da",
    "to trinh": "ttr",
}

_LETTER = "A-Za-zĐđ"
_KIND = rf"[{_LETTER}]{{2,5}}"
# After the slash of a State number stands the kind or, in a công văn, the issuer's symbol ("11306/VPCP-NN",
# "4512/BVHTTDL-VP"), which can be longer.
_SYMBOL = rf"[{_LETTER}]{{2,8}}"
_ISSUER = rf"[{_LETTER}][{_LETTER}0-9]{{1,14}}(?:-[{_LETTER}][{_LETTER}0-9]{{1,14}})*"
# A number glued to a word, a date or another number ("COVID-19", "22/12/2024") is not a document number.
_START = r"(?<![\w/.,-])"

_NUMBER_RE = re.compile(
    rf"{_START}(?:"
    rf"(?P<p_num>\d{{1,5}}) ?[-–] ?(?P<p_kind>{_KIND}) ?/ ?(?P<p_issuer>{_ISSUER})"
    rf"|(?P<s_num>\d{{1,5}}) ?/ ?(?:(?P<s_year>\d{{4}}) ?/ ?)?"
    rf"(?P<s_kind>{_SYMBOL}) ?[-–] ?(?P<s_issuer>{_ISSUER})"
    rf"|(?P<l_num>\d{{1,5}}) ?/ ?(?P<l_year>\d{{4}}) ?/ ?(?P<l_issuer>[{_LETTER}]{{2,8}}\d{{1,2}})"
    r")(?!\w)"
)

_ABBR_ALT = "|".join(_ABBREVIATIONS)
_WORD_ALT = "|".join(w.replace(" ", r"\s+") for w in _KIND_WORDS)
# "báo cáo 6 tháng", "kế hoạch 5 năm" name a period, not a document.
_NOT_PERIOD = r"(?!\s*(?:thang|nam|ngay|tuan|quy|gio|nguoi|%))"
_WORD_NUMBER_RE = re.compile(
    rf"\b(?P<word>{_WORD_ALT})(?:\s+hanh\s+dong)?\s*(?:so\b)?\s*:?\s*(?P<num>\d{{1,5}})(?!\d){_NOT_PERIOD}"
)
_ABBR_NUMBER_RE = re.compile(rf"\b(?P<abbr>{_ABBR_ALT})\s*[-.]?\s*(?:so\s*)?(?P<num>\d{{1,5}})(?!\d)")
_NUMBER_ABBR_RE = re.compile(rf"{_START}(?P<num>\d{{1,5}})\s+(?P<abbr>{_ABBR_ALT})\b")
# A number typed with its symbol but without the unit after it: "11306/VPCP", "170/2025/NĐ".
_BARE_SYMBOL_RE = re.compile(rf"{_START}(?P<num>\d{{1,5}}) ?/ ?(?:\d{{4}} ?/ ?)?(?P<symbol>[a-z]{{2,8}})(?![\w/-])")


def _fold(text: str) -> str:
    """Strip Vietnamese diacritics (đ→d) and lowercase."""
    return fold(text).lower()


def _norm_part(part: str) -> str:
    """Uppercase one kind or issuer part, keeping the official mixed-case spellings."""
    segments = [s.upper() for s in part.split("-")]
    return "-".join(_MIXED_CASE.get(s, s) for s in segments)


def _written_properly(kind: str, issuer: str) -> bool:
    """True when kind and issuer are written as abbreviations, not ordinary lowercase words."""
    kind_ok = kind.isupper() or kind in _MIXED_CASE.values()
    return kind_ok and issuer[:1].isupper()


def _canonical(m: re.Match[str]) -> str:
    """The canonical spelling of one matched number."""
    if m["p_num"]:
        return f"{m['p_num']}-{_norm_part(m['p_kind'])}/{_norm_part(m['p_issuer'])}"
    if m["s_num"]:
        year = f"{m['s_year']}/" if m["s_year"] else ""
        return f"{m['s_num']}/{year}{_norm_part(m['s_kind'])}-{_norm_part(m['s_issuer'])}"
    return f"{m['l_num']}/{m['l_year']}/{_norm_part(m['l_issuer'])}"


def number_spans(text: str) -> list[tuple[int, int, str]]:
    """Every document number in a text as (start, end, canonical), in order."""
    spans = []
    for m in _NUMBER_RE.finditer(unicodedata.normalize("NFC", text)):
        kind = m["p_kind"] or m["s_kind"]
        issuer = m["p_issuer"] or m["s_issuer"] or m["l_issuer"]
        if kind is not None and not _written_properly(kind, issuer):
            continue
        spans.append((m.start(), m.end(), _canonical(m)))
    return spans


def find_numbers(text: str) -> list[str]:
    """Normalised document numbers a text names, de-duplicated, in order of first appearance."""
    return list(dict.fromkeys(canonical for _, _, canonical in number_spans(text)))


def _key_of_match(m: re.Match[str]) -> str | None:
    """The matching key of a number found in folded text, or None when the kind is not one we know."""
    if m["l_num"]:
        return f"{int(m['l_num'])}/{m['l_year']}/{m['l_issuer']}"
    kind = m["p_kind"] or m["s_kind"]
    if kind not in _ABBREVIATIONS:
        return None
    return f"{kind}:{int(m['p_num'] or m['s_num'])}"


def _symbol_key(m: re.Match[str]) -> str | None:
    """The key of a number whose symbol is no kind we know ("4512/BVHTTDL-VP" → "bvhttdl:4512")."""
    kind = m["p_kind"] or m["s_kind"]
    return f"{kind}:{int(m['p_num'] or m['s_num'])}" if kind else None


def number_key(canonical: str) -> str:
    """Matching key of a document number: "57-NQ/TW" → "nq:57", "91/2015/QH13" → "91/2015/qh13"."""
    folded = _fold(canonical.strip())
    m = _NUMBER_RE.fullmatch(folded)
    # An unusual kind still gets a key of the same shape, so both sides agree.
    key = (_key_of_match(m) or _symbol_key(m)) if m else None
    return key or folded


def _looks_like_year(num: str) -> bool:
    """A bare 4-digit 19xx/20xx after a kind word is almost always a year ("kế hoạch 2025")."""
    return len(num) == 4 and num[:2] in ("19", "20")


def query_numbers(text: str) -> list[str]:
    """Keys ("nq:57") of the documents a question names, however loosely typed, in order."""
    folded = _fold(unicodedata.normalize("NFC", text))
    found = [(m.start(), key) for m in _NUMBER_RE.finditer(folded) if (key := _key_of_match(m) or _symbol_key(m))]
    loose = [
        *((m, _KIND_WORDS[re.sub(r"\s+", " ", m["word"])]) for m in _WORD_NUMBER_RE.finditer(folded)),
        *((m, m["abbr"]) for m in _ABBR_NUMBER_RE.finditer(folded)),
        *((m, m["abbr"]) for m in _NUMBER_ABBR_RE.finditer(folded)),
    ]
    # A loose match inside a full number usually repeats its key; when it does not ("Nghị quyết số
    # 04-NĐ/TU", a typo), both keys are kept so the document is found either way.
    found += [(m.start(), f"{kind}:{int(m['num'])}") for m, kind in loose if not _looks_like_year(m["num"])]
    # "11306/VPCP" typed without its unit: its symbol is the key, unless the number already has a key ("NQ 03/CP").
    serials = {number_of(key) for _, key in found}
    found += [
        (m.start(), f"{m['symbol']}:{int(m['num'])}")
        for m in _BARE_SYMBOL_RE.finditer(folded)
        if int(m["num"]) not in serials
    ]
    return list(dict.fromkeys(key for _, key in sorted(found)))


# How a kind abbreviation is said, for messages that name a document the user asked about.
_KIND_NAMES = {
    "nq": "Nghị quyết", "kh": "Kế hoạch", "qd": "Quyết định", "ct": "Chỉ thị", "kl": "Kết luận",
    "cv": "Công văn", "tb": "Thông báo", "bc": "Báo cáo", "ctr": "Chương trình", "tt": "Thông tư",
    "nd": "Nghị định", "hd": "Hướng dẫn", "qc": "Quy chế", "da": "Đề án", "ttr": "Tờ trình",
    "vbhn": "Văn bản hợp nhất", "ttlt": "Thông tư liên tịch", "qyd": "Quy định", "bb": "Biên bản",
}  # fmt: skip


def number_of(canonical_or_key: str) -> int | None:
    """The serial number of a document number or key: "57-NQ/TW" → 57, "nq:57" → 57, "91/2015/qh13" → 91."""
    m = re.search(r"(?:^|:)(\d{1,5})(?!\d)", canonical_or_key)
    return int(m.group(1)) if m else None


def describe_key(key: str, written: str | None = None) -> str:
    """A key as people say it: "ct:99" → "Chỉ thị số 99", or "Chỉ thị 99/CT-TTg" with the number as written."""
    kind, sep, num = key.partition(":")
    if not sep:
        return written or key.upper()
    name = _KIND_NAMES.get(kind, kind.upper())
    return f"{name} {written}" if written else f"{name} số {num}"


def kind_abbreviation(kind: str) -> str | None:
    """The abbreviation of a kind word: "công văn" → "cv", "Nghị định" → "nd"; None for one we do not know."""
    return _KIND_WORDS.get(re.sub(r"\s+", " ", _fold(kind).strip()))


def document_keys(number: str | None, kind: str | None = None) -> set[str]:
    """Every key a document's own number answers to: its number's key and the key of its kind and serial.

    "11306/VPCP-NN" of a công văn is asked as "Công văn 11306" ("cv:11306") as often as by its symbol
    ("vpcp:11306"); "5664/CT-CS" of the Cục Thuế is a công văn, not a Chỉ thị, whatever its symbol says.
    """
    if not number:
        return set()
    keys = {number_key(number)}
    serial = number_of(number)
    abbreviation = kind_abbreviation(kind) if kind else None
    if serial is not None and abbreviation:
        keys.add(f"{abbreviation}:{serial}")
    return keys
