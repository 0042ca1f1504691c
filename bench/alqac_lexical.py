"""ALQAC 2022 article retrieval with the lexical index alone (no embedding; ~10 s on 2 cores).

Prints article-level hit@1, hit@10, MRR@10 over the 520 questions as written and typed without diacritics,
with the same tokenisation and query understanding as the product. One document per article.
  python bench/alqac_lexical.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from assistant.understand.query import understand
from core.index.lexical import LexicalIndex
from core.vntext import fold

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "alqac2022_legal_qa"


def load() -> tuple[list[str], list[str], list[dict]]:
    law = json.loads((DATA / "law.json").read_text(encoding="utf-8"))
    ids = [f"{doc['id']}#{a['id']}" for doc in law for a in doc["articles"]]
    texts = [a["text"] for doc in law for a in doc["articles"]]
    return ids, texts, json.loads((DATA / "question.json").read_text(encoding="utf-8"))


def evaluate(lex: LexicalIndex, ids: list[str], questions: list[dict], folded: bool) -> tuple[float, float, float]:
    hit1 = hit10 = mrr = 0.0
    for q in questions:
        gold = {f"{r['law_id']}#{r['article_id']}" for r in q["relevant_articles"]}
        scores = lex.scores(understand(fold(q["text"]) if folded else q["text"]).search_text)
        ranks = [i for i, j in enumerate(np.argsort(-scores)[:10], start=1) if ids[j] in gold]
        if ranks:
            hit1, hit10, mrr = hit1 + (ranks[0] == 1), hit10 + 1, mrr + 1 / ranks[0]
    n = len(questions)
    return round(hit1 / n, 3), round(hit10 / n, 3), round(mrr / n, 3)


def main() -> None:
    ids, texts, questions = load()
    started = time.perf_counter()
    lex = LexicalIndex.build(ids, texts)
    print(f"indexed {len(ids)} articles in {time.perf_counter() - started:.1f} s; {len(questions)} questions")
    print("                      hit@1  hit@10 MRR@10")
    print("as written           ", evaluate(lex, ids, questions, folded=False))
    print("without diacritics   ", evaluate(lex, ids, questions, folded=True))


if __name__ == "__main__":
    main()
