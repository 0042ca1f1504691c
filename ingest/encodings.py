"""Vietnamese typed in the legacy 8-bit encodings (TCVN3/ABC, VNI, Windows-1258) back to Unicode NFC.

Offices still send files typed with .VnTime (TCVN3) or VNI-Times (VNI) fonts. Their text is not Unicode Vietnamese
but Latin-1 look-alikes: TCVN3 gives one code per letter ("NghÞ quyÕt" = "Nghị quyết"), VNI a base letter followed
by a code for its marks ("Nghò quyeát"). Detection decodes the words that hold non-ASCII letters under each
encoding and counts how many become valid Vietnamese syllables; Unicode text, where they already are, is never
touched. Tables follow the TCVN 5712:1993 VN3 chart (the ABC fonts) and the VNI-Windows chart; `encode_tcvn3` and
`encode_vni` invert them so that tests can round-trip any paragraph.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

TCVN3 = "TCVN3"
VNI = "VNI"
CP1258 = "Windows-1258"

# -- TCVN3 (TCVN 5712:1993 VN3, the ".Vn" ABC fonts) -------------------------------------------------
# Each lowercase vowel with a tone, in the chart's order: grave, hook above, tilde, acute, dot below.
# VN3 has no code for a capital letter carrying a tone: the ".VnTimeH" fonts draw the lowercase codes as capitals.
_TCVN3_ROWS = {
    "a": "\u00e0\u1ea3\u00e3\u00e1\u1ea1",
    "ă": "\u1eb1\u1eb3\u1eb5\u1eaf\u1eb7",
    "â": "\u1ea7\u1ea9\u1eab\u1ea5\u1ead",
    "e": "\u00e8\u1ebb\u1ebd\u00e9\u1eb9",
    "ê": "\u1ec1\u1ec3\u1ec5\u1ebf\u1ec7",
    "i": "\u00ec\u1ec9\u0129\u00ed\u1ecb",
    "o": "\u00f2\u1ecf\u00f5\u00f3\u1ecd",
    "ô": "\u1ed3\u1ed5\u1ed7\u1ed1\u1ed9",
    "ơ": "\u1edd\u1edf\u1ee1\u1edb\u1ee3",
    "u": "\u00f9\u1ee7\u0169\u00fa\u1ee5",
    "ư": "\u1eeb\u1eed\u1eef\u1ee9\u1ef1",
    "y": "\u1ef3\u1ef7\u1ef9\u00fd\u1ef5",
}
_TCVN3_CODES = {  # their codes, in the same order (unused: 0xAF-0xB4, 0xBA, 0xBF-0xC5, 0xCD, 0xD9-0xDB, 0xE0, 0xF0)
    "a": [0xB5, 0xB6, 0xB7, 0xB8, 0xB9],
    "ă": [0xBB, 0xBC, 0xBD, 0xBE, 0xC6],
    "â": [0xC7, 0xC8, 0xC9, 0xCA, 0xCB],
    "e": [0xCC, 0xCE, 0xCF, 0xD0, 0xD1],
    "ê": [0xD2, 0xD3, 0xD4, 0xD5, 0xD6],
    "i": [0xD7, 0xD8, 0xDC, 0xDD, 0xDE],
    "o": [0xDF, 0xE1, 0xE2, 0xE3, 0xE4],
    "ô": [0xE5, 0xE6, 0xE7, 0xE8, 0xE9],
    "ơ": [0xEA, 0xEB, 0xEC, 0xED, 0xEE],
    "u": [0xEF, 0xF1, 0xF2, 0xF3, 0xF4],
    "ư": [0xF5, 0xF6, 0xF7, 0xF8, 0xF9],
    "y": [0xFA, 0xFB, 0xFC, 0xFD, 0xFE],
}
_TCVN3_DECODE: dict[str, str] = dict(zip("\u00a1\u00a2\u00a3\u00a4\u00a5\u00a6\u00a7", "ĂÂÊÔƠƯĐ", strict=True))
_TCVN3_DECODE |= dict(zip("\u00a8\u00a9\u00aa\u00ab\u00ac\u00ad\u00ae", "ăâêôơưđ", strict=True))
for _base, _letters in _TCVN3_ROWS.items():
    _TCVN3_DECODE |= {chr(code): letter for code, letter in zip(_TCVN3_CODES[_base], _letters, strict=True)}
_TCVN3_ENCODE = {letter: code for code, letter in _TCVN3_DECODE.items()}
_TCVN3_TABLE = str.maketrans(_TCVN3_DECODE)

# -- VNI (VNI-Windows, the "VNI-" fonts) -------------------------------------------------------------
# A vowel is its base letter followed by one code for its marks; i, y with a dot, ơ, ư and đ have codes of their own.
_TONES = "\u0301\u0300\u0309\u0303\u0323"  # acute, grave, hook above, tilde, dot below: VNI's order
_VNI_TONE = "ùøûõï"  # a tone alone
_VNI_CIRCUMFLEX = "âáàåãä"  # circumflex, then circumflex with each tone
_VNI_BREVE = "êéèúüë"  # breve, then breve with each tone
_VNI_SINGLE = {"ô": "ơ", "ö": "ư", "ñ": "đ", "í": "í", "ì": "ì", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ"}


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _vni_pairs() -> dict[str, str]:
    """Every base letter + mark code pair, in lowercase, capitals, and the two mixed cases (read by base)."""
    pairs: dict[str, str] = {}
    marks = {"\u0302": _VNI_CIRCUMFLEX, "\u0306": _VNI_BREVE}
    bases = {"a": "\u0302\u0306", "e": "\u0302", "o": "\u0302", "u": "", "y": "", "ô": "", "ö": ""}
    for base, accents in bases.items():
        letter = _VNI_SINGLE.get(base, base)
        for code, tone in zip(_VNI_TONE, _TONES, strict=True):
            pairs[base + code] = _nfc(letter + tone)
        for accent in accents:
            codes = marks[accent]
            pairs[base + codes[0]] = _nfc(letter + accent)
            for code, tone in zip(codes[1:], _TONES, strict=True):
                pairs[base + code] = _nfc(letter + accent + tone)
    upper = {k.upper(): v.upper() for k, v in pairs.items()}
    upper_base = {k[0].upper() + k[1]: v.upper() for k, v in pairs.items()}
    upper_mark = {k[0] + k[1].upper(): v for k, v in pairs.items()}
    return upper_base | upper_mark | pairs | upper


_VNI_SINGLE_ALL = _VNI_SINGLE | {k.upper(): v.upper() for k, v in _VNI_SINGLE.items()}
_VNI_DECODE = _vni_pairs() | _VNI_SINGLE_ALL
_VNI_RE = re.compile("|".join(sorted(map(re.escape, _VNI_DECODE), key=len, reverse=True)))
# The inverse: one spelling per letter, from the same-case pairs; ỵ takes its own code rather than y + ï.
_VNI_ENCODE = {v: k for k, v in _VNI_DECODE.items() if k in (k.lower(), k.upper())}
_VNI_ENCODE |= {"ỵ": "î", "Ỵ": "Î"}


def decode_tcvn3(text: str) -> str:
    """TCVN3 (ABC) text, as its 8-bit codes read as Latin-1/Windows-1252 characters, to Unicode NFC."""
    return _nfc(_restore_capitals(text.translate(_TCVN3_TABLE)))


def decode_vni(text: str) -> str:
    """VNI text, as its 8-bit codes read as Latin-1/Windows-1252 characters, to Unicode NFC."""
    return _nfc(_VNI_RE.sub(lambda m: _VNI_DECODE[m.group()], text))


def encode_tcvn3(text: str) -> str:
    """Unicode Vietnamese to TCVN3 codes (as Latin-1 characters); a capital with a tone takes its lowercase code."""
    return "".join(_TCVN3_ENCODE.get(c) or _TCVN3_ENCODE.get(c.lower()) or c for c in _nfc(text))


def encode_vni(text: str) -> str:
    """Unicode Vietnamese to VNI codes (as Latin-1 characters)."""
    return "".join(_VNI_ENCODE.get(char, char) for char in _nfc(text))


_WORD = re.compile(r"[^\s\d!-/:-@\[-`{-~\u00a0\u2000-\u206f]+")  # legacy codes include symbols (§ ¨ ©)
_ASCII_LOWER = re.compile("[a-z]")


def _restore_capitals(text: str) -> str:
    """Text typed in capitals with a ".VnTimeH" font holds lowercase toned codes: "NGHị QUYếT" was "NGHỊ QUYẾT".

    A line whose ASCII letters are all capitals (three or more) is a heading: all of it goes to capitals. Elsewhere
    a word with two capitals and no lowercase ASCII letter does ("ĐảNG" → "ĐẢNG"); "Hà" stays as it is.
    """
    lines = []
    for line in text.split("\n"):
        if sum("A" <= c <= "Z" for c in line) >= 3 and not _ASCII_LOWER.search(line):
            lines.append(line.upper())
            continue
        lines.append(_WORD.sub(lambda m: _capitalised(m.group()), line))
    return "\n".join(lines)


def _capitalised(word: str) -> str:
    return word.upper() if sum(c.isupper() for c in word) >= 2 and not _ASCII_LOWER.search(word) else word


# -- detection ---------------------------------------------------------------------------------------

_ONSETS = "b c ch d đ g gh gi h k kh l m n ng ngh nh p ph qu r s t th tr v x".split()
_VOWELS = "aăâeêioôơuưy"
_NUCLEI = set(
    "a ă â e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iu oa oă oe oi ôi ơi ua uâ uê ui uô uơ uy ưa ưi ưu ươ iê "
    "yê iêu yêu oai oay oao oeo uây uôi ươi ươu uya uyê uyu".split()
)
_CODAS = {"", "c", "ch", "m", "n", "ng", "nh", "p", "t", "k"}  # "k": Đắk Lắk and other place names
_SYLLABLE = re.compile(rf"({'|'.join(sorted(_ONSETS, key=len, reverse=True))})?([{_VOWELS}]+)([a-z]*)")
# Letters only Unicode Vietnamese has (ă đ ĩ ũ ơ ư and the U+1EA0 block): legacy text never holds them.
_UNICODE_VIETNAMESE = re.compile("[ăĂđĐĩĨũŨơƠưƯ\u1ea0-\u1ef9]")
_MAX_WORDS = 5000  # enough evidence; keeps detection linear in a short prefix of a long document


def is_syllable(word: str) -> bool:
    """True for one Vietnamese syllable in Unicode (any case): an onset, a vowel cluster, a final, one tone."""
    letters = unicodedata.normalize("NFD", word.lower())
    tones = sum(letters.count(t) for t in _TONES)
    bare = _nfc("".join(c for c in letters if c not in _TONES))
    match = _SYLLABLE.fullmatch(bare)
    if tones > 1 or match is None:
        return False
    onset, nucleus, coda = match.groups()
    if onset in ("gi", "qu") and nucleus in _NUCLEI and coda in _CODAS:
        return True
    if onset == "g" and nucleus.startswith("i"):  # "gì", "gìn": gi + i
        nucleus = nucleus[1:] or "i"
    return nucleus in _NUCLEI and coda in _CODAS


@dataclass(frozen=True)
class Detection:
    """What the text looks like: `encoding` None is Unicode (or plain ASCII); `certain` says whether to convert."""

    encoding: str | None
    certain: bool
    score: float = 0.0  # share of the non-ASCII words that become Vietnamese syllables under `encoding`
    unicode_score: float = 0.0  # the same share for the text as it is
    words: int = 0  # how many non-ASCII words were scored


class LegacyEncodingError(ValueError):
    """Text that looks like a legacy Vietnamese encoding, but not surely enough to convert it."""

    def __init__(self, encoding: str, reason: str) -> None:
        super().__init__(reason)
        self.encoding = encoding
        self.reason = reason


_DECODERS = {TCVN3: decode_tcvn3, VNI: decode_vni}
_MIN_WORDS = 5  # fewer non-ASCII words than this is never certain evidence
_CERTAIN = 0.9  # share of words that must become syllables
_MARGIN = 0.3  # ... and by how much more than the text as it is
_SUSPECT = 0.5  # below this share, or this margin over the text as it is, the text is not suspected at all
_SUSPECT_MARGIN = 0.15
_UNICODE_SHARE = 0.2  # this share of words with Unicode-only Vietnamese letters makes the text Unicode


def _share_of_syllables(words: list[str]) -> float:
    return sum(map(is_syllable, words)) / len(words) if words else 0.0


def detect(text: str, candidates: tuple[str, ...] = (TCVN3, VNI)) -> Detection:
    """Which legacy encoding the text is in, if any, judged on the words that hold non-ASCII letters."""
    words = [w for w in _WORD.findall(text) if not w.isascii()][:_MAX_WORDS]
    if not words:
        return Detection(None, True)
    as_is = _share_of_syllables([_nfc(w) for w in words])
    unicode_words = sum(bool(_UNICODE_VIETNAMESE.search(_nfc(w))) for w in words)
    if unicode_words >= _UNICODE_SHARE * len(words):
        return Detection(None, True, as_is, as_is, len(words))
    best, best_score = None, 0.0
    for name in candidates:
        score = _share_of_syllables([_DECODERS[name](w) for w in words])
        if score > best_score:
            best, best_score = name, score
    if best is None or best_score < _SUSPECT or best_score - as_is < _SUSPECT_MARGIN:
        return Detection(None, True, as_is, as_is, len(words))
    certain = len(words) >= _MIN_WORDS and best_score >= _CERTAIN and best_score - as_is >= _MARGIN
    return Detection(best, certain, best_score, as_is, len(words))


def fix_legacy_text(text: str) -> tuple[str, str | None]:
    """(Unicode NFC text, the encoding converted from or None); Unicode text comes back unchanged.

    Raises LegacyEncodingError when the text looks like TCVN3 or VNI but not surely enough to convert it.
    """
    found = detect(text)
    if found.encoding is None:
        return text, None
    if not found.certain:
        raise LegacyEncodingError(found.encoding, uncertain_reason(found))
    return _DECODERS[found.encoding](text), found.encoding


def decode_legacy_bytes(data: bytes) -> tuple[str, str] | None:
    """Bytes that are not UTF-8 but Vietnamese in TCVN3, VNI or Windows-1258: (Unicode NFC text, encoding).

    None when the bytes do not look Vietnamese; raises LegacyEncodingError when they do, but not surely.
    """
    latin = data.decode("latin-1").translate(_CP1252_CONTROLS)
    found = detect(latin)
    cp1258 = _cp1258(data)
    if cp1258 is not None:
        words = [w for w in _WORD.findall(cp1258) if not w.isascii()]
        score = _share_of_syllables(words)
        if score > found.score and score >= _SUSPECT:
            found = Detection(CP1258, len(words) >= _MIN_WORDS and score >= _CERTAIN, score, 0.0, len(words))
    if found.encoding is None:
        return None
    if not found.certain:
        raise LegacyEncodingError(found.encoding, uncertain_reason(found))
    if found.encoding == CP1258:
        assert cp1258 is not None
        return cp1258, CP1258
    return _DECODERS[found.encoding](latin), found.encoding


def _cp1258(data: bytes) -> str | None:
    try:
        return _nfc(data.decode("cp1258"))
    except UnicodeDecodeError:
        return None


# Windows-1252 punctuation (curly quotes, dashes) that legacy files carry in 0x80-0x9F.
_CP1252_CONTROLS = {
    i: bytes([i]).decode("cp1252") for i in range(0x80, 0xA0) if i not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}

_FONT_ADVICE = {
    TCVN3: "TCVN3 (ABC, fonts .VnTime/.VnArial)",
    VNI: "VNI (fonts VNI-Times/VNI-Helve)",
    CP1258: "Windows-1258 (Vietnamese ANSI)",
}


def uncertain_reason(found: Detection) -> str:
    """The skip message: the encoding suspected and how to convert the file by hand."""
    assert found.encoding is not None
    name = _FONT_ADVICE[found.encoding]
    return (
        f"looks like Vietnamese in the legacy {name} encoding, but not surely enough to convert it automatically "
        f"({found.score:.0%} of {found.words} words read as Vietnamese): convert it to Unicode with UniKey "
        f"(“Công cụ chuyển mã”, source {found.encoding.split(' ')[0]}, destination Unicode), save it as UTF-8 "
        "or .docx, and ingest again"
    )


def font_encoding(font: str | None) -> str | None:
    """The legacy encoding a font name implies: ".VnTime" is TCVN3, "VNI-Times" is VNI; None for Unicode fonts."""
    if not font:
        return None
    name = font.strip().lower()
    if name.startswith(".vn"):
        return TCVN3
    if name.startswith("vni-") or name.startswith("vni "):
        return VNI
    return None


def decode_font_text(text: str, font: str | None) -> str:
    """Text of a DOCX run set in a legacy font, decoded by that font's encoding (".VnTimeH" is all capitals)."""
    encoding = font_encoding(font)
    if encoding is None or text.isascii() or _UNICODE_VIETNAMESE.search(text):
        return text  # Unicode typed over a legacy font (Word falls back to another font to show it): keep it
    decoded = _DECODERS[encoding](text)
    if encoding == TCVN3 and font and font.strip().lower().endswith("h"):
        decoded = decoded.upper()
    return decoded
