"""The relations between the documents of an index: their stored references resolved to documents, both ways.

Each record carries the documents it refers to and how (DocumentMeta.references, written by ingest.relations), so
the graph lives in the index directory and a record is rewritten only with its document. Here, once per opened
index, every reference is resolved to the documents of the collection that own its number — a document's own
number, or the number of one of the documents a file holds ("Kết luận số 69-KL/TW" inside the file of Nghị quyết
57) — and turned around: what cites, implements, reports on, replaces or amends a document. A number no document
owns stays an edge to nothing: the collection lacks that document.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from core.docnumbers import find_numbers, number_key
from core.index.layout import DocRecord
from core.vntext import fold

# How one document refers to another, strongest first: a document citing another several ways keeps the first.
RELATIONS = ("replaces", "amends", "implements", "reports", "based_on", "cites")

_PARTY_RE = re.compile(r"(?P<serial>\d+)-(?P<kind>[^/]+)/(?P<issuer>.+)")  # 57-NQ/TW
_STATE_RE = re.compile(r"(?P<serial>\d+)/(?:(?P<year>\d{4})/)?(?P<kind>[^/-]+)-(?P<issuer>.+)")  # 16/2025/NĐ-CP
_LAW_RE = re.compile(r"(?P<serial>\d+)/(?P<year>\d{4})/(?P<issuer>[^/-]+)")  # 91/2015/QH13


@dataclass(frozen=True)
class Edge:
    """`source` refers to the document numbered `number` as `relation`; `target` is that document, if held."""

    source: str
    relation: str
    number: str
    key: str
    target: str | None


def _parts(number: str) -> tuple[int, str | None, str | None] | None:
    """(serial, year, issuer) of a canonical number, folded; None for a form none of the patterns reads."""
    for pattern in (_PARTY_RE, _STATE_RE, _LAW_RE):
        m = pattern.fullmatch(fold(number).upper())
        if m:
            return int(m["serial"]), m.groupdict().get("year"), m["issuer"]
    return None


def numbers_agree(cited: str, own: str | None) -> bool:
    """Whether a number cited as `cited` can be the document numbered `own`, once their keys matched.

    Keys drop the issuer and the year ("nq:57"), so "57-NQ/TW" and "57/NQ-CP" share one; the issuer and the year,
    when both numbers print them, must agree ("71-NQ/CP" as a newspaper writes it is "71/NQ-CP").
    """
    if not own:
        return False
    a, b = _parts(cited), _parts(own)
    if a is None or b is None:
        return number_key(cited) == number_key(own)
    years_agree = a[1] is None or b[1] is None or a[1] == b[1]
    return a[0] == b[0] and years_agree and (a[2] is None or b[2] is None or a[2] == b[2])


class Graph:
    """Edges out of and into every document of a collection, resolved once (nothing of the records is kept)."""

    def __init__(self, documents: Mapping[str, DocRecord], owners: Mapping[str, list[str]]) -> None:
        resolver = _Resolver(documents, owners)
        self.outgoing: dict[str, list[Edge]] = {}
        self.incoming: dict[str, list[Edge]] = {}
        self.copies: dict[str, list[str]] = {}  # other documents with the same own number (the same text twice)
        for doc_id in sorted(documents):
            for edge in resolver.edges_of(doc_id):
                self.outgoing.setdefault(doc_id, []).append(edge)
                if edge.target is not None:
                    self.incoming.setdefault(edge.target, []).append(edge)
            if copies := resolver.copies_of(doc_id):
                self.copies[doc_id] = copies

    def out_of(self, doc_id: str) -> list[Edge]:
        return self.outgoing.get(doc_id, [])

    def into(self, doc_id: str) -> list[Edge]:
        return self.incoming.get(doc_id, [])

    def copies_of(self, doc_id: str) -> list[str]:
        return self.copies.get(doc_id, [])


class _Resolver:
    """Numbers to the documents that own them: by their own number, else as a document a file holds."""

    def __init__(self, documents: Mapping[str, DocRecord], owners: Mapping[str, list[str]]) -> None:
        self._documents = documents
        self._owners = owners
        self._part_owners = _part_owners(documents)

    def edges_of(self, doc_id: str) -> list[Edge]:
        meta = self._documents[doc_id].meta
        own_parts = {number_key(n) for title in meta.parts for n in find_numbers(title)}
        edges = []
        for ref in meta.references:
            key, number, relation = ref.get("key", ""), ref.get("number", ""), ref.get("relation", "cites")
            if key in own_parts or (meta.number and numbers_agree(number, meta.number)):
                continue  # a number of its own, or of a document the same file holds
            targets: list[str | None] = [*self.owners_of(key, number, exclude=doc_id)] or [None]
            edges += [Edge(doc_id, relation, number, key, target) for target in targets]
        return edges

    def copies_of(self, doc_id: str) -> list[str]:
        number = self._documents[doc_id].meta.number
        if not number:
            return []
        held = self._owners.get(number_key(number), [])
        return [d for d in held if d != doc_id and numbers_agree(number, self._documents[d].meta.number)]

    def owners_of(self, key: str, number: str, exclude: str) -> list[str]:
        own = self._owners.get(key, [])
        found = [d for d in own if d != exclude and numbers_agree(number, self._documents[d].meta.number)]
        if found:
            return found
        return [d for d, held in self._part_owners.get(key, []) if d != exclude and numbers_agree(number, held)]


def _part_owners(documents: Mapping[str, DocRecord]) -> dict[str, list[tuple[str, str]]]:
    """Key → (file's document id, number) for the documents a file holds beside its first one."""
    found: dict[str, list[tuple[str, str]]] = {}
    for doc_id, record in sorted(documents.items()):
        for title in record.meta.parts:
            for number in find_numbers(title):
                found.setdefault(number_key(number), []).append((doc_id, number))
    return found
