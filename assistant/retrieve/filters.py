"""Filters on retrieval: which values are allowed, and the one rule that says whether a document matches."""

from __future__ import annotations

import re

from assistant.types import Filters
from core.errors import UserInputError
from core.index.layout import DocRecord
from core.index.types import DocumentMeta

KNOWN_KINDS = (
    "nghị quyết", "kế hoạch", "quyết định", "chương trình", "báo cáo", "công văn",
    "thông báo", "tin hội nghị", "tin tức", "văn bản pháp luật", "khác",
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
    if filters.date_from and (not meta.date or meta.date[: len(filters.date_from)] < filters.date_from):
        return False
    return not (filters.date_to and (not meta.date or meta.date[: len(filters.date_to)] > filters.date_to))


def validate_filters(filters: Filters | None, documents: dict[str, DocRecord]) -> Filters | None:
    """Reject filter values the index does not know, naming the allowed ones."""
    if filters is None or filters.is_empty():
        return None
    docs = documents
    _check_values("doc_ids", filters.doc_ids, sorted(docs))
    _check_values("kinds", filters.kinds, list(KNOWN_KINDS))
    places = sorted({p for r in docs.values() for p in r.meta.places})
    if filters.places:
        bad = [p for p in filters.places if not any(place_matches(p, known) for known in places)]
        if bad:
            _raise_unknown("places", bad, places)
    for name in ("date_from", "date_to"):
        value = getattr(filters, name)
        if value and not _looks_like_date(value):
            raise UserInputError(
                f"filters.{name}={value!r} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD.",
                f"Giá trị lọc {name}={value!r} không phải ngày hợp lệ (dạng YYYY-MM-DD).",
            )
    return filters


def _looks_like_date(value: str) -> bool:
    return re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value) is not None


def _check_values(name: str, values: list[str] | None, allowed: list[str]) -> None:
    bad = [v for v in values or [] if v not in allowed]
    if bad:
        _raise_unknown(name, bad, allowed)


def _raise_unknown(name: str, bad: list[str], allowed: list[str]) -> None:
    shown = ", ".join(allowed[:50]) or "(none)"
    raise UserInputError(
        f"Unknown filters.{name} value(s) {bad}; allowed: {shown}",
        f"Giá trị lọc {name} không hợp lệ: {', '.join(bad)}. Giá trị cho phép: {shown}",
    )
