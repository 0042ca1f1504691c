"""Web boilerplate removal: keep every sentence of the article body, drop the page furniture around it.

Rules match whole lines only, so a body sentence that merely contains "null" or "Hôm nay" is never touched.
Paragraph breaks (blank lines) and single line breaks survive, because chunking reads the structure.
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
        r"[|\s]+|[-_=*]{3,}|X",
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


def _rejoin_wrapped(lines: list[str]) -> list[str]:
    """Rejoin hard-wrapped lines: a line that starts in lowercase (or with a number after a lowercase word, as in
    "ngày 31 tháng 10 năm / 2025") continues the previous one, unless that one ends a sentence or clause, or the
    line opens a heading, a list item or a table row. Crawled official texts wrap every 80 characters; a news
    paragraph is one line and is never touched."""
    out: list[str] = []
    for line in lines:
        previous = out[-1] if out else ""
        continues = line[:1].islower() or (line[:1].isdigit() and previous[-1:].islower())
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
