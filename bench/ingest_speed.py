"""Ingestion throughput against the raw embedder, and the cost of a re-run that changes nothing.

    python bench/ingest_speed.py [--documents DIR] [--repeat N]

Prints figures only; targets: ingestion overhead <= 10 % over the raw embedder, no-change re-run <= 2 s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from collections import Counter
from pathlib import Path

from _common import (
    SAMPLE_DOCUMENTS,
    cli,
    import_seconds,
    median,
    print_load,
    print_machine,
    temp_dir,
    timed,
    use_repo_imports,
    verdict,
)

BATCH = 8  # the batch ingest.pipeline embeds with
QUERIES = ["Nghị quyết 57-NQ/TW được ban hành ngày nào?", "ai la truong ban chi dao tinh thai nguyen"]


class TimedEmbedder:
    """Wraps the real embedder to split ingestion time into embedding, token counting and the rest."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name = inner.name
        self.seconds: Counter[str] = Counter()

    @property
    def dim(self) -> int:
        return self.inner.dim

    def _call(self, method: str, arg):
        start = time.perf_counter()
        try:
            return getattr(self.inner, method)(arg)
        finally:
            self.seconds[method] += time.perf_counter() - start

    def embed_query(self, texts: list[str]):
        return self._call("embed_query", texts)

    def embed_documents(self, texts: list[str]):
        return self._call("embed_documents", texts)

    def count_tokens(self, text: str) -> int:
        return self._call("count_tokens", text)


def chunk_texts(index_dir: Path) -> list[str]:
    """The exact strings the pipeline embedded, read back from the index's document records."""
    from core.index.layout import read_manifest, read_record
    from ingest.chunking import embedding_text

    manifest = read_manifest(index_dir)
    assert manifest is not None, f"no manifest in {index_dir}"
    texts = []
    for entry in manifest.documents.values():
        record = read_record(index_dir, entry.record)
        texts.extend(embedding_text(record.meta.title, chunk) for chunk in record.chunks)
    return texts


def raw_seconds(embedder, texts: list[str], batch: int) -> float:
    start = time.perf_counter()
    for i in range(0, len(texts), batch):
        embedder.embed_documents(texts[i : i + batch])
    return time.perf_counter() - start


def measure_raw(embedder, texts: list[str], repeat: int) -> dict[str, float]:
    """Median seconds over `repeat` runs: batches of 8, then one call with every text."""
    batched = [raw_seconds(embedder, texts, BATCH) for _ in range(repeat)]
    whole = [raw_seconds(embedder, texts, len(texts)) for _ in range(repeat)]
    query_ms = []
    for _ in range(max(repeat, 1) * 10):
        for q in QUERIES:
            query_ms.append(timed(lambda q=q: embedder.embed_query([q]))[1] * 1e3)
    return {"batch8": median(batched), "all": median(whole), "query_ms": median(query_ms)}


def ingest_fresh(settings, embedder, documents: Path, index_dir: Path):
    from ingest.pipeline import ChunkingOptions, Ingestor

    options = ChunkingOptions(target_chars=settings.chunk_target_chars, max_chars=settings.chunk_max_chars)
    return timed(lambda: Ingestor(index_dir, embedder, options).run(documents))


def report_fresh(summary, seconds: float, spy: TimedEmbedder) -> None:
    print(f"\nfresh ingest: {summary.documents} documents, {summary.chunks} chunks in {seconds:.2f} s")
    print(f"  throughput:            {summary.chunks / seconds:.1f} chunks/s")
    embed, tokens = spy.seconds["embed_documents"], spy.seconds["count_tokens"]
    print(f"  inside embed_documents {embed:.2f} s; count_tokens (chunk fitting) {tokens:.2f} s")
    print(f"  everything else        {seconds - embed - tokens:.2f} s (load, clean, chunk, Chroma, BM25, JSON)")


def report_raw(raw: dict[str, float], chunks: int, ingest_s: float, outside_s: float, repeat: int) -> None:
    print(f"\nraw embedder on the same {chunks} texts (median of {repeat}):")
    print(f"  batches of {BATCH}:   {raw['batch8']:.2f} s = {chunks / raw['batch8']:.1f} chunks/s")
    print(f"  one call (all): {raw['all']:.2f} s = {chunks / raw['all']:.1f} chunks/s")
    print(f"  one query:      {raw['query_ms']:.1f} ms (median)")
    overhead = (ingest_s / raw["batch8"] - 1) * 100
    print(f"ingestion overhead over the raw embedder (batch {BATCH}): {overhead:+.1f} % ({verdict(overhead, 10)} 10 %)")
    # The embedder's speed drifts with other load on the machine; the work outside it does not, much.
    outside = outside_s / raw["batch8"] * 100
    print(f"  work outside the embedder / raw embed time: {outside:.1f} % ({verdict(outside, 10)} 10 %)")
    fixed = {m: import_seconds(m) for m in ("chromadb", "bm25s")}
    print("  fixed per-process costs inside it: " + ", ".join(f"import {m} {s:.2f} s" for m, s in fixed.items()))


def report_warm(settings, embedder, documents: Path, raw_batch8: float) -> None:
    """A second fresh index in the same process: the imports are paid, what is left is per-run work."""
    index_dir, spy = temp_dir("ingest-warm"), TimedEmbedder(embedder)
    try:
        _, seconds = ingest_fresh(settings, spy, documents, index_dir)
    finally:
        shutil.rmtree(index_dir, ignore_errors=True)
    outside = seconds - spy.seconds["embed_documents"] - spy.seconds["count_tokens"]
    print(f"\nsecond fresh ingest, same process (imports already paid): {seconds:.2f} s")
    print(f"  outside the embedder {outside:.2f} s = {outside / raw_batch8 * 100:.1f} % of the raw embed time")


def report_rerun(settings, embedder, documents: Path, index_dir: Path) -> None:
    summary, seconds = ingest_fresh(settings, embedder, documents, index_dir)
    print(f"\nre-run, nothing changed (in process): {seconds:.3f} s, {summary.chunks_embedded} embedded")
    proc, wall = cli("ingest", "--json", "--documents", str(documents), "--index", str(index_dir))
    inner = json.loads(proc.stdout)["seconds"]
    print(f"re-run via `python -m assistant.cli ingest --json`: {wall:.2f} s wall ({verdict(wall, 2)} 2 s)")
    print(f"  of which the pipeline itself reported {inner:.3f} s")
    _, help_s = cli("--help")
    print(f"  `python -m assistant.cli --help` alone (interpreter + CLI imports): {help_s:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=Path, default=SAMPLE_DOCUMENTS)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the raw-embedder measurement (median)")
    args = parser.parse_args()
    use_repo_imports()
    from core.config import Settings
    from core.embedders import build_embedder

    print_machine()
    settings = Settings()
    embedder = build_embedder(settings)
    _, load_s = timed(lambda: embedder.embed_documents(["khởi động"]))
    print(f"embedder: {embedder.name}, model load + first call {load_s:.2f} s (not counted below)")
    index_dir = temp_dir("ingest")
    try:
        spy = TimedEmbedder(embedder)
        summary, ingest_s = ingest_fresh(settings, spy, args.documents.resolve(), index_dir)
        report_fresh(summary, ingest_s, spy)
        outside_s = ingest_s - spy.seconds["embed_documents"] - spy.seconds["count_tokens"]
        texts = chunk_texts(index_dir)
        raw = measure_raw(embedder, texts, args.repeat)
        report_raw(raw, len(texts), ingest_s, outside_s, args.repeat)
        report_warm(settings, embedder, args.documents.resolve(), raw["batch8"])
        report_rerun(settings, embedder, args.documents.resolve(), index_dir)
    finally:
        shutil.rmtree(index_dir, ignore_errors=True)
    print_load("at end")


if __name__ == "__main__":
    main()
