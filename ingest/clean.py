"""Web boilerplate removal: keep every sentence of the body, drop the page furniture around it.

Rules match whole lines only, so a body sentence that merely contains "null" or "Hôm nay" is never touched.
Paragraph breaks (blank lines) and single line breaks survive, because chunking reads the structure.

Crawled official texts carry more noise, removed by rule: the legal portals' widget and metadata table at the top
and their title lines at the end (the document's own header states all of it), Markdown emphasis markers that sit
inside words, the two-column header and signature block flattened into table pipes with glued words ("VIỆT
NAMĐộc lập", "QUỐC HỘICHỦ TỊCH"), headings wrapped inside one bold run, and dates written "tháng12".
"""

from __future__ import annotations

import re
import unicodedata

# A leading " date 2025-10-15 " marker is metadata added by the crawler (metadata reads it from the raw text).
_DATE_MARKER_RE = re.compile(r"\A\s*date\s+\d{4}-\d{2}(?:-\d{2})?\b[ \t]*")

# Headings after which the page lists other articles or widgets: everything from them to the end goes.
_CUT_RE = re.compile(
    r"(?:Có thể bạn quan tâm|Tin liên quan|Bài viết liên quan|Tin cùng chuyên mục|Tin khác|Xem thêm"
    r"|Tổng số điểm của bài viết.*|Click để đánh giá bài viết|Ý kiến bạn đọc|Thống kê truy cập"
    r"|#*\s*Văn bản liên quan|Văn bản cùng lĩnh vực|Văn bản mới nhất)\s*:?",
    re.IGNORECASE,
)
# A cut heading near the top is a sidebar, not the end of the article; below this much body we only drop it.
_MIN_BODY_BEFORE_CUT = 200

_COUNTER = r"Đang truy cập|Máy chủ tìm kiếm|Khách viếng thăm|Hôm nay|Hôm qua|Tuần này|Tháng hiện tại|Năm hiện tại"
_BOILERPLATE_RES = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"Theo dõi .{1,80} trên Google News",
        rf"[•·*-]?\s*(?:{_COUNTER}|Tổng lượt truy cập)\s*:?\s*[\d.,]+",
        r"Thống kê truy cập|Ý kiến bạn đọc|Góp ý|Liên kết website|Click để đánh giá bài viết",
        r"Tổng số điểm của bài viết.*đánh giá",
        r"Lựa chọn truy cập nhanh.*",
        r"Bạn đã không sử dụng Site.*",
        r"Lượt xem\s*:?\s*[\d.,]+",
        r"A-\s*A\s*A\+.*|(?:Tăng|Giảm) tương phản.*",
        r"null|noData|undefined",
        r"\S+\.(?:jpe?g|png|gif|webp|bmp)",  # an image file name standing alone
        r"image \d{8,}(?: \d+)?",
        # Official-text portals: copyright notices, loading and login prompts, download buttons, table debris.
        r".*(?:sao chép, đăng tải lại mà không có sự đồng ý|has the copyright on this|Copying or reposting it"
        r"|là vi phạm pháp luật về Sở hữu trí tuệ|is a violation against the Law on Intellectual Property).*",
        r"Bản dịch này thuộc quyền sở hữu của.*",
        r"Đang tải văn bản\.*|Click vào phần bôi vàng.*|Tải (?:về|văn bản)(?: .{0,40})?|Download.{0,40}",
        r".{0,40}\b(?:Đăng nhập|Đăng xuất|Đăng ký thành viên|mật khẩu)\b.{0,80}",
        r"FILE ĐƯỢC ĐÍNH KÈM THEO VĂN BẢN|Văn bản này chưa cập nhật nội dung Tiếng Anh",
        r"[|\s]+|[-_=*]{3,}|X|#+|`{3,}",
    )
]
# Trailing lines the page prints when a widget is empty; mid-text the same words could be real content.
_TRAILING_JUNK_RE = re.compile(r"Không có dữ liệu|null|noData", re.IGNORECASE)
_SPACES_RE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def clean_text(raw: str) -> str:
    """NFC-normalise a document and strip web boilerplate, keeping the body and its paragraph breaks."""
    text = unicodedata.normalize("NFC", raw).replace("\r\n", "\n").replace("\r", "\n")
    text = _DATE_MARKER_RE.sub("", text)
    lines = [_SPACES_RE.sub(" ", line).strip() for line in text.split("\n")]
    lines = _strip_markup(_join_emphasis_runs(lines))
    lines = _drop_portal_furniture(_flatten_layout(lines))
    lines = _cut_trailer(lines)
    lines = [line for line in lines if not _is_boilerplate(line)]
    lines = _rejoin_wrapped(_drop_repeats(lines))
    while lines and (not lines[-1] or _TRAILING_JUNK_RE.fullmatch(lines[-1])):
        lines.pop()
    return _collapse_blank_lines(lines)


def _cut_trailer(lines: list[str]) -> list[str]:
    """Drop everything from a related-articles or widget heading to the end of the page."""
    kept: list[str] = []
    body_chars = 0
    for line in lines:
        if _CUT_RE.fullmatch(line):
            if body_chars >= _MIN_BODY_BEFORE_CUT:
                return kept
            continue
        kept.append(line)
        body_chars += len(line)
    return kept


def _is_boilerplate(line: str) -> bool:
    """True for a whole line of page furniture (never for a line that merely contains such words)."""
    return bool(line) and (any(p.fullmatch(line) for p in _BOILERPLATE_RES) or _is_doubled(line))


def _is_doubled(line: str) -> bool:
    """True for a short widget title printed twice on one line ("Tin nổi bật Tin nổi bật")."""
    words = line.split()
    half = len(words) // 2
    return 2 <= len(words) <= 12 and len(words) % 2 == 0 and words[:half] == words[half:]


def _drop_repeats(lines: list[str]) -> list[str]:
    """Drop a line that repeats the previous non-blank line (photo captions, teaser titles)."""
    kept: list[str] = []
    previous = None
    for line in lines:
        if line and line == previous:
            continue
        kept.append(line)
        previous = line if line else previous
    return kept


# A line that opens a unit of its own: a heading, a list item, a table row, a quoted or bulleted line.
_OPENS_UNIT = re.compile(r"(?:[-+•*|#>]|[a-zđ][)\]]|\d{1,3}(?:\.\d{1,3})*[.)]\s|[IVXLC]{1,5}[.)]\s)")
_ENDS_UNIT = re.compile(r"[.:;!?…)\]|\"”]$")


# A crawled official text is wrapped at about 80 characters: a line this long that stops on a letter was cut there.
_WRAP_MIN, _WRAP_MAX = 55, 110
# What a wrapped name goes on with: a capitalised word that is not a heading, not a new article or clause.
_NAME_GOES_ON = re.compile(
    r"(?!(?:Điều|Chương|Mục|Phần|Phụ lục|Căn cứ|Theo đề nghị|Nơi nhận|Kính gửi|Xét|Số|V/v|QUYẾT|NGHỊ|CHỈ THỊ)\b)"
    r"(?![^,\n]{2,30},\s*ngày\s+\d)"  # the dateline: "Hà Nội, ngày 18 tháng 11 năm 2025"
    r"[A-ZĐÀ-Ỹ][a-zà-ỹđ]"
)


def _rejoin_wrapped(lines: list[str]) -> list[str]:
    """Rejoin hard-wrapped lines: a line that starts in lowercase (or with a number after a lowercase word, as in
    "ngày 31 tháng 10 năm / 2025") continues the previous one, unless that one ends a sentence or clause, or the
    line opens a heading, a list item or a table row. Crawled official texts wrap every 80 characters; a news
    paragraph is one line and is never touched."""
    out: list[str] = []
    for i, line in enumerate(lines):
        previous = out[-1] if out else ""
        continues = (
            line[:1].islower()
            or (line[:1].isdigit() and previous[-1:].islower())
            # "… trên địa bàn tỉnh Nghệ / An (cấp tỉnh: …": wrapped inside a name; the raw line was cut near the width
            or (_WRAP_MIN <= len(lines[i - 1]) <= _WRAP_MAX and previous[-1:].isalpha() and _NAME_GOES_ON.match(line))
        )
        if (
            line
            and previous
            and continues
            and not _OPENS_UNIT.match(line)
            and not _ENDS_UNIT.search(previous)
            and not previous.isupper()
        ):
            out[-1] = f"{previous} {line}"
        else:
            out.append(line)
    return out


def _collapse_blank_lines(lines: list[str]) -> str:
    """Join lines, keeping at most one blank line between paragraphs."""
    text = "\n".join(lines).strip()
    return re.sub(r"\n{3,}", "\n\n", text)


# --- emphasis markers and escapes ---------------------------------------------------------------------------

_RUN_MAX_LINES = 4  # a heading wrapped inside one bold run spans at most this many lines
_RUN_MAX_CHARS = 250
# Continuation lines that open a header element of their own: never glued to the line above.
_OWN_LINE_RE = re.compile(r"(?:TM|KT|TL|TUQ|Q)\.\s|T/M\b|K/T\b|CỦA\s|VỀ\s|V/v\b|- ")
_BARE_KIND_RE = re.compile(
    r"NGHỊ QUYẾT|QUYẾT ĐỊNH|NGHỊ ĐỊNH|THÔNG TƯ|LUẬT|KẾ HOẠCH|QUY ĐỊNH|HƯỚNG DẪN|THÔNG BÁO|CHỈ THỊ|KẾT LUẬN"
    r"|BÁO CÁO|CHƯƠNG TRÌNH|TỜ TRÌNH|ĐỀ ÁN|QUY CHẾ|ĐIỀU LỆ|CÔNG VĂN"
)
_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~<>&\"'])")
_MARKER_RE = re.compile(r"(?<!\\)\*+|(?<![_\\])__(?!_)")  # "\*" is an escaped star, not emphasis
_BULLET_RE = re.compile(r"\*\s+(?=[\w“\"‘'(\[])")
_DATE_WORD_GLUE_RE = re.compile(r"\b(ngày|tháng|năm)(?=\d)")
_DIGIT_DATE_GLUE_RE = re.compile(r"(?<=\d)(?=(?:tháng|năm)\b)")


def _join_emphasis_runs(lines: list[str]) -> list[str]:
    """Rejoin a heading wrapped over lines inside one bold or italic run ("**BAN CHẤP HÀNH\nTRUNG ƯƠNG**")."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        end = _run_end(lines, i)
        out.append(" ".join(lines[i : end + 1]))
        i = end + 1
    return out


def _run_end(lines: list[str], i: int) -> int:
    """The line that closes a whole-line emphasis run opened at the start of line i, or i when it is unsafe."""
    first = lines[i]
    marker = "**" if first.startswith("**") else "*"
    opener = first == "**" or (first.startswith(marker) and first[len(marker) : len(marker) + 1] not in " *")
    if not opener or len(first) == 1 or _count(first, marker) % 2 == 0:
        return i
    if _BARE_KIND_RE.fullmatch(_MARKER_RE.sub("", first).strip()):
        return i
    for j in range(i + 1, min(i + _RUN_MAX_LINES, len(lines))):
        line = lines[j]
        if not line or _OWN_LINE_RE.match(line.lstrip("*")) or len(" ".join(lines[i : j + 1])) > _RUN_MAX_CHARS:
            return i
        if "*" in line:
            return j if _count(line, marker) % 2 == 1 and line.endswith(marker) else i
    return i


def _count(line: str, marker: str) -> int:
    """How many times a marker ("**", or a single "*") occurs in a line."""
    return line.count("**") if marker == "**" else len(re.findall(r"(?<!\*)\*(?!\*)", line))


def _strip_markup(lines: list[str]) -> list[str]:
    """Strip emphasis markers and backslash escapes; a line that held only markers goes."""
    out = []
    for line in lines:
        plain = _strip_line(line)
        if plain or not line:
            out.append(plain)
    return out


def _strip_line(line: str) -> str:
    """One line without emphasis markers (a list bullet stays), its words kept apart, its dates spaced."""
    bullet = ""
    if (m := _BULLET_RE.match(line)) and line[m.end() :].count("*") % 2 == 0:
        bullet, line = "* ", line[m.end() :]
    line = _MARKER_RE.sub(lambda m: _marker_gap(line, m), line)
    line = _ESCAPE_RE.sub(r"\1", line)  # after the markers, so "5\*3" keeps its star
    line = _DIGIT_DATE_GLUE_RE.sub(" ", _DATE_WORD_GLUE_RE.sub(r"\1 ", line))
    line = _SPACES_RE.sub(" ", line).strip()
    return f"{bullet}{line}" if line else ""


def _marker_gap(line: str, m: re.Match[str]) -> str:
    """What replaces one marker run: nothing inside a word, a space where removing it would glue two words."""
    before = line[m.start() - 1] if m.start() else ""
    after = line[m.end()] if m.end() < len(line) else ""
    if before == "(" and after == ")":
        return m.group()  # "(*)": a footnote mark, not emphasis
    if not before or not after or before.isspace() or after.isspace():
        return ""
    glued = (
        (before.islower() and after.isupper())  # "của**Chính phủ"
        or (before.isalpha() and before.islower() and after.isdigit())  # "số**347"
        or (before.isdigit() and after.isalpha() and after.islower())  # "2025**của"
        or (before in ".,;:!?)”" and after.isalpha())  # "Điều 1.**Công bố"
    )
    return " " if glued else ""


# --- the two-column header and signature block --------------------------------------------------------------

# A cell of the document's own layout table (header or signature block), never a cell of a real table.
_LAYOUT_CELL_RE = re.compile(
    r"CỘNG HÒA XÃ HỘI|CỘNG HOÀ XÃ HỘI|Độc lập\s*[-–]\s*Tự do|ĐẢNG CỘNG SẢN VIỆT NAM|(?:^|[-_]{3}|\s)Số\s*:?\s*[\d…./]"
    r"|,\s*ngày\s*[\d.…]+\s*tháng|^(?:TM|KT|TL|TUQ|Q)\.\s|^T/M\b|^K/T\b|(?:TM|KT)\.\s?[A-ZĐ]|\(\s*Đã ký\s*\)"
    r"|\[\s*đã ký\s*\]|^Nơi nhận|^- [^|]*; - "
)
_TABLE_RULE_RE = re.compile(r"\|?(?:\s*:?-{3,}:?\s*\|)+\s*")
_SEPARATOR_RUN_RE = re.compile(r"\s*[-_=]{3,}\s*")
_HEADING_PHRASE_RE = re.compile(r"(?<=\S)\s*(?=CỘNG H[OÒ]A XÃ HỘI CHỦ NGHĨA VIỆT NAM|Độc lập\s*[-–]\s*Tự do)")
_SIGNATURE_GLUE_RE = re.compile(r"(?<=\S)\s*(?=(?:TM|KT|TL|TUQ)\.\s?[A-ZĐ]|T/M\s|K/T\s)")
_SIGNED_RE = re.compile(r"\s*(?:\(\s*Đã ký\s*\)|\[\s*đã ký\s*\])\s*", re.IGNORECASE)
_LIST_GLUE_RE = re.compile(r"(?<=;)\s*(?=- )|(?<=Nơi nhận:)\s*(?=-)")
# Vietnamese syllable onsets and codas, to find where two uppercase syllables were glued ("HỘICHỦ").
_ONSETS = {"NGH", "NG", "NH", "GH", "KH", "PH", "TH", "TR", "CH", "GI", "QU", *"BCDĐGHKLMNPQRSTVX"}
_CODAS = {"", "C", "CH", "M", "N", "NG", "NH", "P", "T"}


def _flatten_layout(lines: list[str]) -> list[str]:
    """One line per cell of the header and signature tables; the national heading and motto on lines of their own."""
    out: list[str] = []
    start = 0
    while start < len(lines):
        end = start
        while end < len(lines) and lines[end]:
            end += 1
        layout = False
        for row in _rows(lines[start:end]):
            if layout and _TABLE_RULE_RE.fullmatch(" ".join(row)):
                continue  # the "| :--- | :--- |" rule under a layout row
            # A row closing a cell of the layout row above ("CHỦ TỊCH" / "Trần Thanh Mẫn |") belongs to it.
            layout = _is_layout_row(row) or (layout and row[-1].endswith("|") and row[-1].count("|") == 1)
            for line in row:
                if not line.strip("| "):
                    continue  # a lone pipe: table debris
                if layout:
                    out.extend(piece for cell in line.split("|") for piece in _split_cell(cell))
                else:
                    out.extend(_split_heading_phrases(line).split("\n"))
        out.extend(lines[end : end + 1])  # the blank line after the group
        start = end + 1
    return out


def _split_heading_phrases(line: str) -> str:
    """Put the national heading and the motto on lines of their own when a line in capitals runs into them."""
    return _HEADING_PHRASE_RE.sub(lambda m: "\n" if line[: m.start()].rstrip()[-1:].isupper() else m.group(), line)


def _rows(group: list[str]) -> list[list[str]]:
    """The rows of a pipe table: each ends at a line that ends with "|"; a line opening with a cell opens one."""
    rows: list[list[str]] = [[]]
    for line in group:
        if line.startswith("|") and line.strip("| ") and rows[-1]:
            rows.append([])
        rows[-1].append(line)
        if line.endswith("|"):
            rows.append([])
    return [row for row in rows if row]


def _is_layout_row(row: list[str]) -> bool:
    """True when one cell of the row is part of the document's header or signature block."""
    return any("|" in line for line in row) and any(
        _LAYOUT_CELL_RE.search(cell.strip()) for line in row for cell in line.split("|") if cell.strip()
    )


def _split_cell(cell: str) -> list[str]:
    """The header lines a flattened layout cell holds, split where separators, line breaks or glue were."""
    pieces = []
    for part in _SEPARATOR_RUN_RE.split(cell):
        part = _split_heading_phrases(part)
        part = _SIGNATURE_GLUE_RE.sub("\n", _SIGNED_RE.sub("\n(Đã ký)\n", part))
        part = _LIST_GLUE_RE.sub("\n", part)
        pieces += [_unglue(piece.strip()) for piece in part.split("\n")]
    return [line for piece in pieces for line in piece.split("\n") if line.strip()]


def _unglue(line: str) -> str:
    """Restore the line breaks an uppercase header line lost: "VIỆT NAMĐộc lập", "QUỐC HỘICHỦ TỊCH"."""
    words = []
    for word in line.split(" "):
        for i in range(2, len(word) - 1):  # an uppercase run glued to a capitalised word
            if all(ch.isalpha() and ch.isupper() for ch in word[i - 2 : i + 1]) and word[i + 1].islower():
                word = f"{word[:i]}\n{word[i:]}"
                break
        words.append("\n".join(_syllables(word)) if word.isalpha() and word.isupper() else word)
    return " ".join(words).replace(" \n", "\n").replace("\n ", "\n")


def _syllables(word: str) -> list[str]:
    """An uppercase word split into syllables when it holds more than one (a lost line break), else itself."""
    vowels = [_is_vowel(ch) for ch in word]
    groups = [m.span() for m in re.finditer("1+", "".join("1" if v else "0" for v in vowels))]
    if len(groups) < 2 or (groups[0][0] and word[: groups[0][0]] not in _ONSETS):
        return [word]  # one syllable, or not a Vietnamese word at all ("FILE")
    cluster = word[groups[0][1] : groups[1][0]]
    for coda_len in range(len(cluster) + 1):  # the longest onset wins: "HỘICHỦ" is "HỘI" + "CHỦ"
        if cluster[:coda_len] in _CODAS and cluster[coda_len:] in _ONSETS:
            cut = groups[0][1] + coda_len
            return [word[:cut], *_syllables(word[cut:])]
    return [word]


def _is_vowel(ch: str) -> bool:
    """True for a Vietnamese vowel letter, whatever its marks."""
    return unicodedata.normalize("NFD", ch)[:1].upper() in ("A", "E", "I", "O", "U", "Y")


# --- legal portals' furniture -------------------------------------------------------------------------------

_WIDGET_RE = re.compile(r"CÁC NỘI DUNG ĐƯỢC SỬA ĐỔI, HƯỚNG DẪN")
_WIDGET_END_RE = re.compile(r"Click vào phần bôi vàng.*")
_WIDGET_MAX_LINES = 8
_LABEL_RE = re.compile(
    r"(?:Số hiệu|Loại văn bản|Nơi ban hành|Cơ quan ban hành|Người ký|Ngày ban hành|Ngày hiệu lực|Ngày công báo"
    r"|Số công báo|Tình trạng|Lĩnh vực)\s*:\s*(?P<value>.*)"
)
_TABLE_TOP_LINES = 40  # the portal's metadata table stands at the top of the page
_MIN_LABELS = 3
_NO_ENGLISH_RE = re.compile(r"Văn bản này chưa cập nhật nội dung Tiếng Anh")
# The portal's own title of the page: "Quyết định 3005/QĐ-UBND năm 2025 công bố …", "… ngày 01/12/2025 …".
_PORTAL_TITLE_RE = re.compile(r"[A-ZĐ]\w*(?: \w+)? [\w/.-]*\d[\w/.-]* (?:năm \d{4}|ngày \d{1,2}/\d{1,2}/\d{4}) .+")


def _drop_portal_furniture(lines: list[str]) -> list[str]:
    """Drop the portal's "amended contents" widget, its metadata table at the top and its title lines at the end."""
    drop: set[int] = set()
    for i, line in enumerate(lines):
        if _WIDGET_RE.fullmatch(line):
            ends = [j for j in range(i + 1, min(i + _WIDGET_MAX_LINES, len(lines))) if _WIDGET_END_RE.match(lines[j])]
            drop.update(range(i, ends[0] + 1 if ends else i + 1))
        elif _NO_ENGLISH_RE.fullmatch(line):
            drop.update(j for j in (i - 1, i, i + 1) if 0 <= j < len(lines) and _PORTAL_TITLE_RE.fullmatch(lines[j]))
    drop.update(_metadata_table(lines, drop))
    return [line for i, line in enumerate(lines) if i not in drop]


def _metadata_table(lines: list[str], dropped: set[int]) -> range:
    """The lines of the portal's label/value table ("Số hiệu:", "11306/VPCP-NN", …) near the top, if any."""
    top = [i for i in range(len(lines)) if i not in dropped and lines[i]][:_TABLE_TOP_LINES]
    start = next((i for i in top if _LABEL_RE.fullmatch(lines[i])), None)
    if start is None:
        return range(0)
    end, labels = start, 0
    while end < len(lines) and (m := _LABEL_RE.fullmatch(lines[end])):
        labels, end = labels + 1, end + 1
        if not m["value"] and end < len(lines) and lines[end] and not _LABEL_RE.fullmatch(lines[end]):
            end += 1  # the value on the line under its label
    return range(start, end) if labels >= _MIN_LABELS else range(0)
