"""Per-document metadata: title, date, kind of document, the numbers it names and the places it covers.

An official text (one with the national or Party heading, or a kind heading with its number) is described from
its standard header (ingest.header); news and other texts from their headline, dateline and lead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.docnumbers import find_numbers, number_spans
from core.index.types import DocumentMeta
from ingest.header import KIND_HEADINGS, Header, parse_header
from ingest.relations import extract_references

_TITLE_MAX = 120
_OFFICIAL_TITLE_MAX = 160  # "Nghị quyết về …": the kind and the whole subject, cut near here
_TITLE_LONG = 150  # a first line longer than this is a paragraph, not a headline
_ABBREVIATIONS = {"TP", "Tp", "TX", "TT", "TS", "ThS", "GS", "PGS", "BS", "KS", "Q", "P"}  # "TP. Đà Nẵng"
_LEAD_MIN = 80  # a line at least this long is a paragraph of body, not a heading
_HEADER_LINES = 5
_DATELINE_EXTRA = 30  # characters besides the date a dateline may hold ("Thứ sáu - … 20:10")
_SOURCE_TAG_RE = re.compile(r"^\([A-ZĐ]{2,8}\)\s*[-–—]\s*")  # "(GLO)- " news agency tag

_DATE_MARKER_RE = re.compile(r"\A\s*date\s+(\d{4}-\d{2}(?:-\d{2})?)\b")
_NUMERIC_DATE_RE = re.compile(r"(?<![\d/.-])(\d{1,2}) ?[-/.] ?(\d{1,2}) ?[-/.] ?(\d{4})(?!\d)")
_FORMAL_DATE_RE = re.compile(r"(?:ngày\s+)?(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
_ISSUE_GAP_RE = re.compile(r"[\s,;]*(?:ban hành\s*)?(?:ngày\s*)?", re.IGNORECASE)
_EVENT_DATE_RE = re.compile(
    r"\b(?:sáng|chiều|trưa|tối|đêm|ngày|hôm nay)\s*(?:ngày\s*)?\(?(\d{1,2}) ?[-/.] ?(\d{1,2})"
    r"(?: ?[-/.] ?(\d{4}))?(?![\d/.-]?\d)",
    re.IGNORECASE,
)
# Years that date the text ("quý IV-2025", "năm 2025"), but not targets ("đến năm 2030", "tầm nhìn 2045").
_YEAR_RE = re.compile(r"(?:quý [IVX]+ ?[-/]|(?<!đến )(?<!tới )năm) ?((?:19|20)\d{2})\b", re.IGNORECASE)

# Headings of official texts (a short uppercase line, or a Markdown heading, near the top).
_HEADINGS = KIND_HEADINGS
_HEADING_SCAN_LINES = 15
_HEADING_MAX = 60
_SECTION_RE = re.compile(r"(?:[IVX]+\.|\d+\.|[a-z]\)|Căn cứ|Kính gửi|Chương|Điều|Phần)\s", re.IGNORECASE)
_OFFICIAL_LETTER_RE = re.compile(r"^V/v\b")  # "V/v: ..." is the subject line of an official letter
_MEETING_RE = re.compile(r"hội nghị|phiên họp|cuộc họp|kỳ họp|buổi họp", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class _Day:
    year: int
    month: int
    day: int

    def iso(self) -> str:
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


def extract_metadata(doc_id: str, source: str, raw: str, cleaned: str) -> DocumentMeta:
    """Describe one document from its raw text (date marker) and its cleaned text (everything else)."""
    parsed = parse_header(cleaned)
    if parsed.is_official:
        return _official_meta(doc_id, source, cleaned, parsed)
    all_lines = [line.strip() for line in cleaned.splitlines()]
    lines = [line for line in all_lines if line]
    official = _official_heading(all_lines)
    if official:
        at, kind = official
        title, body = _official_title(all_lines, at), all_lines[at + 1 :]
        header = lines[: max(_HEADER_LINES, len(lines) - len([b for b in body if b]))]
    else:
        title, used = _title(lines)
        body, header = lines[used:], lines[:_HEADER_LINES]
    # The lead is the first paragraph of body; a short note's only line will do.
    lead = next((line for line in body if len(line) >= _LEAD_MIN), next((b for b in body if b), ""))
    meta = DocumentMeta(
        doc_id=doc_id,
        source=source,
        title=title or doc_id,
        date=_date(raw, header, "\n".join(lines), lead, own_number=official is not None),
        kind=official[1] if official else _news_kind(lines, title, lead),
        numbers=find_numbers(cleaned),
        places=find_places(cleaned),
    )
    meta.references = extract_references(meta, cleaned)
    return meta


def part_header(doc_id: str, source: str, text: str) -> DocumentMeta:
    """What the header of one document of a several-document file states ("Kết luận số 69-KL/TW … T/M BỘ CHÍNH
    TRỊ … Trương Thị Mai"), without the lists that describe the whole file."""
    meta = extract_metadata(doc_id, source, text, text)
    meta.numbers, meta.places, meta.references = [], [], []
    return meta


def _official_meta(doc_id: str, source: str, cleaned: str, header: Header) -> DocumentMeta:
    """An official text described by its header: the precise kind, the title "Kind subject", the date of issue."""
    meta = DocumentMeta(
        doc_id=doc_id,
        source=source,
        title=_header_title(header) or doc_id,
        date=header.date,
        kind=header.kind or "khác",
        numbers=find_numbers(cleaned),
        places=find_places(cleaned),
        number=header.number,
        issuer=header.issuer,
        place=header.place,
        subject=header.subject,
        signer=header.signer,
        signer_title=header.signer_title,
        effective=header.effective,
        based_on=list(header.based_on),
        replaces=list(header.replaces),
        amends=list(header.amends),
        recipients=list(header.recipients),
    )
    meta.references = extract_references(meta, cleaned, header.body_start)
    return meta


# --- title and kind ----------------------------------------------------------------------------------


def _header_title(header: Header) -> str:
    """ "Nghị quyết về đột phá …", or "Nghị quyết số 57-NQ/TW" when the text states no subject."""
    if not header.kind:
        return header.subject or ""
    kind = header.kind[:1].upper() + header.kind[1:]
    title = f"{kind} {header.subject}" if header.subject else f"{kind} số {header.number}" if header.number else ""
    if len(title) <= _OFFICIAL_TITLE_MAX:
        return title
    return title[:_OFFICIAL_TITLE_MAX].rsplit(" ", 1)[0].rstrip(",;:–- ") + "…"


def _title(lines: list[str]) -> tuple[str, int]:
    """A news title and how many leading lines it used up (0 when it was cut from a body paragraph)."""
    if not lines:
        return "", 0
    first = lines[0].lstrip("#").strip() if lines[0].startswith("#") else lines[0]
    used = 1
    if first.endswith(":") and len(lines) > 1 and len(first) < _LEAD_MIN:
        first, used = f"{first} {lines[1]}", 2  # "Bí thư Tỉnh ủy X:" + the headline under it
    if len(first) > _TITLE_LONG:
        return _shorten(_SOURCE_TAG_RE.sub("", first)), 0
    return first, used


def _official_heading(all_lines: list[str]) -> tuple[int, str] | None:
    """Where an official text's heading ("NGHỊ QUYẾT", "# Kế hoạch …", "V/v …") is, and the kind it gives."""
    seen = 0
    for i, line in enumerate(all_lines):
        if not line:
            continue
        if _OFFICIAL_LETTER_RE.match(line):
            return i, "công văn"
        heading = line.lstrip("#").strip()
        # Official headings are short uppercase lines; "Nghị quyết số 04…" opening a news lead is not one.
        if line.startswith("#") or (heading == heading.upper() and len(heading) <= _HEADING_MAX):
            kind = next((k for w, k in _HEADINGS.items() if re.match(rf"{w}(?!\w)", heading.upper())), None)
            if kind:
                return i, kind
        seen += 1
        if seen >= _HEADING_SCAN_LINES:
            break
    return None


def _official_title(all_lines: list[str], at: int) -> str:
    """The heading and the lines under it that name the subject ("NGHỊ QUYẾT / CỦA BỘ CHÍNH TRỊ / về …")."""
    if all_lines[at].startswith("#"):
        return _shorten(all_lines[at].lstrip("#").strip())
    parts: list[str] = []
    for line in all_lines[at : at + 3]:
        if not line or (parts and _SECTION_RE.match(line)):
            break  # the heading block ends at a blank line or the first section
        parts.append(line)
        if re.match(r"(?:về|V/v)\b", line, re.IGNORECASE):
            break
    return _shorten(" ".join(parts))


def _news_kind(lines: list[str], title: str, lead: str) -> str:
    """A meeting report when the title or lead is about a meeting, other news otherwise."""
    if not lines:
        return "khác"
    if _MEETING_RE.search(title) or _MEETING_RE.search(lead):
        return "tin hội nghị"
    return "tin tức"


def _shorten(paragraph: str) -> str:
    """First sentence of a paragraph, cut at a word boundary near _TITLE_MAX characters with "…"."""
    sentence = _first_sentence(paragraph)
    if len(sentence) <= _TITLE_MAX:
        return sentence
    cut = sentence[:_TITLE_MAX].rsplit(" ", 1)[0].rstrip(",;:–- ")
    return f"{cut}…"


def _first_sentence(paragraph: str) -> str:
    """Text up to the first full stop that is followed by a capital and does not end an abbreviation."""
    for m in re.finditer(r"(\S*)[.!?…]\s+(?=\w)", paragraph):
        if paragraph[m.end()].isupper() and m[1] not in _ABBREVIATIONS:
            return paragraph[: m.end()].rstrip()
    return paragraph


# --- date --------------------------------------------------------------------------------------------


def _date(raw: str, header: list[str], text: str, lead: str, own_number: bool) -> str | None:
    """Publication or meeting date as ISO, preferring the page's own dateline over dates in the body."""
    if marker := _DATE_MARKER_RE.match(raw):
        return marker.group(1)
    issued = _issue_dates(text)
    # A short line near the top holding a full date is a dateline ("Thứ sáu - 21/02/2025 20:10"); in an
    # official text the date after its own number ("Số 57-NQ/TW, ngày …") is the one we want.
    skip = set() if own_number else issued
    for line in header:
        day = _dateline(line)
        if day and day not in skip:
            return day.iso()
    return _event_date(lead, text, issued)


def _dateline(line: str) -> _Day | None:
    """The date of a line that is little more than a date ("Hà Nội, ngày 22 tháng 12 năm 2024")."""
    m = _NUMERIC_DATE_RE.search(line) or _FORMAL_DATE_RE.search(line)
    return _day_of(m) if m and len(line) - len(m.group(0)) <= _DATELINE_EXTRA else None


def _day_of(m: re.Match[str]) -> _Day | None:
    """The date a (day, month, year) match spells, when it is a plausible one."""
    day, month, year = (int(g) if g else 0 for g in m.groups()[:3])
    return _Day(year, month, day) if 1 <= month <= 12 and 1 <= day <= 31 else None


def _issue_dates(text: str) -> set[_Day]:
    """Dates written right after a document number ("57-NQ/TW, ngày 22/12/2024"): its issue date."""
    issued = set()
    for _, end, _number in number_spans(text):
        gap = _ISSUE_GAP_RE.match(text, end)
        at = gap.end() if gap else end
        m = _NUMERIC_DATE_RE.match(text, at) or _FORMAL_DATE_RE.match(text, at)
        if m and (day := _day_of(m)):
            issued.add(day)
    return issued


def _event_date(lead: str, text: str, issued: set[_Day]) -> str | None:
    """The "Sáng 15-10" date of the lead paragraph, with its year completed from the text."""
    for m in _EVENT_DATE_RE.finditer(lead):
        day = _day_of(m)
        if day is None or day in issued:
            continue
        if day.year:
            return day.iso()
        year = _year_hint(text)
        return _after_issues(_Day(year, day.month, day.day), issued).iso() if year else None
    return None


def _after_issues(event: _Day, issued: set[_Day]) -> _Day:
    """Move a guessed year forward so the event does not precede a document it discusses."""
    # A meeting about a resolution of 22/12/2024 held "Sáng 31/10" cannot be in 2024: the first 31/10
    # after the latest issue date is the earliest date the text allows.
    latest = max(issued, default=None)
    if latest is None or event >= latest:
        return event
    year = latest.year + ((event.month, event.day) < (latest.month, latest.day))
    return _Day(year, event.month, event.day)


def _year_hint(text: str) -> int | None:
    """Year of the latest full date in the text, else the latest year the text is dated by."""
    days = [d for m in (*_NUMERIC_DATE_RE.finditer(text), *_FORMAL_DATE_RE.finditer(text)) if (d := _day_of(m))]
    if days:
        return max(days).year
    years = [int(y) for y in _YEAR_RE.findall(text)]
    return max(years) if years else None


# --- places ------------------------------------------------------------------------------------------

# The 34 provinces and cities after the 2025 reorganisation.
_CITIES = ("Hà Nội", "Hải Phòng", "Huế", "Đà Nẵng", "Cần Thơ", "Hồ Chí Minh")
_PROVINCES = (
    "Tuyên Quang", "Cao Bằng", "Lai Châu", "Lào Cai", "Thái Nguyên", "Điện Biên", "Lạng Sơn", "Sơn La",
    "Phú Thọ", "Bắc Ninh", "Quảng Ninh", "Hưng Yên", "Ninh Bình", "Thanh Hóa", "Nghệ An", "Hà Tĩnh",
    "Quảng Trị", "Quảng Ngãi", "Gia Lai", "Khánh Hòa", "Lâm Đồng", "Đắk Lắk", "Đồng Nai", "Tây Ninh",
    "Vĩnh Long", "Đồng Tháp", "An Giang", "Cà Mau",
)  # fmt: skip
# Old-style tone placement and abbreviations people still write.
_ALIASES = {"Thanh Hoá": "Thanh Hóa", "Khánh Hoà": "Khánh Hòa", "Đăk Lăk": "Đắk Lắk", "HCM": "Hồ Chí Minh"}
_KNOWN = sorted([*_CITIES, *_PROVINCES, *_ALIASES], key=len, reverse=True)
_KNOWN_CANONICAL = {*_CITIES, *_PROVINCES}
# "Hồ Chí Minh" alone is far more often the President than the city, so bare mentions skip it.
_BARE_RE = re.compile(rf"(?<!\w)({'|'.join(n for n in _KNOWN if n not in ('Hồ Chí Minh', 'HCM'))})(?!\w)")

_FORMER_PROVINCES = (
    "Hà Giang", "Yên Bái", "Bắc Kạn", "Hòa Bình", "Vĩnh Phúc", "Bắc Giang", "Hải Dương", "Thái Bình",
    "Hà Nam", "Nam Định", "Quảng Bình", "Thừa Thiên Huế", "Quảng Nam", "Kon Tum", "Bình Định", "Phú Yên",
    "Ninh Thuận", "Bình Thuận", "Đắk Nông", "Bình Phước", "Bình Dương", "Bà Rịa - Vũng Tàu", "Long An",
    "Tiền Giang", "Bến Tre", "Trà Vinh", "Sóc Trăng", "Hậu Giang", "Kiên Giang", "Bạc Liêu",
)  # fmt: skip
_PROVINCE_NAMES = sorted([*_KNOWN, *_FORMER_PROVINCES], key=len, reverse=True)

_UNITS = ("thành phố", "thị xã", "thị trấn", "đặc khu", "tỉnh", "xã", "phường", "huyện", "quận")
_UNIT_ALT = "|".join(f"[{u[0]}{u[0].upper()}]{u[1:]}" for u in _UNITS)  # "xã", or "Xã" opening a sentence
_UNIT_RE = re.compile(rf"(?<!\w)(?P<unit>{_UNIT_ALT}|TP\.?) ?(?=[^\W_])")
_NAME_RE = re.compile(r"[^\s,.;:()\[\]/\"“”'–—-]+(?: [^\s,.;:()\[\]/\"“”'–—-]+){0,3}")
# Words that start the name of an organisation or a title, not of a place.
_STOP_WORDS = {"Ủy", "Uỷ", "Đảng", "Ban", "Sở", "Đoàn"}
_STOP_PHRASES = {
    "Hội nghị", "Hội đồng", "Đồng chí", "Bí thư", "Chủ tịch", "Phó Chủ", "Phó Bí", "Văn phòng", "Công an",
    "Trung tâm", "Tổ công", "Thường trực", "Trưởng ban",
}  # fmt: skip
# "Chủ tịch UBND xã Ia Ko Nguyễn Văn A": a common surname after the unit starts a person's name.
_SURNAMES = {
    "Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương",
    "Trương", "Trịnh", "Đinh",
}  # fmt: skip
_MAX_NAME_WORDS = 3


def find_places(text: str) -> list[str]:
    """Provinces, cities, communes and wards a text names, as "tỉnh X" / "xã X", in order, de-duplicated."""
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for m in _UNIT_RE.finditer(text):
        unit = "thành phố" if m["unit"].startswith("TP") else m["unit"].lower()
        if name := _place_name(unit, text[m.end() : m.end() + 80]):
            found.append((m.start(), _with_unit(unit, name)))
            taken.append((m.start(), m.end() + len(name)))
    for m in _BARE_RE.finditer(text):
        if not any(s <= m.start() < e for s, e in taken):
            found.append((m.start(), _province(_ALIASES.get(m[1], m[1]))))
    return list(dict.fromkeys(place for _, place in sorted(found)))


def _place_name(unit: str, rest: str) -> str:
    """The place name a unit word introduces (rest is the text after it), or "" when none does."""
    if unit in ("tỉnh", "thành phố"):
        known = next((n for n in _PROVINCE_NAMES if re.match(rf"{re.escape(n)}(?!\w)", rest)), "")
        if known or unit == "tỉnh":
            return known  # a province is only ever one we know; anything else is a person or a body
    words = m.group(0).split(" ") if (m := _NAME_RE.match(rest)) else [""]
    if unit in ("phường", "quận") and words[0].isdigit():
        return words[0]  # "phường 3"
    kept: list[str] = []
    for i, word in enumerate(words[:_MAX_NAME_WORDS]):
        pair = f"{word} {words[i + 1]}" if i + 1 < len(words) else ""
        acronym = len(word) > 1 and word.isupper()
        if not word[:1].isupper() or acronym or word in _STOP_WORDS or pair in _STOP_PHRASES:
            break
        if word in _SURNAMES and (i > 0 or _capitalised(words[1:3]) == 2):
            break
        kept.append(word)
    return " ".join(kept)


def _capitalised(words: list[str]) -> int:
    """How many of the words start with a capital letter."""
    return sum(1 for w in words if w[:1].isupper())


def _with_unit(unit: str, name: str) -> str:
    """Normalised "unit Name", with the 34 provinces and cities named by their current status."""
    canonical = _ALIASES.get(name, name)
    if unit in ("tỉnh", "thành phố") and canonical in _KNOWN_CANONICAL:
        return _province(canonical) if unit == "tỉnh" else f"thành phố {canonical}"
    return f"{unit} {canonical}"


def _province(name: str) -> str:
    """ "tỉnh X", or "thành phố X" for the centrally governed cities."""
    return f"thành phố {name}" if name in _CITIES else f"tỉnh {name}"
