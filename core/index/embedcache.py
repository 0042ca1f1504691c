"""The embedding cache: passage vectors keyed by (embedder identity, sha256 of the text as embedded).

Chunk ids follow a document's hash, so an edited document, a new processing version or a passage repeated in
another document gets new chunk ids for texts embedded before; the cache gives their vectors back instead of
running the model again. It is one SQLite file of the index directory (`Layout.embed_cache`), written only by the
ingest that holds the index's lock, each batch in its own transaction: a killed run leaves every committed batch
usable and at most one batch rolled back. Garbage is collected at each commit of the index: an entry no live
chunk uses, or written by another embedder identity, is dropped — the file never holds more than the live index.

The identity is the embedder's name, its query and passage prefixes and its dimension: a model read with other
prefixes or another size never reads these vectors. Weights changed under the same name are not detected.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

LOOKUP_BATCH = 500  # hashes per SELECT: far under SQLite's variable limit

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    identity TEXT NOT NULL,
    text_sha TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (identity, text_sha)
) WITHOUT ROWID
"""


def text_sha(text: str) -> str:
    """The cache key of a passage: sha256 of its UTF-8 bytes, exactly as the embedder reads them."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def embedder_identity(embedder: Any) -> str:
    """Who made a vector: name, query and passage prefixes, dimension (a short hash of them)."""
    parts = {
        "name": embedder.name,
        "query_prefix": getattr(embedder, "query_prefix", ""),
        "passage_prefix": getattr(embedder, "passage_prefix", ""),
        "dim": int(embedder.dim),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode("utf-8")).hexdigest()[:32]


class EmbedCache:
    """Vectors of one embedder identity in one SQLite file; open it while holding the index's write lock."""

    def __init__(self, path: Path, identity: str, dim: int) -> None:
        self.path = path
        self.identity = identity
        self.dim = dim
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None)  # explicit transactions below
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(_SCHEMA)

    def get(self, shas: Sequence[str]) -> dict[str, np.ndarray]:
        """The cached vectors among `shas` (float32, shape (dim,)); a missing or malformed entry is absent."""
        out: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(shas))
        for start in range(0, len(unique), LOOKUP_BATCH):
            part = unique[start : start + LOOKUP_BATCH]
            marks = ",".join("?" * len(part))
            rows = self._db.execute(
                f"SELECT text_sha, vector FROM vectors WHERE identity = ? AND text_sha IN ({marks})",
                [self.identity, *part],
            )
            for sha, blob in rows:
                vector = np.frombuffer(blob, dtype=np.float32)
                if vector.shape == (self.dim,):
                    out[sha] = vector.copy()
        return out

    def put(self, shas: Sequence[str], vectors: np.ndarray) -> None:
        """Store one batch in one transaction: after a crash it is all there or not at all."""
        rows = np.asarray(vectors, dtype=np.float32).reshape(len(shas), self.dim)
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors (identity, text_sha, vector) VALUES (?, ?, ?)",
                [(self.identity, sha, row.tobytes()) for sha, row in zip(shas, rows, strict=True)],
            )

    def keep_only(self, live: Iterable[str]) -> int:
        """Drop every entry not of this identity or not in `live` (the hashes the committed chunks use)."""
        with self._transaction():
            self._db.execute("CREATE TEMP TABLE IF NOT EXISTS live (text_sha TEXT PRIMARY KEY)")
            self._db.execute("DELETE FROM live")
            self._db.executemany("INSERT OR IGNORE INTO live VALUES (?)", ((sha,) for sha in live))
            cursor = self._db.execute(
                "DELETE FROM vectors WHERE identity != ? OR text_sha NOT IN (SELECT text_sha FROM live)",
                [self.identity],
            )
            self._db.execute("DELETE FROM live")
        return cursor.rowcount

    def count(self) -> int:
        """Entries of every identity (what the file holds)."""
        return int(self._db.execute("SELECT count(*) FROM vectors").fetchone()[0])

    def close(self) -> None:
        self._db.close()

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK when the block raises."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")
