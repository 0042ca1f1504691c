"""Runs a question set through the real pipeline and scores retrieval, answers and refusals apart.

Record fields (results.jsonl): id, type, question, answerable, gold_ranks (1-based ranks of retrieved
passages holding a gold quote), answer, refused, citations, facts_found, correct, evidence, timings_ms.
"""

from __future__ import annotations

import json
import re
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path

from assistant.answer import answer_with_evidence
from assistant.query import understand
from assistant.service import Deps
from assistant.types import Passage
from assistant.vntext import nfc

QUESTIONS_DIR = Path(__file__).parent / "questions"
RETRIEVE_K = 10


@dataclass
class Record:
    id: str
    type: str
    question: str
    answerable: bool
    gold_ranks: list[int]
    answer: str
    refused: bool
    citations: list[int]
    facts_found: list[bool]
    correct: bool
    evidence: float
    timings_ms: dict[str, float] = field(default_factory=dict)


def load_questions(name: str = "documents") -> list[dict]:
    """Questions of a set in eval/questions/<name>.jsonl."""
    path = QUESTIONS_DIR / f"{name}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _squash(text: str) -> str:
    """Compare text, not markup: Markdown emphasis, escapes and table pipes are dropped on both sides."""
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|>~])", r"\1", nfc(text)).replace("**", "").replace("|", " ")
    return re.sub(r"\s+", " ", text).strip().lower()


def gold_rank(passages: list[Passage], gold: list[dict]) -> list[int]:
    """Ranks (1-based) of passages that hold one of the gold quotes (or most of one, across a boundary)."""
    ranks = []
    for p in passages:
        text = _squash(p.text)
        for g in gold:
            if Path(g["doc"]).stem != p.doc_id:
                continue
            quote = _squash(g["quote"])
            if quote in text or _mostly_in(quote, text):
                ranks.append(p.n)
                break
    return ranks


def _mostly_in(quote: str, text: str) -> bool:
    words = quote.split()
    half = max(6, len(words) // 2)
    return " ".join(words[:half]) in text or " ".join(words[-half:]) in text


def facts_found(answer: str, facts: list[list[str]]) -> list[bool]:
    """For each key fact: does any accepted spelling appear in the answer?"""
    text = _squash(answer)
    return [any(_squash(alt) in text for alt in alternatives) for alternatives in facts]


def evaluate_question(deps: Deps, item: dict, method: str = "hybrid", fusion: str | None = None) -> Record:
    import time

    t0 = time.perf_counter()
    query = understand(item["question"], item.get("history"))
    t1 = time.perf_counter()
    passages = deps.retriever.search(query, RETRIEVE_K, None, method=method, fusion=fusion)
    t2 = time.perf_counter()
    top = passages[: deps.settings.top_k]
    answer, evidence = answer_with_evidence(query, top, deps.index, deps.settings.refuse_threshold)
    t3 = time.perf_counter()
    answerable = bool(item["gold"])
    found = facts_found(answer.answer, item["answer"]) if answerable and not answer.refused else []
    return Record(
        id=item["id"],
        type=item["type"],
        question=item["question"],
        answerable=answerable,
        gold_ranks=gold_rank(passages, item["gold"]) if answerable else [],
        answer=answer.answer,
        refused=answer.refused,
        citations=sorted({int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}),
        facts_found=found,
        correct=answerable and not answer.refused and bool(found) and all(found),
        evidence=round(evidence, 4),
        timings_ms={"understand": (t1 - t0) * 1e3, "retrieve": (t2 - t1) * 1e3, "answer": (t3 - t2) * 1e3},
    )


def summarise(records: list[Record]) -> dict[str, float]:
    """Headline metrics: retrieval (hit@k, MRR@10 over answerable), answers, refusals, latency."""
    ans = [r for r in records if r.answerable]
    una = [r for r in records if not r.answerable]

    def hit(k: int) -> float:
        return _share(ans, lambda r: bool(r.gold_ranks) and min(r.gold_ranks) <= k)

    retrieve_ms = [r.timings_ms["retrieve"] for r in records]
    return {
        "questions": len(records),
        "answerable": len(ans),
        "unanswerable": len(una),
        "hit@1": hit(1),
        "hit@5": hit(5),
        "hit@10": hit(10),
        "mrr@10": round(sum(1 / min(r.gold_ranks) for r in ans if r.gold_ranks) / max(len(ans), 1), 4),
        "answer_accuracy": _share(ans, lambda r: r.correct),
        "answerable_refused": _share(ans, lambda r: r.refused),
        "unanswerable_refused": _share(una, lambda r: r.refused),
        "retrieve_p50_ms": round(statistics.median(retrieve_ms), 2) if retrieve_ms else 0.0,
    }


def _share(items: list[Record], predicate) -> float:
    return round(sum(1 for r in items if predicate(r)) / len(items), 4) if items else 0.0


def by_type(records: list[Record]) -> dict[str, dict[str, float]]:
    types = sorted({r.type for r in records})
    return {t: summarise([r for r in records if r.type == t]) for t in types}


def run_eval(deps: Deps, set_name: str = "documents", method: str = "hybrid", fusion: str | None = None):
    """Evaluate every question of a set; returns (summary, per-type summaries, records)."""
    records = [evaluate_question(deps, item, method, fusion) for item in load_questions(set_name)]
    return summarise(records), by_type(records), records


def write_results(out_dir: Path, summary: dict, types: dict, records: list[Record]) -> None:
    """results.jsonl (one record per question), summary.json and report.md."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "results.jsonl", "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")
    (out_dir / "summary.json").write_text(json.dumps({"overall": summary, "by_type": types}, indent=2))
    (out_dir / "report.md").write_text(report_markdown(summary, types, records), encoding="utf-8")


def report_markdown(summary: dict, types: dict, records: list[Record]) -> str:
    cols = ["hit@1", "hit@5", "mrr@10", "answer_accuracy", "answerable_refused", "unanswerable_refused"]
    lines = ["# Evaluation report", "", "| metric | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in summary.items()]
    lines += ["", "## By question type", "", "| type | n | " + " | ".join(cols) + " |"]
    lines += ["|---|---|" + "---|" * len(cols)]
    for name, s in types.items():
        lines.append(f"| {name} | {s['questions']} | " + " | ".join(str(s[c]) for c in cols) + " |")
    failures = [r for r in records if (r.answerable and not r.correct) or (not r.answerable and not r.refused)]
    lines += ["", "## Failures", ""]
    for r in failures:
        lines.append(f"- `{r.id}` ({r.type}) {r.question} — gold ranks {r.gold_ranks}, refused={r.refused}")
        lines.append(f"  - answer: {r.answer[:300]}")
    return "\n".join(lines) + "\n"
