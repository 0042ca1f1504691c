"""The standard header of Vietnamese official documents, read from a cleaned text.

The form is fixed by Nghị định 30/2020/NĐ-CP (State texts) and Hướng dẫn 36-HD/VPTW (Party texts): the issuing
body under its parent body, the national heading ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" / "Độc lập - Tự do - Hạnh
phúc") or the Party heading ("ĐẢNG CỘNG SẢN VIỆT NAM"), "Số: N/…", "Place, ngày … tháng … năm …", the kind heading
("NGHỊ QUYẾT") and its subject ("về …", or a letter's "V/v …"), sometimes the enacting authority ("ỦY BAN THƯỜNG VỤ
QUỐC HỘI"), the "Căn cứ …" preamble, the body, and at the end the signature block ("TM. CHÍNH PHỦ / KT. THỦ TƯỚNG
/ PHÓ THỦ TƯỚNG / Name") beside "Nơi nhận:". Nothing is guessed: a field the text does not state stays empty.

Issuer rule: the issuing body the header prints (the lower line when a parent body stands above it), named as
the text names it, in normal case; its longer form when the text spells it ("Ban Tổ chức" under "BAN CHẤP HÀNH
TRUNG ƯƠNG" is "Ban Tổ chức Trung ương"; "VĂN PHÒNG" under "ĐẢNG ỦY CHÍNH PHỦ" is "Văn phòng Đảng ủy Chính phủ").
"BAN CHẤP HÀNH TRUNG ƯƠNG" heads every text of the Central Committee, the Politburo and the Secretariat, so for
those the organ that enacts the text is the issuer: "NGHỊ QUYẾT CỦA BỘ CHÍNH TRỊ", "T/M BAN BÍ THƯ", "Ban Bí thư
quy định …". When the crawl lost the issuer cell, the authority above the preamble ("ỦY BAN THƯỜNG VỤ QUỐC HỘI"),
the enacting line ("Bộ trưởng Bộ Giáo dục và Đào tạo ban hành Thông tư …"), the body the text is signed for
("TM. …") or the one its adoption line names ("Nghị quyết này được … thông qua") stands in, in that order.

Signer rule: the name closing the first signature block after the header (an appendix, a form or the next
document of the file ends the search); its title is the position as printed after the "TM./T/M" line (that line
names the body, not the person): "KT. THỦ TƯỚNG PHÓ THỦ TƯỚNG", "TL. CỤC TRƯỞNG KT. TRƯỞNG BAN …".

Date rule: the "Place, ngày … tháng … năm …" line of the header; else the adoption line ("… được … thông qua ngày
…"); else a date written right after the document's own number ("Số 10-KH/TU, ngày …", "Kèm theo Nghị định số
170/2025/NĐ-CP ngày …"). The body starts after the header block (kind, subject, authority line): the "Căn cứ …"
preamble is part of it, as Nghị định 30 has it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from core.docnumbers import find_numbers, number_spans

# Kind headings (uppercase, as printed) and the kind word they give; longer ones first.
KIND_HEADINGS = {
    "THÔNG TƯ LIÊN TỊCH": "thông tư", "NGHỊ QUYẾT": "nghị quyết", "QUYẾT ĐỊNH": "quyết định",
    "NGHỊ ĐỊNH": "nghị định", "THÔNG TƯ": "thông tư", "PHÁP LỆNH": "pháp lệnh", "LUẬT": "luật",
    "KẾ HOẠCH": "kế hoạch", "QUY ĐỊNH": "quy định", "HƯỚNG DẪN": "hướng dẫn", "THÔNG BÁO": "thông báo",
    "THÔNG TRI": "thông tri", "CÔNG VĂN": "công văn", "CHỈ THỊ": "chỉ thị", "KẾT LUẬN": "kết luận",
    "BÁO CÁO": "báo cáo", "CHƯƠNG TRÌNH": "chương trình", "TỜ TRÌNH": "tờ trình", "ĐỀ ÁN": "đề án",
    "QUY CHẾ": "quy chế", "ĐIỀU LỆ": "điều lệ",
}  # fmt: skip
# Kind abbreviations of the number symbol (Nghị định 30, appendix III; Hướng dẫn 36) for a heading the crawl lost.
_SYMBOL_KINDS = {
    "NQ": "nghị quyết", "QĐ": "quyết định", "NĐ": "nghị định", "TT": "thông tư", "TTLT": "thông tư",
    "CT": "chỉ thị", "KH": "kế hoạch", "HD": "hướng dẫn", "TB": "thông báo", "BC": "báo cáo",
    "CTR": "chương trình", "TTR": "tờ trình", "ĐA": "đề án", "QC": "quy chế", "QYĐ": "quy định",
    "KL": "kết luận", "CV": "công văn", "TTG": "quyết định",
}  # fmt: skip
_KIND_ALT = "|".join(KIND_HEADINGS)
_KIND_HEADING_RE = re.compile(rf"(?P<kind>{_KIND_ALT})(?:\s+(?P<rest>.*))?")
_NUMBERED_HEADING_RE = re.compile(rf"(?P<kind>{_KIND_ALT})\s+SỐ\s*:?\s*\S+")  # "# Nghị quyết số 57-NQ/TW", uppercased
_NATIONAL_RE = re.compile(r"CỘNG H[OÒ]A XÃ HỘI CHỦ NGHĨA VIỆT NAM|Độc lập\s*[-–]\s*Tự do\s*[-–]\s*Hạnh phúc")
_PARTY_RE = re.compile(r"ĐẢNG CỘNG SẢN VIỆT NAM")
_NUMBER_LINE_RE = re.compile(r"(?:[^\W\d_]+\s+)?(?:Số|SỐ|số)\s*:?\s*(?P<rest>.*)")
_FORMAL_DATE = r"ngày\s*(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})"
_NUMERIC_DATE = r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})"
_DATELINE_RE = re.compile(rf"(?P<place>[^\W\d_][^,\d]{{0,40}}?)\s*,\s*{_FORMAL_DATE}")
_LETTER_RE = re.compile(r"V/v\b\.?\s*:?\s*(?P<rest>.*)")
_OF_RE = re.compile(r"CỦA\s+(?P<organ>.+)")
# "NGHỊ QUYẾT / HỘI NGHỊ LẦN THỨ SÁU BAN CHẤP HÀNH TRUNG ƯƠNG ĐẢNG KHOÁ XI / VỀ …": the conference adopting it
_CONFERENCE_RE = re.compile(r"(?P<organ>(?:HỘI NGHỊ|ĐẠI HỘI)\s+(?:LẦN THỨ|ĐẠI BIỂU)\b.+)")
# Lines that open the preamble or the body: the header block ends before them.
_OPENER_RE = re.compile(
    r"(?:-\s*)?(?:Căn cứ|Xét|Theo đề nghị|Trên cơ sở|Thực hiện|Kính gửi|Ngày\s+\d|Thay mặt)\b"
    r"|(?:Điều|Chương|Phần|PHẦN|CHƯƠNG|ĐIỀU)\s+[\dIVXLC]|[IVXLC]+[.-]\s|\d+\.\s|QUYẾT (?:NGHỊ|ĐỊNH)\s*:"
)
_POSITION = (
    r"(?:PHÓ\s+)?(?:CHỦ TỊCH|THỦ TƯỚNG|BỘ TRƯỞNG|THỨ TRƯỞNG|TỔNG BÍ THƯ|BÍ THƯ|CHỦ NHIỆM|CHÁNH VĂN PHÒNG"
    r"|GIÁM ĐỐC|TỔNG GIÁM ĐỐC|CỤC TRƯỞNG|TỔNG CỤC TRƯỞNG|TRƯỞNG BAN|CHÁNH ÁN|VIỆN TRƯỞNG|TỔNG KIỂM TOÁN"
    r"|THỐNG ĐỐC|TRƯỞNG PHÒNG|HIỆU TRƯỞNG|CHÁNH THANH TRA|THỦ TRƯỞNG)\b"
)
# The authority line above the preamble: a position and its body, or a collective body alone.
_AUTHORITY_RE = re.compile(
    rf"{_POSITION}.*|ỦY BAN THƯỜNG VỤ QUỐC HỘI|UỶ BAN THƯỜNG VỤ QUỐC HỘI|CHÍNH PHỦ"
    r"|QUỐC HỘI|BỘ CHÍNH TRỊ|BAN BÍ THƯ|BAN CHẤP HÀNH TRUNG ƯƠNG|HỘI ĐỒNG NHÂN DÂN.*|ỦY BAN NHÂN DÂN.*"
)
_POSITION_PREFIX_RE = re.compile(
    r"(?:Bộ trưởng|Chủ tịch|Giám đốc|Cục trưởng|Trưởng ban|Thủ trưởng|Chủ nhiệm|Tổng Cục trưởng)\s+(?=[A-ZĐỦ])"
    r"|(?:BỘ TRƯỞNG|CHỦ TỊCH|GIÁM ĐỐC|CỤC TRƯỞNG|TRƯỞNG BAN|THỦ TRƯỞNG|CHỦ NHIỆM|TỔNG CỤC TRƯỞNG)\s+"
)
_CENTRAL = "BAN CHẤP HÀNH TRUNG ƯƠNG"
_ONSETS = {"NGH", "NG", "NH", "GH", "KH", "PH", "TH", "TR", "CH", "GI", "QU", "Q", *"BCDGHKLMNPRSTVX"}
_CODAS = {"", "C", "CH", "M", "N", "NG", "NH", "P", "T"}
# Words that start the name of a body: a header line starting otherwise continues the line above.
_BODY_START_RE = re.compile(
    r"(?:BỘ|CỤC|CHI CỤC|TỔNG CỤC|VỤ|BAN|ỦY BAN|UỶ BAN|UBND|HĐND|VĂN PHÒNG|SỞ|CHÍNH PHỦ|QUỐC HỘI|HỘI ĐỒNG|ĐẢNG ỦY"
    r"|ĐẢNG UỶ|ĐẢNG ĐOÀN|ĐẢNG BỘ|TỈNH ỦY|TỈNH UỶ|THÀNH ỦY|THÀNH UỶ|HUYỆN ỦY|TRUNG TÂM|VIỆN|HỌC VIỆN|TÒA ÁN"
    r"|KIỂM TOÁN|NGÂN HÀNG|ĐẠI HỘI|THỦ TƯỚNG|CHỦ TỊCH|ĐOÀN|TRƯỜNG|BẢO HIỂM|THANH TRA)\b"
)
_GENERIC_BODY_RE = re.compile(r"VĂN PHÒNG|BAN|CỤC|VỤ|SỞ|TRUNG TÂM")  # a unit named by its parent ("VĂN PHÒNG")
_APPENDIX_RE = re.compile(r"(?:PHỤ LỤC|Phụ lục|MẪU SỐ|Mẫu số|BIỂU MẪU)\b[^.]{0,40}")
_SIGN_MARKER_RE = re.compile(r"(?:TM|KT|TL|TUQ|Q|T/M|K/T|T/L)[.\s]")
_ON_BEHALF_RE = re.compile(r"(?:TM\.|T/M)\s*(?P<body>.+)")
_SIGNED_RE = re.compile(r"\(\s*Đã ký\s*\)|\[\s*đã ký\s*\]|\(Dấu\b.*\)", re.IGNORECASE)
_ENACTING_RE = re.compile(
    r"(?P<who>[A-ZĐỦ][^\d.;:,]{2,80}?) (?:ban hành (?:Nghị|Quyết|Thông|Quy|Hướng|Kế|Chỉ|Luật)|quy định về|quyết nghị)"
)
_REPEAL_VERB_RE = re.compile(r"\b(?:thay thế|bãi bỏ|hủy bỏ|huỷ bỏ)\b", re.IGNORECASE)
_AMEND_RE = re.compile(r"\bsửa đổi\b", re.IGNORECASE)
_TITLE_WORD_RE = re.compile(r"[^\W\d_]+")
_PHRASE_MAX = 8  # longest stretch of an uppercase line looked up in the body
_OPENING_GAP_RE = re.compile(r"[.!?:;…\"“(/*-]")


@dataclass(frozen=True)
class Header:
    """What the standard header, preamble and signature block of a document state (empty when they do not)."""

    is_official: bool = False
    kind: str | None = None  # "nghị quyết", "công văn", …
    number: str | None = None  # canonical, as core.docnumbers spells it
    issuer: str | None = None
    place: str | None = None
    date: str | None = None  # ISO date of issue (else of adoption)
    subject: str | None = None  # trích yếu, one line
    signer: str | None = None
    signer_title: str | None = None
    effective: str | None = None
    based_on: tuple[str, ...] = ()
    replaces: tuple[str, ...] = ()
    amends: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()  # "Kính gửi: …" of a letter (công văn, tờ trình): to whom it is addressed
    body_start: int = 0  # offset in the text where the body after the header block begins


@dataclass
class _Top:
    """The header elements found at the top of a text, before its body."""

    national: bool = False
    party: bool = False
    bodies: list[str] = field(default_factory=list)  # the issuing body and its parents, top line first
    number: str | None = None
    place: str | None = None
    date: str | None = None
    kind: str | None = None
    kind_heading: bool = False
    organ: str | None = None
    subject: list[str] = field(default_factory=list)
    letter: bool = False
    authority: str | None = None
    end: int = 0  # index of the first line after the header block


def parse_header(text: str) -> Header:
    """Read the header, preamble and signature block of a cleaned official text."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    top = _read_top(lines)
    if not (top.national or top.party or ((top.kind_heading or top.letter) and top.number)):
        return Header()
    body_at = next((i for i in range(top.end, len(lines)) if lines[i].strip()), len(lines))
    evidence = _CaseEvidence(lines[body_at:])
    signature, main_end = _signature(lines, body_at)
    main = "\n".join(lines[body_at:main_end])  # the operative text, up to the signature or an appendix
    kind = top.kind or ("công văn" if top.letter else _symbol_kind(top.number))
    adopted = _adoption_date(main)
    date = top.date or adopted or _date_after_number(text, top.number)
    cited = _self_citation(text, top.number, offsets[body_at] + _LEAD_CHARS)
    subject = _subject(top, kind, evidence) or (cited[1] if cited else None)
    issuer = _issuer(top, lines, body_at, signature.on_behalf, main, evidence) or (cited[0] if cited else None)
    return Header(
        is_official=True,
        kind=kind,
        number=top.number,
        issuer=issuer,
        place=top.place,
        date=date,
        subject=subject,
        signer=signature.signer,
        signer_title=signature.title,
        effective=_effective(main, date, adopted),
        based_on=_based_on(lines, body_at),
        replaces=_repealed(subject or "", main),
        amends=_amended(subject or "", main),
        recipients=_recipients(lines, body_at),
        body_start=min(offsets[body_at], len(text)),
    )


# --- the top of the text ------------------------------------------------------------------------------------


def _plain(line: str) -> str:
    """A line without its Markdown heading marks."""
    return line.strip().lstrip("#").strip()


def _is_upper(line: str) -> bool:
    """True for a line written in capitals (a header line), with at least two letters."""
    letters = [ch for ch in line if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


def _read_top(lines: list[str]) -> _Top:
    """The header elements before the kind heading (or before the body when there is none), then the subject."""
    top = _Top()
    i = 0
    while i < min(len(lines), 60):
        line = _plain(lines[i])
        i += 1
        if not line:
            continue
        if _NATIONAL_RE.search(line):
            top.national = True
        elif _PARTY_RE.fullmatch(line):
            top.party = True
        elif (m := _DATELINE_RE.match(line)) and not top.date:
            top.place, top.date = m["place"].strip(), _iso(m.group(2), m.group(3), m.group(4))
        elif found := _number_of_line(line, lines, i):
            top.number = top.number or found[0]
            i += found[1]  # the number stood on the line under a bare "Số:"
        elif m := _LETTER_RE.fullmatch(line):
            top.letter, top.subject = True, [f"về việc {m['rest']}".strip()]
        elif _is_upper(line) and (m := _KIND_HEADING_RE.fullmatch(line)) and not line.endswith(":"):
            top.kind, top.kind_heading = KIND_HEADINGS[m["kind"]], True
            rest = m["rest"] or ""
            if of := _OF_RE.fullmatch(rest) or _CONFERENCE_RE.fullmatch(rest):
                top.organ, rest = of["organ"], ""
            elif rest.startswith("SỐ"):
                top.number, rest = top.number or next(iter(find_numbers(rest)), None), ""
            top.end = _read_subject(lines, i, top, [rest] if rest else [])
            return top
        elif (lines[i - 1].lstrip().startswith("#") or _is_upper(line)) and _is_numbered_heading(line):
            top.kind, top.kind_heading = _kind_word(line), True
            top.number = top.number or find_numbers(line)[0]
        elif _is_upper(line) and not _OPENER_RE.match(line) and len(line) <= 80:
            _add_body_line(top.bodies, line)
        elif line.strip("*|-_ ") == "":
            continue
        elif _is_label(lines[i - 1], top):
            continue  # "# Nghị quyết 20 - 2012": a compilation's label for the text whose own header follows
        else:
            i -= 1
            break
        top.end = i
    _untitled_subject(lines, top)
    return top


def _is_label(raw: str, top: _Top) -> bool:
    """True for a short Markdown heading naming a kind of document ("# Nghị quyết 20 - 2012") above any header
    element: a label the file's compiler set over the text, not its header."""
    line = _plain(raw)
    seen = top.national or top.party or top.bodies or top.number or top.date
    return not seen and raw.lstrip().startswith("#") and len(line) <= 80 and bool(_KIND_HEADING_RE.match(line.upper()))


def _is_numbered_heading(line: str) -> bool:
    """True for a heading that is a kind and its own number and nothing else ("Nghị quyết số 57-NQ/TW")."""
    return len(line) <= 80 and bool(_NUMBERED_HEADING_RE.fullmatch(line.upper())) and bool(find_numbers(line))


def _kind_word(line: str) -> str:
    """The kind word a heading starts with."""
    match = _KIND_HEADING_RE.match(line.upper())
    assert match is not None, line  # called on lines the pattern has matched
    return KIND_HEADINGS[match["kind"]]


def _number_of_line(line: str, lines: list[str], nxt: int) -> tuple[str, int] | None:
    """The document's own number on a "Số: …" line (or on the line under a bare "Số:"), and whether it was there."""
    m = _NUMBER_LINE_RE.fullmatch(line)
    if not m or len(line) > 80:
        return None
    below = not m["rest"] and nxt < len(lines)
    found = find_numbers(_plain(lines[nxt]) if below else m["rest"])
    return (found[0], int(below)) if found else None


def _add_body_line(bodies: list[str], line: str) -> None:
    """A header line naming a body, or continuing the name on the line above ("ỦY BAN NHÂN DÂN" / "TỈNH X")."""
    if bodies and not _BODY_START_RE.match(line):
        bodies[-1] = f"{bodies[-1]} {line}"
    else:
        bodies.append(line)


def _read_subject(lines: list[str], start: int, top: _Top, first: list[str]) -> int:
    """Read the subject (and the "CỦA …" organ, and the authority line) under the kind heading; where they end."""
    segments: list[list[str]] = [first]
    i = start
    while i < len(lines) and sum(len(s) for s in segments) < 10:
        line = _plain(lines[i])
        if not line:
            if segments[-1]:
                segments.append([])
            if len(segments) > 2:
                break
        elif _OPENER_RE.match(line) or len(line) > 300 or _NATIONAL_RE.search(line):
            break
        elif line.startswith("(") and not _is_upper(line):
            break  # "(Đại hội … thông qua ngày …)": a note, not the subject
        elif not any(segments) and _is_upper(line) and (of := _OF_RE.fullmatch(line) or _CONFERENCE_RE.fullmatch(line)):
            top.organ = of["organ"]
        elif len(segments) > 1 and segments[0] and not _is_authority(line):
            break  # a second paragraph that is not the authority line: the body
        else:
            segments[-1].append(line)
        i += 1
    segments = [s for s in segments if s]
    top.authority = _take_authority(segments)
    top.subject = top.subject or (segments[0] if segments else [])
    return i


def _take_authority(segments: list[list[str]]) -> str | None:
    """Take the authority line ("ỦY BAN THƯỜNG VỤ QUỐC HỘI", "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH X") from under the
    subject: a paragraph of its own after it, or the last line of the subject's paragraph."""
    if len(segments) > 1 and len(segments[-1]) == 1 and _is_authority(segments[-1][0]):
        return segments.pop()[0]
    if segments and len(segments[0]) > 1 and _is_authority(segments[0][-1]):
        return segments[0].pop()
    return None


def _is_authority(line: str) -> bool:
    """True for an authority line: a position and its body, or a collective body alone, in capitals."""
    return _is_upper(line) and bool(_AUTHORITY_RE.fullmatch(line))


def _untitled_subject(lines: list[str], top: _Top) -> None:
    """With no kind heading (lost by the crawl), a short line right under the header, above the preamble, is it."""
    if top.subject or top.kind_heading or not top.number:
        return
    ahead = [i for i in range(top.end, min(len(lines), top.end + 5)) if lines[i].strip()][:2]
    if (
        len(ahead) == 2
        and len(lines[ahead[0]]) <= 250
        and not _OPENER_RE.match(lines[ahead[0]])
        and _plain(lines[ahead[1]]).startswith(("Căn cứ", "- Căn cứ"))
    ):
        top.subject, top.end = [_plain(lines[ahead[0]])], ahead[0] + 1


# --- kind, subject, issuer ----------------------------------------------------------------------------------


def _symbol_kind(number: str | None) -> str | None:
    """The kind the number's symbol names ("21/2025/TT-BGDĐT" → "thông tư"), or "công văn" when it names none
    ("11306/VPCP-NN"); a law's "60/2024/QH15" names none."""
    if not number or re.fullmatch(r"\d+/\d{4}/[^\W\d_]+\d*", number):
        return None
    m = re.match(r"\d+-([^\W\d_]+)/|\d+/(?:\d{4}/)?([^\W\d_]+)", number)
    return _SYMBOL_KINDS.get((m.group(1) or m.group(2)).upper(), "công văn") if m else None


def _subject(top: _Top, kind: str | None, evidence: _CaseEvidence) -> str | None:
    """The subject as one line, in normal case, without trailing punctuation."""
    if not top.subject:
        return None
    text = re.sub(r"\s+", " ", " ".join(top.subject)).strip(" .;:,")
    if not text:
        return None
    if _is_upper(text):
        text = evidence.normal_case(text, name=False)
    words = text.split(" ")
    first = words[0]
    if kind == "luật":
        words[0] = first[:1].upper() + first[1:]  # a law's name is a proper name: "Luật Dữ liệu"
    elif first[:1].isupper() and first[1:].islower() and evidence.lower_start(first, words[1:2]):
        words[0] = first.lower()
    return " ".join(words)


def _issuer(
    top: _Top, lines: list[str], body_at: int, on_behalf: str | None, text: str, ev: _CaseEvidence
) -> str | None:
    """The issuing body, by the rule in the module docstring."""
    bodies = [b for b in top.bodies if not _NATIONAL_RE.search(b) and not _PARTY_RE.fullmatch(b)]
    if bodies and bodies[-1] != _CENTRAL:
        own = bodies[-1]
        parent = bodies[-2] if len(bodies) > 1 else None
        if parent and _GENERIC_BODY_RE.fullmatch(own):
            return ev.normal_case(f"{own} {parent}", name=True)
        name = ev.normal_case(own, name=True)
        if parent:
            level = "Trung ương" if parent == _CENTRAL else ev.normal_case(parent, name=True)
            if f"{name} {level}".casefold() in re.sub(r"\s+", " ", text).casefold():
                return f"{name} {level}"
        return name
    if bodies:  # only "BAN CHẤP HÀNH TRUNG ƯƠNG": the organ that enacts the text
        organ = top.organ or on_behalf or _enacting(lines, body_at) or bodies[-1]
        return ev.normal_case(organ, name=True) if _is_upper(organ) else organ
    authority = _POSITION_PREFIX_RE.sub("", top.authority, count=1) if top.authority else None
    for named in (top.organ, authority, _enacting(lines, body_at), on_behalf):  # the header lost its issuer cell
        if named:
            return ev.normal_case(named, name=True) if _is_upper(named) else named
    m = _ADOPTED_BY_RE.search(text)
    return m["body"].strip() if m else None


def _enacting(lines: list[str], body_at: int) -> str | None:
    """The body named in the enacting line of the preamble ("Ban Bí thư quy định về …"), without a position."""
    for line in lines[body_at : body_at + 30]:
        plain = _plain(line)
        if plain.startswith(("Căn cứ", "- Căn cứ", "Xét", "- Xét", "Theo", "Thực hiện")):
            continue
        if m := _ENACTING_RE.match(plain):
            who = m["who"].strip()
            return _POSITION_PREFIX_RE.sub("", who, count=1) if len(who.split()) >= 2 else None
        if re.match(r"(?:Điều|Chương|I[.-])\s", plain):
            return None
    return None


class _CaseEvidence:
    """How the body writes a name or the words of a subject, to put an uppercase header line in normal case."""

    def __init__(self, lines: list[str]) -> None:
        self._after: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)  # (prev, word) → forms of word
        self._before: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)  # (word, next) → forms of word
        self._words: dict[str, Counter[str]] = defaultdict(Counter)
        mixed = [line for line in lines if line and not _is_upper(line)]
        self._text = re.sub(r"\s+", " ", " ".join(mixed))
        self._lower = self._text.lower()
        for line in mixed:
            self._read(line)

    def _read(self, line: str) -> None:
        words = list(_TITLE_WORD_RE.finditer(line))
        # A word opening the line, a sentence or a quotation is capitalised whatever it is: no evidence.
        mid = [k > 0 and not _OPENING_GAP_RE.search(line[words[k - 1].end() : w.start()]) for k, w in enumerate(words)]
        for k, w in enumerate(words):
            if not mid[k]:
                continue
            prev, word = words[k - 1].group(), w.group()
            self._words[word.lower()][word] += 1
            self._after[(prev.lower(), word.lower())][word] += 1
            if mid[k - 1]:
                self._before[(prev.lower(), word.lower())][prev] += 1

    def phrase(self, text: str) -> str | None:
        """The body's most frequent mixed-case spelling of a whole phrase, when it spells it at all."""
        needle = text.lower()
        seen: Counter[str] = Counter()
        at = self._lower.find(needle)
        while at >= 0 and len(seen) < 50:
            end = at + len(needle)
            bounded = (at == 0 or not self._lower[at - 1].isalnum()) and (
                end == len(self._lower) or not self._lower[end].isalnum()
            )
            form = self._text[at:end]
            if bounded and not _is_upper(form):
                seen[form] += 1
            at = self._lower.find(needle, at + 1)
        return seen.most_common(1)[0][0] if seen else None

    def word(self, prev: str, word: str, nxt: str) -> str | None:
        """The way the body writes this word between these neighbours, when it ever does."""
        seen = self._after.get((prev, word), Counter()) + self._before.get((word, nxt), Counter())
        return seen.most_common(1)[0][0] if seen else None

    def lower_start(self, first: str, rest: list[str]) -> bool:
        """True unless the body writes the first word of a subject capitalised before the word after it."""
        form = self.word("", first.lower(), rest[0].lower() if rest else "")
        return form is None or form[:1].islower()

    def normal_case(self, text: str, name: bool) -> str:
        """An uppercase name or subject as the body writes it: the longest stretches of it the body spells, then
        word by word from the words around it; words it never writes mid-sentence go lowercase, except numbers,
        acronyms, Roman numerals, place names after a unit word and (for names) the first word."""
        tokens = text.split(" ")
        cased: list[str | None] = [None] * len(tokens)
        for size in range(min(len(tokens), _PHRASE_MAX), 1, -1):
            for a in range(len(tokens) - size + 1):
                first = a if a == 0 else a + 1  # a stretch's first word may open a sentence in the body
                if all(c is not None for c in cased[first : a + size]):
                    continue
                if found := self.phrase(" ".join(tokens[a : a + size])):
                    for k, part in enumerate(found.split(" ")[first - a :], start=first):
                        cased[k] = cased[k] or part
        plain = [(m.group().lower() if (m := _TITLE_WORD_RE.search(t)) else "") for t in tokens]
        fallback = _fallback_case(plain, name)
        out = " ".join(c or self._token(tokens, plain, k, fallback) for k, c in enumerate(cased))
        return out[:1].upper() + out[1:] if name else out

    def _token(self, tokens: list[str], plain: list[str], k: int, fallback: list[str]) -> str:
        token = tokens[k]
        word = _TITLE_WORD_RE.search(token)
        if not word or any(ch.isdigit() for ch in token):
            return token
        if k and plain[k - 1] in _ORDINAL_WORDS and re.fullmatch(r"[IVXLC]+", word.group()):
            return token  # "khoá XI", "lần thứ XIII": a Roman numeral, however rare in the body
        form = self.word(plain[k - 1] if k else "", plain[k], plain[k + 1] if k + 1 < len(tokens) else "")
        if form is None and _is_acronym(word.group(), self._words):
            return token
        return token[: word.start()] + (form or fallback[k]) + token[word.end() :]


_ORDINAL_WORDS = {"khoá", "khóa", "thứ", "kỳ", "phần", "chương", "mục"}  # a Roman numeral follows them
_PLACE_UNITS = {"tỉnh", "phố", "xã", "phường", "huyện", "quận", "khu"}  # a place name follows them
_PLACE_WORDS = 3  # words a place name runs to
_BODY_WORDS = {"bộ", "ban", "cục", "sở", "vụ", "phòng"}  # in a name, the word after them is capitalised
_PROPER = {"chính phủ", "quốc hội", "trung ương", "việt nam", "nhà nước"}


def _fallback_case(plain: list[str], name: bool) -> list[str]:
    """The case of words the body never writes mid-sentence: a place name after its unit word ("tỉnh Gia Lai",
    "Tỉnh ủy Gia Lai"), in a name the word after a body word ("Bộ Tài chính"), and the few proper names every text
    spells the same way ("Chính phủ", "Trung ương"); lowercase otherwise ("Ủy ban nhân dân")."""
    out = list(plain)
    in_place = 0  # words of a place name still to come
    for k, word in enumerate(plain):
        prev = plain[k - 1] if k else ""
        pairs = {f"{prev} {word}", f"{word} {plain[k + 1]}" if k + 1 < len(plain) else ""}
        if word in ("ủy", "uỷ") and prev in ("tỉnh", "thành", "huyện", "quận", "đảng"):
            in_place = _PLACE_WORDS if prev != "đảng" else 0
            continue  # "Tỉnh ủy", "Đảng ủy"
        after_body = name and prev in _BODY_WORDS and not (prev == "ban" and k > 1 and plain[k - 2] in ("ủy", "uỷ"))
        if in_place or pairs & _PROPER or after_body:
            out[k] = word[:1].upper() + word[1:]
        in_place = _PLACE_WORDS if word in _PLACE_UNITS else max(0, in_place - 1)
    return out


def _is_acronym(word: str, seen: dict[str, Counter[str]]) -> bool:
    """True for "UBND", "TTHC", "XV": not one Vietnamese syllable, or written in capitals in the body."""
    forms = seen.get(word.lower())
    if forms:
        return len(word) > 1 and forms.most_common(1)[0][0].isupper()
    return len(word) > 1 and not _is_syllable(word)


def _is_syllable(word: str) -> bool:
    """True when a word has the shape of one Vietnamese syllable: onset, one vowel group, coda."""
    m = re.fullmatch(r"([^aeiouy]*)([aeiouy]+)([^aeiouy]*)", _base(word).lower().replace("đ", "d"))
    return m is not None and m[1].upper() in {"", *_ONSETS} and m[3].upper() in _CODAS


def _base(word: str) -> str:
    """The letters of a word without tone and vowel marks ("Đ" stays)."""
    return "".join(ch for ch in unicodedata.normalize("NFD", word) if not unicodedata.combining(ch))


# --- signature block ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Signature:
    signer: str | None = None
    title: str | None = None
    at: int | None = None  # index of its first line
    on_behalf: str | None = None  # the body of its "TM./T/M" line


def _signature(lines: list[str], body_at: int) -> tuple[_Signature, int]:
    """The document's signature block, the first one after its header, and where its main text ends: at the
    block, or where an appendix, a form or the next document of the file begins."""
    for i in range(body_at, len(lines)):
        if i > body_at and _ends_main(_plain(lines[i])):
            return _Signature(), i
        if block := _block_at(lines, i):
            return block, i
    return _Signature(), len(lines)


def _ends_main(line: str) -> bool:
    """True for a line that opens an appendix, a form, or another document's header."""
    return bool(
        _APPENDIX_RE.fullmatch(line)
        or _NATIONAL_RE.search(line)
        or _PARTY_RE.fullmatch(line)
        or _is_numbered_heading(line)
    )


def _opens_block(line: str) -> bool:
    """True for the first line of a signature block: "TM. …", "KT. …", a position, or "(Đã ký)"."""
    if _SIGNED_RE.fullmatch(line):
        return True
    return _is_upper(line) and len(line) <= 90 and bool(_SIGN_MARKER_RE.match(line) or re.match(_POSITION, line))


def _block_at(lines: list[str], i: int) -> _Signature | None:
    """The signature block starting at line i, if one does: position lines, then the signer's name."""
    if not _opens_block(_plain(lines[i])):
        return None
    titles: list[str] = []
    name = None
    j = i
    while j < min(len(lines), i + 10):
        line = _plain(lines[j])
        j += 1
        if not line or _SIGNED_RE.fullmatch(line):
            continue
        if _is_upper(line) and len(line) <= 90:
            titles.append(line)
        elif _is_name(line):
            name = line
            break
        else:
            break
    marked = any(_SIGN_MARKER_RE.match(t) for t in titles)
    if not name and not marked:
        return None
    on_behalf = None
    if titles and (m := _ON_BEHALF_RE.fullmatch(titles[0])):
        on_behalf, titles = m["body"].strip(), titles[1:]
    title = re.sub(r"\s+", " ", " ".join(titles)).strip() or None
    return _Signature(name, title, i, on_behalf)


def _is_name(line: str) -> bool:
    """True for a person's name: two to six capitalised words ("Trần Thanh Mẫn")."""
    words = line.split(" ")
    return 2 <= len(words) <= 6 and all(w.isalpha() and w[0].isupper() and w[1:].islower() for w in words)


# --- dates --------------------------------------------------------------------------------------------------


def _iso(day: str, month: str, year: str) -> str | None:
    """An ISO date, when the three parts make a plausible one."""
    d, m, y = int(day), int(month), int(year)
    return f"{y:04d}-{m:02d}-{d:02d}" if 1 <= d <= 31 and 1 <= m <= 12 and 1900 <= y <= 2100 else None


_ADOPTION_RE = re.compile(rf"\bnày (?:đã )?được [^.]{{0,200}}?thông qua\s*(?:vào\s*)?{_FORMAL_DATE}")
_ADOPTED_BY_RE = re.compile(
    r"\b(?:Luật|Nghị quyết|Pháp lệnh|Điều lệ) này (?:đã )?được (?P<body>[A-ZĐỦ][^.,]{2,80}?)"
    r"(?= nước Cộng h| khóa| khoá| kỳ họp| tại| thông qua)[^.]*thông qua"
)
_AFTER_NUMBER_RE = re.compile(
    rf"[\s,;(]*(?:ban hành\s*)?(?:ngày\s*)?(?:(\d{{1,2}})\s*tháng\s*(\d{{1,2}})\s*năm\s*(\d{{4}})|{_NUMERIC_DATE})"
)
_EFFECTIVE_RE = re.compile(
    r"\b(?:[A-ZĐ][^\W\d_]*(?: [^\W\d_]+)?|Văn bản) này\b[^.;]{0,160}?\bcó hiệu lực(?: thi hành)?(?: kể)? từ ngày\s*"
    r"(?:(?P<signed>ký|ban hành)|(?P<adopted>được thông qua)"
    r"|(?P<d>\d{1,2})\s*tháng\s*(?P<m>\d{1,2})\s*năm\s*(?P<y>\d{4})|(?P<nd>\d{1,2})/(?P<nm>\d{1,2})/(?P<ny>\d{4}))"
)
_CITATION_RE = re.compile(
    r"\s*(?:\([^()\n]{0,30}\)|,?\s*ngày\s*[\d/]+)?\s*của\s+(?P<issuer>[A-ZĐỦ][^,.;()\n]{1,60}?)\s+"
    r"(?P<subject>về\s[^.\n]{3,300})"
)
_LEAD_CHARS = 600  # a citation of the document itself counts only in the header and the lead paragraph


def _self_citation(text: str, number: str | None, limit: int) -> tuple[str, str] | None:
    """Issuer and subject from the lead citing the document itself in the standard form ("… ban hành Nghị quyết
    số 57-NQ/TW (ngày 22/12/2024) của Bộ Chính trị về …"), for a text printed without its header."""
    for _, end, canonical in number_spans(text[:limit]):
        if canonical == number and (m := _CITATION_RE.match(text, end)):
            return m["issuer"].strip(), m["subject"].strip(" .;,")
    return None


def _adoption_date(text: str) -> str | None:
    """The date of the adoption line at the end ("Nghị quyết này được … thông qua ngày 16 tháng 6 năm 2025")."""
    m = _ADOPTION_RE.search(text)
    return _iso(m.group(1), m.group(2), m.group(3)) if m else None


def _date_after_number(text: str, number: str | None) -> str | None:
    """A date written right after the document's own number: on its number line ("Số 10-KH/TU, ngày 03/03/2025"),
    in a lead citing it, or in an appendix caption ("Kèm theo Nghị định số 170/2025/NĐ-CP ngày 30 tháng 6 …")."""
    for _, end, canonical in number_spans(text):
        if canonical == number and (m := _AFTER_NUMBER_RE.match(text, end)):
            groups = m.groups()
            found = _iso(*groups[:3]) if groups[0] else _iso(*groups[3:6])
            if found:
                return found
    return None


def _effective(main: str, issued: str | None, adopted: str | None) -> str | None:
    """The date the text says it takes effect; "kể từ ngày ký" is its date of issue."""
    m = _EFFECTIVE_RE.search(main)
    if not m:
        return None
    if m["signed"]:
        return issued
    if m["adopted"]:
        return adopted or issued
    return _iso(m["d"], m["m"], m["y"]) if m["d"] else _iso(m["nd"], m["nm"], m["ny"])


# --- the documents it rests on, replaces and amends ---------------------------------------------------------

_PREAMBLE_RE = re.compile(r"(?:-\s*)?(?:Căn cứ|Xét|Theo|Trên cơ sở|Thực hiện)\b")
_QUALIFIER_RE = re.compile(r"\b(?:(?<!kèm )theo|tại|bởi)\b", re.IGNORECASE)
_QUOTES = ("“", '"', "‘", "'")
_OF_WORD_RE = re.compile(r"\bcủa\b", re.IGNORECASE)
_CLAUSE_NUMBER_RE = re.compile(r"^(?:Điều\s+\d+[a-z]?\.|\d+(?:\.\d+)*\.|[a-zđ]\)|-)\s*")


def _cited(text: str) -> list[str]:
    """The numbers a citation names itself, in order: within each clause (between ";" or ":"), a number after
    "theo", "tại" or "bởi" ("đã được sửa đổi theo Nghị quyết số …"), or after "của" following an earlier number
    ("… hướng dẫn một số nội dung của Nghị định số …"), qualifies the citation and is not one."""
    found: list[str] = []
    clause_start, earlier = 0, False
    for start, _end, canonical in number_spans(text):
        boundary = max(text.rfind(";", 0, start), text.rfind(":", 0, start))
        if boundary >= clause_start:
            clause_start, earlier = boundary + 1, False
        before = text[clause_start:start]
        qualifies = _QUALIFIER_RE.search(before) or (earlier and _OF_WORD_RE.search(before))
        if not qualifies:
            found.append(canonical)
        earlier = True
    return list(dict.fromkeys(found))


_ADDRESSED = re.compile(r"^\W*Kính\s+gửi\s*:?\s*(.*)$", re.IGNORECASE)
_RECIPIENT_ITEM = re.compile(r"^\s*[-–•+]\s*(.+)$")
_RECIPIENT_WRAP_WORDS = 10  # a recipient's name wrapped onto the next line is short ("Tokokosen.", "Cường")


def _recipients(lines: list[str], body_at: int) -> tuple[str, ...]:
    """Who a letter is addressed to: "Kính gửi: Công ty TNHH / Tokokosen." or a "Kính gửi:" line over "- …" items.

    The addressee comes first in the body of a letter (Nghị định 30/2020/NĐ-CP, Phụ lục I); its address, in
    brackets on the next line, is not part of it. A name wrapped onto short following lines is joined back.
    """
    start = next((i for i in range(body_at, min(body_at + 4, len(lines))) if _ADDRESSED.match(_plain(lines[i]))), None)
    if start is None:
        return ()
    match = _ADDRESSED.match(_plain(lines[start]))
    assert match is not None
    rest = match.group(1).strip()
    if not rest:  # "Kính gửi:" then one addressee per "- …" line
        items = []
        for line in lines[start + 1 : start + 20]:
            item = _RECIPIENT_ITEM.match(_plain(line))
            if item is None:
                break
            items.append(item.group(1).strip(" ,;."))
        return tuple(i for i in items if i)
    name = rest
    for line in lines[start + 1 : start + 4]:
        nxt = _plain(line)
        if name.endswith((".", ";", ",")) or not nxt or nxt.startswith("(") or len(nxt.split()) > _RECIPIENT_WRAP_WORDS:
            break
        name = f"{name} {nxt}"
    name = name.strip(" ,;.")
    return (name,) if name and not re.fullmatch(r"[.…\s]*", name) else ()


def _based_on(lines: list[str], body_at: int) -> tuple[str, ...]:
    """The numbers cited by the "Căn cứ …" lines of the preamble that opens the body."""
    found: list[str] = []
    citing = False
    for line in lines[body_at : body_at + 40]:
        plain = _plain(line)
        if not plain:
            continue
        if plain.startswith(("Căn cứ", "- Căn cứ")):
            citing = True
            found += _cited(plain)
        elif _PREAMBLE_RE.match(plain):
            citing = False
        elif citing and not _OPENER_RE.match(plain) and not _is_upper(plain):
            found += _cited(plain)  # a citation wrapped onto a line of its own
        else:
            break
        citing = citing and not plain.endswith((";", "."))
    return tuple(dict.fromkeys(found))


def _sentences(text: str) -> list[str]:
    """Sentences and list items of the operative text, without their clause numbers. Quoted text (the provisions
    an amending text writes out) is left out: it speaks for the amended document, not for this one."""
    out = []
    depth = 0
    for line in text.split("\n"):
        plain = _plain(line)
        quoted = depth > 0 or plain[:1] in _QUOTES
        depth = max(0, depth + plain.count("“") - plain.count("”"))
        if quoted:
            continue
        for sentence in re.split(r"(?<=\.)\s+(?=[A-ZĐ\d])", plain):
            if sentence := _CLAUSE_NUMBER_RE.sub("", sentence.strip()):
                out.append(sentence)
    return out


def _repealed(subject: str, main: str) -> tuple[str, ...]:
    """Numbers the text replaces or repeals: in its subject ("bãi bỏ Quyết định số …"), in an operative sentence
    that starts with the verb ("Bãi bỏ Thông tư …") or says "<this document> … thay thế …", and the documents an
    operative sentence says lose effect ("… hết hiệu lực kể từ ngày Quyết định này có hiệu lực")."""
    found: list[str] = []
    if m := _REPEAL_VERB_RE.search(subject):
        found += _cited(subject[m.end() :])
    for sentence in _sentences(main):
        verb = _REPEAL_VERB_RE.search(sentence)
        if verb and (
            verb.start() == 0 or re.search(r"\b[A-ZĐ][^\W\d_]*(?: [^\W\d_]+)? này\b", sentence[: verb.start()])
        ):
            found += _cited(sentence[verb.end() :])
        elif (lapse := re.search(r"\bhết hiệu lực\b", sentence)) and re.search(
            r"\bnày có hiệu lực|kể từ ngày", sentence
        ):
            found += _cited(sentence[: lapse.start()])
    return tuple(dict.fromkeys(found))


def _amended(subject: str, main: str) -> tuple[str, ...]:
    """Numbers the text amends: in its subject ("sửa đổi, bổ sung một số điều của Nghị định số …"), and in the
    articles and clauses that start by amending ("Điều 1. Sửa đổi, bổ sung …", "2. Sửa đổi, bổ sung … của Luật …")."""
    found: list[str] = []
    if m := _AMEND_RE.search(subject):
        found += _cited(subject[m.end() :])
    for sentence in _sentences(main):
        if re.match(r"Sửa đổi\b", sentence):
            found += _cited(sentence)[:1]
    return tuple(dict.fromkeys(found))
