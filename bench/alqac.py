"""ALQAC 2022 article retrieval through the real pipeline: hit@1, hit@10, MRR@10, with and without diacritics.

Each of the 1,377 law articles becomes one document in documents/ of a temporary corpus; the questions
(520) are asked as written and folded to plain ASCII, as many people type. A retrieved chunk counts for
its article (doc id), duplicates of an article are collapsed, the first 10 articles are scored.

  python bench/alqac.py [--index DIR] [--methods hybrid,bm25,dense] [--limit N]

Ingesting embeds every article with the bundled model: ~15 minutes on 2 cores the first time; pass the
same --index again to reuse it. Reads ../shared/data at run time (never copied into the repository).
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from pathlib import Path

from assistant.deps import load_deps
from assistant.understand.query import understand
from core.config import Settings
from core.embedders import build_embedder
from core.vntext import fold
from ingest.pipeline import Ingestor, ProgressBar

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "alqac2022_legal_qa"


def doc_name(law_id: str, article_id: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "_", f"{law_id}__{article_id}")


def write_corpus(directory: Path) -> None:
    for law in json.loads((DATA / "law.json").read_text(encoding="utf-8")):
        for article in law["articles"]:
            path = directory / f"{doc_name(law['id'], article['id'])}.txt"
            if not path.exists():
                path.write_text(article["text"], encoding="utf-8")


def score(deps, questions: list[dict], method: str, folded: bool) -> dict[str, float]:
    hit1 = hit10 = mrr = 0.0
    started = time.perf_counter()
    for q in questions:
        gold = {doc_name(r["law_id"], r["article_id"]) for r in q["relevant_articles"]}
        query = understand(fold(q["text"]) if folded else q["text"])
        ranked = deps.retriever.rank(query, None, method, deps.settings.fusion)
        docs = list(dict.fromkeys(deps.index.chunks[cid].doc_id for cid, _ in ranked))[:10]
        ranks = [i for i, d in enumerate(docs, start=1) if d in gold]
        if ranks:
            hit1 += ranks[0] == 1
            hit10 += 1
            mrr += 1 / ranks[0]
    n = len(questions)
    ms = (time.perf_counter() - started) * 1e3 / n
    return {
        "hit@1": round(hit1 / n, 3),
        "hit@10": round(hit10 / n, 3),
        "mrr@10": round(mrr / n, 3),
        "ms/q": round(ms, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--methods", default="hybrid,bm25,dense")
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions")
    args = parser.parse_args()
    if not DATA.exists():
        raise SystemExit(f"ALQAC data not found at {DATA} (expected ../shared/data beside the repository)")
    work = args.index or Path(tempfile.mkdtemp(prefix="alqac-"))
    corpus = work.parent / f"{work.name}-corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    write_corpus(corpus)
    settings = Settings(_env_file=None, index_dir=work, candidates=100)  # type: ignore[call-arg]
    bar = ProgressBar()
    summary = Ingestor(work, build_embedder(settings)).run(corpus, progress=bar)
    bar.close()
    print(
        f"index {work}: {summary.documents} articles, {summary.chunks} chunks, embedded {summary.chunks_embedded}"
        f" in {summary.seconds:.0f} s"
    )
    questions = json.loads((DATA / "question.json").read_text(encoding="utf-8"))
    questions = questions[: args.limit] if args.limit else questions
    deps = load_deps(settings)
    for method in args.methods.split(","):
        for folded in (False, True):
            label = "no diacritics" if folded else "as written"
            print(f"{method:7s} {label:14s} {score(deps, questions, method, folded)}")


if __name__ == "__main__":
    main()
