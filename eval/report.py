"""Report for `assistant eval run`: report.md, a standalone report.html and plots/*.png from computed results.

Both files are rendered from one list of blocks (headings, paragraphs, tables, images), so they hold the same
content. Inputs are plain dicts (see `write_report`); a metric that is missing or None renders as "—", and a
table column that is empty for every row is dropped. The plots are drawn by eval/plots.py; what the tables and the
plots share (latency stages, refusal counts, `Image`) lives in eval/figures.py.
"""

from __future__ import annotations

import base64
import html
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.figures import STAGES, Image, refusal_counts
from eval.plots import write_plots

BASELINE_COLUMNS = [
    ("hit@1", "hit@1"), ("hit@5", "hit@5"), ("hit@10", "hit@10"), ("mrr@10", "MRR@10"), ("ndcg@10", "nDCG@10"),
    ("answer_accuracy", "answer accuracy"), ("numeric_fidelity", "numeric fidelity"),
    ("citation_precision", "citation precision"), ("citation_coverage", "citation coverage"),
    ("refusal_precision", "refusal precision"), ("refusal_recall", "refusal recall"), ("f1", "F1"), ("em", "EM"),
    ("retrieve_p50_ms", "retrieve p50 ms"), ("total_p95_ms", "total p95 ms"),
]  # fmt: skip
HEADLINE = ["hit@1", "hit@5", "mrr@10", "ndcg@10", "answer_accuracy", "refusal_recall"]
TYPE_COLUMNS = [("hit@1", "hit@1"), ("hit@5", "hit@5"), ("mrr@10", "MRR@10"), ("answer_accuracy", "answer accuracy")]
COUNT_KEYS = {"questions", "answerable", "unanswerable", "n"}
FAILURE_CAP = 100
ANSWER_CHARS = 300
MISSING = "—"
RETRIEVAL_FAILURE = "answerable questions with no gold passage retrieved"
ANSWER_FAILURE = "answerable questions not answered correctly, and unanswerable questions answered"
CSS = """body{font-family:"DejaVu Sans",Arial,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.9em}th,td{border:1px solid #ccc;padding:.25em .5em}
th{background:#f3f3f3}td{vertical-align:top}tr.product td{font-weight:bold}img{max-width:100%}"""


@dataclass
class Heading:
    text: str
    level: int = 2


@dataclass
class Para:
    text: str


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    bold_rows: set[int] = field(default_factory=set)


Block = Heading | Para | Table | Image


def write_report(out_dir: Path, run: dict, summaries: dict[str, dict], records: list[dict]) -> list[Path]:
    """Write report.md, report.html and plots/*.png into out_dir; return the written paths."""
    product = _product_name(run, summaries)
    out_dir.mkdir(parents=True, exist_ok=True)
    plots = write_plots(out_dir, run, summaries, records, product)
    blocks = _blocks(run, summaries, records, product, plots)
    md_path, html_path = out_dir / "report.md", out_dir / "report.html"
    md_path.write_text(to_markdown(blocks), encoding="utf-8")
    html_path.write_text(to_html(blocks, out_dir, f"Evaluation report — {run['set']}"), encoding="utf-8")
    return [md_path, html_path, *(out_dir / image.path for image in plots)]


def _product_name(run: dict, summaries: dict[str, dict]) -> str:
    if not summaries:
        raise ValueError("No summaries to report: pass at least the product config's summary, e.g. {'hybrid': {...}}")
    product = run.get("product") or next(iter(summaries))
    if product not in summaries:
        raise ValueError(f"run['product'] is {product!r} but summaries only has {list(summaries)}: name one of them")
    return product


# -- content -------------------------------------------------------------------------------------------------


def _blocks(
    run: dict, summaries: dict[str, dict], records: list[dict], product: str, plots: list[Image]
) -> list[Block]:
    return [
        *_header(run),
        *_baselines_section(summaries, product),
        *_deltas_section(summaries, product),
        *_by_type_section(summaries, records, product),
        *_latency_section(summaries),
        *(_refusals_section(summaries[product], records) if run.get("kind") != "retrieval" else []),
        *_failures_section(run, records),
        *_plots_section(plots),
    ]


def _plots_section(plots: list[Image]) -> list[Block]:
    return [Heading("Plots"), *plots] if plots else []


def _header(run: dict) -> list[Block]:
    corpus = run.get("corpus") or {}
    parts = [
        f"{key}: {run[key]}" for key in ("kind", "mode", "retrieval", "fusion", "embedder") if run.get(key) is not None
    ]
    if corpus:
        hash_ = str(corpus.get("hash") or MISSING)[:12]
        parts.append(f"corpus: {corpus.get('files', MISSING)} files, {corpus.get('chunks', MISSING)} chunks, {hash_}")
    parts += [f"{key}: {run[key]}" for key in ("commit", "created") if run.get(key) is not None]
    blocks: list[Block] = [Heading(f"Evaluation report — {run['set']}", 1)]
    if run.get("description"):
        blocks.append(Para(str(run["description"])))
    return blocks + [Para(" · ".join(parts))] if parts else blocks


def _baselines_section(summaries: dict[str, dict], product: str) -> list[Block]:
    rows = [(name, s.get("overall") or {}) for name, s in summaries.items()]
    table = _metric_table("config", rows, BASELINE_COLUMNS)
    table.bold_rows = {i for i, (name, _) in enumerate(rows) if name == product}
    return [Heading("Product beside baselines"), table]


def _deltas_section(summaries: dict[str, dict], product: str) -> list[Block]:
    blocks: list[Block] = [Heading("Deltas: product − best baseline")]
    baselines = {name: s.get("overall") or {} for name, s in summaries.items() if name != product}
    if not baselines:
        return blocks + [Para("No baselines in this run.")]
    ours = summaries[product].get("overall") or {}
    rows = [row for metric in HEADLINE if (row := _delta_row(metric, ours, baselines))]
    if not rows:
        return blocks + [Para("No headline metric is measured for both the product and a baseline.")]
    losses = [f"{metric} ({delta} vs {name})" for metric, _, name, _, delta, verdict in rows if verdict == "loses"]
    verdict = f"The product loses on: {', '.join(losses)}." if losses else "The product loses on no headline metric."
    headers = ["metric", product, "best baseline", "baseline value", "delta", "verdict"]
    return blocks + [Table(headers, rows), Para(verdict)]


def _delta_row(metric: str, ours: dict, baselines: dict[str, dict]) -> list[str] | None:
    """metric, product value, best baseline, its value, signed delta, verdict; None when not comparable."""
    scored = [(value, name) for name, o in baselines.items() if (value := o.get(metric)) is not None]
    if ours.get(metric) is None or not scored:
        return None
    best, best_name = max(scored, key=lambda pair: pair[0])  # first config wins a tie
    delta = round(ours[metric] - best, 3) + 0.0  # + 0.0 turns -0.0 into 0.0
    verdict = "loses" if delta < 0 else "wins" if delta > 0 else "ties"
    return [metric, _fmt(metric, ours[metric]), best_name, _fmt(metric, best), f"{delta:+.3f}", verdict]


def _by_type_section(summaries: dict[str, dict], records: list[dict], product: str) -> list[Block]:
    by_type = summaries[product].get("by_type") or {}
    types = list(by_type) + sorted({r["type"] for r in records} - set(by_type))
    if not types:
        return []
    rows = [(t, {**(by_type.get(t) or {}), **_type_counts(records, t, by_type.get(t) or {})}) for t in types]
    columns = [("n", "n"), *TYPE_COLUMNS, ("refused_share", "refused share")]
    blocks: list[Block] = [
        Heading("By question type"),
        Para(f"Product config: {product}."),
        _metric_table("type", rows, columns),
    ]
    if any(s.get("by_type") for name, s in summaries.items() if name != product):
        per_config = [
            (t, {name: (s.get("by_type") or {}).get(t, {}).get("hit@5") for name, s in summaries.items()})
            for t in types
        ]
        blocks += [
            Para("hit@5 per question type and config:"),
            _metric_table("type", per_config, [(n, n) for n in summaries]),
        ]
    return blocks


def _type_counts(records: list[dict], type_: str, summary: dict) -> dict[str, Any]:
    mine = [r for r in records if r["type"] == type_]
    share = sum(1 for r in mine if r.get("refused")) / len(mine) if mine else None
    return {"n": summary.get("questions", len(mine) or None), "refused_share": share}


def _latency_section(summaries: dict[str, dict]) -> list[Block]:
    columns = [(f"{stage}_{p}_ms", f"{stage} {p}") for stage in STAGES for p in ("p50", "p95")]
    table = _metric_table("config", [(name, s.get("overall") or {}) for name, s in summaries.items()], columns)
    body: Block = table if len(table.headers) > 1 else Para("No latency recorded.")
    return [Heading("Latency (ms)"), body]


def _refusals_section(product_summary: dict, records: list[dict]) -> list[Block]:
    counts = refusal_counts(records)
    rows = [[label, str(counts[label][0]), str(counts[label][1])] for label in ("answerable", "unanswerable")]
    overall = product_summary.get("overall") or {}
    precision, recall = (_fmt(key, overall.get(key)) for key in ("refusal_precision", "refusal_recall"))
    note = Para(f"Product refusal precision {precision}, recall {recall}.")
    return [Heading("Refusals"), Table(["", "answered", "refused"], rows), note]


def _failures_section(run: dict, records: list[dict]) -> list[Block]:
    failed = failures(records, retrieval_only=run.get("kind") == "retrieval")
    blocks: list[Block] = [Heading("Failures")]
    if not failed:
        return blocks + [Para("No failures.")]
    rule = RETRIEVAL_FAILURE if run.get("kind") == "retrieval" else ANSWER_FAILURE
    rows = [
        [str(r["id"]), str(r["type"]), r["question"], _ranks(r), "yes" if r.get("refused") else "no", _clip(r)]
        for r in failed[:FAILURE_CAP]
    ]
    blocks += [
        Para(f"{len(failed)} failures: {rule}."),
        Table(["id", "type", "question", "gold ranks", "refused", "answer"], rows),
    ]
    if len(failed) > FAILURE_CAP:
        blocks.append(Para(f"… and {len(failed) - FAILURE_CAP} more not shown (see results.jsonl)."))
    return blocks


def failures(records: list[dict], retrieval_only: bool = False) -> list[dict]:
    """Records that failed: for retrieval-only sets, answerable ones with no gold passage in the results."""
    if retrieval_only:
        return [r for r in records if r.get("answerable") and not r.get("gold_ranks")]
    return [r for r in records if (not r.get("correct") if r.get("answerable") else not r.get("refused"))]


def _ranks(record: dict) -> str:
    return ", ".join(str(n) for n in record.get("gold_ranks") or []) or "none"


def _clip(record: dict) -> str:
    answer = " ".join(str(record.get("answer") or "").split())
    return answer[:ANSWER_CHARS] + ("…" if len(answer) > ANSWER_CHARS else "")


def _metric_table(first: str, rows: list[tuple[str, dict]], columns: list[tuple[str, str]]) -> Table:
    kept = [(key, label) for key, label in columns if any(values.get(key) is not None for _, values in rows)]
    body = [[name] + [_fmt(key, values.get(key)) for key, _ in kept] for name, values in rows]
    return Table([first] + [label for _, label in kept], body)


def _fmt(key: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if key in COUNT_KEYS:
        return str(int(value))
    return f"{value:.1f}" if key.endswith("_ms") else f"{value:.3f}"


# -- rendering -----------------------------------------------------------------------------------------------


def to_markdown(blocks: list[Block]) -> str:
    """Markdown for the blocks; table cells get pipes escaped and line breaks folded."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            out += ["#" * block.level + " " + block.text, ""]
        elif isinstance(block, Para):
            out += [block.text, ""]
        elif isinstance(block, Image):
            out += [f"![{block.alt}]({block.path.as_posix()})", ""]
        else:
            out += [*_markdown_table(block), ""]
    return "\n".join(out)


def _markdown_table(table: Table) -> list[str]:
    def cell(text: str, bold: bool) -> str:
        text = " ".join(text.split()).replace("|", "\\|")
        return f"**{text}**" if bold and text else text

    lines = ["| " + " | ".join(cell(h, False) for h in table.headers) + " |", "|" + "---|" * len(table.headers)]
    for i, row in enumerate(table.rows):
        lines.append("| " + " | ".join(cell(c, i in table.bold_rows) for c in row) + " |")
    return lines


def to_html(blocks: list[Block], base: Path, title: str) -> str:
    """A standalone page: inline CSS, plots as data URIs, every text escaped."""
    body = "\n".join(_html_block(block, base) for block in blocks)
    return (
        f'<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n<title>{html.escape(title)}</title>\n'
        f"<style>\n{CSS}\n</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _html_block(block: Block, base: Path) -> str:
    if isinstance(block, Heading):
        return f"<h{block.level}>{html.escape(block.text)}</h{block.level}>"
    if isinstance(block, Para):
        return f"<p>{html.escape(block.text)}</p>"
    if isinstance(block, Image):
        data = base64.b64encode((base / block.path).read_bytes()).decode("ascii")
        alt = html.escape(block.alt)
        return f'<figure><img alt="{alt}" src="data:image/png;base64,{data}"><figcaption>{alt}</figcaption></figure>'
    head = "".join(f"<th>{html.escape(h)}</th>" for h in block.headers)
    rows = [
        ('<tr class="product">' if i in block.bold_rows else "<tr>")
        + "".join(f"<td>{html.escape(c)}</td>" for c in row)
        + "</tr>"
        for i, row in enumerate(block.rows)
    ]
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>"
