"""Lexical side of retrieval: BM25 (bm25s) over Vietnamese syllables, accented and diacritic-folded.

Two fields are indexed: NFC-lowercased syllables (+ syllable bigrams, which stand in for Vietnamese
two-syllable words) and the same with diacritics folded, so "nghi quyet 57" matches "Nghị quyết 57".
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from core.index.restorer import DiacriticRestorer
from core.vntext import fold, syllables

logger = logging.getLogger(__name__)


def accented_tokens(text: str) -> list[str]:
    """Syllables plus adjacent-syllable bigrams, lowercase NFC."""
    syl = syllables(text)
    return syl + [f"{a}_{b}" for a, b in zip(syl, syl[1:], strict=False)]


def folded_tokens(text: str) -> list[str]:
    """accented_tokens with diacritics removed."""
    return [fold(tok) for tok in accented_tokens(text)]


class LexicalIndex:
    """BM25 scores over both fields for every chunk, in a fixed chunk order.

    An index of no chunks is valid (every document removed): bm25s cannot index an empty corpus, so it
    holds no BM25 fields and scores every query as an empty array.
    """

    def __init__(self, chunk_ids: list[str], accented, folded, restorer: DiacriticRestorer) -> None:
        self.chunk_ids = chunk_ids
        self._accented = accented
        self._folded = folded
        self.restorer = restorer

    @classmethod
    def build(cls, chunk_ids: list[str], texts: list[str]) -> LexicalIndex:
        """Index texts (one per chunk id)."""
        if len(chunk_ids) != len(texts):
            raise ValueError(f"{len(chunk_ids)} chunk ids for {len(texts)} texts")
        restorer = DiacriticRestorer.train(texts)
        if not texts:
            return cls([], None, None, restorer)
        import bm25s  # heavy-ish import kept out of module import time

        acc = [accented_tokens(t) or [""] for t in texts]
        accented = bm25s.BM25()
        accented.index(acc, show_progress=False)
        folded = bm25s.BM25()
        folded.index([[fold(tok) for tok in toks] for toks in acc], show_progress=False)
        return cls(list(chunk_ids), accented, folded, restorer)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        if self.chunk_ids:
            self._accented.save(str(directory / "bm25_accented"))
            self._folded.save(str(directory / "bm25_folded"))
        (directory / "chunk_ids.json").write_text(json.dumps(self.chunk_ids), encoding="utf-8")
        self.restorer.save(directory / "restore.json")

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        chunk_ids = json.loads((directory / "chunk_ids.json").read_text(encoding="utf-8"))
        restorer = DiacriticRestorer.load(directory / "restore.json")
        if not chunk_ids:
            return cls([], None, None, restorer)
        import bm25s

        accented = bm25s.BM25.load(str(directory / "bm25_accented"))
        folded = bm25s.BM25.load(str(directory / "bm25_folded"))
        return cls(chunk_ids, accented, folded, restorer)

    def scores(self, query: str) -> np.ndarray:
        """BM25 over both fields; a query typed without diacritics is scored on the folded field only."""
        tokens = accented_tokens(query)
        if not tokens or not self.chunk_ids:
            return np.zeros(len(self.chunk_ids), dtype=np.float32)
        folded = self._folded.get_scores([fold(t) for t in tokens])
        if fold(query) == query:
            return np.asarray(folded, dtype=np.float32)
        accented = self._accented.get_scores(tokens)
        return np.asarray(0.5 * accented + 0.5 * folded, dtype=np.float32)
