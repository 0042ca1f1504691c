"""Plots for the eval report: plots/*.png drawn with matplotlib from computed results.

`write_plots` draws each plot that has data and returns it as a report `Image` (eval/figures.py); eval/report.py
calls it, and this module does not import the report. matplotlib is imported only when drawing, so importing this
module (or the report) stays light.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from eval.figures import STAGES, Image, refusal_counts
from eval.metrics import percentile


def write_plots(out_dir: Path, run: dict, summaries: dict[str, dict], records: list[dict], product: str) -> list[Image]:
    """Draw the plots that have data into out_dir/plots; drop a stale PNG of ours when its plot no longer applies."""
    import matplotlib  # lazy: importing eval.plots or eval.report stays light

    plots = [
        ("metrics_by_type", "Metrics by question type", _plot_metrics_by_type),
        ("latency", "Latency per question", _plot_latency),
        ("refusal_confusion", "Refusal confusion matrix", _plot_refusals),
    ]
    (out_dir / "plots").mkdir(exist_ok=True)
    images = []
    # DejaVu Sans has the Vietnamese letters; rc_context leaves matplotlib's global settings untouched.
    with matplotlib.rc_context({"font.family": "DejaVu Sans", "font.size": 9}):
        for name, alt, draw in plots:
            path = Path("plots") / f"{name}.png"
            figure = draw(run, summaries, records, product)
            if figure is None:
                (out_dir / path).unlink(missing_ok=True)
                continue
            figure.savefig(out_dir / path, dpi=100)
            images.append(Image(alt, path))
    return images


def _new_figure(width: float, height: float, rows: int = 1) -> tuple[Any, list[Any]]:
    # A bare Figure is not registered with pyplot: no backend switch, no window, nothing to close.
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    return figure, list(figure.subplots(rows, 1, squeeze=False)[:, 0])


def _plot_metrics_by_type(run: dict, summaries: dict[str, dict], records: list[dict], product: str) -> Any:
    by_type = summaries[product].get("by_type") or {}
    types = list(by_type)
    if not types:
        return None
    retrieval_only = run.get("kind") == "retrieval" or all(s.get("answer_accuracy") is None for s in by_type.values())
    metrics = ["hit@1", "hit@5", "hit@10"] if retrieval_only else ["hit@5", "answer_accuracy"]
    with_baselines = any(s.get("by_type") for name, s in summaries.items() if name != product)
    figure, axes = _new_figure(
        max(6.0, 0.8 * len(types) + 2), 4.5 * (2 if with_baselines else 1), 2 if with_baselines else 1
    )
    _bars(
        axes[0],
        types,
        [(m, [by_type[t].get(m) for t in types]) for m in metrics],
        f"{product}: metrics by question type",
    )
    if with_baselines:
        per_config = [
            (name, [(s.get("by_type") or {}).get(t, {}).get("hit@5") for t in types]) for name, s in summaries.items()
        ]
        _bars(axes[1], types, per_config, "hit@5 by question type and config")
    return figure


def _bars(ax: Any, labels: list[str], series: list[tuple[str, list[Any]]], title: str) -> None:
    width = 0.8 / len(series)
    for i, (name, values) in enumerate(series):
        xs = [x + (i - (len(series) - 1) / 2) * width for x in range(len(labels))]
        ax.bar(xs, [math.nan if v is None else v for v in values], width, label=name)
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", rotation_mode="anchor")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share of questions")
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))  # outside: bars reach 1.0


def _plot_latency(run: dict, summaries: dict[str, dict], records: list[dict], product: str) -> Any:
    totals = [t for r in records if (t := _total_ms(r)) is not None]
    if not totals:
        return None
    figure, (ax,) = _new_figure(7, 4)
    ax.hist(totals, bins=max(5, min(30, len(totals) // 2)), color="#8fb3d9", edgecolor="#41648a")
    for stage, style in (("understand", ":"), ("retrieve", "--"), ("answer", "-.")):
        values = [ms[stage] for r in records if (ms := r.get("timings_ms") or {}).get(stage) is not None]
        if values:
            p50 = percentile(values, 50) or 0.0
            ax.axvline(p50, color="#333", linestyle=style, label=f"{stage} p50 {p50:.1f} ms")
    p50, p95 = percentile(totals, 50) or 0.0, percentile(totals, 95) or 0.0
    ax.set_title(f"{product}: total latency per question — p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    ax.set_xlabel("total latency (ms)")
    ax.set_ylabel("questions")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    return figure


def _total_ms(record: dict) -> float | None:
    timings = record.get("timings_ms") or {}
    if timings.get("total") is not None:
        return float(timings["total"])
    stages = [timings[s] for s in STAGES[:-1] if timings.get(s) is not None]
    return float(sum(stages)) if stages else None


def _plot_refusals(run: dict, summaries: dict[str, dict], records: list[dict], product: str) -> Any:
    counts = refusal_counts(records)
    no_refusal_question = sum(counts["unanswerable"]) == 0 and counts["answerable"][1] == 0
    if run.get("kind") == "retrieval" or no_refusal_question:
        return None
    matrix = [list(counts["answerable"]), list(counts["unanswerable"])]
    figure, (ax,) = _new_figure(4.5, 4)
    ax.imshow(matrix, cmap="Blues", vmin=0, vmax=max(1, *matrix[0], *matrix[1]))
    top = max(*matrix[0], *matrix[1])
    for row in range(2):
        for col in range(2):
            value = matrix[row][col]
            ax.text(col, row, str(value), ha="center", va="center", color="white" if value > top / 2 else "black")
    ax.set_xticks([0, 1], ["answered", "refused"])
    ax.set_yticks([0, 1], ["answerable", "unanswerable"])
    ax.set_xlabel("product")
    ax.set_ylabel("gold")
    ax.set_title(f"{product}: refusals")
    return figure
