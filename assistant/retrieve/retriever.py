"""Hybrid retrieval: dense (Chroma) + BM25 (accented and folded) + exact document-number match, fused."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np

from assistant.retrieve.filters import matches
from assistant.types import Filters, Passage
from assistant.understand.query import Query
from core.config import Settings
from core.docnumbers import find_numbers, number_key
from core.index.reader import IndexReader
from core.index.store import VectorStoreError
from core.vntext import folded_syllable_set

logger = logging.getLogger(__name__)

RRF_K = 60
METHODS = ("hybrid", "bm25", "dense")


class Retriever:
    """Ranks the chunks of one opened index for a query."""

    def __init__(self, index: IndexReader, embedder, settings: Settings) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.visible = set(index.chunks)
        self.lex_ids = index.lexical.chunk_ids
        self.chunk_keys = {
            cid: {number_key(n) for n in chunk.numbers} for cid, chunk in index.chunks.items() if chunk.numbers
        }
        # In a file holding several documents, the number of the one each chunk belongs to ("69-KL/TW").
        self.part_keys = {
            cid: {number_key(n) for n in find_numbers(chunk.part)} for cid, chunk in index.chunks.items() if chunk.part
        }
        # Inverted once per generation, so that a question naming a number costs what it matches, not the collection
        self.citing = _invert(self.chunk_keys)
        self.in_part = _invert(self.part_keys)

    # -- public -----------------------------------------------------------------------------
    def search(
        self, query: Query, k: int, filters: Filters | None = None, method: str = "hybrid", fusion: str | None = None
    ) -> list[Passage]:
        """Top-k passages, fused, filtered and de-duplicated, numbered 1..k."""
        return self.select(self.rank(query, filters, method, fusion or self.settings.fusion), k)

    def select(self, ranked: list[tuple[str, float]], k: int) -> list[Passage]:
        """The first k passages of a ranking, de-duplicated and numbered 1..k."""
        kept = self._dedupe(ranked, k)
        return [self._passage(n, cid, score) for n, (cid, score) in enumerate(kept, start=1)]

    def rank(self, query: Query, filters: Filters | None, method: str, fusion: str) -> list[tuple[str, float]]:
        """All candidate chunk ids with fused scores, best first."""
        allowed = self._allowed(filters)
        n = self.settings.candidates
        lists: list[tuple[list[tuple[str, float]], float]] = []
        if method in ("hybrid", "bm25"):
            lists.append((self._lexical(query, allowed, n), 1.0))
        if method in ("hybrid", "dense"):
            lists.append((self._dense(query, allowed, n), 1.0))
        if method == "hybrid" and query.number_keys:
            lists.append((self._numbers(query, allowed, lists[0][0]), 1.0))
        if len(lists) == 1:
            return lists[0][0]
        return rrf(lists) if fusion == "rrf" else weighted(lists)

    # -- components -------------------------------------------------------------------------
    def _lexical(self, query: Query, allowed: set[str] | None, n: int) -> list[tuple[str, float]]:
        scores = self.index.lexical.scores(query.search_text)
        positive = np.flatnonzero(scores > 0)
        # A partial sort of the best few first, not a full one over the collection; all of them only when a narrow
        # filter leaves too few of those few
        for m in (n if allowed is None else 4 * n, len(positive)):
            out: list[tuple[str, float]] = []
            for i in _best_first(scores, positive, m):
                cid = self.lex_ids[i]
                if cid in self.visible and (allowed is None or cid in allowed):
                    out.append((cid, float(scores[i])))
                    if len(out) >= n:
                        return out
            if m >= len(positive):
                break
        return out

    def dense_text(self, query: Query) -> str:
        """The embedder's view of the query: diacritics put back when the user typed none."""
        if query.no_diacritics:
            return self.index.lexical.restorer.restore(query.search_text)
        return query.text

    def _dense(self, query: Query, allowed: set[str] | None, n: int) -> list[tuple[str, float]]:
        vector = self.embedder.embed_query([self.dense_text(query)])[0]
        total = len(self.visible)
        if not total:
            return []
        doc_ids = None
        if allowed is not None:
            doc_ids = sorted({self.index.chunks[c].doc_id for c in allowed})
            if not doc_ids:
                return []
        try:
            nearest = self.index.store.query(vector, min(n, total), doc_ids)
        except VectorStoreError as exc:  # e.g. the index was rewritten under a running server: answer lexically
            logger.warning("dense retrieval failed, using lexical only (restart the server?): %s", exc)
            return []
        return [(cid, score) for cid, score in nearest if cid in self.visible]

    def _numbers(self, query: Query, allowed: set[str] | None, lexical: list[tuple[str, float]]):
        """The chunks of the documents whose own number the query gives, then chunks that merely cite it.

        Each group in lexical order: a task table citing "57-NQ/TW" forty times must not crowd out NQ 57 itself.
        """
        wanted = set(query.number_keys)
        lex_rank = {cid: i for i, (cid, _) in enumerate(lexical)}

        def usable(cid: str) -> bool:
            return (allowed is None or cid in allowed) and cid in self.visible

        def lexical_order(cids: Iterable[str]) -> list[str]:
            return sorted(cids, key=lambda cid: (lex_rank.get(cid, len(lex_rank)), cid))

        owners = {doc_id for key in wanted for doc_id in self.index.owners.get(key, [])}
        # A file of several documents: of its chunks, only those of the part asked about are its own.
        own_ids = {
            c.chunk_id for d in owners if d in self.index.documents for c in self.index.documents[d].chunks
            if c.chunk_id not in self.part_keys
        } | {cid for key in wanted for cid in self.in_part.get(key, ())}  # fmt: skip
        own = lexical_order(cid for cid in own_ids if usable(cid))
        taken = set(own)
        citing_ids = {cid for key in wanted for cid in self.citing.get(key, ())}
        citing = lexical_order(cid for cid in citing_ids if usable(cid) and cid not in taken)
        return [(cid, 1.0) for cid in [*own, *citing][: self.settings.candidates]]

    # -- filters, de-duplication, passages --------------------------------------------------
    def _allowed(self, filters: Filters | None) -> set[str] | None:
        if filters is None or filters.is_empty():
            return None
        docs = [d for d, r in self.index.documents.items() if matches(r.meta, filters)]
        return {c.chunk_id for d in docs for c in self.index.documents[d].chunks}

    def _dedupe(self, ranked: Iterable[tuple[str, float]], k: int) -> list[tuple[str, float]]:
        kept: list[tuple[str, float]] = []
        shingles: list[frozenset[str]] = []
        for cid, score in ranked:
            chunk = self.index.chunks[cid]
            tokens = folded_syllable_set(chunk.text)
            if any(_overlaps(chunk, self.index.chunks[k_id]) for k_id, _ in kept):
                continue
            twin = next((i for i, other in enumerate(shingles) if _jaccard(tokens, other) >= 0.85), None)
            if twin is not None:
                # The same text twice: a resolution reprinted inside a compilation. Cite the document itself.
                if self.index.chunks[kept[twin][0]].part and not chunk.part:
                    kept[twin] = (cid, kept[twin][1])
                    shingles[twin] = tokens
                continue
            kept.append((cid, score))
            shingles.append(tokens)
            if len(kept) >= k:
                break
        return kept

    def passage(self, cid: str) -> Passage:
        """One chunk as a passage, outside any ranking (the document card cites the chunk stating a fact)."""
        return self._passage(0, cid, 0.0)

    def _passage(self, n: int, cid: str, score: float) -> Passage:
        chunk = self.index.chunks[cid]
        meta = self.index.meta(chunk.doc_id)
        # In a file holding several documents, the passage is cited under the one it belongs to.
        return Passage(
            n=n, chunk_id=cid, doc_id=chunk.doc_id, title=chunk.part or meta.title, source=meta.source, text=chunk.text,
            score=round(score, 6), date=meta.date, kind=meta.kind, section=chunk.section,
            numbers=chunk.numbers, start=chunk.start, end=chunk.end,
        )  # fmt: skip


def rrf(lists: list[tuple[list[tuple[str, float]], float]]) -> list[tuple[str, float]]:
    """Reciprocal-rank fusion: each list adds weight / (60 + rank)."""
    scores: dict[str, float] = {}
    for ranked, weight in lists:
        for rank, (cid, _) in enumerate(ranked, start=1):
            scores[cid] = scores.get(cid, 0.0) + weight / (RRF_K + rank)
    return sorted(scores.items(), key=lambda item: -item[1])


def weighted(lists: list[tuple[list[tuple[str, float]], float]]) -> list[tuple[str, float]]:
    """Weighted sum of min-max normalised scores (a missing candidate scores 0 in that list)."""
    scores: dict[str, float] = {}
    for ranked, weight in lists:
        if not ranked:
            continue
        values = [s for _, s in ranked]
        low, high = min(values), max(values)
        span = (high - low) or 1.0
        for cid, s in ranked:
            norm = (s - low) / span if high > low else 1.0
            scores[cid] = scores.get(cid, 0.0) + weight * norm
    return sorted(scores.items(), key=lambda item: -item[1])


def _best_first(scores: np.ndarray, positive: np.ndarray, m: int) -> np.ndarray:
    """Of the positions `positive`, the `m` best by score, best first (ties in position order)."""
    if len(positive) > m:  # every position scoring at least the m-th best, so that ties keep position order
        cut = -np.partition(-scores[positive], m - 1)[m - 1]
        positive = positive[scores[positive] >= cut]
    return positive[np.argsort(-scores[positive], kind="stable")][:m]


def _invert(keys: dict[str, set[str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for cid, found in keys.items():
        for key in found:
            out.setdefault(key, []).append(cid)
    return out


def _overlaps(a, b) -> bool:
    return a.doc_id == b.doc_id and a.start < b.end and b.start < a.end


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0
