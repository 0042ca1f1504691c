"""Floors (the CI gate) and comparisons between evaluation runs: `assistant eval run --check-floors` and
`assistant eval compare RUN_A RUN_B`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FLOORS_PATH = Path(__file__).parent / "floors.json"


def load_run(directory: Path) -> tuple[dict, dict, list[dict]]:
    """A written run: (run.json, summary.json, the product's records)."""
    for name in ("run.json", "summary.json", "results.jsonl"):
        if not (directory / name).is_file():
            raise FileNotFoundError(
                f"{directory} is not an evaluation run: {name} is missing (run `assistant eval run --out {directory}`)"
            )
    run_meta = json.loads((directory / "run.json").read_text(encoding="utf-8"))
    summaries = json.loads((directory / "summary.json").read_text(encoding="utf-8"))
    lines = (directory / "results.jsonl").read_text(encoding="utf-8").splitlines()
    return run_meta, summaries, [json.loads(line) for line in lines if line.strip()]


def load_floors(path: Path = FLOORS_PATH) -> dict[str, dict[str, float]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def check_floors(summary: dict[str, Any], floors: dict[str, float]) -> list[str]:
    """Broken floors, each as a sentence; keys ending in _max are ceilings."""
    broken = []
    for key, bound in floors.items():
        metric = key.removesuffix("_max")
        value = summary.get(metric)
        if value is None:
            broken.append(f"{metric}: not measured (floor {bound})")
        elif key.endswith("_max") and value > bound:
            broken.append(f"{metric} = {value} is above its ceiling {bound}")
        elif not key.endswith("_max") and value < bound:
            broken.append(f"{metric} = {value} is below its floor {bound}")
    return broken


COMPARE_METRICS = (
    "hit@1", "hit@5", "hit@10", "mrr@10", "ndcg@10", "answer_accuracy", "numeric_fidelity", "citation_precision",
    "citation_coverage", "answerable_refused", "unanswerable_refused", "refusal_precision", "refusal_recall", "f1",
    "em", "retrieve_p50_ms", "total_p50_ms", "total_p95_ms",
)  # fmt: skip


def _outcome(row: dict) -> str:
    if not row["answerable"]:
        return "refused" if row["refused"] else "answered (should refuse)"
    if row["correct"]:
        return "correct"
    return "refused" if row["refused"] else "wrong"


def compare(run_a: Path, run_b: Path) -> str:
    """Markdown: metric deltas B − A for the product configurations, and the questions that flipped."""
    meta_a, sum_a, rows_a = load_run(run_a)
    meta_b, sum_b, rows_b = load_run(run_b)
    over_a = sum_a[meta_a["product"]]["overall"]
    over_b = sum_b[meta_b["product"]]["overall"]
    lines = [
        f"# {run_a} → {run_b}",
        "",
        f"A: set {meta_a['set']}, {meta_a['product']}, {meta_a['mode']}, commit {meta_a.get('commit')}",
        f"B: set {meta_b['set']}, {meta_b['product']}, {meta_b['mode']}, commit {meta_b.get('commit')}",
        "",
        "| metric | A | B | B − A |",
        "|---|---|---|---|",
    ]
    for key in COMPARE_METRICS:
        a, b = over_a.get(key), over_b.get(key)
        if a is None and b is None:
            continue
        delta = f"{b - a:+.4f}" if a is not None and b is not None else "—"
        lines.append(f"| {key} | {_fmt(a)} | {_fmt(b)} | {delta} |")
    by_id_a = {r["id"]: r for r in rows_a}
    flipped, top5 = [], []
    for row in rows_b:
        old = by_id_a.get(row["id"])
        if old is None:
            continue
        if _outcome(old) != _outcome(row):
            flipped.append(f"- `{row['id']}` ({row['type']}): {_outcome(old)} → {_outcome(row)} — {row['question']}")
        hit_a, hit_b = old.get("scores", {}).get("hit@5"), row.get("scores", {}).get("hit@5")
        if hit_a is not None and hit_b is not None and hit_a != hit_b:
            top5.append(f"- `{row['id']}`: gold in top 5 {'lost' if hit_a else 'gained'} — {row['question']}")
    common = len(set(by_id_a) & {r["id"] for r in rows_b})
    lines += ["", f"## Answers that flipped ({len(flipped)} of {common} common questions)", ""]
    lines += flipped or ["(none)"]
    lines += ["", f"## Retrieval that flipped at top 5 ({len(top5)})", ""]
    lines += top5 or ["(none)"]
    return "\n".join(lines) + "\n"


def _fmt(value: Any) -> str:
    return "—" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)


HEADLINE = ("hit@1", "hit@5", "hit@10", "mrr@10", "ndcg@10", "answer_accuracy", "refusal_recall", "f1", "total_p50_ms")


def headline_table(summaries: dict[str, dict[str, Any]], product: str) -> str:
    """A short Markdown table of the headline metrics, product first, for the terminal."""
    keys = [k for k in HEADLINE if any(s["overall"].get(k) is not None for s in summaries.values())]
    lines = ["| config | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
    for name, summary in summaries.items():
        label = f"**{name}** (product)" if name == product else name
        lines.append(f"| {label} | " + " | ".join(_fmt(summary["overall"].get(k)) for k in keys) + " |")
    return "\n".join(lines)
