"""Filters on retrieval: which values are allowed, and the one rule that says whether a document matches."""

from __future__ import annotations

import re
from datetime import date

from assistant.types import Filters
from core.docnumbers import document_keys, query_numbers
from core.errors import UserInputError
from core.index.layout import DocRecord
from core.index.types import DocumentMeta

KNOWN_KINDS = (
    "nghị quyết", "kế hoạch", "quyết định", "chương trình", "báo cáo", "công văn", "thông báo", "nghị định",
    "thông tư", "luật", "quy định", "hướng dẫn", "chỉ thị", "kết luận", "tờ trình", "đề án", "quy chế", "điều lệ",
    "pháp lệnh", "thông tri",
    "tin hội nghị", "tin tức", "văn bản pháp luật", "khác",
)  # fmt: skip


def place_matches(wanted: str, have: str) -> bool:
    """ "Ia Ko" matches "xã Ia Ko"; case is ignored."""
    wanted, have = wanted.lower(), have.lower()
    return have == wanted or have.endswith(" " + wanted)


def matches(meta: DocumentMeta, filters: Filters) -> bool:
    """Does one document pass the filters (every given field must match)?"""
    if filters.doc_ids and meta.doc_id not in filters.doc_ids:
        return False
    if filters.kinds and meta.kind not in filters.kinds:
        return False
    if filters.places and not any(place_matches(w, h) for w in filters.places for h in meta.places):
        return False
    if filters.issuers and (meta.issuer or "").casefold() not in {i.casefold() for i in filters.issuers}:
        return False
    if filters.numbers and not _wanted_keys(filters.numbers) & document_keys(meta.number, meta.kind):
        return False
    if filters.date_from and (not meta.date or meta.date[: len(filters.date_from)] < filters.date_from):
        return False
    return not (filters.date_to and (not meta.date or meta.date[: len(filters.date_to)] > filters.date_to))


def _wanted_keys(numbers: list[str]) -> set[str]:
    """The keys of document numbers as typed in a filter ("NQ 57", "57-NQ/TW", "công văn 11306")."""
    return {key for n in numbers for key in query_numbers(n)}


# Bounds on what a filter may list: a request naming 100,000 documents is refused before anything looks at them.
MAX_FILTER_VALUES = 100
MAX_FILTER_VALUE_CHARS = 200
LIST_FIELDS = ("doc_ids", "kinds", "places", "issuers", "numbers")
SHOWN_VALUES = 50  # allowed values named in an error; the bad ones are shown up to SHOWN_BAD
SHOWN_BAD = 10


def validate_filters(filters: Filters | None, documents: dict[str, DocRecord]) -> Filters | None:
    """Reject filter values the index does not know, naming the allowed ones; oversized lists and bad dates too."""
    if filters is None or filters.is_empty():
        return None
    _check_sizes(filters)
    docs = documents
    _check_values("doc_ids", filters.doc_ids, sorted(docs))
    _check_values("kinds", filters.kinds, list(KNOWN_KINDS))
    places = sorted({p for r in docs.values() for p in r.meta.places})
    if filters.places:
        bad = [p for p in filters.places if not any(place_matches(p, known) for known in places)]
        if bad:
            _raise_unknown("places", bad, places)
    issuers = sorted({r.meta.issuer for r in docs.values() if r.meta.issuer})
    if filters.issuers:
        known = {i.casefold() for i in issuers}
        bad = [i for i in filters.issuers if i.casefold() not in known]
        if bad:
            _raise_unknown("issuers", bad, issuers)
    if filters.numbers:
        bad = [n for n in filters.numbers if not query_numbers(n)]
        if bad:
            raise UserInputError(
                f"filters.numbers {_shown(bad)} are not document numbers: write them as '57-NQ/TW' or 'NQ 57'.",
                f"Số hiệu văn bản không hợp lệ: {_shown(bad)} — hãy viết như 57-NQ/TW, NQ 57 hoặc 170/2025/NĐ-CP.",
            )
    _check_dates(filters)
    return filters


def _check_sizes(filters: Filters) -> None:
    """At most MAX_FILTER_VALUES values per list, each at most MAX_FILTER_VALUE_CHARS long."""
    for name in LIST_FIELDS:
        values = getattr(filters, name) or []
        if len(values) > MAX_FILTER_VALUES:
            raise UserInputError(
                f"filters.{name} lists {len(values)} values; the limit is {MAX_FILTER_VALUES}: filter on fewer.",
                f"Bộ lọc {name} có {len(values)} giá trị, vượt giới hạn {MAX_FILTER_VALUES} giá trị — hãy chọn ít hơn.",
            )
        if any(len(v) > MAX_FILTER_VALUE_CHARS for v in values):
            raise UserInputError(
                f"A filters.{name} value is longer than {MAX_FILTER_VALUE_CHARS} characters: shorten it.",
                f"Một giá trị của bộ lọc {name} dài quá {MAX_FILTER_VALUE_CHARS} ký tự — hãy rút gọn.",
            )


def _check_dates(filters: Filters) -> None:
    for name in ("date_from", "date_to"):
        value = getattr(filters, name)
        if value and not is_calendar_date(value):
            raise UserInputError(
                f"filters.{name}={value!r} is not a real date: use YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2025-03-31).",
                f"Giá trị lọc {name}={value!r} không phải ngày có thật — hãy nhập theo dạng YYYY, YYYY-MM hoặc "
                "YYYY-MM-DD (ví dụ 2025-03-31).",
            )
    start, end = filters.date_from, filters.date_to
    if start and end and start[: len(end)] > end[: len(start)]:
        raise UserInputError(
            f"filters.date_from={start!r} is after date_to={end!r}: swap them.",
            f"Ngày bắt đầu lọc {start} sau ngày kết thúc {end} — hãy đổi lại cho đúng thứ tự.",
        )


def is_calendar_date(value: str) -> bool:
    """YYYY, YYYY-MM or YYYY-MM-DD naming a day that exists (2025-02-29 and 2025-13-45 do not)."""
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
        return False
    parts = [int(p) for p in value.split("-")]
    try:
        date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return False
    return parts[0] >= 1000


def _check_values(name: str, values: list[str] | None, allowed: list[str]) -> None:
    bad = [v for v in values or [] if v not in allowed]
    if bad:
        _raise_unknown(name, bad, allowed)


def _raise_unknown(name: str, bad: list[str], allowed: list[str]) -> None:
    shown = ", ".join(allowed[:SHOWN_VALUES]) or "(none)"
    if len(allowed) > SHOWN_VALUES:
        shown += f" … (+{len(allowed) - SHOWN_VALUES})"
    raise UserInputError(
        f"Unknown filters.{name} value(s) {_shown(bad)}; allowed: {shown}",
        f"Giá trị lọc {name} không hợp lệ: {_shown(bad)}. Giá trị cho phép: {shown}",
    )


def _shown(values: list[str]) -> str:
    """The first SHOWN_BAD values, and how many more: an error stays short however long the request."""
    text = ", ".join(values[:SHOWN_BAD])
    return text + (f" … (+{len(values) - SHOWN_BAD})" if len(values) > SHOWN_BAD else "")
