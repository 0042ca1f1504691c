"""The collection listed: search by number or subject, facets (kind, issuing body, year, place), sort, paging.

A number is found however it is typed ("NQ57", "57-NQ/TW", "nghi quyet 57", "nghị quyết số 57": core.docnumbers
reads them all as the key "nq:57"): the document whose own number it is comes first, then those that implement,
report on, replace, amend, rest on or cite it. Other words match the document's description (title, subject,
kind, number, issuing body, signer, places), with or without diacritics. Within a facet the values chosen are
alternatives, across facets all must hold, and each facet counts what the other facets and the search leave.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from assistant.documents import summarise
from assistant.handbook.catalog import Catalog, DocumentIndex, Entry, facet_values
from assistant.retrieve.filters import KNOWN_KINDS, MAX_FILTER_VALUE_CHARS, SHOWN_BAD, SHOWN_VALUES, place_matches
from core.docnumbers import query_numbers
from core.errors import UserInputError
from core.vntext import FOLDED_STOPWORDS, fold, nfc, syllables

FACETS = ("kind", "issuer", "year", "place")
SORTS = ("relevance", "newest", "oldest", "id")
MAX_QUERY_CHARS = 200
MAX_LIMIT = 500
# How each facet is named in an error, in English and Vietnamese.
_FACET_NAMES = {
    "kind": ("kind", "loại văn bản"),
    "issuer": ("issuer", "cơ quan ban hành"),
    "year": ("year", "năm ban hành"),
    "place": ("place", "địa phương"),
}


@dataclass
class DocumentQuery:
    """What the list asks for; empty fields ask for nothing (every document, in the default order)."""

    q: str = ""
    kind: list[str] = field(default_factory=list)
    issuer: list[str] = field(default_factory=list)
    year: list[str] = field(default_factory=list)
    place: list[str] = field(default_factory=list)
    sort: str | None = None  # None: by relevance when searching, else by id (the order /api/documents always had)
    limit: int | None = None  # None: all of them
    offset: int = 0

    def chosen(self, facet: str) -> list[str]:
        values: list[str] = getattr(self, facet)
        return values


def browse(index: DocumentIndex, catalog: Catalog, query: DocumentQuery) -> dict[str, Any]:
    """One page of the documents matching `query`, their total, and the facets' counts."""
    validate(query, catalog)
    scores = _scores(catalog, query.q)
    found = [d for d in scores if _passes(catalog.entries[d], query)]
    sort = query.sort or ("relevance" if query.q.strip() else "id")
    ordered = _ordered(found, catalog, scores, sort)
    end = None if query.limit is None else query.offset + query.limit
    return {
        "documents": [summarise(d, index.documents[d]) for d in ordered[query.offset : end]],
        "total": len(ordered),
        "offset": query.offset,
        "limit": query.limit,
        "sort": sort,
        "facets": {facet: _counts(catalog, scores, query, facet) for facet in FACETS},
    }


def validate(query: DocumentQuery, catalog: Catalog) -> None:
    """Reject what the collection cannot answer, naming what it can (422)."""
    if len(query.q) > MAX_QUERY_CHARS:
        raise UserInputError(
            f"q is {len(query.q)} characters long; the limit is {MAX_QUERY_CHARS}: shorten it.",
            f"Từ khoá tìm kiếm dài {len(query.q)} ký tự, vượt giới hạn {MAX_QUERY_CHARS} ký tự — hãy rút gọn.",
        )
    for facet in FACETS:
        if any(len(value) > MAX_FILTER_VALUE_CHARS for value in query.chosen(facet)):
            raise UserInputError(
                f"A {facet} value is longer than {MAX_FILTER_VALUE_CHARS} characters: shorten it.",
                f"Một giá trị lọc {_FACET_NAMES[facet][1]} dài quá {MAX_FILTER_VALUE_CHARS} ký tự — hãy rút gọn.",
            )
    if query.sort is not None and query.sort not in SORTS:
        _unknown("sort", "cách sắp xếp", [query.sort], list(SORTS))
    bad = [k for k in query.kind if k not in KNOWN_KINDS]
    if bad:
        _unknown(*_FACET_NAMES["kind"], bad, list(KNOWN_KINDS))
    issuers = catalog.values("issuer")
    known = {i.casefold() for i in issuers}
    if bad := [i for i in query.issuer if i.casefold() not in known]:
        _unknown(*_FACET_NAMES["issuer"], bad, issuers)
    years = catalog.values("year")
    if bad := [y for y in query.year if y not in years]:
        _unknown(*_FACET_NAMES["year"], bad, years)
    places = catalog.values("place")
    if bad := [p for p in query.place if not any(place_matches(p, known_place) for known_place in places)]:
        provinces = sorted({p for e in catalog.entries.values() for p in e.provinces})
        _unknown(*_FACET_NAMES["place"], bad, provinces or places)


def _unknown(name_en: str, name_vi: str, bad: list[str], allowed: list[str]) -> None:
    shown = ", ".join(allowed[:SHOWN_VALUES]) or "(none)"
    if len(allowed) > SHOWN_VALUES:
        shown += f" … (+{len(allowed) - SHOWN_VALUES})"
    values = ", ".join(bad[:SHOWN_BAD]) + (f" … (+{len(bad) - SHOWN_BAD})" if len(bad) > SHOWN_BAD else "")
    raise UserInputError(
        f"Unknown {name_en} value(s) {values}; allowed: {shown}",
        f"Giá trị lọc {name_vi} không hợp lệ: {values}. Giá trị cho phép: {shown}",
    )


def _scores(catalog: Catalog, q: str) -> dict[str, float]:
    """Document id -> relevance, for the documents the search finds (every document, 0, without a search)."""
    q = nfc(q).strip()
    if not q:
        return dict.fromkeys(catalog.entries, 0.0)
    keys = query_numbers(q)
    words = [fold(s) for s in syllables(q)]
    if keys:  # the digits are the keys' now; "NQ", "TW", "nghị quyết" left over still have to match
        words = [w for w in words if not any(c.isdigit() for c in w)]
    words = [w for w in words if w not in FOLDED_STOPWORDS] or words
    scores = {}
    for doc_id, entry in catalog.entries.items():
        score = entry.score(keys, words)
        if score is not None:
            scores[doc_id] = score
    return scores


def _passes(entry: Entry, query: DocumentQuery, skip: str | None = None) -> bool:
    """Whether a document has one of the chosen values of every facet (but `skip`)."""
    return all(_facet_passes(entry, facet, query.chosen(facet)) for facet in FACETS if facet != skip)


def _facet_passes(entry: Entry, facet: str, chosen: list[str]) -> bool:
    if not chosen:
        return True
    if facet == "place":
        return any(place_matches(wanted, have) for wanted in chosen for have in entry.places)
    if facet == "issuer":
        return (entry.issuer or "").casefold() in {c.casefold() for c in chosen}
    return any(value in chosen for value in facet_values(entry, facet))


def _counts(catalog: Catalog, scores: dict[str, float], query: DocumentQuery, facet: str) -> list[dict[str, Any]]:
    """The facet's values among the documents the search and the other facets leave, most frequent first; the
    values chosen are listed even when nothing has them."""
    counts: Counter[str] = Counter()
    for doc_id in scores:
        entry = catalog.entries[doc_id]
        if _passes(entry, query, skip=facet):
            counts.update(facet_values(entry, facet))
    chosen = query.chosen(facet)
    for value in chosen:
        counts.setdefault(value, 0)
    order = sorted(counts, reverse=True) if facet == "year" else sorted(counts, key=lambda v: (-counts[v], v))
    folded_chosen = {c.casefold() for c in chosen}
    return [{"value": v, "count": counts[v], "selected": v.casefold() in folded_chosen} for v in order]


def _ordered(found: list[str], catalog: Catalog, scores: dict[str, float], sort: str) -> list[str]:
    """The documents in a stable order: ties are broken by date (newest first), then by id."""
    by_id = sorted(found)
    dates = {d: catalog.entries[d].date or "" for d in found}
    if sort == "id":
        return by_id
    if sort == "oldest":
        return sorted(by_id, key=lambda d: (not dates[d], dates[d]))
    newest = sorted(by_id, key=lambda d: dates[d], reverse=True)  # stable: ids ascending among equal dates
    if sort == "newest":
        return newest
    return sorted(newest, key=lambda d: -scores[d])
