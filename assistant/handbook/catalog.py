"""What the handbook derives from one opened index, once: the relations graph, search terms and facet values.

Built by the first handbook request on a generation (a few milliseconds for a hundred documents) and kept with it
by the caller; nothing here holds the records themselves, so an old generation is freed when it is replaced.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from core.docnumbers import describe_key, document_keys, number_key
from core.index.graph import Graph
from core.index.layout import DocRecord
from core.index.types import Chunk, DocumentMeta
from core.vntext import fold, syllables

# What a search for a number scores, by how the document holds it: its own number first, then the texts that carry
# it out, report on it, replace or amend it, rest on it, and last those that merely cite it.
OWN_WEIGHT = 100.0
RELATION_WEIGHTS = {"implements": 40.0, "reports": 35.0, "replaces": 30.0, "amends": 30.0, "based_on": 20.0}
CITES_WEIGHT = 10.0
TITLE_WORD, OTHER_WORD = 3.0, 1.0  # a query word found in the title weighs more than one found elsewhere
PROVINCE_UNITS = ("tỉnh ", "thành phố ")  # the place facet lists provinces and centrally governed cities


class DocumentIndex(Protocol):
    """The part of an opened index the handbook reads (core.index.reader.IndexReader has it)."""

    @property
    def documents(self) -> Mapping[str, DocRecord]: ...

    @property
    def chunks(self) -> Mapping[str, Chunk]: ...

    @property
    def owners(self) -> Mapping[str, list[str]]: ...


def terms(texts: Iterable[str | None]) -> frozenset[str]:
    """Folded lowercase syllables of the texts: what a query word, typed with or without diacritics, matches."""
    return frozenset(fold(s) for text in texts if text for s in syllables(text))


@dataclass(frozen=True)
class Entry:
    """One document as browsing sees it."""

    doc_id: str
    date: str | None
    kind: str
    issuer: str | None
    year: str | None
    places: tuple[str, ...]  # every place it names ("tỉnh Gia Lai", "xã Ia Ko")
    provinces: tuple[str, ...]  # of those, the provinces and cities: the place facet
    title_terms: frozenset[str]
    own_terms: frozenset[str]  # title, subject, kind, number, issuer, signer, places, parts
    own_keys: frozenset[str]
    references: Mapping[str, str]  # key of a number it refers to -> its strongest relation
    reference_terms: Mapping[str, frozenset[str]]  # key -> how that number is written and said

    def score(self, keys: list[str], words: list[str]) -> float | None:
        """How well the document answers a search (None: not at all). With number keys, it must hold one of them
        itself or refer to it, and the other words of the query must describe it; without, every word must."""
        if not keys:
            return self._words_score(words, self.own_terms)
        best: float | None = None
        for key in keys:
            if key in self.own_keys:
                weight, known = OWN_WEIGHT, self.own_terms
            elif key in self.references:
                relation = self.references[key]
                weight, known = RELATION_WEIGHTS.get(relation, CITES_WEIGHT), self.own_terms | self.reference_terms[key]
            else:
                continue
            words_score = self._words_score(words, known)
            if words_score is not None and (best is None or weight + words_score > best):
                best = weight + words_score
        return best

    def _words_score(self, words: list[str], known: frozenset[str]) -> float | None:
        if not all(w in known for w in words):
            return None
        return sum(TITLE_WORD if w in self.title_terms else OTHER_WORD for w in words)


class Catalog:
    """The relations graph and an Entry per document of one opened index."""

    def __init__(self, index: DocumentIndex) -> None:
        self.graph = Graph(index.documents, index.owners)
        self.entries = {doc_id: _entry(doc_id, record.meta) for doc_id, record in sorted(index.documents.items())}
        self._values = {facet: self._collect(facet) for facet in ("kind", "issuer", "year", "place")}

    def values(self, facet: str) -> list[str]:
        """Every value a facet takes in the collection (places: every place named, not only provinces)."""
        return self._values[facet]

    def _collect(self, facet: str) -> list[str]:
        found: set[str] = set()
        for entry in self.entries.values():
            found.update(facet_values(entry, facet, every_place=True))
        return sorted(found, reverse=facet == "year")


def facet_values(entry: Entry, facet: str, every_place: bool = False) -> tuple[str, ...]:
    """The values of one facet ("kind", "issuer", "year", "place") a document has."""
    if facet == "kind":
        return (entry.kind,)
    if facet == "issuer":
        return (entry.issuer,) if entry.issuer else ()
    if facet == "year":
        return (entry.year,) if entry.year else ()
    return entry.places if every_place else entry.provinces


def _entry(doc_id: str, meta: DocumentMeta) -> Entry:
    own_keys = frozenset(document_keys(meta.number, meta.kind))
    references: dict[str, str] = {}
    reference_terms: dict[str, frozenset[str]] = {}
    for ref in meta.references:  # strongest first: the first relation of a key stays
        key = ref.get("key") or number_key(ref.get("number", ""))
        if key and key not in references:
            references[key] = ref.get("relation", "cites")
            reference_terms[key] = terms([ref.get("number"), describe_key(key)])
    described = [meta.title, meta.subject, meta.kind, meta.number, meta.issuer, meta.signer, meta.place]
    return Entry(
        doc_id=doc_id,
        date=meta.date,
        kind=meta.kind,
        issuer=meta.issuer,
        year=meta.date[:4] if meta.date else None,
        places=tuple(meta.places),
        provinces=tuple(p for p in meta.places if p.startswith(PROVINCE_UNITS)),
        title_terms=terms([meta.title]),
        own_terms=terms([*described, *meta.places, *meta.parts, *(describe_key(k) for k in own_keys)]),
        own_keys=own_keys,
        references=references,
        reference_terms=reference_terms,
    )
