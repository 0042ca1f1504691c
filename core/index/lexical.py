"""Lexical side of retrieval: BM25 over Vietnamese syllables, accented and diacritic-folded.

Two fields are indexed: NFC-lowercased syllables (+ syllable bigrams, which stand in for Vietnamese
two-syllable words) and the same with diacritics folded, so "nghi quyet 57" matches "Nghị quyết 57".

The index is a list of immutable segments plus the ids removed since (tombstones). An ingest that changes a few
documents adds one segment for their chunks and marks their old chunks removed: its cost follows what changed,
not the collection. BM25's statistics (chunk count, document frequencies, average length) are taken at query time
over the live chunks of every segment, so scores are those of one index built from scratch over the same chunks.
When removed chunks or segments pile up, the pipeline rebuilds one segment from all texts (`needs_compaction`).
Segment arrays are saved as .npy files and memory-mapped on load; a new generation hard-links the unchanged ones.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.index.restorer import DiacriticRestorer
from core.vntext import fold, syllables

logger = logging.getLogger(__name__)

K1, B = 1.5, 0.75  # BM25 (Lucene's idf), as bm25s scored before
FIELDS = ("accented", "folded")
SEGMENTS_FILE = "segments.json"
MAX_SEGMENTS = 8  # more, or more than MAX_REMOVED_SHARE of the chunks removed: rebuild in one segment
MAX_REMOVED_SHARE = 0.25
MAX_TERM_BYTES = 64  # longer terms (a URL, a run of digits) are cut: the term array is as wide as its longest


def accented_tokens(text: str) -> list[str]:
    """Syllables plus adjacent-syllable bigrams, lowercase NFC."""
    syl = syllables(text)
    return syl + [f"{a}_{b}" for a, b in zip(syl, syl[1:], strict=False)]


def folded_tokens(text: str) -> list[str]:
    """accented_tokens with diacritics removed."""
    return [fold(tok) for tok in accented_tokens(text)]


def text_digest(text: str) -> str:
    """sha256 hex of a text: the segment keeps it per chunk, so an ingest knows the live texts without reading them."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class _Field:
    """Postings of one field of one segment: sorted terms, each term's chunks and counts, chunk lengths."""

    terms: np.ndarray  # sorted unique terms, UTF-8 bytes
    starts: np.ndarray  # int64, len(terms) + 1: term i's postings are [starts[i], starts[i + 1])
    chunks: np.ndarray  # int32 position of the chunk in its segment
    counts: np.ndarray  # float32 occurrences of the term in that chunk
    lengths: np.ndarray  # float32 tokens per chunk

    @classmethod
    def build(cls, token_lists: list[list[str]]) -> _Field:
        vocab: dict[bytes, int] = {}
        rows, cols, vals = [], [], []
        for position, tokens in enumerate(token_lists):
            for term, count in Counter(map(_key, tokens)).items():
                rows.append(vocab.setdefault(term, len(vocab)))
                cols.append(position)
                vals.append(count)
        words = np.array(list(vocab) or [b""], dtype=bytes)[: len(vocab)]
        order = np.argsort(words, kind="stable")  # term ids in the order of their sorted bytes
        rank = np.empty(len(vocab), dtype=np.int64)
        rank[order] = np.arange(len(vocab))
        term_of = rank[np.asarray(rows, dtype=np.int64)]
        by_term = np.argsort(term_of, kind="stable")
        starts = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(np.bincount(term_of, minlength=len(vocab)), out=starts[1:])
        return cls(
            words[order],
            starts,
            np.asarray(cols, dtype=np.int32)[by_term],
            np.asarray(vals, dtype=np.float32)[by_term],
            np.array([len(t) for t in token_lists], dtype=np.float32),
        )

    def postings(self, term: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        i = int(np.searchsorted(self.terms, term))
        if i >= len(self.terms) or self.terms[i] != term:
            return None
        return self.chunks[self.starts[i] : self.starts[i + 1]], self.counts[self.starts[i] : self.starts[i + 1]]

    def save(self, directory: Path, name: str) -> None:
        for part in ("terms", "starts", "chunks", "counts", "lengths"):
            np.save(directory / f"{name}.{part}.npy", getattr(self, part), allow_pickle=False)

    @classmethod
    def load(cls, directory: Path, name: str) -> _Field:
        terms, starts, chunks, counts = (
            np.load(directory / f"{name}.{p}.npy", mmap_mode="r") for p in ("terms", "starts", "chunks", "counts")
        )
        return cls(terms, starts, chunks, counts, np.load(directory / f"{name}.lengths.npy"))


@dataclass
class _Segment:
    name: str  # its files are <name>.*; kept across generations by hard links
    chunk_ids: list[str]
    fields: dict[str, _Field]

    @classmethod
    def build(cls, name: str, chunk_ids: list[str], texts: list[str]) -> _Segment:
        accented = [accented_tokens(t) or [""] for t in texts]
        folded = [[fold(tok) for tok in toks] for toks in accented]
        return cls(name, list(chunk_ids), {"accented": _Field.build(accented), "folded": _Field.build(folded)})


class LexicalIndex:
    """BM25 scores over both fields for every live chunk, in a fixed chunk order (`chunk_ids`).

    An index of no chunks is valid (every document removed): it scores every query as an empty array.
    """

    def __init__(
        self, segments: list[_Segment], removed: set[str], restorer: DiacriticRestorer, source: Path | None = None
    ) -> None:
        self._segments = segments
        self._removed = set(removed)
        self.restorer = restorer
        self._source = source  # the directory the segments' files are in (None: built in memory, not saved yet)
        all_ids = [cid for seg in segments for cid in seg.chunk_ids]
        self._total = len(all_ids)
        self._offsets = np.cumsum([0] + [len(seg.chunk_ids) for seg in segments])
        # Live: not removed, and the last copy of its id (a document changed back re-adds chunks a segment holds)
        self._alive = np.zeros(self._total, dtype=bool)
        seen: set[str] = set()
        for i in range(self._total - 1, -1, -1):
            self._alive[i] = all_ids[i] not in seen and all_ids[i] not in self._removed
            seen.add(all_ids[i])
        self._live: np.ndarray | None = None if self._alive.all() else np.flatnonzero(self._alive)
        self.chunk_ids = all_ids if self._live is None else [all_ids[i] for i in self._live]
        self._lengths = {f: self._field_lengths(f) for f in FIELDS}
        live_lengths = {f: lengths[self._alive] for f, lengths in self._lengths.items()}
        self._avgdl = {f: float(v.mean()) if len(v) else 1.0 for f, v in live_lengths.items()}
        # BM25's length part of the denominator, per chunk: computed once here, not per posting and query
        self._length_norm = {
            f: (K1 * (1 - B) + K1 * B * self._lengths[f] / self._avgdl[f]).astype(np.float32) for f in FIELDS
        }
        self._text_shas: list[str] | None = None

    def _field_lengths(self, field: str) -> np.ndarray:
        parts = [np.asarray(seg.fields[field].lengths) for seg in self._segments]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)

    @classmethod
    def build(cls, chunk_ids: list[str], texts: list[str]) -> LexicalIndex:
        """Index texts (one per chunk id) in one segment."""
        if len(chunk_ids) != len(texts):
            raise ValueError(f"{len(chunk_ids)} chunk ids for {len(texts)} texts")
        index = cls([_Segment.build("seg-0", chunk_ids, texts)], set(), DiacriticRestorer.train(texts))
        index._text_shas = [text_digest(t) for t in texts]
        return index

    def updated(self, removed: set[str], chunk_ids: list[str], texts: list[str]) -> LexicalIndex:
        """This index without the `removed` chunks and with new ones: one segment more, nothing re-read.

        The restorer learns the new texts' syllables; what removed texts taught it stays until the next rebuild
        (it only ranks the accented forms a folded query may stand for).
        """
        if len(chunk_ids) != len(texts):
            raise ValueError(f"{len(chunk_ids)} chunk ids for {len(texts)} texts")
        gone = (self._removed | set(removed)) - set(chunk_ids)
        segments = list(self._segments)
        number = 1 + max((int(seg.name.split("-")[1]) for seg in segments), default=-1)
        if chunk_ids:
            segments.append(_Segment.build(f"seg-{number}", chunk_ids, texts))
        index = LexicalIndex(segments, gone, _merged(self.restorer, DiacriticRestorer.train(texts)), self._source)
        old_shas = self.text_shas_all()
        index._text_shas = [*old_shas, *(text_digest(t) for t in texts)] if old_shas is not None else None
        return index

    def needs_compaction(self, removed: int, added: int) -> bool:
        """True when an update would leave too many segments or removed chunks: rebuild from all texts instead."""
        total = self._total + added
        dead = self._total - len(self.chunk_ids) + removed
        return len(self._segments) + 1 > MAX_SEGMENTS or (total > 0 and dead / total > MAX_REMOVED_SHARE)

    def text_shas(self) -> list[str] | None:
        """sha256 of each live chunk's indexed text, in `chunk_ids` order; None for an index saved without them."""
        every = self.text_shas_all()
        if every is None or self._live is None:
            return every
        return [every[i] for i in self._live]

    def text_shas_all(self) -> list[str] | None:
        if self._text_shas is None and self._source is not None:
            path = self._source / "text_shas.json"
            self._text_shas = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
        return self._text_shas

    def save(self, directory: Path) -> None:
        """Write the index; segments already saved in another directory are hard-linked (copied if links fail)."""
        directory.mkdir(parents=True, exist_ok=True)
        for seg in self._segments:
            if self._source is not None and self._source != directory and (self._source / seg.name).exists():
                _link_tree(self._source / seg.name, directory / seg.name)
            else:
                (directory / seg.name).mkdir(exist_ok=True)
                for name, field in seg.fields.items():
                    field.save(directory / seg.name, name)
                (directory / seg.name / "chunk_ids.json").write_text(json.dumps(seg.chunk_ids), encoding="utf-8")
        listing = {"segments": [seg.name for seg in self._segments], "removed": sorted(self._removed)}
        (directory / SEGMENTS_FILE).write_text(json.dumps(listing), encoding="utf-8")
        (directory / "chunk_ids.json").write_text(json.dumps(self.chunk_ids), encoding="utf-8")
        if self._text_shas is not None:
            (directory / "text_shas.json").write_text(json.dumps(self._text_shas), encoding="utf-8")
        self.restorer.save(directory / "restore.json")

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        restorer = DiacriticRestorer.load(directory / "restore.json")
        if not (directory / SEGMENTS_FILE).exists():
            return _legacy(directory, restorer)
        listing = json.loads((directory / SEGMENTS_FILE).read_text(encoding="utf-8"))
        segments = [_load_segment(directory, name) for name in listing["segments"]]
        return cls(segments, set(listing["removed"]), restorer, directory)

    @staticmethod
    def can_update(directory: Path) -> bool:
        """Whether the index saved in `directory` is segmented (an older bm25s one is rebuilt instead)."""
        return (directory / SEGMENTS_FILE).exists() and (directory / "text_shas.json").exists()

    def scores(self, query: str) -> np.ndarray:
        """BM25 over both fields; a query typed without diacritics is scored on the folded field only."""
        tokens = accented_tokens(query)
        if not tokens or not self.chunk_ids:
            return np.zeros(len(self.chunk_ids), dtype=np.float32)
        folded = self._field_scores("folded", [fold(t) for t in tokens])
        accented = fold(query) != query  # typed without diacritics: the folded field only
        out = 0.5 * self._field_scores("accented", tokens) + 0.5 * folded if accented else folded
        return np.asarray(out if self._live is None else out[self._live], dtype=np.float32)

    def _field_scores(self, field: str, tokens: list[str]) -> np.ndarray:
        scores = np.zeros(self._total, dtype=np.float32)
        n = len(self.chunk_ids)
        length_norm = self._length_norm[field]
        for term, times in Counter(map(_key, tokens)).items():
            found = [
                (chunks + self._offsets[i], counts)
                for i, seg in enumerate(self._segments)
                if (hit := seg.fields[field].postings(term)) is not None
                for chunks, counts in [hit]
            ]
            if not found:
                continue
            positions = np.concatenate([p for p, _ in found])
            tf = np.concatenate([c for _, c in found])
            df = int(self._alive[positions].sum()) if self._live is not None else len(positions)
            if df == 0:
                continue
            weight = np.float32(times * np.log(1.0 + (n - df + 0.5) / (df + 0.5)))  # idf, per query occurrence
            scores[positions] += weight * tf / (tf + length_norm[positions])  # no (k1 + 1) factor: as bm25s
        return scores


def _key(term: str) -> bytes:
    return term.encode("utf-8")[:MAX_TERM_BYTES]


def _load_segment(directory: Path, name: str) -> _Segment:
    chunk_ids = json.loads((directory / name / "chunk_ids.json").read_text(encoding="utf-8"))
    return _Segment(name, chunk_ids, {f: _Field.load(directory / name, f) for f in FIELDS})


def _link_tree(source: Path, target: Path) -> None:
    target.mkdir(exist_ok=True)
    for path in source.iterdir():
        try:
            os.link(path, target / path.name)
        except OSError:  # another file system, or no hard links: a copy
            shutil.copy2(path, target / path.name)


def _merged(old: DiacriticRestorer, new: DiacriticRestorer) -> DiacriticRestorer:
    unigrams = {k: dict(v) for k, v in old.unigrams.items()}
    for folded, forms in new.unigrams.items():
        mine = Counter(unigrams.get(folded, {}))
        mine.update(forms)
        unigrams[folded] = dict(mine.most_common(6))
    bigrams = Counter(old.bigrams)
    bigrams.update(new.bigrams)
    return DiacriticRestorer(unigrams, dict(bigrams))


class _LegacyIndex(LexicalIndex):
    """An index saved by bm25s before segments: read as it is; the next ingest rebuilds it segmented."""

    def __init__(self, chunk_ids: list[str], accented: object, folded: object, restorer: DiacriticRestorer) -> None:
        super().__init__([], set(), restorer)
        self.chunk_ids = chunk_ids
        self._bm25 = {"accented": accented, "folded": folded}

    def scores(self, query: str) -> np.ndarray:
        tokens = accented_tokens(query)
        if not tokens or not self.chunk_ids:
            return np.zeros(len(self.chunk_ids), dtype=np.float32)
        folded = self._bm25["folded"].get_scores([fold(t) for t in tokens])  # type: ignore[attr-defined]
        if fold(query) == query:
            return np.asarray(folded, dtype=np.float32)
        accented = self._bm25["accented"].get_scores(tokens)  # type: ignore[attr-defined]
        return np.asarray(0.5 * accented + 0.5 * folded, dtype=np.float32)


def _legacy(directory: Path, restorer: DiacriticRestorer) -> LexicalIndex:
    chunk_ids = json.loads((directory / "chunk_ids.json").read_text(encoding="utf-8"))
    if not chunk_ids:
        return LexicalIndex([], set(), restorer)
    import bm25s  # only for an index saved before segments

    accented = bm25s.BM25.load(str(directory / "bm25_accented"))
    folded = bm25s.BM25.load(str(directory / "bm25_folded"))
    return _LegacyIndex(chunk_ids, accented, folded, restorer)
