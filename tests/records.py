"""Document records made as ingestion makes them, without an embedder: for tests of what reads an index."""

from __future__ import annotations

from pathlib import Path

from core.index.layout import DocRecord
from ingest.chunking import chunk_text
from ingest.clean import clean_text
from ingest.loaders import load_text
from ingest.metadata import extract_metadata
from ingest.parts import find_parts
from ingest.tables import flatten_tables


def describe(path: Path) -> DocRecord:
    """One file as ingest.pipeline turns it into a record (without the embedder's token limit)."""
    raw = load_text(path)
    cleaned = flatten_tables(clean_text(raw))
    meta = extract_metadata(path.stem, path.name, raw, cleaned)
    parts = find_parts(cleaned)
    meta.parts = [part.title for part in parts]
    return DocRecord(meta, cleaned, chunk_text(path.stem, cleaned, id_prefix=path.stem, parts=parts))
