"""`assistant eval run`: index a set's corpus, ask every question through the real pipeline, score, report.

A run evaluates the product configuration (``--retrieval``, default hybrid) and, unless told otherwise, the
baselines on the same questions: BM25 only and dense only over the same chunks, and a tutorial LangChain RAG
(eval/baselines.py) over its own 1000/200 chunks. The output directory receives:

- ``run.json``: what was run (set, mode, retrieval, embedder, corpus hash, commit, time);
- ``summary.json``: per configuration, overall and per-type metrics (eval/README.md defines them);
- ``results.jsonl`` (the product) and ``results-<baseline>.jsonl``: one record per question with the retrieved
  passages, the answer, its citations, refusal, per-metric scores and per-stage timings;
- ``report.md``, ``report.html`` and ``plots/*.png`` (eval/report.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from assistant import pipeline
from assistant.deps import Deps
from assistant.llm import build_chat_model
from assistant.pipeline import Turn
from assistant.types import Answer, Passage
from assistant.understand.query import understand
from core.config import Settings
from core.embedders import build_embedder
from core.errors import AssistantError
from core.index.reader import IndexReader
from eval import metrics
from eval.report import write_report
from eval.scoring import Record, by_type, document_ranks, gold_rank, gold_text, holds, item_ranks, summarise
from eval.sets import EvalSet, corpus_hash, get_set
from ingest.pipeline import ChunkingOptions, Ingestor, ProgressBar

RETRIEVE_K = 10
BASELINES = ("bm25", "dense", "tutorial-langchain")
Mode = Literal["extractive", "llm"]


# -- one question ---------------------------------------------------------------------------------------------


def _passage_summary(p: Passage) -> dict[str, Any]:
    return {"n": p.n, "doc_id": p.doc_id, "chunk_id": p.chunk_id, "score": round(p.score, 4), "section": p.section}


def _answer_scores(item: dict, answer: Answer, eval_set: EvalSet) -> tuple[list[bool], dict[str, float | None]]:
    """Key facts found, and the answer metrics of one answered question."""
    facts = metrics.facts_found(answer.answer, item["answer"]) if item["gold"] else []
    cited = metrics.markers(answer.answer)
    by_n = {p.n: p for p in answer.sources}
    cited_texts = [by_n[n].text for n in dict.fromkeys(cited) if n in by_n]
    supporting = {
        p.n
        for p in answer.sources
        if any(holds(p, g) for g in item["gold"] if gold_text(g))
        or metrics.facts_found(p.text, item["answer"]).count(True) > 0
    }
    scores: dict[str, float | None] = {
        "numeric_fidelity": metrics.numeric_fidelity(answer.answer, cited_texts),
        "citation_coverage": metrics.citation_coverage(answer.answer),
        "citation_precision": metrics.citation_precision(cited, supporting) if item["gold"] else None,
    }
    if eval_set.kind == "extraction" and item["gold"]:
        references = [alt for fact in item["answer"] for alt in fact]
        prediction = metrics.strip_markers(answer.answer)
        scores["f1"] = round(metrics.token_f1(prediction, references), 4)
        scores["em"] = metrics.exact_match(prediction, references)
    return facts, scores


def evaluate_question(
    deps: Deps, item: dict, eval_set: EvalSet, method: str = "hybrid", mode: Mode = "extractive"
) -> Record:
    """Ask one question through the pipeline /api/chat uses (understand → retrieve → answer); score every stage."""
    turn = Turn(
        item["question"],
        item.get("history"),
        method=method,
        keep=RETRIEVE_K,
        answerer="auto" if mode == "llm" else "extractive",
    )
    trace = pipeline.run(deps, turn)
    passages = trace.candidates
    if eval_set.rank_unit == "document":
        doc_ids = list(dict.fromkeys(deps.index.chunks[cid].doc_id for cid, _ in trace.ranking))
        gold_ranks, per_item = document_ranks(doc_ids[:RETRIEVE_K], item["gold"])
    else:
        gold_ranks, per_item = gold_rank(passages[:RETRIEVE_K], item["gold"]), item_ranks(passages, item["gold"])
    return _record(item, eval_set, method, passages, gold_ranks, per_item, trace.answer, trace.timings)


def _record(
    item: dict,
    eval_set: EvalSet,
    config: str,
    passages: Sequence[Passage],
    gold_ranks: list[int],
    per_item: list[int | None],
    answer: Answer | None,
    timings: dict[str, float],
) -> Record:
    answerable = bool(item["gold"])
    scores: dict[str, float | None] = {
        "hit@1": metrics.hit_at(gold_ranks, 1),
        "hit@5": metrics.hit_at(gold_ranks, 5),
        "hit@10": metrics.hit_at(gold_ranks, 10),
        "rr@10": metrics.reciprocal_rank(gold_ranks, 10),
        "ndcg@10": round(metrics.ndcg_at(per_item, 10), 4),
    } if answerable else {}  # fmt: skip
    found: list[bool] = []
    refused = answered = False
    if answer is not None:
        refused, answered = answer.refused, not answer.refused
        if answered:
            found, answer_scores = _answer_scores(item, answer, eval_set)
            scores.update(answer_scores)
        elif answerable and eval_set.kind == "extraction":
            scores.update(f1=0.0, em=0.0)
    return Record(
        id=item["id"],
        type=item["type"],
        question=item["question"],
        answerable=answerable,
        config=config,
        passages=[_passage_summary(p) for p in passages[:RETRIEVE_K]],
        gold_ranks=gold_ranks,
        item_ranks=per_item,
        answer=answer.answer if answer else "",
        refused=refused,
        answered=answered,
        citations=sorted(set(metrics.markers(answer.answer))) if answer else [],
        facts_found=found,
        correct=answerable and answered and bool(found) and all(found),
        scores=scores,
        timings_ms={k: round(v * 1e3, 2) for k, v in timings.items()},
    )


def evaluate_tutorial(rag: Any, item: dict, eval_set: EvalSet) -> Record:
    """The tutorial LangChain RAG: the raw question to a dense retriever; no answerer without an LLM."""
    t0 = time.perf_counter()
    passages = rag.search(item["question"], RETRIEVE_K * 3 if eval_set.rank_unit == "document" else RETRIEVE_K)
    t1 = time.perf_counter()
    if eval_set.rank_unit == "document":
        doc_ids = list(dict.fromkeys(p.doc_id for p in passages))[:RETRIEVE_K]
        gold_ranks, per_item = document_ranks(doc_ids, item["gold"])
    else:
        gold_ranks, per_item = gold_rank(passages, item["gold"]), item_ranks(passages, item["gold"])
    timings = {"retrieve": t1 - t0, "total": t1 - t0}
    return _record(item, eval_set, "tutorial-langchain", passages[:RETRIEVE_K], gold_ranks, per_item, None, timings)


# -- a whole run ----------------------------------------------------------------------------------------------


@dataclass
class Prepared:
    """A set's questions and an up-to-date index of its corpus."""

    eval_set: EvalSet
    deps: Deps
    corpus_dir: Path
    corpus: dict[str, Any]
    questions: list[dict]


def index_key(settings: Settings, embedder_name: str) -> str:
    """What decides the chunks and vectors: the embedder and the chunking settings."""
    parts = [embedder_name, settings.chunk_target_chars, settings.chunk_max_chars, settings.passage_prefix]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:10]


def prepare(settings: Settings, set_name: str, log: Callable[[str], None] = lambda _: None) -> Prepared:
    """Materialise the set's corpus and bring its cached index up to date (only changed files are embedded)."""
    eval_set = get_set(set_name)
    questions = eval_set.questions(settings)
    cache = settings.eval_cache_dir
    corpus_dir = eval_set.corpus(settings, cache)
    embedder = build_embedder(settings)
    index_dir = cache / f"index-{eval_set.name}-{index_key(settings, embedder.name)}"
    log(f"indexing {corpus_dir} into {index_dir} …")
    options = ChunkingOptions(target_chars=settings.chunk_target_chars, max_chars=settings.chunk_max_chars)
    bar = ProgressBar()
    try:
        # The corpora link to the shared data instead of copying it: links into it are trusted, no others.
        ingestor = Ingestor(index_dir, embedder, options, link_roots=(settings.data_dir,))
        summary = ingestor.run(corpus_dir, progress=bar)
    finally:
        bar.close()
    log(f"index: {summary.documents} documents, {summary.chunks} chunks ({summary.chunks_embedded} embedded now)")
    run_settings = settings.model_copy(update={"index_dir": index_dir, "documents_dir": corpus_dir})
    chat_model = build_chat_model(settings)
    deps = Deps(settings=run_settings, embedder=embedder, index=IndexReader(index_dir), chat_model=chat_model)
    deps.retriever.search(understand("khởi động"), 1)  # load the model and the index before anything is timed
    corpus = {
        "path": str(corpus_dir),
        "hash": corpus_hash(corpus_dir),
        "files": summary.documents,
        "chunks": summary.chunks,
        "index": str(index_dir),
    }
    return Prepared(eval_set, deps, corpus_dir, corpus, questions)


@dataclass
class RunResult:
    run: dict[str, Any]
    summaries: dict[str, dict[str, Any]]
    records: dict[str, list[Record]]

    @property
    def product(self) -> str:
        return str(self.run["product"])


@dataclass(frozen=True)
class RunOptions:
    """What to evaluate: the product's retrieval and answer mode, the baselines beside it, a question limit."""

    retrieval: str = "hybrid"
    mode: Mode = "extractive"
    baselines: Sequence[str] = BASELINES
    limit: int | None = None

    def check(self, settings: Settings) -> None:
        unknown = [b for b in self.baselines if b not in BASELINES]
        if unknown:
            raise ValueError(f"unknown baselines {unknown}; known: {', '.join(BASELINES)}")
        if self.mode == "llm" and not settings.llm_model:
            raise AssistantError(
                "--mode llm needs a chat model: set ASSISTANT_LLM_MODEL (and ASSISTANT_LLM_BASE_URL), see docs/LLM.md.",
                "Chế độ LLM cần cấu hình mô hình ngôn ngữ (ASSISTANT_LLM_MODEL).",
            )


def run(
    settings: Settings, set_name: str, options: RunOptions = RunOptions(), log: Callable[[str], None] = lambda _: None
) -> RunResult:
    """Evaluate the product configuration and the baselines on one set (its index built or reused)."""
    options.check(settings)  # before indexing, which can take minutes
    return run_prepared(prepare(settings, set_name, log), options, log)


def run_prepared(
    prepared: Prepared, options: RunOptions = RunOptions(), log: Callable[[str], None] = lambda _: None
) -> RunResult:
    """Evaluate on an already prepared set: the product's records first, then each baseline's."""
    options.check(prepared.deps.settings)
    retrieval, mode, baselines, limit = options.retrieval, options.mode, options.baselines, options.limit
    questions = prepared.questions[:limit] if limit else prepared.questions
    configs = [retrieval] + [b for b in baselines if b != retrieval]
    records: dict[str, list[Record]] = {}
    for config in configs:
        log(f"{prepared.eval_set.name}: {config} on {len(questions)} questions …")
        records[config] = _run_config(prepared, questions, config, mode)
    # The tutorial baseline has no answerer without an LLM: it is scored on retrieval only.
    summaries = {
        name: {
            "overall": summarise(rows, name != "tutorial-langchain"),
            "by_type": by_type(rows, name != "tutorial-langchain"),
        }
        for name, rows in records.items()
    }
    settings = prepared.deps.settings
    meta = {
        "set": prepared.eval_set.name,
        "description": prepared.eval_set.description,
        "kind": prepared.eval_set.kind,
        "mode": mode,
        "retrieval": retrieval,
        "product": retrieval,
        "fusion": settings.fusion,
        "embedder": prepared.deps.embedder.name,
        "top_k": settings.top_k,
        "refuse_threshold": settings.refuse_threshold,
        "corpus": prepared.corpus,
        "questions": len(questions),
        "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": _git_commit(),
    }
    return RunResult(meta, summaries, records)


def _run_config(prepared: Prepared, questions: list[dict], config: str, mode: Mode) -> list[Record]:
    from tqdm import tqdm

    bar = tqdm(questions, desc=config, unit="q", file=sys.stderr, disable=not sys.stderr.isatty(), leave=False)
    if config == "tutorial-langchain":
        from eval.baselines import TutorialRAG  # imports langchain: only when that baseline runs

        progress = ProgressBar()
        try:
            rag = TutorialRAG.open(
                prepared.corpus_dir, prepared.deps.settings.eval_cache_dir, prepared.deps.embedder, progress
            )
        finally:
            progress.close()
        return [evaluate_tutorial(rag, item, prepared.eval_set) for item in bar]
    return [evaluate_question(prepared.deps, item, prepared.eval_set, config, mode) for item in bar]


def _git_commit() -> str | None:
    try:
        command = ["git", "rev-parse", "--short", "HEAD"]
        out = subprocess.run(command, capture_output=True, text=True, timeout=5, cwd=Path(__file__).parent)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


# -- files ----------------------------------------------------------------------------------------------------


def write_run(out_dir: Path, result: RunResult) -> list[Path]:
    """run.json, summary.json, results*.jsonl and the report (report.md, report.html, plots/)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [out_dir / "run.json", out_dir / "summary.json"]
    written[0].write_text(json.dumps(result.run, ensure_ascii=False, indent=2), encoding="utf-8")
    written[1].write_text(json.dumps(result.summaries, ensure_ascii=False, indent=2), encoding="utf-8")
    for config, rows in result.records.items():
        path = out_dir / ("results.jsonl" if config == result.product else f"results-{config}.jsonl")
        with open(path, "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(asdict(row), ensure_ascii=False) + "\n")
        written.append(path)
    product_rows = [asdict(r) for r in result.records[result.product]]
    written += write_report(out_dir, result.run, result.summaries, product_rows)
    return written
