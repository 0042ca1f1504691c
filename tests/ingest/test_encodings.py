"""Legacy Vietnamese encodings: the TCVN3 and VNI tables, detection, and Unicode text never touched."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from ingest.encodings import (
    CP1258,
    TCVN3,
    VNI,
    LegacyEncodingError,
    decode_font_text,
    decode_legacy_bytes,
    decode_tcvn3,
    decode_vni,
    detect,
    encode_tcvn3,
    encode_vni,
    fix_legacy_text,
    font_encoding,
    is_syllable,
)

REPO = Path(__file__).resolve().parents[2]
UNICODE_FILES = sorted((REPO / "documents").glob("*.*")) + sorted(
    (REPO.parent / "shared" / "data" / "official_documents").glob("*.*")
)

VOWELS = "aăâeêioôơuưy"
TONES = ["", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]  # none, grave, hook, tilde, acute, dot below
LOWER = [unicodedata.normalize("NFC", v + t) for v in VOWELS for t in TONES] + ["đ"]
EVERY_LETTER = LOWER + [c.upper() for c in LOWER]  # every vowel with every tone, and đ, in both cases

PARAGRAPH = (
    "Đảng bộ tỉnh Đắk Lắk lãnh đạo thực hiện Nghị quyết số 57-NQ/TW ngày 22 tháng 12 năm 2024 của Bộ Chính trị "
    "về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia. Mỗi người dân được "
    "hưởng lợi từ dịch vụ công trực tuyến; thuở xưa ngoằn ngoèo, giữa khuya vẫn giữ gìn ước mơ ưu tiên quyền lợi."
)


# -- the tables --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "letter"),
    # Spot checks from the TCVN 5712:1993 VN3 chart: capitals, lowercase bases, one of each tone row.
    [("\u00a7", "Đ"), ("\u00ae", "đ"), ("\u00a1", "Ă"), ("\u00a6", "Ư"), ("\u00ad", "ư"), ("\u00b5", "à")]
    + [("\u00b8", "á"), ("\u00b9", "ạ"), ("\u00c6", "ặ"), ("\u00cb", "ậ"), ("\u00d2", "ề"), ("\u00d5", "ế")]
    + [("\u00de", "ị"), ("\u00e3", "ó"), ("\u00e9", "ộ"), ("\u00ee", "ợ"), ("\u00f9", "ự"), ("\u00fe", "ỵ")],
)
def test_decode_tcvn3_chart_codes(code: str, letter: str) -> None:
    assert decode_tcvn3(code) == letter


def test_tcvn3_table_complete_and_one_to_one() -> None:
    letters = [c for c in LOWER if not c.isascii()] + list("ĂÂÊÔƠƯĐ")
    codes = [encode_tcvn3(c) for c in letters]
    assert all(len(code) == 1 and 0xA1 <= ord(code) <= 0xFE for code in codes)
    assert len(set(codes)) == len(letters) == 74  # 60 toned vowels, 7 lowercase and 7 capital modified letters
    assert [decode_tcvn3(code) for code in codes] == letters


def test_vni_every_letter_round_trips() -> None:
    for letter in EVERY_LETTER:
        assert decode_vni(encode_vni(letter)) == letter, letter


@pytest.mark.parametrize(
    ("vni", "unicode"),
    [
        ("Vieät Nam", "Việt Nam"),
        ("Nghò quyeát", "Nghị quyết"),
        ("ÑAÛNG COÄNG SAÛN VIEÄT NAM", "ĐẢNG CỘNG SẢN VIỆT NAM"),
        ("ngöôøi daân ñöôïc höôûng lôïi", "người dân được hưởng lợi"),
        ("aên khuya, tænh Ñaék Laék, Yù kieán, Kyø hoïp, Î", "ăn khuya, tỉnh Đắk Lắk, Ý kiến, Kỳ họp, Ỵ"),
    ],
)
def test_decode_vni_known_words(vni: str, unicode: str) -> None:
    assert decode_vni(vni) == unicode


def test_tcvn3_paragraph_round_trips() -> None:
    assert decode_tcvn3(encode_tcvn3(PARAGRAPH)) == PARAGRAPH


def test_vni_paragraph_round_trips() -> None:
    mixed_case = PARAGRAPH + " ỦY BAN NHÂN DÂN TỈNH; Ở ĐÂU CÓ Ý CHÍ, Ở ĐÓ CÓ CON ĐƯỜNG."
    assert decode_vni(encode_vni(mixed_case)) == mixed_case


@pytest.mark.parametrize(
    ("tcvn3", "unicode"),
    [
        ("NGHÞ QUYÕT", "NGHỊ QUYẾT"),  # a heading typed with a .VnTimeH font: toned letters have lowercase codes
        ("ñY BAN NH¢N D¢N TØNH", "ỦY BAN NHÂN DÂN TỈNH"),
        ("Hµ Néi, §¶NG bé", "Hà Nội, ĐẢNG bộ"),  # in running text only a word with two capitals is one
    ],
)
def test_decode_tcvn3_capitals_restored(tcvn3: str, unicode: str) -> None:
    assert decode_tcvn3(tcvn3) == unicode


# -- fonts -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("font", "encoding"),
    [(".VnTime", TCVN3), (".VnTimeH", TCVN3), (".VnArial", TCVN3), ("VNI-Times", VNI), ("VNI-Helve", VNI)]
    + [("Times New Roman", None), ("Arial", None), (None, None), ("", None)],
)
def test_font_encoding(font: str | None, encoding: str | None) -> None:
    assert font_encoding(font) == encoding


def test_decode_font_text_by_font() -> None:
    assert decode_font_text("Bé ChÝnh trÞ", ".VnTime") == "Bộ Chính trị"
    assert decode_font_text("nghÞ quyÕt", ".VnTimeH") == "NGHỊ QUYẾT"
    assert decode_font_text("Boä Chính trò", "VNI-Times") == "Bộ Chính trị"
    assert decode_font_text("Bộ Chính trị", "Times New Roman") == "Bộ Chính trị"


def test_decode_font_text_unicode_in_legacy_font_kept() -> None:
    # A template styled .VnTime, typed in Unicode: Word shows it with a fallback font, the text is already right.
    assert decode_font_text("Bộ Chính trị", ".VnTime") == "Bộ Chính trị"
    assert decode_font_text("Nghị quyết", "VNI-Times") == "Nghị quyết"


# -- detection ---------------------------------------------------------------------------------------


def test_detect_tcvn3_and_vni_certain() -> None:
    assert detect(encode_tcvn3(PARAGRAPH)).encoding == TCVN3 and detect(encode_tcvn3(PARAGRAPH)).certain
    assert detect(encode_vni(PARAGRAPH)).encoding == VNI and detect(encode_vni(PARAGRAPH)).certain


def test_fix_legacy_text_converts_and_names_encoding() -> None:
    assert fix_legacy_text(encode_tcvn3(PARAGRAPH)) == (PARAGRAPH, TCVN3)
    assert fix_legacy_text(encode_vni(PARAGRAPH)) == (PARAGRAPH, VNI)


@pytest.mark.parametrize(
    "text",
    [
        PARAGRAPH,
        unicodedata.normalize("NFD", PARAGRAPH),  # decomposed Unicode (macOS) is still Unicode
        "Nghi quyet so 57-NQ/TW",
        "Café à la carte, Müller über Straße, naïve façade, ½ °C ©",  # other Latin-1 languages
        "Tôi là ai",  # Unicode Vietnamese with Latin-1 letters only
        "QĐ-UBND, NĐ-CP, BGDĐT",
    ],
)
def test_fix_legacy_text_leaves_other_text_alone(text: str) -> None:
    assert fix_legacy_text(text) == (text, None)


@pytest.mark.parametrize("path", UNICODE_FILES, ids=lambda p: p.name)
def test_fix_legacy_text_every_corpus_file_unchanged(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert detect(text).encoding is None
    assert fix_legacy_text(text) == (text, None)


def test_corpus_files_found() -> None:
    assert len(UNICODE_FILES) >= 5  # the test above ran on real files, not on an empty list


@pytest.mark.parametrize(("encode", "name"), [(encode_tcvn3, "TCVN3 (ABC"), (encode_vni, "VNI (fonts VNI-Times")])
def test_fix_legacy_text_too_short_raises_with_fix(encode, name: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LegacyEncodingError) as info:
        fix_legacy_text(encode("Hà Nội, Việt Nam"))
    assert f"legacy {name}" in info.value.reason
    assert "UniKey" in info.value.reason and "“Công cụ chuyển mã”" in info.value.reason


def test_decode_legacy_bytes() -> None:
    assert decode_legacy_bytes(encode_tcvn3(PARAGRAPH).encode("latin-1")) == (PARAGRAPH, TCVN3)
    assert decode_legacy_bytes(encode_vni(PARAGRAPH).encode("latin-1")) == (PARAGRAPH, VNI)
    cp1258 = b"Nghi\xf2 quy\xea\xect s\xf4\xec 57-NQ/TW v\xea\xcc chuy\xea\xd2n \xf0\xf4\xd2i s\xf4\xec"
    assert decode_legacy_bytes(cp1258) == ("Nghị quyết số 57-NQ/TW về chuyển đổi số", CP1258)
    assert decode_legacy_bytes("Café à la carte, Müller über Straße".encode("latin-1")) is None


def test_decode_legacy_bytes_keeps_windows_1252_quotes() -> None:
    data = (
        b"\x93"
        + encode_tcvn3("Bình dân học vụ số").encode("latin-1")
        + b"\x94 "
        + encode_tcvn3(PARAGRAPH).encode("latin-1")
    )
    assert decode_legacy_bytes(data) == ("“Bình dân học vụ số” " + PARAGRAPH, TCVN3)


@pytest.mark.parametrize(
    ("word", "valid"),
    [("nghiêng", True), ("quyết", True), ("gìn", True), ("khuya", True), ("Đắk", True), ("người", True)]
    + [("ngoằn", True), ("NGHỊ", True), ("quyÕt", False), ("Vieät", False), ("Café", False), ("hoá̀", False)],
)
def test_is_syllable(word: str, valid: bool) -> None:
    assert is_syllable(word) is valid
